//===- DeidBench.cpp - de-identification throughput on real mail ------------------===//
//
// Detects and masks personal data in the first 2 MB of the SpamAssassin mails (the fixture's mail
// files in sorted order, raw bytes, the last one cut at 2 MB), one anonymize() per mail, one
// thread, reported as MB/s (10^6 bytes of input per CPU second). Two variants: the structured
// detectors only, and with person names from the first-names fixture.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/deid/Anonymizer.h"

#include "MailCorpus.h"

#include <benchmark/benchmark.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

constexpr size_t kTextBytes = 2'000'000;

const std::vector<std::string> &mails() {
  static const std::vector<std::string> texts = ftp::bench::firstMails(FTPC_FIXTURES_DIR, kTextBytes);
  return texts;
}

void run(benchmark::State &state, bool names) {
  const auto &texts = mails();
  if (texts.empty()) {
    state.SkipWithError("fixture spam-assassin is not prepared; run scripts/fixtures.sh");
    return;
  }
  ftp::deid::DetectorOptions options;
  if (names) {
    std::string dir = std::string(FTPC_FIXTURES_DIR) + "/first-names/";
    if (!std::filesystem::exists(dir + ".ready")) {
      state.SkipWithError("fixture first-names is not prepared; run scripts/fixtures.sh");
      return;
    }
    options.nameFiles = {dir + "female.txt", dir + "male.txt"};
  }
  ftp::deid::Detector detector(options);
  ftp::deid::Anonymizer anonymizer(detector, "bench-key");
  ftp::deid::Policy policy;
  size_t bytes = 0, found = 0;
  for (const auto &text : texts)
    bytes += text.size();
  for (auto _ : state) {
    for (const auto &text : texts) {
      auto result = anonymizer.anonymize(text, policy);
      for (size_t count : result.counts)
        found += count;
      benchmark::DoNotOptimize(result.text.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes) * state.iterations());
  state.counters["entities_per_pass"] = static_cast<double>(found) / state.iterations();
  state.counters["MB/s"] = benchmark::Counter(static_cast<double>(bytes) * state.iterations() / 1e6,
                                              benchmark::Counter::kIsRate);
}

void BM_DeidStructured(benchmark::State &state) { run(state, false); }
void BM_DeidWithNames(benchmark::State &state) { run(state, true); }
BENCHMARK(BM_DeidStructured)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DeidWithNames)->Unit(benchmark::kMillisecond);

} // namespace

BENCHMARK_MAIN();
