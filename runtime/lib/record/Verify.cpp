//===- Verify.cpp - re-hashing a finished run against its manifest --------------===//

#include "ftp/record/Verify.h"

#include "ftp/record/Files.h"

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::record {

VerifyResult verifyRun(const Manifest &manifest, const std::string &runDir, unsigned threads) {
  VerifyResult result;
  auto check = [&](const ManifestFile &file, bool output) {
    fs::path path = fs::path(file.path).is_absolute() ? fs::path(file.path)
                                                      : fs::path(runDir) / file.path;
    std::string why;
    // Outputs are single files; inputs may be folders, hashed the way the driver hashed them.
    auto now = hashInput(path.string(), output ? "output" : file.role, &why, threads);
    if (!now) {
      result.problems.push_back({VerifyProblem::Kind::Missing, output, file.path, file.sha256, "",
                                 why});
      return;
    }
    if (now->sha256 == file.sha256)
      return;
    std::string detail;
    if (file.kind == "folder" && now->files != file.files)
      detail = fmt::format("{} files, was {}", now->files, file.files);
    else if (now->bytes != file.bytes)
      detail = fmt::format("{} bytes, was {}", now->bytes, file.bytes);
    result.problems.push_back(
        {VerifyProblem::Kind::Modified, output, file.path, file.sha256, now->sha256, detail});
  };
  for (const ManifestFile &file : manifest.inputs) {
    check(file, false);
    ++result.inputs;
  }
  for (const ManifestFile &file : manifest.outputs) {
    check(file, true);
    ++result.outputs;
  }
  return result;
}

std::string describeProblem(const VerifyProblem &p) {
  const char *what = p.output ? "output" : "input";
  if (p.kind == VerifyProblem::Kind::Missing)
    return fmt::format("missing {}: {}: {}", what, p.path, p.detail);
  return fmt::format("modified {}: {}: sha256 {} in the manifest, {} now{}", what, p.path,
                     p.expected.substr(0, 12), p.actual.substr(0, 12),
                     p.detail.empty() ? "" : " (" + p.detail + ")");
}

} // namespace ftp::record
