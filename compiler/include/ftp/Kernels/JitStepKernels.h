//===- JitStepKernels.h - the step kernels compiled by MLIR, run on the CPU ----------===//
//
// The fused kernels of KernelModule.h, lowered to LLVM and compiled once per process by MLIR's
// ExecutionEngine (LLVM -O3 for the host CPU, so the loops are vectorized), with an on-disk
// object cache keyed by the SHA-256 of the lowered module and the target: a warm start links a
// cached object instead of running LLVM's optimizer and code generator.
//
// Threads: each call splits its buffers into one contiguous chunk per OpenMP thread and calls the
// kernel on each (small tensors run on the calling thread). Chunking here rather than in the
// generated code keeps the cached object free of an OpenMP runtime (LibTorch already brings
// libgomp; the JIT'd code would need LLVM's libomp beside it) and costs nothing in exactness:
// the noise is counter-based, each chunk passes its offset.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/runtime/StepKernels.h"

#include <memory>
#include <string>

namespace ftp::compiler {

/// How the kernels came to be, for logs, tests and benchmarks.
struct JitStats {
  bool cacheHit = false;
  double lowerMs = 0;   // building the module and lowering it to the LLVM dialect
  double compileMs = 0; // LLVM optimization and code generation (0 on a cache hit)
  double loadMs = 0;    // linking the object into the process
  std::string objectPath; // empty when nothing could be cached
  std::string cacheKey;   // SHA-256 hex of the lowered module and the target
};

/// The default cache folder: $FTPC_CACHE_DIR/kernels, else $XDG_CACHE_HOME/ftpc/kernels, else
/// ~/.cache/ftpc/kernels.
std::string defaultKernelCacheDir();

/// Compiles (or loads from `cacheDir`, default above when empty) the step kernels. Throws
/// std::runtime_error with the compiler's diagnostics when they cannot be built.
std::unique_ptr<ftp::runtime::StepKernels> createJitStepKernels(const std::string &cacheDir = "");

/// The statistics of a JIT implementation returned by createJitStepKernels (nullptr otherwise).
const JitStats *jitStats(const ftp::runtime::StepKernels &kernels);

} // namespace ftp::compiler
