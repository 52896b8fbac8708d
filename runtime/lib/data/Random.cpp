//===- Random.cpp - SplitMix64, Fisher-Yates and the largest-remainder rule ------===//

#include "ftp/data/Random.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace ftp::data {
namespace {
uint64_t mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
} // namespace

uint64_t SplitMix64::next() {
  state_ += 0x9e3779b97f4a7c15ull;
  return mix(state_);
}

uint64_t SplitMix64::uniform(uint64_t n) {
  // 2^64 mod n, computed in 64 bits: (2^64 - n) mod n.
  uint64_t threshold = (0 - n) % n;
  for (;;) {
    uint64_t r = next();
    if (r >= threshold)
      return r % n;
  }
}

uint64_t streamSeed(uint64_t seed, uint64_t transform, uint64_t stratum) {
  return mix(mix(mix(seed + 0x9e3779b97f4a7c15ull) ^ transform) ^ stratum);
}

void shuffle(std::vector<size_t> &items, SplitMix64 &random) {
  for (size_t i = items.size(); i > 1; --i) {
    size_t j = static_cast<size_t>(random.uniform(i));
    std::swap(items[i - 1], items[j]);
  }
}

// Kept identical to ftp::lang::apportion; DataSplitTest compares the two.
std::vector<int64_t> apportion(int64_t total, const std::vector<double> &fractions) {
  std::vector<int64_t> parts;
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  double fractionSum = 0;
  for (size_t i = 0; i < fractions.size(); ++i) {
    double exact = static_cast<double>(total) * fractions[i];
    auto part = static_cast<int64_t>(std::floor(exact + 1e-9));
    parts.push_back(part);
    given += part;
    fractionSum += fractions[i];
    remainders.push_back({exact - static_cast<double>(part), i});
  }
  if (std::abs(fractionSum - 1.0) < 1e-9) {
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    for (size_t k = 0; given < total && k < remainders.size(); ++k, ++given)
      ++parts[remainders[k].second];
  }
  return parts;
}

} // namespace ftp::data
