//===- RunRecorder.cpp - the run directory as the run writes it -----------------===//

#include "run/RunRecorder.h"

#include "ftp/record/Files.h"
#include "ftp/record/Report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>

namespace ftp::run {

namespace fs = std::filesystem;
using nlohmann::json;

static void writeAtomically(const fs::path &path, const std::string &text) {
  std::string error;
  if (!record::writeFileAtomically(path.string(), text, &error))
    throw record::WriteError(fmt::format("cannot write {}: {}", path.string(), error));
}

// metrics.jsonl and run.log are appended line by line; a line the disk refused must stop the run
// with the reason rather than be dropped.
static void checkAppended(std::ofstream &stream, const fs::path &path, size_t bytes) {
  if (stream)
    return;
  int errnum = errno;
  stream.clear();
  throw record::WriteError(
      fmt::format("cannot write {}: {}", path.string(), record::describeWriteFailure(path.string(), errnum, bytes)));
}

RunRecorder::RunRecorder(fs::path runDir, const RunOptions &options, bool append, bool writes)
    : dir_(std::move(runDir)), quiet_(options.quiet || !writes), writes_(writes),
      progress_(record::Progress::forStderr(record::ProgressOptions{options.quiet || !writes})) {
  if (!writes_)
    return;
  auto mode = append ? std::ios::app : std::ios::trunc;
  metrics_.open(dir_ / "metrics.jsonl", std::ios::out | mode);
  log_.open(dir_ / "run.log", std::ios::out | mode);
  if (!metrics_ || !log_)
    throw record::WriteError(fmt::format("cannot write to the run directory {}: {}", dir_.string(),
                                         std::strerror(errno)));
  manifest_.ftpcVersion = options.ftpcVersion;
  manifest_.mlirVersion = options.mlirVersion;
  manifest_.libtorchVersion = options.libtorchVersion;
  manifest_.blas = options.blas;
  manifest_.kernels = options.kernels;
  manifest_.runId = dir_.filename().string();
  manifest_.driftOverride = options.driftOverride;
  manifest_.startedAt = record::utcTimestamp();
  manifest_.status = "running";
}

void RunRecorder::event(const json &record) {
  if (!writes_)
    return;
  std::string line = record.dump() + "\n";
  metrics_ << line;
  metrics_.flush();
  checkAppended(metrics_, dir_ / "metrics.jsonl", line.size());
}

void RunRecorder::logOnly(const std::string &line) {
  if (!writes_)
    return;
  std::string text = record::utcTimestamp() + " " + line + "\n";
  log_ << text;
  log_.flush();
  checkAppended(log_, dir_ / "run.log", text.size());
}

void RunRecorder::message(const std::string &line) {
  if (!writes_)
    return;
  logOnly(line);
  if (!quiet_)
    progress_.message("ftpc: " + line);
}

void RunRecorder::progress(const std::string &stage, int64_t step, int64_t total, double loss,
                           double samplesPerSecond) {
  if (stage != progressStage_) {
    progress_.start(stage, total);
    progressStage_ = stage;
  }
  progress_.update(step, loss, samplesPerSecond);
}

void RunRecorder::progressDone() {
  progress_.finish();
  progressStage_.clear();
}

void RunRecorder::writePlan(const json &plan) {
  if (!writes_)
    return;
  writeAtomically(dir_ / "plan.json", plan.dump(2) + "\n");
  manifest_.configJson = plan.dump();
  manifest_.pipeline = plan.value("pipeline", "");
  manifest_.pipelineFile = plan.value("file", "");
  // Waivers of the de-identification rule are part of what the run promised.
  for (const json &d : plan.value("datasets", json::array()))
    for (const json &t : d.value("transforms", json::array()))
      if (t.value("fn", "") == "allow_pii")
        manifest_.allowPiiReasons.push_back(d.value("name", "") + ": " + t.value("reason", ""));
  // Absolute, so `ftpc verify` finds it from any folder.
  std::string file = plan.value("file", "");
  if (!file.empty())
    addInput(fs::absolute(file).lexically_normal().string(), "pipeline");
}

void RunRecorder::setSeedAndThreads(uint64_t seed, int threads, int processes) {
  manifest_.seed = static_cast<int64_t>(seed);
  manifest_.threads = threads;
  manifest_.processes = processes;
}

void RunRecorder::writeDataReport(const json &report) {
  if (!writes_)
    return;
  writeAtomically(dir_ / "data_report.json", report.dump(2) + "\n");
}

void RunRecorder::writeMetrics(const json &metrics) {
  if (!writes_)
    return;
  writeAtomically(dir_ / "metrics.json", metrics.dump(2) + "\n");
}

void RunRecorder::addInput(const std::string &path, const std::string &role) {
  if (!writes_)
    return;
  if (path.empty())
    return;
  for (const auto &[known, r] : inputs_)
    if (known == path)
      return;
  inputs_.emplace_back(path, role);
}

void RunRecorder::finish(const std::string &status) {
  if (!writes_)
    return;
  manifest_.status = status;
  manifest_.finishedAt = record::utcTimestamp();
  manifest_.inputs.clear();
  manifest_.outputs.clear();
  for (const auto &[path, role] : inputs_) {
    std::string error;
    if (auto hashed = record::hashInput(path, role, &error))
      manifest_.inputs.push_back(*hashed);
    else
      message(fmt::format("warning: cannot hash input {}: {}", path, error));
  }
  // Every file the run wrote, except the manifest itself and the report rendered from it.
  std::vector<std::string> outputs;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir_, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (ec)
      break;
    if (!it->is_regular_file())
      continue;
    std::string relative = fs::relative(it->path(), dir_).string();
    if (relative == "manifest.toml" || relative == "report.html" || relative.find("/.tmp-") != std::string::npos)
      continue;
    outputs.push_back(relative);
  }
  std::sort(outputs.begin(), outputs.end());
  metrics_.flush();
  log_.flush();
  for (const std::string &relative : outputs) {
    std::string error;
    if (auto hashed = record::hashOutput(dir_.string(), relative, &error))
      manifest_.outputs.push_back(*hashed);
  }
  std::string error;
  if (!record::writeManifest((dir_ / "manifest.toml").string(), manifest_, &error))
    throw record::WriteError(fmt::format("cannot write the manifest: {}", error));
  if (!record::writeReport(dir_.string(), &error))
    message("warning: cannot write report.html: " + error);
}

} // namespace ftp::run
