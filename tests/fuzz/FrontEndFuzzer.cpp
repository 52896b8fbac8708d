//===- FrontEndFuzzer.cpp - libFuzzer target over the .ftp front end ------------===//
//
// Any byte string must be lexed, parsed and checked without a crash, hang or sanitizer report, and
// every diagnostic about the input must carry a location inside the buffer it names. The checker
// runs without file-system checks (the fuzzer must not wander the disk) but with everything else.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/diag/Diagnostic.h"
#include "lang/diag/DiagnosticPrinters.h"
#include "lang/format/Formatter.h"
#include "lang/lex/Lexer.h"
#include "lang/parse/Parser.h"
#include "lang/sema/Checker.h"

#include <cstdlib>
#include <sstream>

namespace {

class CheckingConsumer : public ftp::lang::DiagnosticConsumer {
public:
  CheckingConsumer(const ftp::lang::SourceManager &sources, size_t size)
      : size_(size), printer_(sources, out_) {}
  void handle(const ftp::lang::Diagnostic &d) override {
    check(d);
    for (const auto &note : d.notes)
      check(note);
    printer_.handle(d); // the printer must cope with any line, too
  }

private:
  // Every diagnostic points inside the buffer it names (end-of-buffer included). The fuzz input
  // is buffer 1; the schema's defaults never produce diagnostics.
  void check(const ftp::lang::Diagnostic &d) {
    if (!d.range.valid())
      std::abort();
    if (d.range.begin.file != 1)
      return;
    if (d.range.begin.offset > size_ || d.range.end.offset > size_ ||
        (d.range.end.file == 1 && d.range.end.offset < d.range.begin.offset))
      std::abort();
  }

public:

private:
  size_t size_;
  std::ostringstream out_;
  ftp::lang::TextDiagnosticPrinter printer_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ftp::lang::SourceManager sources;
  uint32_t file = sources.addBuffer("fuzz.ftp", std::string(reinterpret_cast<const char *>(data), size));
  CheckingConsumer consumer(sources, size);
  ftp::lang::DiagnosticEngine diagnostics(sources, consumer);
  ftp::lang::Lexer lexer(file, sources, diagnostics);
  auto tokens = lexer.lexAll();
  // The tokens tile the buffer in order.
  uint32_t last = 0;
  for (const auto &token : tokens) {
    if (token.range.begin.offset < last || token.range.end.offset > size)
      std::abort();
    last = token.range.end.offset;
  }
  // Parse and check, reporting into a second engine (the lexer's diagnostics came above).
  ftp::lang::SourceManager checkedSources;
  uint32_t checkedFile = checkedSources.addBuffer(
      "fuzz.ftp", std::string(reinterpret_cast<const char *>(data), size));
  CheckingConsumer checkedConsumer(checkedSources, size);
  ftp::lang::DiagnosticEngine checkedDiagnostics(checkedSources, checkedConsumer);
  ftp::lang::Parser parser(checkedFile, checkedSources, checkedDiagnostics);
  ftp::lang::File ast = parser.parseFile();
  ftp::lang::CheckOptions options;
  options.checkFilesystem = false;
  ftp::lang::Checker checker(checkedSources, checkedDiagnostics, options);
  checker.check(ast);

  // The formatter: valid input formats (its own safety check compares trees and comments), and
  // formatting the result again changes nothing.
  if (!checkedDiagnostics.hasErrors()) {
    ftp::lang::SourceManager fmtSources;
    CheckingConsumer fmtConsumer(fmtSources, size);
    ftp::lang::DiagnosticEngine fmtDiagnostics(fmtSources, fmtConsumer);
    uint32_t once = fmtSources.addBuffer("fuzz.ftp", std::string(reinterpret_cast<const char *>(data), size));
    if (auto formatted = ftp::lang::formatSource(once, fmtSources, fmtDiagnostics)) {
      uint32_t twice = fmtSources.addBuffer("formatted.ftp", *formatted);
      auto again = ftp::lang::formatSource(twice, fmtSources, fmtDiagnostics);
      if (!again || *again != *formatted)
        std::abort();
    }
  }
  return 0;
}
