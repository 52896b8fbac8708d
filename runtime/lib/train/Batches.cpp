//===- Batches.cpp - tokenized examples and padded batches ----------------------===//

#include "Batches.h"

#include <algorithm>
#include <exception>
#include <thread>

namespace ftp::train {

TokenizedSet tokenizeAll(const runtime::Tokenizer &tokenizer, const std::vector<std::string> &texts,
                         const std::vector<int32_t> &labels, size_t maxLength, int threads) {
  TokenizedSet set;
  set.ids.resize(texts.size());
  set.labels = labels;
  set.padId = tokenizer.padId() >= 0 ? tokenizer.padId() : 0;
  runtime::EncodeOptions options;
  options.maxLength = maxLength;
  size_t workers = std::max<size_t>(1, std::min<size_t>(threads, texts.size()));
  std::vector<std::exception_ptr> errors(workers);
  std::vector<std::thread> pool;
  // Contiguous chunks, each worker writing only its own slots: the result is the same for any
  // number of threads.
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
      size_t begin = texts.size() * w / workers, end = texts.size() * (w + 1) / workers;
      try {
        for (size_t i = begin; i < end; ++i) {
          set.ids[i] = tokenizer.encode(texts[i], options).ids;
          if (set.ids[i].empty()) // an empty text still needs one position for the model
            set.ids[i].push_back(set.padId);
        }
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto &thread : pool)
    thread.join();
  for (auto &error : errors)
    if (error)
      std::rethrow_exception(error);
  return set;
}

Batch makeBatch(const TokenizedSet &set, const std::vector<int64_t> &indices, bool languageModel) {
  int64_t batch = static_cast<int64_t>(indices.size());
  int64_t length = 1;
  for (int64_t i : indices)
    length = std::max<int64_t>(length, static_cast<int64_t>(set.ids[i].size()));
  Batch out;
  out.inputIds = torch::full({batch, length}, set.padId, torch::kInt64);
  out.attentionMask = torch::zeros({batch, length}, torch::kInt64);
  auto ids = out.inputIds.accessor<int64_t, 2>();
  auto mask = out.attentionMask.accessor<int64_t, 2>();
  for (int64_t b = 0; b < batch; ++b) {
    const auto &tokens = set.ids[indices[b]];
    for (size_t t = 0; t < tokens.size(); ++t) {
      ids[b][t] = tokens[t];
      mask[b][t] = 1;
    }
  }
  if (languageModel) {
    out.labels = out.inputIds.masked_fill(out.attentionMask == 0, -100);
  } else {
    out.labels = torch::empty({batch}, torch::kInt64);
    for (int64_t b = 0; b < batch; ++b)
      out.labels[b] = static_cast<int64_t>(set.labels[indices[b]]);
  }
  return out;
}

} // namespace ftp::train
