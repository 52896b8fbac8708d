//===- BackendLibrary.cpp - libftpc-backend.so: the C ABI over compiler and runtime ---===//

#include "Backend.h"

#include "ftp/Support/Versions.h"
#include "ftp/Kernels/JitStepKernels.h"
#include "ftp/Kernels/KernelModule.h"
#include "ftp/Kernels/PlanToFtp.h"
#include "ftp/run/RunPlan.h"
#include "ftp/runtime/Environment.h"
#include "ftp/runtime/StepKernels.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <iostream>

// The step kernels at each stage, for `ftpc --emit` (BackendKernels.cpp).
int ftpc_emit_kernels(const char *planJson, const char *stage, char **out);
void ftpc_free_string(char *text);
int ftpc_bench_update(const char *optionsJson);

namespace {

int blasLibrary(char *out, unsigned long size) {
  std::string blas = ftp::runtime::blasLibrary();
  if (size > 0) {
    std::strncpy(out, blas.c_str(), size - 1);
    out[size - 1] = '\0';
  }
  return ftp::runtime::blasIsReference() ? 1 : 0;
}

int runPipeline(const char *planJson, const char *optionsJson) {
  nlohmann::json options = nlohmann::json::parse(optionsJson, nullptr, false);
  if (options.is_discarded()) {
    std::cerr << "ftpc: internal error: bad run options\n";
    return 2;
  }
  ftp::run::RunOptions run;
  run.outDir = options.value("out", "");
  run.resumeDir = options.value("resume", "");
  run.threads = options.value("threads", 0);
  run.quiet = options.value("quiet", false);
  run.driftOverride = options.value("drift_override", std::vector<std::string>{});
  run.kernels = options.value("kernels", "jit");
  run.ftpcVersion = options.value("ftpc_version", "");
  run.mlirVersion = ftp::compiler::mlirVersion();
  run.libtorchVersion = ftp::runtime::libtorchVersion();
  run.blas = ftp::runtime::blasLibrary();
  // The pipeline's ftp IR: its verifiers hold, and every finetune stage has the step kernels it
  // runs (ftp-materialize-step-kernels), before anything is read or trained.
  {
    auto context = ftp::kernels::makeKernelContext();
    std::string why;
    if (!ftp::kernels::compilePlanToFtp(*context, planJson, why)) {
      // A valid program this ftpc cannot execute yet is exit 3; IR the checker should have
      // refused is a bug (2).
      bool notImplemented = why.find("no step kernel") != std::string::npos;
      std::cerr << "ftpc: " << (notImplemented ? "" : "internal error: ")
                << "cannot run this pipeline: " << why << "\n";
      return notImplemented ? 3 : 2;
    }
  }
  // The step kernels: compiled by MLIR (cached on disk), or LibTorch's eager operations for A/B
  // checks (--kernels=eager).
  std::unique_ptr<ftp::runtime::StepKernels> kernels;
  try {
    if (options.value("kernels", "jit") == "eager")
      kernels = ftp::runtime::makeEagerStepKernels();
    else
      kernels = ftp::compiler::createJitStepKernels(options.value("cache_dir", ""));
  } catch (const std::exception &e) {
    std::cerr << "ftpc: internal error: cannot build the step kernels: " << e.what() << "\n";
    return 2;
  }
  return ftp::run::runPlan(planJson, run, *kernels);
}

const FtpcBackendApi kApi = {
    FTPC_BACKEND_ABI_VERSION,
    ftp::compiler::mlirVersion,
    ftp::runtime::libtorchVersion,
    blasLibrary,
    runPipeline,
    ftpc_emit_kernels, // BackendKernels.cpp
    ftpc_free_string,
    ftpc_bench_update, // BackendBench.cpp
};

} // namespace

extern "C" __attribute__((visibility("default"))) const FtpcBackendApi *ftpc_backend_api() {
  return &kApi;
}
