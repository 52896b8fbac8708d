//===- Verify.h - re-hashing a finished run against its manifest ----------------===//
//
// `ftpc verify RUN_DIR`: every [[input]] (a folder by its tree hash) and every [[output]] of
// manifest.toml is hashed again; what no longer matches is reported, so that a result can be
// trusted months later, or the change that broke it found.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/record/Manifest.h"

#include <string>
#include <vector>

namespace ftp::record {

struct VerifyProblem {
  enum class Kind { Modified, Missing } kind;
  bool output = false;    // an [[output]], else an [[input]]
  std::string path;       // as the manifest records it
  std::string expected;   // sha256 in the manifest
  std::string actual;     // sha256 now (Modified)
  std::string detail;     // why it is missing; for folders, how the file count changed
};

struct VerifyResult {
  size_t inputs = 0, outputs = 0; // how many were checked
  std::vector<VerifyProblem> problems;
};

/// Inputs with a relative path are resolved against `runDir`, outputs always are.
VerifyResult verifyRun(const Manifest &manifest, const std::string &runDir, unsigned threads = 0);

std::string describeProblem(const VerifyProblem &problem);

} // namespace ftp::record
