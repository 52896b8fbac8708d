//===- RunRecorder.h - the run directory as the run writes it -------------------===//
//
// plan.json, metrics.jsonl (one line per event, flushed as it happens), run.log, data_report.json,
// metrics.json (final metrics only: nothing time-dependent, so identical runs give identical
// files), manifest.toml (what went in and came out, with hashes) and report.html
// (docs/records.md describes each). Also the training's EventSink, with the progress line on
// stderr.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/record/Manifest.h"
#include "ftp/record/Progress.h"
#include "ftp/run/RunPlan.h"
#include "train/Events.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ftp::run {

class RunRecorder final : public train::EventSink {
public:
  /// `append`: a resumed run keeps its metrics.jsonl and run.log and adds to them. `writes`
  /// false: a data-parallel rank other than 0, which records nothing (rank 0 records the run).
  RunRecorder(std::filesystem::path runDir, const RunOptions &options, bool append, bool writes = true);

  void event(const nlohmann::json &record) override;
  void message(const std::string &line) override;
  /// A line for run.log only (what stderr already shows).
  void logOnly(const std::string &line);
  void progress(const std::string &stage, int64_t step, int64_t total, double loss,
                double samplesPerSecond) override;
  void progressDone() override;

  void writePlan(const nlohmann::json &plan);
  void writeDataReport(const nlohmann::json &report);
  void writeMetrics(const nlohmann::json &metrics);
  /// An input to pin in the manifest (a file or a folder, hashed when the run finishes).
  void addInput(const std::string &path, const std::string &role);
  void setPrivacy(const record::PrivacyRecord &privacy) { manifest_.privacy = privacy; }
  void setSeedAndThreads(uint64_t seed, int threads, int processes = 1);
  /// Writes manifest.toml and report.html with the final status.
  void finish(const std::string &status);

  const std::filesystem::path &dir() const { return dir_; }

private:
  std::filesystem::path dir_;
  bool quiet_;
  bool writes_;
  std::ofstream metrics_, log_;
  record::Progress progress_;
  std::string progressStage_;
  record::Manifest manifest_;
  std::vector<std::pair<std::string, std::string>> inputs_; // (path, role)
};

} // namespace ftp::run
