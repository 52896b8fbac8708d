//===- Run.cpp - `ftpc run`: check, compile, hand the plan to the back end ------===//
//
// The front end checks the whole program first (nothing runs on a program with errors), turns
// each pipeline into its plan, and passes it to libftpc-backend.so, which JIT-compiles the step
// kernels and executes the plan on LibTorch.
//
//===----------------------------------------------------------------------------------------===//

#include "Backend.h"
#include "Driver.h"

#include "lang/plan/Plan.h"
#include "ftp/record/Lock.h"

#include "ftp/Version.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

namespace ftp::driver {

int runPipelines(Session &session, const RunFlags &flags) {
  LoadedConfig loaded;
  auto program = checkProgram(session, flags.file, flags.overrides, &loaded);
  int status = session.finish();
  if (!program || status != kExitOk)
    return status == kExitOk ? kExitUserError : status;
  if (program->pipelines.empty()) {
    std::cerr << "ftpc: error: " << flags.file << " defines no pipeline to run\n";
    return kExitUserError;
  }
  if (program->pipelines.size() > 1 && (!flags.out.empty() || !flags.resume.empty())) {
    std::cerr << "ftpc: error: " << flags.file
              << " defines several pipelines; --out and --resume name one run directory\n";
    return kExitUserError;
  }
  // ftp.lock pins the inputs: a run on drifted files is refused, or recorded when allowed.
  std::vector<std::string> drifted;
  record::DriftCheck drift = record::checkDrift(flags.file, lockInputs(*program));
  if (drift.status == record::DriftCheck::Status::Error) {
    std::cerr << "ftpc: error: " << drift.error << "\n";
    return kExitUserError;
  }
  if (drift.status == record::DriftCheck::Status::Drifted) {
    for (const record::Drift &d : drift.drifts) {
      std::cerr << "ftpc: " << (flags.allowDrift ? "warning" : "error") << ": "
                << record::describeDrift(d) << "\n";
      drifted.push_back(d.path);
    }
    if (!flags.allowDrift) {
      std::cerr << "ftpc: note: the inputs differ from " << drift.lockPath
                << "; run `ftpc lock " << flags.file
                << "` to accept them, or pass --allow-drift to run anyway (recorded in the "
                   "manifest)\n";
      return kExitUserError;
    }
  }
  if (flags.nproc > 1) {
    // Checked once here (above); the workers check again, quietly, and run.
    if (program->pipelines.size() > 1) {
      std::cerr << "ftpc: error: --nproc runs one pipeline; " << flags.file
                << " defines several\n";
      return kExitUserError;
    }
    return launchRanks(flags);
  }
  const FtpcBackendApi *backend = loadBackend();
  if (!backend)
    return kExitInternalError;
  for (const lang::CheckedPipeline &pipeline : program->pipelines) {
    nlohmann::json plan = lang::makePlan(pipeline, loaded.config);
    nlohmann::json options{{"out", flags.out},
                           {"resume", flags.resume},
                           {"threads", flags.threads},
                           {"quiet", flags.quiet},
                           {"drift_override", drifted},
                           {"kernels", flags.kernels},
                           {"cache_dir", loaded.config.paths.cacheDir},
                           {"ftpc_version", FTPC_VERSION_STRING}};
    int code = backend->runPipeline(plan.dump().c_str(), options.dump().c_str());
    if (code != kExitOk)
      return code;
  }
  return kExitOk;
}

} // namespace ftp::driver
