//===- Verify.cpp - `ftpc verify RUN_DIR`: re-hash a run against its manifest ------===//

#include "Driver.h"

#include "ftp/record/Verify.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace ftp::driver {

int verifyRunDir(const std::string &runDir) {
  std::string manifestPath = (fs::path(runDir) / "manifest.toml").string(), error;
  auto manifest = record::readManifest(manifestPath, &error);
  if (!manifest) {
    std::cerr << fmt::format("ftpc: error: cannot read `{}`: {}\n", manifestPath, error);
    return kExitUserError;
  }
  record::VerifyResult result = record::verifyRun(*manifest, runDir);
  for (const record::VerifyProblem &problem : result.problems)
    std::cout << record::describeProblem(problem) << "\n";
  size_t total = result.inputs + result.outputs;
  if (result.problems.empty()) {
    std::cout << fmt::format("{}: all {} inputs and {} outputs match the manifest\n", runDir,
                             result.inputs, result.outputs);
    return kExitOk;
  }
  std::cout << fmt::format("{}: {} of {} recorded files differ from the manifest\n", runDir,
                           result.problems.size(), total);
  return kExitUserError;
}

} // namespace ftp::driver
