//===- Collective.h - data-parallel ranks on LibTorch's c10d (Gloo) ------------===//
//
// ftpc does not invent a distributed layer: ranks find each other through c10d's TCPStore and talk
// through c10d's Gloo process group, configured by torchrun's environment variables (MASTER_ADDR,
// MASTER_PORT, RANK, WORLD_SIZE, LOCAL_RANK), so torchrun, Slurm or `ftpc run --nproc N` start
// the same program. Every failure of a collective (a peer that died, a timeout) becomes a
// DistributedError naming the operation, so a run stops with a message instead of hanging.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace ftp::dist {

struct DistributedError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// This process's place in the job, from torchrun's variables. A single process (size 1) when
/// WORLD_SIZE is unset or 1. Malformed or inconsistent variables are a DistributedError.
struct World {
  int rank = 0, size = 1, localRank = 0;
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  /// Gloo's network interface (GLOO_SOCKET_IFNAME), empty: the address MASTER_ADDR is reached by.
  std::string interface;
  /// torchrun's agent already serves its store at MASTER_PORT (TORCHELASTIC_USE_AGENT_STORE).
  /// Its protocol is newer than LibTorch 1.13's client speaks (measured: the client times out),
  /// so rank 0 serves ftpc's own store at MASTER_PORT + 1 instead.
  bool agentStore = false;
  int storePort() const { return agentStore ? masterPort + 1 : masterPort; }
  bool distributed() const { return size > 1; }
};
World worldFromEnvironment();

class Collective {
public:
  /// Rendezvous at MASTER_ADDR:MASTER_PORT (rank 0 serves the store) and builds the Gloo group.
  /// `timeout` bounds every wait: a rendezvous, a collective whose peer hangs.
  static std::unique_ptr<Collective> connect(const World &world, std::chrono::milliseconds timeout);
  virtual ~Collective() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Starts summing a contiguous float32 tensor over the ranks, in place, and returns at once; the
  /// returned function waits for the sum (a DistributedError when it fails). Every rank must start
  /// the same sums in the same order.
  virtual std::function<void()> startSum(torch::Tensor flat, const std::string &what) = 0;
  /// Sums float32 tensors over the ranks, in place, in buckets of about `bucketBytes` (each
  /// bucket one flat all-reduce; all buckets are in flight at once).
  void allReduceSum(const std::vector<torch::Tensor> &tensors, int64_t bucketBytes = kBucketBytes);
  static constexpr int64_t kBucketBytes = 25 << 20; // PyTorch DDP's default bucket size
  /// Sums doubles over the ranks (losses, counts), exactly: float64 end to end.
  virtual std::vector<double> allReduceSum(std::vector<double> values) = 0;
  virtual void barrier() = 0;
  /// Rank 0's `value` on every rank (through the store, under `key`; each key once per job).
  virtual std::string fromRankZero(const std::string &key, const std::string &value) = 0;
};

/// The contiguous part of [0, n) that rank `rank` of `size` takes: sizes differ by at most one,
/// the parts are disjoint, cover [0, n) and are in rank order.
std::pair<int64_t, int64_t> shardOf(int64_t n, int rank, int size);

} // namespace ftp::dist
