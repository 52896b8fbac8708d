//===- Lock.cpp - computing, writing, reading and comparing ftp.lock ------------===//

#include "ftp/record/Lock.h"

#include "TomlJson.h"
#include "ftp/record/Files.h"

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::record {
namespace {

constexpr int64_t kLockVersion = 1;

std::string relativeTo(const std::string &path, const std::string &base) {
  fs::path absolute = fs::absolute(path).lexically_normal();
  fs::path rel = absolute.lexically_relative(fs::absolute(base).lexically_normal());
  return rel.empty() ? absolute.generic_string() : rel.generic_string();
}

/// The path of a locked file, relative to the lock's folder, for messages.
std::string filePath(const LockedInput &input, const std::string &name) {
  // A one-file input's `path` is the file itself and its key is the file's name.
  if (!input.folder)
    return input.path;
  return (fs::path(input.path) / name).generic_string();
}

Drift drift(Drift::Kind kind, const LockedInput &input, std::string path,
            std::string oldSha256 = "", std::string newSha256 = "") {
  Drift d{kind, input.role, input.name, std::move(path), std::move(oldSha256),
          std::move(newSha256), ""};
  return d;
}

std::string shortHash(const std::string &sha) { return sha.substr(0, 8) + "…"; }

} // namespace

std::string lockPathFor(const std::string &pipelinePath) {
  fs::path dir = fs::path(pipelinePath).parent_path();
  return (dir / "ftp.lock").string();
}

std::optional<PipelineLock> computeLock(const std::vector<LockInput> &inputs,
                                        const std::string &lockDir, std::string *error,
                                        unsigned threads) {
  // All files of all inputs go to the workers in one list, so that a small model folder does not
  // wait behind a large mail folder.
  PipelineLock lock;
  std::vector<std::string> paths;
  std::vector<std::pair<size_t, std::string>> owners; // (input, name) per path
  for (const LockInput &input : inputs) {
    std::string why;
    auto names = listInputFiles(input.path, input.role, &why);
    if (!names) {
      if (error)
        *error = fmt::format("cannot read {} `{}` at `{}`: {}", input.role, input.name,
                             input.path, why);
      return std::nullopt;
    }
    std::error_code ec;
    lock.push_back({input.role, input.name, relativeTo(input.path, lockDir),
                    fs::is_directory(input.path, ec), {}});
    std::string base = inputBase(input.path);
    for (std::string &name : *names) {
      paths.push_back((fs::path(base) / name).string());
      owners.emplace_back(lock.size() - 1, std::move(name));
    }
  }
  std::vector<FileDigest> digests = hashFiles(paths, threads);
  for (size_t i = 0; i < digests.size(); ++i) {
    if (digests[i].sha256.empty()) {
      if (error)
        *error = fmt::format("cannot read `{}`: {}", digests[i].path, digests[i].error);
      return std::nullopt;
    }
    lock[owners[i].first].files[owners[i].second] = std::move(digests[i].sha256);
  }
  return lock;
}

std::string formatLock(const LockFile &lock) {
  toml::table root{{"version", kLockVersion}};
  for (const auto &[pipeline, inputs] : lock.pipelines) {
    toml::table section;
    for (const LockedInput &input : inputs) {
      toml::table hashes;
      for (const auto &[name, sha] : input.files)
        hashes.insert_or_assign(name, sha);
      if (!section.contains(input.role))
        section.insert_or_assign(input.role, toml::table{});
      section[input.role].as_table()->insert_or_assign(
          input.name, toml::table{{"path", input.path},
                                  {"kind", input.folder ? "folder" : "file"},
                                  {"sha256", std::move(hashes)}});
    }
    root.insert_or_assign(pipeline, std::move(section));
  }
  return "# ftp.lock: content hashes of every data and model file the pipelines in this folder "
         "read.\n# Written by `ftpc lock`; commit it with the pipelines. `ftpc run` refuses to run "
         "when a\n# file has changed (`ftpc lock --check` shows which).\n\n" +
         printToml(root) + "\n";
}

bool writeLock(const std::string &path, const LockFile &lock, std::string *error) {
  return writeFileAtomically(path, formatLock(lock), error);
}

std::optional<LockFile> readLock(const std::string &path, std::string *error) {
  auto text = readFile(path, error);
  if (!text)
    return std::nullopt;
  return parseLock(*text, path, error);
}

std::optional<LockFile> parseLock(const std::string &text, const std::string &name,
                                  std::string *error) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error &e) {
    if (error)
      *error = fmt::format("{}:{}: {}", e.source().begin.line, e.source().begin.column,
                           e.description());
    return std::nullopt;
  }
  if (root["version"].value_or(int64_t(0)) != kLockVersion) {
    if (error)
      *error = fmt::format("not an ftp.lock of version {}", kLockVersion);
    return std::nullopt;
  }
  LockFile lock;
  for (const auto &[pipeline, node] : root) {
    const toml::table *section = node.as_table();
    if (!section)
      continue; // `version`
    PipelineLock &inputs = lock.pipelines[std::string(pipeline.str())];
    for (const auto &[role, byName] : *section)
      if (const toml::table *named = byName.as_table())
        for (const auto &[name, entry] : *named) {
          const toml::table *table = entry.as_table();
          if (!table)
            continue;
          LockedInput input{std::string(role.str()), std::string(name.str()),
                            (*table)["path"].value_or(std::string()),
                            (*table)["kind"].value_or(std::string("folder")) == "folder", {}};
          if (const toml::table *hashes = (*table)["sha256"].as_table())
            for (const auto &[file, sha] : *hashes)
              input.files[std::string(file.str())] = sha.value_or(std::string());
          inputs.push_back(std::move(input));
        }
  }
  return lock;
}

