#include "ftp/record/Progress.h"

#include <gtest/gtest.h>

#include <sstream>

using ftp::record::Progress;
using ftp::record::ProgressOptions;

namespace {
struct FakeClock {
  double now = 100;
  Progress::Clock clock() {
    return [this] { return now; };
  }
};
} // namespace

// Not a terminal (a log file, CI): whole lines, at most one per interval, and always the last step.
TEST(Progress, PlainLinesWhenNotATerminal) {
  std::ostringstream out;
  FakeClock time;
  ProgressOptions options;
  options.plainEverySeconds = 10;
  Progress progress(out, false, options, time.clock());
  progress.start("finetune clf", 100);
  for (int step = 1; step <= 100; ++step) {
    time.now += 0.5; // 2 steps/s: one line every 20 steps
    progress.update(step, 1.0 / step, 64);
  }
  progress.finish();
  std::string text = out.str();
  EXPECT_EQ(text.find('\r'), std::string::npos);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6) << text;
  EXPECT_EQ(text.substr(0, text.find('\n')),
            "finetune clf  step 1/100   1%  loss 1.0000  64.0 samples/s");
  EXPECT_NE(text.find("finetune clf  step 21/100  21%  loss 0.0476  64.0 samples/s  ETA 40s\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("step 100/100 100%  loss 0.0100  64.0 samples/s  ETA 0s\n"),
            std::string::npos)
      << text;
}

TEST(Progress, PlainLinesEveryNSteps) {
  std::ostringstream out;
  FakeClock time;
  ProgressOptions options;
  options.plainEverySeconds = 1e9;
  options.plainEverySteps = 25;
  Progress progress(out, false, options, time.clock());
  progress.start("", 0); // total unknown: no percentage, no ETA
  for (int step = 1; step <= 60; ++step)
    progress.update(step, 0.5, 0);
  EXPECT_EQ(out.str(), "step 1  loss 0.5000\nstep 26  loss 0.5000\nstep 51  loss 0.5000\n");
}

// A terminal: one line redrawn with \r, padded over a longer previous one, ended by finish().
TEST(Progress, OneUpdatingLineOnATerminal) {
  std::ostringstream out;
  FakeClock time;
  ProgressOptions options;
  options.width = 10;
  Progress progress(out, true, options, time.clock());
  progress.start("ft", 4);
  for (int step = 1; step <= 4; ++step) {
    time.now += 1;
    progress.update(step, step == 2 ? 123456.5 : 0.5, 8);
  }
  progress.message("validate: accuracy 0.97");
  progress.finish();
  std::string text = out.str();
  EXPECT_NE(text.find("\rft  step 1/4 [==>       ]  25%  loss 0.5000  8.0 samples/s"),
            std::string::npos)
      << text;
  // Step 3's line is 5 characters shorter than step 2's: spaces cover the rest.
  EXPECT_NE(text.find("\rft  step 3/4 [=======>  ]  75%  loss 0.5000  8.0 samples/s  ETA 1s     \r"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\rft  step 4/4 [==========] 100%  loss 0.5000  8.0 samples/s  ETA 0s"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("validate: accuracy 0.97\n"), std::string::npos);
}

TEST(Progress, QuietPrintsNothing) {
  std::ostringstream out;
  ProgressOptions options;
  options.quiet = true;
  Progress progress(out, true, options);
  progress.start("ft", 10);
  progress.update(1, 0.5, 10);
  progress.message("hello");
  progress.finish();
  EXPECT_EQ(out.str(), "");
}

TEST(Progress, Durations) {
  EXPECT_EQ(Progress::formatDuration(12.4), "12s");
  EXPECT_EQ(Progress::formatDuration(252), "4m12s");
  EXPECT_EQ(Progress::formatDuration(3780), "1h03m");
  EXPECT_EQ(Progress::formatDuration(-1), "?");
}
