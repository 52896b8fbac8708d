//===- Lock.cpp - `ftpc lock [--check] FILE`: pin the inputs of a pipeline ------===//
//
// The checker knows every file a pipeline reads (CheckedDataset/CheckedModel::resolvedPath), so
// the lock is computed from the checked program: no guessing from the source text. `--check`
// changes nothing and reports each file that differs from ftp.lock, as `ftpc run` does before it
// starts (both go through record::checkDrift).
//
//===----------------------------------------------------------------------------------------===//

#include "Driver.h"

#include <fmt/format.h>

#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace ftp::driver {

std::vector<record::LockInput> lockInputs(const lang::CheckedProgram &program) {
  std::vector<record::LockInput> inputs;
  // Names are the pipeline's own; with several pipelines in one file they are qualified, since
  // two pipelines may each have a dataset `mail`.
  bool qualify = program.pipelines.size() > 1;
  auto name = [&](const lang::CheckedPipeline &pipeline, const std::string &local) {
    return qualify ? pipeline.name + "." + local : local;
  };
  for (const lang::CheckedPipeline &pipeline : program.pipelines) {
    for (const lang::CheckedDataset &dataset : pipeline.datasets)
      if (!dataset.resolvedPath.empty())
        inputs.push_back({"data", name(pipeline, dataset.name), dataset.resolvedPath});
    for (const lang::CheckedModel &model : pipeline.models)
      if (!model.resolvedPath.empty())
        inputs.push_back({"model", name(pipeline, model.name), model.resolvedPath});
  }
  return inputs;
}

namespace {

size_t fileCount(const record::PipelineLock &lock) {
  size_t files = 0;
  for (const record::LockedInput &input : lock)
    files += input.files.size();
  return files;
}

int check(const std::string &path, const std::vector<record::LockInput> &inputs) {
  record::DriftCheck result = record::checkDrift(path, inputs);
  std::string file = fs::path(path).filename().string();
  switch (result.status) {
  case record::DriftCheck::Status::NoLock:
    std::cerr << fmt::format("ftpc: error: no ftp.lock beside `{}`; run `ftpc lock {}` first\n",
                             path, path);
    return kExitUserError;
  case record::DriftCheck::Status::NoEntry:
    std::cerr << fmt::format("ftpc: error: `{}` has no section for `{}`; run `ftpc lock {}`\n",
                             result.lockPath, file, path);
    return kExitUserError;
  case record::DriftCheck::Status::Error:
    std::cerr << fmt::format("ftpc: error: {}\n", result.error);
    return kExitUserError;
  case record::DriftCheck::Status::Match:
    std::cout << fmt::format("{}: every input of `{}` matches\n", result.lockPath, file);
    return kExitOk;
  case record::DriftCheck::Status::Drifted:
    break;
  }
  for (const record::Drift &drift : result.drifts)
    std::cerr << "ftpc: error: " << record::describeDrift(drift) << "\n";
  std::cerr << fmt::format("ftpc: {} change{} since `{}` was written; run `ftpc lock {}` to "
                           "accept {}\n",
                           result.drifts.size(), result.drifts.size() == 1 ? "" : "s",
                           result.lockPath, path, result.drifts.size() == 1 ? "it" : "them");
  return kExitUserError;
}

} // namespace

int lockPipeline(Session &session, const std::string &path,
                 const std::vector<std::string> &overrides, bool checkOnly) {
  auto program = checkProgram(session, path, overrides);
  int status = session.finish();
  if (!program || status != kExitOk)
    return kExitUserError;
  std::vector<record::LockInput> inputs = lockInputs(*program);
  if (checkOnly)
    return check(path, inputs);

  std::string lockPath = record::lockPathFor(path), error;
  std::string lockDir = fs::path(lockPath).parent_path().string();
  auto computed = record::computeLock(inputs, lockDir.empty() ? "." : lockDir, &error);
  if (!computed) {
    std::cerr << "ftpc: error: " << error << "\n";
    return kExitUserError;
  }
  // Other pipelines of the folder keep their sections.
  record::LockFile lock;
  std::error_code ec;
  if (fs::exists(lockPath, ec)) {
    auto existing = record::readLock(lockPath, &error);
    if (!existing) {
      std::cerr << fmt::format("ftpc: error: cannot read `{}`: {}\n", lockPath, error);
      return kExitUserError;
    }
    lock = std::move(*existing);
  }
  std::string file = fs::path(path).filename().string();
  size_t files = fileCount(*computed);
  size_t count = computed->size();
  lock.pipelines[file] = std::move(*computed);
  if (!record::writeLock(lockPath, lock, &error)) {
    std::cerr << fmt::format("ftpc: error: cannot write `{}`: {}\n", lockPath, error);
    return kExitUserError;
  }
  std::cout << fmt::format("wrote {}: {} input{} of `{}`, {} file{}\n", lockPath, count,
                           count == 1 ? "" : "s", file, files, files == 1 ? "" : "s");
  return kExitOk;
}

} // namespace ftp::driver
