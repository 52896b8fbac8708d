//===- Pipeline.h - the examples between the source and the split (internal) -----===//
#pragma once

#include "ftp/data/Dataset.h"
#include "ftp/data/Sources.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace ftp::data::detail {

struct Item {
  std::string text;
  std::string label; // empty when unlabelled
  std::string origin;
};

struct State {
  std::vector<Item> items;
  /// Examples per label, kept as the checker keeps its labelCounts (DatasetSize.cpp): empty when
  /// the dataset is unlabelled or after a non-stratified `sample`, and then `sample` and `split`
  /// do not stratify, as the checker's sizes assume.
  std::map<std::string, int64_t> counts;
  OnError onError = OnError::Fail;
  std::string sourcePath; // for messages: the resolved source path
  bool textfolder = false;
};

/// Runs fn(begin, end) over [0, n) in `threads` contiguous chunks (order-preserving by design:
/// each index is written only by its chunk).
void parallelChunks(size_t n, int threads, const std::function<void(size_t, size_t)> &fn);

// The transforms. `index` is the transform's position in the dataset's list (a PRNG stream).
void emailText(State &state, const nlohmann::json &t, int threads, DataReport &report);
void deidentify(State &state, const nlohmann::json &t, const LoadOptions &options,
                DataReport &report);
void filter(State &state, const nlohmann::json &t, DataReport &report);
void sample(State &state, const nlohmann::json &t, uint64_t seed, uint64_t index,
            DataReport &report);
/// Returns the parts in the order of `splits` ([[name, fraction], ...]).
std::vector<std::vector<Item>> split(State &state, const nlohmann::json &t,
                                     const nlohmann::json &splits, uint64_t seed, uint64_t index);

/// Text of textfolder files must be UTF-8 unless email_text decodes it: checked before the first
/// other transform. Bad ones fail or are skipped per on_error.
void requireUtf8(State &state, DataReport &report);

} // namespace ftp::data::detail
