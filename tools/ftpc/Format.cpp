//===- Format.cpp - `ftpc fmt FILE... [--check]` --------------------------------===//
//
// Rewrites each file in its canonical layout (lang/format/Formatter.cpp has the rules), or with
// --check lists the files that would change. A file with errors is reported and left alone.
//
//===----------------------------------------------------------------------------------------===//

#include "Driver.h"

#include "lang/format/Formatter.h"

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <sys/stat.h>
#include <unistd.h>

namespace ftp::driver {
namespace {

/// Replaces the file at `path` with `text` atomically: a temporary file in the same folder (so the
/// rename stays on one file system) with the original's permission bits, renamed over the
/// original. Readers see the old file or the new one, never half of either, and an interrupted
/// run leaves the original intact. Returns an error message, or an empty string on success.
std::string replaceFile(const std::string &path, const std::string &text) {
  // Write through a symbolic link, not over it: the link is what the user keeps in place.
  char resolved[PATH_MAX];
  if (!realpath(path.c_str(), resolved))
    return std::strerror(errno);
  std::string target = resolved;
  struct stat info;
  if (stat(target.c_str(), &info) != 0)
    return std::strerror(errno);

  std::string folder = target.substr(0, target.rfind('/') + 1);
  std::string temp = folder + ".ftpc-fmt-XXXXXX";
  int fd = mkstemp(temp.data());
  if (fd < 0)
    return fmt::format("cannot create a temporary file in `{}`: {}", folder, std::strerror(errno));

  std::string error;
  size_t written = 0;
  while (error.empty() && written < text.size()) {
    ssize_t n = write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno != EINTR)
      error = std::strerror(errno);
    else if (n > 0)
      written += static_cast<size_t>(n);
  }
  if (error.empty() && fchmod(fd, info.st_mode & 07777) != 0)
    error = std::strerror(errno);
  if (error.empty() && fsync(fd) != 0)
    error = std::strerror(errno);
  if (close(fd) != 0 && error.empty())
    error = std::strerror(errno);
  if (error.empty() && rename(temp.c_str(), target.c_str()) != 0)
    error = std::strerror(errno);
  if (!error.empty())
    unlink(temp.c_str());
  return error;
}

} // namespace

int formatFiles(Session &session, const std::vector<std::string> &paths, bool check) {
  bool failed = false;
  bool wouldChange = false;
  for (const std::string &path : paths) {
    auto file = session.load(path);
    if (!file)
      continue; // reported; the session's error count makes the exit code 1
    std::optional<std::string> formatted =
        lang::formatSource(*file, session.sources(), session.diagnostics());
    if (!formatted || *formatted == session.sources().text(*file))
      continue;
    if (check) {
      std::cout << fmt::format("would reformat {}\n", path);
      wouldChange = true;
      continue;
    }
    std::string error = replaceFile(path, *formatted);
    if (!error.empty()) {
      std::cerr << fmt::format("ftpc: error: cannot write `{}`: {}\n", path, error);
      failed = true;
    }
  }
  std::cout.flush();
  int code = session.finish();
  return failed || wouldChange ? kExitUserError : code;
}

} // namespace ftp::driver
