//===- RecordFuzzer.cpp - libFuzzer target over run records ---------------------===//
//
// A run directory and ftp.lock are files people edit, copy and truncate: any bytes as a
// manifest.toml, an ftp.lock, metrics.json, data_report.json or metrics.jsonl must be read, and the
// report rendered, without a crash, an exception or a sanitizer report; and nothing from them may
// reach the page unescaped.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/record/Lock.h"
#include "ftp/record/Manifest.h"
#include "ftp/record/Report.h"

#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  std::string error;
  ftp::record::parseLock(text, "fuzz.lock", &error);
  ftp::record::ReportInput input;
  input.manifest = ftp::record::parseManifest(text, "fuzz.toml", &error);
  if (input.manifest)
    ftp::record::formatManifest(*input.manifest);
  auto json = nlohmann::ordered_json::parse(text, nullptr, false);
  if (!json.is_discarded()) {
    input.metrics = json;
    input.dataReport = json;
    if (json.is_object())
      input.events = {json, json};
  }
  std::string html = ftp::record::renderReport(input);
  if (html.find("<script") != std::string::npos || html.find("<img") != std::string::npos)
    std::abort();
  return 0;
}
