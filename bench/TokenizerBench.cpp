//===- TokenizerBench.cpp - tokenizer throughput on real mail --------------------===//
//
// WordPiece (all-MiniLM-L6-v2) and byte-level BPE (the test data's gpt2-tiny) encoding the first
// 2 MB of the SpamAssassin mails, one encode() per mail (special tokens and offsets, no truncation),
// one thread, reported as MB/s (10^6 bytes of input per CPU second). bench/tokenizer_vs_hf.py runs this next to HuggingFace
// `tokenizers` on the very same text and prints the ratio.
//
// Input: $FTPC_TOKENIZER_BENCH_TEXT when set (a JSON array of strings, as the script writes it),
// otherwise the mail files of the fixture in sorted order, raw bytes, until 2 MB.
//
//===----------------------------------------------------------------------------------------===//

#include "MailCorpus.h"
#include "ftp/runtime/Tokenizer.h"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

constexpr size_t kTextBytes = 2'000'000;

/// The mails to encode, or an empty list (and `error` set) when there is no input.
const std::vector<std::string> &mails(std::string &error) {
  static std::vector<std::string> texts;
  static std::string loadError;
  static bool loaded = false;
  if (!loaded) {
    loaded = true;
    if (const char *file = std::getenv("FTPC_TOKENIZER_BENCH_TEXT")) {
      texts = nlohmann::json::parse(ftp::bench::readAll(file)).get<std::vector<std::string>>();
    } else {
      texts = ftp::bench::firstMails(FTPC_FIXTURES_DIR, kTextBytes);
      if (texts.empty())
        loadError = "fixture spam-assassin is not prepared; run scripts/fixtures.sh";
    }
  }
  error = loadError;
  return texts;
}

void encodeMails(benchmark::State &state, const ftp::runtime::Tokenizer &tok) {
  std::string error;
  const auto &texts = mails(error);
  if (texts.empty()) {
    state.SkipWithError(error.empty() ? "no input text" : error.c_str());
    return;
  }
  size_t bytes = 0, tokens = 0;
  for (const auto &t : texts)
    bytes += t.size();
  // Offsets on, as HuggingFace always computes them.
  ftp::runtime::EncodeOptions options;
  options.withOffsets = true;
  for (auto _ : state) {
    tokens = 0;
    for (const auto &t : texts) {
      auto encoding = tok.encode(t, options);
      tokens += encoding.ids.size();
      benchmark::DoNotOptimize(encoding.ids.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes) / 1e6,
                                              benchmark::Counter::kIsIterationInvariantRate);
  state.counters["mails"] = static_cast<double>(texts.size());
  state.counters["tokens"] = static_cast<double>(tokens);
}

void BM_WordPieceMail(benchmark::State &state) {
  std::string dir = std::string(FTPC_FIXTURES_DIR) + "/all-MiniLM-L6-v2";
  if (!std::filesystem::exists(dir + "/.ready")) {
    state.SkipWithError("fixture all-MiniLM-L6-v2 is not prepared; run scripts/fixtures.sh");
    return;
  }
  static const auto tok = ftp::runtime::WordPieceTokenizer::fromTokenizerJson(dir + "/tokenizer.json");
  encodeMails(state, tok);
}
BENCHMARK(BM_WordPieceMail)->Unit(benchmark::kMillisecond)->MinTime(2.0);

void BM_ByteLevelBpeMail(benchmark::State &state) {
  static const auto tok = ftp::runtime::ByteLevelBpeTokenizer::fromTokenizerJson(
      std::string(FTPC_TOKENIZER_DATA_DIR) + "/gpt2-tiny/tokenizer.json");
  encodeMails(state, tok);
}
BENCHMARK(BM_ByteLevelBpeMail)->Unit(benchmark::kMillisecond)->MinTime(2.0);

} // namespace

BENCHMARK_MAIN();
