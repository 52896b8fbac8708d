//===- Report.cpp - the data report and its JSON ----------------------------------===//
//
// The report goes into the run record, so it holds counts, fixed reason strings, label names and
// origins (file:line) only: never text from an example, which may be personal data.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Dataset.h"

namespace ftp::data {

void DataReport::skip(const std::string &reason, const std::string &origin) {
  Reason &r = skipped[reason];
  ++r.count;
  if (r.first.size() < kMaxOrigins)
    r.first.push_back(origin);
}

int64_t DataReport::skippedTotal() const {
  int64_t total = 0;
  for (const auto &[reason, r] : skipped)
    total += r.count;
  return total;
}

nlohmann::json DataReport::toJson() const {
  nlohmann::json reasons = nlohmann::json::object();
  for (const auto &[reason, r] : skipped)
    reasons[reason] = {{"count", r.count}, {"first", r.first}};
  nlohmann::json parts = nlohmann::json::array();
  for (const Part &part : splits)
    parts.push_back({{"name", part.name}, {"size", part.size}, {"labels", part.labels}});
  nlohmann::json doc = {
      {"read", read},
      {"skipped", {{"total", skippedTotal()}, {"reasons", reasons}}},
      {"filtered", filtered},
      {"sampled_out", sampledOut},
      {"splits", parts},
  };
  if (!email.empty())
    doc["email"] = email;
  if (!deidMode.empty()) {
    doc["deid"] = {{"mode", deidMode}, {"found", deid}};
    if (deidOperators.is_object() && !deidOperators.empty())
      doc["deid"]["operators"] = deidOperators;
  }
  return doc;
}

} // namespace ftp::data
