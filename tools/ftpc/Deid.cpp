//===- Deid.cpp - `ftpc deid`: de-identify one field of a JSONL file ---------------===//
//
//   ftpc deid IN.jsonl --field text -o OUT.jsonl [--report R.json] [--mode mask|redact|hash]
//             [--operator KIND=OPERATOR]...
//                      [--names FILE]...
//
// Every line is one JSON object; the string field `--field` is anonymized and every other field is
// kept (in its order). Blank lines stay blank, so OUT has one line per line of IN. A line that is
// not a JSON object with that string field stops the run with its line number (exit 1). OUT and
// the report are written to temporary files renamed into place, so a failed run leaves neither.
// The report holds counts per type, never the text found. `--mode hash` keys HMAC-SHA256 with
// $FTPC_DEID_KEY when set (pseudonyms then match across runs), else with a random per-run key.
//
//===----------------------------------------------------------------------------------------===//

#include "Driver.h"

#include "ftp/deid/Anonymizer.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <unistd.h>

namespace ftp::driver {

namespace {
/// A file written under a temporary name beside its destination and renamed into place by
/// commit(); removed if never committed.
class AtomicFile {
public:
  explicit AtomicFile(std::string path) : path_(std::move(path)) {
    std::string pattern = path_ + ".tmp.XXXXXX";
    int fd = mkstemp(pattern.data());
    if (fd < 0)
      return;
    close(fd);
    temp_ = pattern;
    out_.open(temp_, std::ios::binary | std::ios::trunc);
  }
  ~AtomicFile() {
    if (!committed_ && !temp_.empty()) {
      out_.close();
      std::remove(temp_.c_str());
    }
  }
  bool ok() const { return !temp_.empty() && out_.good(); }
  std::ofstream &stream() { return out_; }
  bool commit() {
    out_.close();
    if (out_.fail() || std::rename(temp_.c_str(), path_.c_str()) != 0)
      return false;
    committed_ = true;
    return true;
  }

private:
  std::string path_, temp_;
  std::ofstream out_;
  bool committed_ = false;
};
} // namespace

int deidentify(const DeidFlags &flags) {
  auto fail = [](const std::string &message) {
    std::cerr << "ftpc: error: " << message << "\n";
    return kExitUserError;
  };
  std::optional<deid::Operator> op = deid::parseOperator(flags.mode);
  if (!op || *op == deid::Operator::Keep)
    return fail(fmt::format("unknown --mode `{}`; use mask, redact or hash", flags.mode));

  std::ifstream in(flags.input, std::ios::binary);
  if (!in)
    return fail(fmt::format("cannot read `{}`", flags.input));

  deid::DetectorOptions options;
  options.nameFiles = flags.names;
  std::unique_ptr<deid::Detector> detector;
  try {
    detector = std::make_unique<deid::Detector>(options);
  } catch (const std::exception &e) {
    return fail(e.what());
  }
  const char *envKey = std::getenv("FTPC_DEID_KEY");
  bool keyFromEnv = envKey != nullptr && *envKey != '\0';
  deid::Anonymizer anonymizer(*detector, keyFromEnv ? std::string(envKey) : deid::randomKey());
  deid::Policy policy;
  policy.defaultOperator = *op;
  nlohmann::ordered_json operators = nlohmann::ordered_json::object();
  for (const std::string &spec : flags.operators) {
    size_t eq = spec.find('=');
    std::optional<deid::EntityType> type =
        eq == std::string::npos ? std::nullopt : deid::parseEntityTag(spec.substr(0, eq));
    std::optional<deid::Operator> kindOp =
        eq == std::string::npos ? std::nullopt : deid::parseOperator(spec.substr(eq + 1));
    if (!type || !kindOp)
      return fail(fmt::format("--operator `{}`: expected KIND=OPERATOR with KIND one of email, phone, "
                              "ip, url, person, credit_card, ssn, iban, cn_id and OPERATOR one of "
                              "mask, redact, hash, keep",
                              spec));
    if (policy.perType.count(*type))
      return fail(fmt::format("--operator gives `{}` two operators; keep one", spec.substr(0, eq)));
    policy.perType[*type] = *kindOp;
    operators[spec.substr(0, eq)] = spec.substr(eq + 1);
  }

  AtomicFile out(flags.output);
  if (!out.ok())
    return fail(fmt::format("cannot write `{}`: {}", flags.output, std::strerror(errno)));

  std::array<size_t, deid::kNumEntityTypes> counts{};
  size_t lines = 0, records = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++lines;
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) {
      out.stream() << "\n";
      continue;
    }
    nlohmann::ordered_json record;
    try {
      record = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::parse_error &e) {
      std::string what = e.what();
      return fail(fmt::format("{}:{}: malformed JSON: {}", flags.input, lines,
                              what.substr(what.find(' ') + 1)));
    }
    if (!record.is_object())
      return fail(fmt::format("{}:{}: expected a JSON object", flags.input, lines));
    auto field = record.find(flags.field);
    if (field == record.end() || !field->is_string())
      return fail(fmt::format("{}:{}: no string field `{}`", flags.input, lines, flags.field));
    deid::AnonymizeResult result = anonymizer.anonymize(field->get<std::string>(), policy);
    *field = std::move(result.text);
    for (int i = 0; i < deid::kNumEntityTypes; ++i)
      counts[i] += result.counts[i];
    ++records;
    out.stream() << record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
  if (in.bad())
    return fail(fmt::format("cannot read `{}`", flags.input));

  std::optional<AtomicFile> report;
  if (!flags.report.empty()) {
    report.emplace(flags.report);
    nlohmann::ordered_json counted = nlohmann::ordered_json::object();
    size_t total = 0;
    for (int i = 0; i < deid::kNumEntityTypes; ++i) {
      counted[deid::entityTag(static_cast<deid::EntityType>(i))] = counts[i];
      total += counts[i];
    }
    nlohmann::ordered_json doc = {
        {"input", flags.input},
        {"output", flags.output},
        {"field", flags.field},
        {"mode", flags.mode},
        {"operators", operators},
        {"lines", lines},
        {"records", records},
        {"names", detector->detectsNames()},
        {"hash_key", keyFromEnv ? "FTPC_DEID_KEY" : "random per run"},
        {"total", total},
        {"counts", counted}};
    if (!report->ok())
      return fail(fmt::format("cannot write `{}`: {}", flags.report, std::strerror(errno)));
    report->stream() << doc.dump(2) << "\n";
  }
  if (!out.commit())
    return fail(fmt::format("cannot write `{}`: {}", flags.output, std::strerror(errno)));
  if (report && !report->commit())
    return fail(fmt::format("cannot write `{}`: {}", flags.report, std::strerror(errno)));
  return kExitOk;
}

} // namespace ftp::driver
