//===- FrontEndFuzzer.cpp - libFuzzer target over the .ftp front end ------------===//
//
// Any byte string must be lexed (and, as the phases land, parsed and checked) without a crash,
// hang or sanitizer report, and every diagnostic must carry a location inside the buffer.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/diag/Diagnostic.h"
#include "lang/diag/DiagnosticPrinters.h"
#include "lang/lex/Lexer.h"

#include <cstdlib>
#include <sstream>

namespace {

class CheckingConsumer : public ftp::lang::DiagnosticConsumer {
public:
  CheckingConsumer(const ftp::lang::SourceManager &sources, size_t size)
      : sources_(sources), size_(size), printer_(sources, out_) {}
  void handle(const ftp::lang::Diagnostic &d) override {
    // Every diagnostic about the buffer points inside it (end-of-buffer included).
    if (!d.range.valid() || d.range.begin.offset > size_ || d.range.end.offset > size_ ||
        d.range.end.offset < d.range.begin.offset)
      std::abort();
    printer_.handle(d); // the printer must cope with any line, too
  }

private:
  const ftp::lang::SourceManager &sources_;
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
  return 0;
}
