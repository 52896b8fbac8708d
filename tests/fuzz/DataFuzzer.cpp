//===- DataFuzzer.cpp - libFuzzer target over the csv, jsonl and e-mail readers -===//
//
// Every input goes through all three parsers (so one seed corpus of .csv, .jsonl and .eml files
// serves them all). Whatever the bytes: no crash, errors only as DataError / EmailError, and every
// text produced is valid UTF-8 (the e-mail decoder repairs; the readers reject).
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Email.h"
#include "ftp/data/Sources.h"

#include <cstdlib>
#include <string_view>

using namespace ftp::data;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string_view input(reinterpret_cast<const char *>(data), size);
  for (OnError onError : {OnError::Fail, OnError::Skip}) {
    TableOptions options;
    options.textField = "text";
    options.labelField = "label";
    options.onError = onError;
    std::vector<Record> records;
    DataReport report;
    try {
      readCsv(input, "fuzz.csv", options, records, report);
    } catch (const DataError &) {
    }
    try {
      readJsonl(input, "fuzz.jsonl", options, records, report);
    } catch (const DataError &) {
    }
    for (const Record &record : records)
      if (!isValidUtf8(record.text) || !isValidUtf8(record.label))
        std::abort();
  }
  try {
    DecodedEmail mail = decodeEmail(input);
    if (!isValidUtf8(emailText(mail, true, true)))
      std::abort();
  } catch (const EmailError &) {
  }
  if (!isValidUtf8(htmlToText(toUtf8(input, "utf-8"))))
    std::abort();
  return 0;
}
