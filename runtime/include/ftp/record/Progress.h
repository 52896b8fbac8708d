//===- Progress.h - training progress on stderr ----------------------------------===//
//
// On a terminal, one line redrawn in place (`\r`):
//
//   finetune clf  step 120/900 [=====>              ]  13%  loss 0.4321  11.2 samples/s  ETA 4m12s
//
// When stderr is a file or a pipe (CI logs, `2> run.err`), carriage returns would pile up in one
// huge line, so a plain line is printed every `plainEverySeconds` (and on the last step) instead.
// `quiet` prints nothing. The stream, the terminal test and the clock are injected for tests.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

namespace ftp::record {

struct ProgressOptions {
  bool quiet = false;
  double plainEverySeconds = 30; // non-terminal output: at most one line this often ...
  int64_t plainEverySteps = 0;   // ... or every this many steps (0: by time only)
  double redrawEverySeconds = 0.1; // terminal: redraws at most this often
  int width = 24;                  // of the bar, in characters
};

class Progress {
public:
  using Clock = std::function<double()>; // seconds, monotonic

  Progress(std::ostream &out, bool terminal, ProgressOptions options = {}, Clock clock = {});
  /// std::cerr, a terminal when isatty(STDERR_FILENO).
  static Progress forStderr(ProgressOptions options = {});
  ~Progress();

  /// Starts a stage of `totalSteps` steps (0: unknown, no bar or ETA).
  void start(std::string stage, int64_t totalSteps);
  void update(int64_t step, double loss, double samplesPerSecond);
  /// A line of its own (validation results, warnings) that does not break the bar.
  void message(std::string_view line);
  /// Ends the stage: the terminal line is completed with a newline.
  void finish();

  /// "4m12s", "1h03m", "12s".
  static std::string formatDuration(double seconds);

private:
  std::string line(int64_t step, double loss, double samplesPerSecond, bool bar) const;
  void clearLine();

  std::ostream &out_;
  bool terminal_;
  ProgressOptions options_;
  Clock clock_;
  std::string stage_;
  int64_t total_ = 0;
  int64_t firstStep_ = -1;    // the step at which timing started (a resumed run starts late)
  double firstTime_ = 0;
  double lastPrint_ = -1e300;
  int64_t lastPrintedStep_ = -1;
  size_t drawn_ = 0;          // characters of the line currently on the terminal
  double now_ = 0;
};

} // namespace ftp::record
