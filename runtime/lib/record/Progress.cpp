//===- Progress.cpp - training progress on stderr ---------------------------------===//

#include "ftp/record/Progress.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <iostream>
#include <unistd.h>

namespace ftp::record {

Progress::Progress(std::ostream &out, bool terminal, ProgressOptions options, Clock clock)
    : out_(out), terminal_(terminal), options_(options), clock_(std::move(clock)) {
  if (!clock_)
    clock_ = [] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
          .count();
    };
}

Progress Progress::forStderr(ProgressOptions options) {
  return Progress(std::cerr, isatty(STDERR_FILENO) != 0, options);
}

Progress::~Progress() {
  if (drawn_ > 0)
    finish();
}

std::string Progress::formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  auto s = static_cast<int64_t>(std::llround(seconds));
  if (s >= 3600)
    return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  if (s >= 60)
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

void Progress::start(std::string stage, int64_t totalSteps) {
  if (drawn_ > 0)
    finish();
  stage_ = std::move(stage);
  total_ = totalSteps;
  firstStep_ = -1;
  lastPrint_ = -1e300;
  lastPrintedStep_ = -1;
}

std::string Progress::line(int64_t step, double loss, double samplesPerSecond, bool bar) const {
  std::string text = stage_.empty() ? "" : stage_ + "  ";
  text += total_ > 0 ? fmt::format("step {}/{}", step, total_) : fmt::format("step {}", step);
  if (total_ > 0) {
    double done = std::min(1.0, static_cast<double>(step) / static_cast<double>(total_));
    if (bar) {
      int filled = static_cast<int>(done * options_.width);
      std::string cells(static_cast<size_t>(options_.width), ' ');
      for (int i = 0; i < filled; ++i)
        cells[static_cast<size_t>(i)] = '=';
      if (filled < options_.width)
        cells[static_cast<size_t>(filled)] = '>';
      text += " [" + cells + "]";
    }
    text += fmt::format(" {:3.0f}%", 100 * done);
  }
  if (std::isfinite(loss))
    text += fmt::format("  loss {:.4f}", loss);
  if (samplesPerSecond > 0)
    text += fmt::format("  {:.1f} samples/s", samplesPerSecond);
  // ETA from the mean time per step since this stage started (since the resume point when
  // resumed): steadier than the last step's time, which validation and checkpoints disturb.
  if (total_ > 0 && firstStep_ >= 0 && step > firstStep_) {
    double perStep = (now_ - firstTime_) / static_cast<double>(step - firstStep_);
    text += "  ETA " + formatDuration(perStep * static_cast<double>(total_ - step));
  }
  return text;
}

void Progress::clearLine() {
  if (drawn_ > 0) {
    out_ << '\r' << std::string(drawn_, ' ') << '\r';
    drawn_ = 0;
  }
}

void Progress::update(int64_t step, double loss, double samplesPerSecond) {
  if (options_.quiet)
    return;
  now_ = clock_();
  if (firstStep_ < 0) {
    firstStep_ = step;
    firstTime_ = now_;
  }
  bool last = total_ > 0 && step >= total_;
  if (terminal_) {
    if (!last && now_ - lastPrint_ < options_.redrawEverySeconds)
      return;
    std::string text = line(step, loss, samplesPerSecond, true);
    // Spaces over what is left of a longer previous line: no terminal escape codes needed.
    size_t width = text.size();
    if (width < drawn_)
      text += std::string(drawn_ - width, ' ');
    out_ << '\r' << text << std::flush;
    drawn_ = width;
  } else {
    bool due = now_ - lastPrint_ >= options_.plainEverySeconds ||
               (options_.plainEverySteps > 0 &&
                step - lastPrintedStep_ >= options_.plainEverySteps);
    if ((!due && !last) || step == lastPrintedStep_)
      return;
    out_ << line(step, loss, samplesPerSecond, false) << '\n' << std::flush;
    lastPrintedStep_ = step;
  }
  lastPrint_ = now_;
}

void Progress::message(std::string_view text) {
  if (options_.quiet)
    return;
  // The message takes the bar's place; the next update redraws the bar below it.
  clearLine();
  out_ << text << '\n' << std::flush;
  if (terminal_)
    lastPrint_ = -1e300;
}

void Progress::finish() {
  if (options_.quiet)
    return;
  if (terminal_ && drawn_ > 0)
    out_ << '\n' << std::flush;
  drawn_ = 0;
}

} // namespace ftp::record
