//===- EmitKernels.cpp - `ftpc --emit=mlir|linalg|llvm|ptx` -----------------------===//
//
// The step kernels of each pipeline in FILE at one stage of the lowering: `mlir` (ftp dialect),
// `linalg` (fused linalg on the kernels' buffers), `llvm` (LLVM IR for this CPU), `ptx` (NVVM for
// --gpu-arch, sm_90 by default). The front end checks the file and writes its plan; the back end
// (loaded on demand) picks the kernels the plan needs and lowers them.
//
//===----------------------------------------------------------------------------------------===//

#include "Backend.h"
#include "Driver.h"

#include "lang/plan/Plan.h"

#include <iostream>

namespace ftp::driver {

int emitKernels(Session &session, const std::string &path,
                const std::vector<std::string> &overrides, const std::string &stage,
                const std::string &gpuArch) {
  LoadedConfig loaded;
  auto program = checkProgram(session, path, overrides, &loaded);
  if (!program)
    return session.finish();
  int status = session.finish();
  if (status != kExitOk)
    return status;
  const FtpcBackendApi *backend = loadBackend();
  if (!backend)
    return kExitInternalError;
  for (const lang::CheckedPipeline &pipeline : program->pipelines) {
    nlohmann::json plan = lang::makePlan(pipeline, loaded.config);
    plan["chip"] = gpuArch.empty() ? "sm_90" : gpuArch;
    char *out = nullptr;
    int failed = backend->emitKernels(plan.dump().c_str(), stage.c_str(), &out);
    if (failed) {
      std::cerr << "ftpc: cannot emit the step kernels of `" << path << "`: " << out << "\n";
      backend->freeString(out);
      return kExitUserError;
    }
    std::cout << out;
    backend->freeString(out);
  }
  return kExitOk;
}

} // namespace ftp::driver
