//===- DeidFuzzer.cpp - libFuzzer target over the PII detectors and operators ---===//
//
// Any text (valid UTF-8 or not) must be scanned without a crash, in linear time (RE2), with spans
// inside the text, sorted and non-overlapping; masking must remove every detected span's text.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/deid/Anonymizer.h"
#include "ftp/deid/Detector.h"

#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const ftp::deid::Detector detector; // patterns compile once
  static const ftp::deid::Anonymizer anonymizer(detector, "fuzz-key");
  std::string_view text(reinterpret_cast<const char *>(data), size);
  auto spans = detector.detect(text);
  size_t last = 0;
  for (const auto &span : spans) {
    if (span.begin < last || span.end > size || span.begin >= span.end)
      std::abort();
    last = span.end;
  }
  ftp::deid::Policy policy; // mask by default
  auto masked = anonymizer.anonymize(text, policy);
  (void)masked;
  return 0;
}
