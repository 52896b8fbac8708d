//===- RunPlan.h - execute a compiled plan: `ftpc run` --------------------------===//
//
// The runtime's entry point. It receives the plan JSON the compiler wrote (see lang/plan/Plan.h for
// the format; only the JSON crosses the boundary), the command line's run options and the step
// kernels the compiler JIT-compiled (or the eager ones), and leaves a run directory behind.
// LibTorch-free header: ftpc's back-end library includes it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/runtime/StepKernels.h"

#include <string>
#include <vector>

namespace ftp::run {

struct RunOptions {
  std::string outDir;       // the run directory; empty: <output_root>/<pipeline>/<run id>
  std::string resumeDir;    // continue this run directory from its newest checkpoint
  int threads = 0;          // 0: the plan's setting (0 there: every core)
  bool quiet = false;
  std::vector<std::string> driftOverride; // files that differ from ftp.lock, run anyway
  std::string kernels = "jit";
  // For the manifest.
  std::string ftpcVersion, mlirVersion, libtorchVersion, blas;
};

/// Runs every stage of the plan. Returns ftpc's exit code: 0, 1 for a user error (bad data, a
/// checkpoint that does not match), 2 for an internal error; the message is already printed.
int runPlan(const std::string &planJson, const RunOptions &options, runtime::StepKernels &kernels);

} // namespace ftp::run
