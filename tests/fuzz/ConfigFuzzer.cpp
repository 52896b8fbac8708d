//===- ConfigFuzzer.cpp - libFuzzer target over ftp.toml ------------------------===//
//
// Any bytes as an ftp.toml must be read without a crash or sanitizer report, and every
// diagnostic must point inside the file.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/config/ProjectConfig.h"
#include "lang/diag/Diagnostic.h"

#include <cstdlib>

namespace {

class CheckingConsumer : public ftp::lang::DiagnosticConsumer {
public:
  explicit CheckingConsumer(size_t size) : size_(size) {}
  void handle(const ftp::lang::Diagnostic &d) override {
    if (!d.range.valid() || d.range.begin.offset > size_ || d.range.end.offset > size_)
      std::abort();
  }

private:
  size_t size_;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ftp::lang::SourceManager sources;
  uint32_t file =
      sources.addBuffer("ftp.toml", std::string(reinterpret_cast<const char *>(data), size));
  CheckingConsumer consumer(size);
  ftp::lang::DiagnosticEngine diagnostics(sources, consumer);
  ftp::lang::ProjectConfig config = ftp::lang::defaultProjectConfig("/nonexistent/project",
                                                                    "/nonexistent/project");
  ftp::lang::parseProjectConfig(config, file, sources, diagnostics);
  return 0;
}
