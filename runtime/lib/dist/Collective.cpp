//===- Collective.cpp - torchrun's variables, TCPStore rendezvous, Gloo all-reduce ---===//

#include "Collective.h"

#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <cstdlib>

namespace ftp::dist {

namespace {

// An environment variable as an integer in [low, high]; `fallback` when unset.
int envInt(const char *name, int fallback, int low, int high) {
  const char *text = std::getenv(name);
  if (!text || !*text)
    return fallback;
  char *end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (*end != '\0' || value < low || value > high)
    throw DistributedError(fmt::format("{}={} is not an integer in [{}, {}]", name, text, low, high));
  return static_cast<int>(value);
}

class GlooCollective final : public Collective {
public:
  GlooCollective(const World &world, std::chrono::milliseconds timeout) : timeout_(timeout) {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(world.storePort());
    options.isServer = world.rank == 0;
    options.numWorkers = static_cast<size_t>(world.size);
    options.waitWorkers = true;
    options.timeout = timeout;
    // Keys under a prefix per torchrun restart: an agent's store outlives the workers it restarts.
    const char *restart = std::getenv("TORCHELASTIC_RESTART_COUNT");
    store_ = c10::make_intrusive<c10d::PrefixStore>(
        fmt::format("ftpc/{}", restart && *restart ? restart : "0"),
        c10::make_intrusive<c10d::TCPStore>(world.masterAddr, options));
    auto groupOptions = c10d::ProcessGroupGloo::Options::create(timeout);
    groupOptions->devices.push_back(
        !world.interface.empty() ? c10d::ProcessGroupGloo::createDeviceForInterface(world.interface)
        : isLoopback(world.masterAddr)
            ? c10d::ProcessGroupGloo::createDeviceForHostname(world.masterAddr)
            : c10d::ProcessGroupGloo::createDefaultDevice());
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, world.rank, world.size, groupOptions);
  }

  int rank() const override { return group_->getRank(); }
  int size() const override { return group_->getSize(); }

  std::function<void()> startSum(torch::Tensor flat, const std::string &what) override {
    std::vector<torch::Tensor> one{flat};
    auto work = guarded(what, [&] { return group_->allreduce(one); });
    return [this, work, what] { wait(work, what); };
  }

  std::vector<double> allReduceSum(std::vector<double> values) override {
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
    wait(guarded("all-reduce of step statistics", [&] { return group_->allreduce(t); }), "all-reduce of step statistics");
    auto *data = t[0].data_ptr<double>();
    return std::vector<double>(data, data + values.size());
  }

  void barrier() override { wait(guarded("barrier", [&] { return group_->barrier(); }), "barrier"); }

  std::string fromRankZero(const std::string &key, const std::string &value) override {
    std::string fullKey = "shared/" + key;
    return guarded("sharing " + key, [&] {
      if (rank() == 0) {
        store_->set(fullKey, std::vector<uint8_t>(value.begin(), value.end()));
        return value;
      }
      std::vector<uint8_t> bytes = store_->get(fullKey);
      return std::string(bytes.begin(), bytes.end());
    });
  }

private:
  static bool isLoopback(const std::string &address) {
    return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
  }

  // Gloo and the store report a dead peer or a timeout as an exception from wherever they notice
  // it; each becomes one DistributedError naming what was being done.
  template <typename Fn> auto guarded(const std::string &what, Fn fn) -> decltype(fn()) {
    try {
      return fn();
    } catch (const DistributedError &) {
      throw;
    } catch (const std::exception &e) {
      throw DistributedError(fmt::format("rank {} of {}: {} failed (a peer process stopped, or the "
                                         "network failed, or it took over {} s): {}",
                                         group_ ? group_->getRank() : -1, group_ ? group_->getSize() : 0,
                                         what, timeout_.count() / 1000, firstLine(e.what())));
    }
  }
  void wait(const c10::intrusive_ptr<c10d::Work> &work, const std::string &what) {
    guarded(what, [&] { return work->wait(timeout_); });
  }
  static std::string firstLine(const std::string &text) { return text.substr(0, text.find('\n')); }

  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group_;
};

} // namespace

void Collective::allReduceSum(const std::vector<torch::Tensor> &tensors, int64_t bucketBytes) {
  // Buckets of consecutive tensors, each flattened into one buffer: one message per bucket
  // instead of one per tensor (a model has hundreds of small ones).
  std::vector<std::vector<size_t>> buckets;
  int64_t filled = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    int64_t bytes = tensors[i].numel() * static_cast<int64_t>(sizeof(float));
    if (buckets.empty() || (filled > 0 && filled + bytes > bucketBytes)) {
      buckets.emplace_back();
      filled = 0;
    }
    buckets.back().push_back(i);
    filled += bytes;
  }
  std::vector<torch::Tensor> flats;
  std::vector<std::function<void()>> waits;
  for (const auto &bucket : buckets) {
    std::vector<torch::Tensor> parts;
    for (size_t i : bucket)
      parts.push_back(tensors[i].reshape({-1}));
    flats.push_back(torch::cat(parts));
    waits.push_back(startSum(flats.back(), "all-reduce of gradients"));
  }
  for (size_t b = 0; b < buckets.size(); ++b) {
    waits[b]();
    int64_t at = 0;
    for (size_t i : buckets[b]) {
      torch::Tensor target = tensors[i]; // a handle: copy_ writes into the caller's tensor
      int64_t n = target.numel();
      target.copy_(flats[b].slice(0, at, at + n).view(target.sizes()));
      at += n;
    }
  }
}

World worldFromEnvironment() {
  World world;
  world.size = envInt("WORLD_SIZE", 1, 1, 1 << 16);
  if (world.size == 1)
    return world;
  world.rank = envInt("RANK", -1, 0, world.size - 1);
  if (world.rank < 0)
    throw DistributedError(fmt::format("WORLD_SIZE={} but RANK is not set", world.size));
  world.localRank = envInt("LOCAL_RANK", 0, 0, 1 << 16);
  const char *addr = std::getenv("MASTER_ADDR");
  if (!addr || !*addr)
    throw DistributedError(fmt::format("WORLD_SIZE={} but MASTER_ADDR is not set", world.size));
  world.masterAddr = addr;
  world.masterPort = envInt("MASTER_PORT", 29500, 1, 65534);
  if (const char *iface = std::getenv("GLOO_SOCKET_IFNAME"); iface && *iface)
    world.interface = iface;
  if (const char *agent = std::getenv("TORCHELASTIC_USE_AGENT_STORE"))
    world.agentStore = std::string(agent) == "True" || std::string(agent) == "1";
  return world;
}

std::unique_ptr<Collective> Collective::connect(const World &world, std::chrono::milliseconds timeout) {
  try {
    return std::make_unique<GlooCollective>(world, timeout);
  } catch (const std::exception &e) {
    throw DistributedError(fmt::format("rank {} of {}: cannot join the job at {}:{}: {}", world.rank,
                                       world.size, world.masterAddr, world.storePort(),
                                       std::string(e.what()).substr(0, std::string(e.what()).find('\n'))));
  }
}

std::pair<int64_t, int64_t> shardOf(int64_t n, int rank, int size) {
  int64_t base = n / size, extra = n % size;
  int64_t begin = rank * base + std::min<int64_t>(rank, extra);
  return {begin, begin + base + (rank < extra ? 1 : 0)};
}

} // namespace ftp::dist
