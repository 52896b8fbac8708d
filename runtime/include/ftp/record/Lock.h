//===- Lock.h - ftp.lock: the content hashes a pipeline's inputs must have ------===//
//
// `ftpc lock pipeline.ftp` writes ftp.lock beside the pipeline, to be committed with it: for every
// dataset and model the pipeline reads, the SHA-256 of each of its files. `ftpc run` compares the
// files with it before anything runs and refuses when one was modified, added or removed (unless
// --allow-drift, which the manifest records), so a result in git names the exact data behind it.
//
// One ftp.lock serves every pipeline of its folder; each has its own section, keyed by the file
// name, and locking one pipeline leaves the others' sections alone:
//
//   version = 1
//
//   ["spam_filter.ftp".data.mail]
//   path = "../build/fixtures/spam-assassin"       # relative to the folder of ftp.lock
//   kind = "folder"                                # or "file"
//   ["spam_filter.ftp".data.mail.sha256]
//   "easy-ham-1/00001.7c53336b37003a9286aba55d2945844c" = "5a0c…"   # relative to `path`
//
// Paths are relative so that the lock stays valid in another checkout. A dataset that is one file
// has one entry, keyed by its file name (relative to the file's folder).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ftp::record {

/// One input to lock: a dataset's source or a model's folder, as the checker resolved it.
struct LockInput {
  std::string role; // "data" or "model"
  std::string name; // the dataset's or model's name in the pipeline
  std::string path; // file or folder; absolute or relative to the current folder
};

struct LockedInput {
  std::string role;
  std::string name;
  std::string path;                         // relative to the lock's folder
  bool folder = true;                       // false: `path` is one file, keyed by its name
  std::map<std::string, std::string> files; // file (relative to `path`'s folder) -> sha256
};

/// Every input of one pipeline file, in the order given.
using PipelineLock = std::vector<LockedInput>;

struct LockFile {
  std::map<std::string, PipelineLock> pipelines; // keyed by the pipeline's file name
};

/// ftp.lock in the folder of `pipelinePath`.
std::string lockPathFor(const std::string &pipelinePath);

/// Lists and hashes every file of `inputs` (on `threads` workers, 0: two); paths are made relative
/// to `lockDir`. std::nullopt and `error` when an input cannot be read.
std::optional<PipelineLock> computeLock(const std::vector<LockInput> &inputs,
                                        const std::string &lockDir, std::string *error,
                                        unsigned threads = 0);

std::string formatLock(const LockFile &lock);
bool writeLock(const std::string &path, const LockFile &lock, std::string *error);
/// std::nullopt and `error` when the file is missing or not a lock file.
std::optional<LockFile> readLock(const std::string &path, std::string *error);
std::optional<LockFile> parseLock(const std::string &text, const std::string &name,
                                  std::string *error);

struct Drift {
  enum class Kind { Modified, Added, Removed, InputAdded, InputRemoved, PathChanged } kind;
  std::string role, name; // the input it belongs to
  std::string path;       // the file (relative to the lock's folder), or the input's path
  std::string oldSha256, newSha256;
  std::string lockedPath; // PathChanged: the input's path in ftp.lock
};

/// What differs between the locked hashes and the current ones, input by input (matched by role
/// and name), files in path order.
std::vector<Drift> compareLock(const PipelineLock &locked, const PipelineLock &current);

/// One line for a person: "modified: ../data/x.csv (data `mail`): sha256 3f2a9c1b… -> 77d0e4aa…".
std::string describeDrift(const Drift &drift);

/// What the run driver and `ftpc lock --check` do: locks `inputs` now and compares them with the
/// section of `pipelinePath` in its ftp.lock.
struct DriftCheck {
  enum class Status { NoLock, NoEntry, Match, Drifted, Error } status;
  std::string lockPath;
  std::vector<Drift> drifts;
  std::string error;
};
DriftCheck checkDrift(const std::string &pipelinePath, const std::vector<LockInput> &inputs,
                      unsigned threads = 0);

} // namespace ftp::record
