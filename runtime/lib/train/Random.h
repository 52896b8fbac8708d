//===- Random.h - a portable, seedable random stream ----------------------------===//
//
// Shuffles and Poisson sampling must give the same result on every machine and standard library
// for a seed, so they cannot use std::shuffle or std::*_distribution (whose algorithms are
// unspecified). SplitMix64 (Steele, Lea & Flood 2014) is tiny, fast and statistically sound for
// this; streams for different purposes are derived by hashing (seed, purpose, index).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace ftp::train {

class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  /// A stream for (seed, purpose, index): e.g. the shuffle of epoch 3.
  SplitMix64(uint64_t seed, uint64_t purpose, uint64_t index)
      : state_(mix(mix(seed ^ 0x9e3779b97f4a7c15ULL) ^ purpose) ^ mix(index + 0x632be59bd9b4e019ULL)) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    return mix(z);
  }
  /// Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform integer in [0, bound) without modulo bias (Lemire's method with rejection).
  uint64_t below(uint64_t bound) {
    if (bound <= 1)
      return 0;
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
      uint64_t r = next();
      if (r >= threshold)
        return r % bound;
    }
  }
  uint64_t state() const { return state_; }
  void setState(uint64_t state) { state_ = state; }

  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

private:
  uint64_t state_;
};

/// Fisher-Yates with SplitMix64: the same permutation for the same stream everywhere.
template <typename T> void shuffle(std::vector<T> &items, SplitMix64 &rng) {
  for (size_t i = items.size(); i > 1; --i)
    std::swap(items[i - 1], items[rng.below(i)]);
}

// Stream purposes.
inline constexpr uint64_t kShuffleStream = 1;
inline constexpr uint64_t kPoissonStream = 2;
inline constexpr uint64_t kDropoutStream = 3;
inline constexpr uint64_t kPerturbStream = 4;
inline constexpr uint64_t kAuditStream = 5;

} // namespace ftp::train
