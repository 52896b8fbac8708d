//===- FrontEndBench.cpp - front-end speed on the shipped examples --------------===//
//
// Target (issue 3): `ftpc check` on the largest example in under 20 ms. This measures the front-end
// phases that exist, one benchmark per example file, so a regression shows per phase and file.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/diag/Diagnostic.h"
#include "lang/lex/Lexer.h"

#include <benchmark/benchmark.h>

#include <filesystem>

namespace {

class CountingConsumer : public ftp::lang::DiagnosticConsumer {
public:
  void handle(const ftp::lang::Diagnostic &) override { ++count; }
  int count = 0;
};

void lexFile(benchmark::State &state, const std::string &path) {
  ftp::lang::SourceManager sources;
  std::string error;
  auto file = sources.addFile(path, &error);
  if (!file) {
    state.SkipWithError(error.c_str());
    return;
  }
  CountingConsumer consumer;
  ftp::lang::DiagnosticEngine diagnostics(sources, consumer);
  size_t tokens = 0;
  for (auto _ : state) {
    ftp::lang::Lexer lexer(*file, sources, diagnostics);
    auto all = lexer.lexAll();
    tokens = all.size();
    benchmark::DoNotOptimize(all.data());
  }
  state.SetBytesProcessed(state.iterations() * sources.text(*file).size());
  state.counters["tokens"] = static_cast<double>(tokens);
}

} // namespace

int main(int argc, char **argv) {
  for (const auto &entry : std::filesystem::directory_iterator(FTPC_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".ftp")
      continue;
    std::string path = entry.path().string();
    benchmark::RegisterBenchmark(("lex/" + entry.path().filename().string()).c_str(),
                                 [path](benchmark::State &state) { lexFile(state, path); });
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
