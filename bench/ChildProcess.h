//===- ChildProcess.h - a measurement in a child process of its own -------------===//
//
// Benchmarks that compare modes side by side run each mode in a forked child, so that its peak RSS
// (ru_maxrss) is its own and no mode inherits another's caches or allocator state.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>

namespace ftp::bench {

struct ChildResult {
  double seconds = -1; ///< what `measure` returned; -1 when the child failed
  double peakMiB = 0;  ///< the child's peak resident set
};

/// Forks, runs `measure` in the child and returns its result with the child's peak RSS.
inline ChildResult runInChild(const std::function<double()> &measure) {
  int fds[2];
  if (pipe(fds) != 0)
    std::exit(1);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    double seconds = measure();
    if (write(fds[1], &seconds, sizeof seconds) != sizeof seconds)
      _exit(1);
    _exit(0);
  }
  close(fds[1]);
  ChildResult r;
  if (read(fds[0], &r.seconds, sizeof r.seconds) != sizeof r.seconds)
    r.seconds = -1;
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  r.peakMiB = static_cast<double>(usage.ru_maxrss) / 1024.0; // KiB on Linux
  return r;
}

} // namespace ftp::bench
