//===- JitCompile.h - compile or load the step kernels (internal) ---------------===//
//
// The MLIR/LLVM-heavy half of JitStepKernels, kept apart from the dispatch code so that the
// latter compiles in seconds and with OpenMP.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/Kernels/JitStepKernels.h"

#include <map>
#include <memory>
#include <string>

namespace ftp::compiler::detail {

struct LoadedKernels {
  std::shared_ptr<void> jit; // owns the code the symbols point into
  std::map<std::string, void *> symbols; // kernel name -> its _mlir_ciface_ wrapper
  JitStats stats;
};

/// Lowers the step-kernel module, then loads the object from `cacheDir` or compiles and caches
/// it. Throws std::runtime_error on failure.
LoadedKernels compileStepKernels(const std::string &cacheDir);

} // namespace ftp::compiler::detail
