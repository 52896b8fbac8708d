//===- Launch.cpp - `ftpc run --nproc N`: the ranks of one job on this machine ----===//
//
// What torchrun's standalone mode does, for users without it: N copies of this very command, each
// told its place by torchrun's variables (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT) and rendezvousing on a free loopback port. The launcher only watches:
// when one rank fails or is killed, it stops the others (SIGTERM, then SIGKILL after a grace
// period), so a job never hangs on a dead peer; the ranks' own collectives time out as well.
//
//===----------------------------------------------------------------------------------------===//

#include "Driver.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <thread>
#include <vector>

extern char **environ;

namespace ftp::driver {

namespace {

// A port the kernel says is free now (bound and released: another program could take it before
// rank 0 binds it, in which case the rendezvous fails with a clear error).
int freeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof address;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  close(fd);
  return port;
}

// The worker's command line: this one without --nproc, with --threads when none was given.
std::vector<std::string> workerArguments(const RunFlags &flags, int threadsPerRank) {
  std::vector<std::string> out;
  for (size_t i = 0; i < flags.argv.size(); ++i) {
    const std::string &a = flags.argv[i];
    if (a == "--nproc") {
      ++i; // and its value
      continue;
    }
    if (a.rfind("--nproc=", 0) == 0)
      continue;
    out.push_back(a);
  }
  if (flags.threads <= 0)
    out.push_back(fmt::format("--threads={}", threadsPerRank));
  return out;
}

volatile sig_atomic_t stopRequested = 0;
void onStopSignal(int) { stopRequested = 1; }

std::string describeStatus(int status) {
  if (WIFEXITED(status))
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return "stopped";
}

} // namespace

int launchRanks(const RunFlags &flags) {
  const int n = flags.nproc;
  if (const char *world = std::getenv("WORLD_SIZE"); world && *world && std::string(world) != "1") {
    std::cerr << "ftpc: error: --nproc starts its own ranks, but WORLD_SIZE=" << world
              << " is set (torchrun or Slurm already started this one): leave out --nproc\n";
    return kExitUserError;
  }
  int port = 0;
  if (const char *given = std::getenv("MASTER_PORT"); given && *given)
    port = std::atoi(given);
  else
    port = freeLoopbackPort();
  if (port <= 0 || port > 65535) {
    std::cerr << "ftpc: error: no free loopback port for the ranks' rendezvous\n";
    return kExitInternalError;
  }
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  int threadsPerRank = static_cast<int>(std::max(1u, cores / static_cast<unsigned>(n)));
  std::vector<std::string> args = workerArguments(flags, threadsPerRank);
  std::vector<char *> argvPointers;
  for (std::string &a : args)
    argvPointers.push_back(a.data());
  argvPointers.push_back(nullptr);

  struct sigaction action{};
  action.sa_handler = onStopSignal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  std::vector<pid_t> pids(static_cast<size_t>(n), -1);
  for (int rank = 0; rank < n; ++rank) {
    pid_t pid = fork();
    if (pid < 0) {
      std::cerr << "ftpc: error: cannot start rank " << rank << ": " << std::strerror(errno) << "\n";
      for (pid_t started : pids)
        if (started > 0)
          kill(started, SIGTERM);
      return kExitInternalError;
    }
    if (pid == 0) {
      setenv("RANK", std::to_string(rank).c_str(), 1);
      setenv("LOCAL_RANK", std::to_string(rank).c_str(), 1);
      setenv("WORLD_SIZE", std::to_string(n).c_str(), 1);
      setenv("LOCAL_WORLD_SIZE", std::to_string(n).c_str(), 1);
      setenv("MASTER_ADDR", "127.0.0.1", 1);
      setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
      signal(SIGINT, SIG_DFL);
      signal(SIGTERM, SIG_DFL);
      execve("/proc/self/exe", argvPointers.data(), environ);
      std::fprintf(stderr, "ftpc: error: cannot start rank %d: %s\n", rank, std::strerror(errno));
      _exit(kExitInternalError);
    }
    pids[static_cast<size_t>(rank)] = pid;
  }

  int running = n, firstFailure = kExitOk;
  bool stopping = false;
  auto stopAt = std::chrono::steady_clock::time_point::max();
  auto stopOthers = [&](int signal) {
    for (pid_t pid : pids)
      if (pid > 0)
        kill(pid, signal);
  };
  while (running > 0) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      --running;
      int rank = -1;
      for (int r = 0; r < n; ++r)
        if (pids[static_cast<size_t>(r)] == pid) {
          rank = r;
          pids[static_cast<size_t>(r)] = -1;
        }
      bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && !stopping) {
        // The first failure decides the job's exit code; the ranks it leaves behind would fail
        // on their next collective anyway: stop them now.
        std::cerr << fmt::format("ftpc: error: rank {} of {} {}; stopping the other ranks\n", rank, n,
                                 describeStatus(status));
        firstFailure = WIFEXITED(status) ? WEXITSTATUS(status) : kExitUserError;
        stopping = true;
        stopOthers(SIGTERM);
        stopAt = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      }
      continue;
    }
    if (stopRequested && !stopping) {
      std::cerr << "ftpc: stopping the ranks (signal received)\n";
      firstFailure = kExitUserError;
      stopping = true;
      stopOthers(SIGTERM);
      stopAt = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    }
    if (stopping && std::chrono::steady_clock::now() > stopAt) {
      stopOthers(SIGKILL);
      stopAt = std::chrono::steady_clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return firstFailure;
}

} // namespace ftp::driver
