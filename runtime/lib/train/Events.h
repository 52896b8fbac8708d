//===- Events.h - where training reports what it does ---------------------------===//
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace ftp::train {

/// The run driver implements this: events go to metrics.jsonl, messages to run.log, progress to
/// the terminal.
class EventSink {
public:
  virtual ~EventSink() = default;
  /// One line of metrics.jsonl ({"event": "train" | "validate" | ..., ...}).
  virtual void event(const nlohmann::json &record) = 0;
  /// A line for run.log (and stderr unless quiet). Never raw training text.
  virtual void message(const std::string &line) = 0;
  virtual void progress(const std::string &stage, int64_t step, int64_t total, double loss,
                        double samplesPerSecond) = 0;
  virtual void progressDone() = 0;
};

} // namespace ftp::train
