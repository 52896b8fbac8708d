//===- FrontEndBench.cpp - front-end speed on the shipped examples --------------===//
//
// Target (issue 3): `ftpc check` on the largest example in under 20 ms. This measures each
// front-end phase per example file (lex; lex+parse; lex+parse+check, file-system checks included),
// so a regression shows by phase and file. bench/check-latency.sh measures the whole process.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/diag/Diagnostic.h"
#include "lang/lex/Lexer.h"
#include "lang/parse/Parser.h"
#include "lang/sema/Checker.h"

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

// Parse (and, with `check`, check) the file as `ftpc check` does, fresh each iteration.
void parseFile(benchmark::State &state, const std::string &path, bool check) {
  size_t bytes = 0;
  for (auto _ : state) {
    ftp::lang::SourceManager sources;
    std::string error;
    auto file = sources.addFile(path, &error);
    if (!file) {
      state.SkipWithError(error.c_str());
      return;
    }
    bytes = sources.text(*file).size();
    CountingConsumer consumer;
    ftp::lang::DiagnosticEngine diagnostics(sources, consumer);
    ftp::lang::Parser parser(*file, sources, diagnostics);
    ftp::lang::File ast = parser.parseFile();
    if (check) {
      ftp::lang::CheckOptions options;
      options.stdlibDirs = {FTPC_STDLIB_DIR};
      ftp::lang::Checker checker(sources, diagnostics, options);
      auto program = checker.check(ast);
      benchmark::DoNotOptimize(program.pipelines.data());
    }
    benchmark::DoNotOptimize(ast.pipelines.data());
  }
  state.SetBytesProcessed(state.iterations() * bytes);
}

} // namespace

int main(int argc, char **argv) {
  for (const auto &entry : std::filesystem::directory_iterator(FTPC_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".ftp")
      continue;
    std::string path = entry.path().string();
    std::string name = entry.path().filename().string();
    benchmark::RegisterBenchmark(("lex/" + name).c_str(),
                                 [path](benchmark::State &state) { lexFile(state, path); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("parse/" + name).c_str(),
                                 [path](benchmark::State &state) { parseFile(state, path, false); })
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(("check/" + name).c_str(),
                                 [path](benchmark::State &state) { parseFile(state, path, true); })
        ->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
