//===- TrainState.cpp - resumable checkpoints of a finetune stage ---------------===//

#include "TrainState.h"

#include "ftp/record/Files.h"
#include "ftp/runtime/Checkpoint.h"
#include "ftp/runtime/Safetensors.h"

#include <fmt/format.h>

#include <algorithm>
#include <fcntl.h>
#include <fstream>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace ftp::train {

namespace fs = std::filesystem;

static void fsyncPath(const fs::path &path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

static std::vector<fs::path> checkpointsIn(const fs::path &dir) {
  std::vector<fs::path> found;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return found;
  for (const auto &entry : fs::directory_iterator(dir, ec))
    if (entry.is_directory() && entry.path().filename().string().rfind("step-", 0) == 0 &&
        fs::exists(entry.path() / "state.json"))
      found.push_back(entry.path());
  std::sort(found.begin(), found.end()); // zero-padded: lexical order is step order
  return found;
}

void saveCheckpoint(const fs::path &checkpointDir, const TrainState &state, int64_t keep) {
  std::string name = fmt::format("step-{:08d}", state.step);
  fs::path tmp = checkpointDir / (".tmp-" + name);
  fs::path final = checkpointDir / name;
  // A checkpoint that cannot be written (a full disk) is the environment's error, not a bug: the
  // half-written folder goes, so that it holds no space, and the earlier checkpoints stay.
  auto fail = [&](const std::string &why) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw record::WriteError(fmt::format("cannot write checkpoint {}: {}", final.string(), why));
  };
  try {
    fs::create_directories(checkpointDir);
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    std::string error;
    if (!runtime::saveSafetensors((tmp / "state.safetensors").string(), state.tensors, {}, &error))
      fail(error);
    nlohmann::json meta{{"format", "ftpc-checkpoint"},
                        {"version", 1},
                        {"step", state.step},
                        {"best", state.best ? nlohmann::json(*state.best) : nlohmann::json(nullptr)},
                        {"best_step", state.bestStep},
                        {"bad_validations", state.badValidations},
                        {"stopped", state.stopped},
                        {"last_loss", state.lastLoss},
                        {"examples_seen", state.examplesSeen},
                        {"identity", state.identity}};
    if (!state.privacy.is_null())
      meta["privacy"] = state.privacy;
    if (!record::writeFileAtomically((tmp / "state.json").string(), meta.dump(2) + "\n", &error))
      fail(error);
    fsyncPath(tmp);
    fs::remove_all(final);
    fs::rename(tmp, final);
  } catch (const fs::filesystem_error &e) {
    fail(e.code().message());
  }
  fsyncPath(checkpointDir);
  auto all = checkpointsIn(checkpointDir);
  for (size_t i = 0; i + static_cast<size_t>(std::max<int64_t>(1, keep)) < all.size(); ++i)
    fs::remove_all(all[i]);
}

std::optional<fs::path> latestCheckpoint(const fs::path &checkpointDir) {
  auto all = checkpointsIn(checkpointDir);
  if (all.empty())
    return std::nullopt;
  return all.back();
}

TrainState loadCheckpoint(const fs::path &folder, const nlohmann::json &expected) {
  fs::path metaPath = folder / "state.json";
  std::ifstream in(metaPath);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(in);
  } catch (const std::exception &e) {
    throw CheckpointError(fmt::format("{}: corrupt checkpoint: {}", metaPath.string(), e.what()));
  }
  if (meta.value("format", "") != "ftpc-checkpoint" || meta.value("version", 0) != 1)
    throw CheckpointError(fmt::format("{}: not an ftpc checkpoint of version 1", metaPath.string()));
  TrainState state;
  state.identity = meta.value("identity", nlohmann::json::object());
  // Refuse to continue a run on different inputs: the result would match neither.
  for (const auto &[key, value] : expected.items()) {
    if (!state.identity.contains(key))
      throw CheckpointError(fmt::format("{}: the checkpoint does not record `{}`; it cannot be "
                                           "resumed safely", metaPath.string(), key));
    if (state.identity[key] != value)
      throw CheckpointError(fmt::format(
          "{}: cannot resume: `{}` changed since the checkpoint was written (was {}, now {})",
          metaPath.string(), key, state.identity[key].dump(), value.dump()));
  }
  state.step = meta.at("step").get<int64_t>();
  if (!meta["best"].is_null())
    state.best = meta["best"].get<double>();
  state.bestStep = meta.value("best_step", int64_t{0});
  state.badValidations = meta.value("bad_validations", int64_t{0});
  state.stopped = meta.value("stopped", false);
  state.lastLoss = meta.value("last_loss", 0.0);
  state.examplesSeen = meta.value("examples_seen", int64_t{0});
  if (meta.contains("privacy"))
    state.privacy = meta["privacy"];
  std::string error;
  auto tensors = runtime::loadSafetensors((folder / "state.safetensors").string(), &error);
  if (!tensors)
    throw CheckpointError(fmt::format("{}: corrupt checkpoint: {}",
                                         (folder / "state.safetensors").string(), error));
  state.tensors = std::move(*tensors);
  return state;
}

} // namespace ftp::train
