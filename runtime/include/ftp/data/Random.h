//===- Random.h - portable seeded choices for sample and split -------------------===//
//
// std::shuffle and std::uniform_int_distribution differ between standard libraries, so the same
// seed would split differently with libstdc++ and libc++. This is specified instead:
//   - SplitMix64 (Steele, Lea, Flood 2014): state += 0x9e3779b97f4a7c15, then the mix
//     z = (z ^ z>>30) * 0xbf58476d1ce4e5b9; z = (z ^ z>>27) * 0x94d049bb133111eb; z ^ z>>31;
//   - uniform(n): draws r until r >= 2^64 mod n (rejection, no bias), returns r mod n;
//   - shuffle: Fisher-Yates from the back, j = uniform(i + 1) for i = n-1 .. 1;
//   - the stream of transform t (its index in the dataset's transforms) and stratum s (the index
//     of the label in sorted order, 0 when not stratified) starts from
//     mix(mix(mix(seed + golden) ^ t) ^ s), mix being the SplitMix64 output function and
//     golden 0x9e3779b97f4a7c15.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ftp::data {

class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next();
  /// Uniform in [0, n), n > 0.
  uint64_t uniform(uint64_t n);

private:
  uint64_t state_;
};

uint64_t streamSeed(uint64_t seed, uint64_t transform, uint64_t stratum);

/// Fisher-Yates, as specified above.
void shuffle(std::vector<size_t> &items, SplitMix64 &random);

/// The checker's largest-remainder rule (lang/sema/DatasetSize.cpp, `apportion`): each part gets
/// floor(total * fraction + 1e-9); when the fractions sum to 1 the leftovers go one each to the
/// largest remainders (ties: the earlier part). A copy, since the runtime does not link lang/.
std::vector<int64_t> apportion(int64_t total, const std::vector<double> &fractions);

} // namespace ftp::data
