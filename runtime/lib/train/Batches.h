//===- Batches.h - tokenized examples and padded batches ------------------------===//
//
// Every example is tokenized once, ahead of training, on all threads (the order of the result
// does not depend on the thread count). Batches are padded only to their own longest example
// (dynamic padding): e-mails vary from a few tokens to max_len, and padding every batch to
// max_len would waste most of the compute on padding.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/runtime/Tokenizer.h"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace ftp::train {

struct TokenizedSet {
  std::vector<std::vector<int32_t>> ids; // with special tokens, truncated to max length
  std::vector<int32_t> labels;           // -1 for language modelling
  int32_t padId = 0;
  size_t size() const { return ids.size(); }
};

/// Tokenizes `texts` (labels alongside) to at most `maxLength` tokens each, on `threads` threads.
TokenizedSet tokenizeAll(const runtime::Tokenizer &tokenizer, const std::vector<std::string> &texts,
                         const std::vector<int32_t> &labels, size_t maxLength, int threads);

struct Batch {
  torch::Tensor inputIds;      // [B, L] int64
  torch::Tensor attentionMask; // [B, L] int64
  torch::Tensor labels;        // [B] int64 (classification) or [B, L] with -100 at padding (LM)
  int64_t size() const { return inputIds.size(0); }
};

/// The examples at `indices`, padded to the longest of them. For language modelling the labels
/// are the input ids, -100 at padding (the model shifts them).
Batch makeBatch(const TokenizedSet &set, const std::vector<int64_t> &indices, bool languageModel);

} // namespace ftp::train