std::vector<Drift> compareLock(const PipelineLock &locked, const PipelineLock &current) {
  std::vector<Drift> drifts;
  auto find = [](const PipelineLock &lock, const LockedInput &like) -> const LockedInput * {
    for (const LockedInput &input : lock)
      if (input.role == like.role && input.name == like.name)
        return &input;
    return nullptr;
  };
  for (const LockedInput &now : current) {
    const LockedInput *then = find(locked, now);
    if (!then) {
      drifts.push_back(drift(Drift::Kind::InputAdded, now, now.path));
      continue;
    }
    if (then->path != now.path) {
      // Another source altogether: listing its files as added and removed would say less.
      Drift moved = drift(Drift::Kind::PathChanged, now, now.path);
      moved.lockedPath = then->path;
      drifts.push_back(std::move(moved));
      continue;
    }
    // Both maps are sorted: one merge pass finds modified, added and removed files in path order.
    auto a = then->files.begin(), b = now.files.begin();
    while (a != then->files.end() || b != now.files.end()) {
      if (b == now.files.end() || (a != then->files.end() && a->first < b->first)) {
        drifts.push_back(drift(Drift::Kind::Removed, now, filePath(now, a->first), a->second));
        ++a;
      } else if (a == then->files.end() || b->first < a->first) {
        drifts.push_back(
            drift(Drift::Kind::Added, now, filePath(now, b->first), "", b->second));
        ++b;
      } else {
        if (a->second != b->second)
          drifts.push_back(drift(Drift::Kind::Modified, now, filePath(now, a->first),
                                 a->second, b->second));
        ++a, ++b;
      }
    }
  }
  for (const LockedInput &then : locked)
    if (!find(current, then))
      drifts.push_back(drift(Drift::Kind::InputRemoved, then, then.path));
  return drifts;
}

std::string describeDrift(const Drift &d) {
  std::string owner = fmt::format("{} `{}`", d.role, d.name);
  switch (d.kind) {
  case Drift::Kind::Modified:
    return fmt::format("modified: {} ({}): sha256 {} -> {}", d.path, owner,
                       shortHash(d.oldSha256), shortHash(d.newSha256));
  case Drift::Kind::Added:
    return fmt::format("added: {} ({})", d.path, owner);
  case Drift::Kind::Removed:
    return fmt::format("removed: {} ({})", d.path, owner);
  case Drift::Kind::InputAdded:
    return fmt::format("not in ftp.lock: {} at {}", owner, d.path);
  case Drift::Kind::InputRemoved:
    return fmt::format("no longer read: {} at {}", owner, d.path);
  case Drift::Kind::PathChanged:
    return fmt::format("moved: {} now reads {} (locked: {})", owner, d.path, d.lockedPath);
  }
  return "";
}

DriftCheck checkDrift(const std::string &pipelinePath, const std::vector<LockInput> &inputs,
                      unsigned threads) {
  DriftCheck check{DriftCheck::Status::Error, lockPathFor(pipelinePath), {}, {}};
  std::error_code ec;
  if (!fs::exists(check.lockPath, ec)) {
    check.status = DriftCheck::Status::NoLock;
    return check;
  }
  auto lock = readLock(check.lockPath, &check.error);
  if (!lock)
    return check;
  auto entry = lock->pipelines.find(fs::path(pipelinePath).filename().string());
  if (entry == lock->pipelines.end()) {
    check.status = DriftCheck::Status::NoEntry;
    return check;
  }
  std::string lockDir = fs::path(check.lockPath).parent_path().string();
  auto current = computeLock(inputs, lockDir.empty() ? "." : lockDir, &check.error, threads);
  if (!current)
    return check;
  check.drifts = compareLock(entry->second, *current);
  check.status = check.drifts.empty() ? DriftCheck::Status::Match : DriftCheck::Status::Drifted;
  return check;
}

} // namespace ftp::record
