//===- DistributedTest.cpp - sharding and torchrun's variables --------------------===//
//
// The sharding every rank computes on its own must agree across ranks: disjoint, covering, in rank
// order, balanced. torchrun's variables, when wrong, are a clear error before any rendezvous.
// (The collectives themselves run in tests/lit/run/distributed*.test, across real processes.)
//
//===----------------------------------------------------------------------------------------===//

#include "dist/Collective.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace ftp::dist;

TEST(Sharding, DisjointCoveringBalancedInRankOrder) {
  for (int64_t n : {0, 1, 2, 7, 8, 9, 100, 1001})
    for (int size : {1, 2, 3, 8}) {
      int64_t next = 0, smallest = n, largest = 0;
      for (int rank = 0; rank < size; ++rank) {
        auto [begin, end] = shardOf(n, rank, size);
        EXPECT_EQ(begin, next) << n << " over " << size << ", rank " << rank;
        EXPECT_LE(begin, end);
        smallest = std::min(smallest, end - begin);
        largest = std::max(largest, end - begin);
        next = end;
      }
      EXPECT_EQ(next, n) << n << " over " << size;
      EXPECT_LE(largest - smallest, 1) << n << " over " << size;
    }
}

class TorchrunEnvironment : public ::testing::Test {
protected:
  void SetUp() override {
    for (const char *v : kVars)
      unsetenv(v);
  }
  void TearDown() override { SetUp(); }
  static constexpr const char *kVars[] = {"WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR",
                                          "MASTER_PORT", "GLOO_SOCKET_IFNAME"};
};

TEST_F(TorchrunEnvironment, NoVariablesIsOneProcess) {
  World world = worldFromEnvironment();
  EXPECT_FALSE(world.distributed());
  setenv("WORLD_SIZE", "1", 1);
  EXPECT_FALSE(worldFromEnvironment().distributed());
}

TEST_F(TorchrunEnvironment, TorchrunVariables) {
  setenv("WORLD_SIZE", "4", 1);
  setenv("RANK", "3", 1);
  setenv("LOCAL_RANK", "1", 1);
  setenv("MASTER_ADDR", "10.0.0.7", 1);
  setenv("MASTER_PORT", "29511", 1);
  setenv("GLOO_SOCKET_IFNAME", "eth1", 1);
  World world = worldFromEnvironment();
  EXPECT_TRUE(world.distributed());
  EXPECT_EQ(world.size, 4);
  EXPECT_EQ(world.rank, 3);
  EXPECT_EQ(world.localRank, 1);
  EXPECT_EQ(world.masterAddr, "10.0.0.7");
  EXPECT_EQ(world.masterPort, 29511);
  EXPECT_EQ(world.interface, "eth1");
}

TEST_F(TorchrunEnvironment, BadVariablesAreErrors) {
  auto message = [] {
    try {
      worldFromEnvironment();
    } catch (const DistributedError &e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  setenv("WORLD_SIZE", "2", 1);
  EXPECT_EQ(message(), "WORLD_SIZE=2 but RANK is not set");
  setenv("RANK", "2", 1);
  EXPECT_EQ(message(), "RANK=2 is not an integer in [0, 1]");
  setenv("RANK", "1", 1);
  EXPECT_EQ(message(), "WORLD_SIZE=2 but MASTER_ADDR is not set");
  setenv("MASTER_ADDR", "127.0.0.1", 1);
  setenv("MASTER_PORT", "http", 1);
  EXPECT_EQ(message(), "MASTER_PORT=http is not an integer in [1, 65534]");
  setenv("WORLD_SIZE", "two", 1);
  EXPECT_EQ(message(), "WORLD_SIZE=two is not an integer in [1, 65536]");
}
