//===- PerExample.cpp - email_text and deidentify, on `threads` threads ----------===//
//
// One example in, one out, independent of the others: each thread takes a contiguous chunk and
// writes only its own items, so the order never depends on the threads. Errors are collected per
// item and handled afterwards in order, so that `on_error: fail` reports the first bad file
// whatever thread met it.
//
//===----------------------------------------------------------------------------------------===//

#include "Pipeline.h"

#include "ftp/data/Email.h"
#include "ftp/deid/Anonymizer.h"

#include <fmt/format.h>

#include <array>
#include <algorithm>
#include <memory>
#include <mutex>
#include <thread>

namespace ftp::data::detail {

void parallelChunks(size_t n, int threads, const std::function<void(size_t, size_t)> &fn) {
  size_t workers = std::max<size_t>(1, std::min<size_t>(static_cast<size_t>(std::max(threads, 1)), n));
  if (workers <= 1) {
    fn(0, n);
    return;
  }
  std::vector<std::thread> pool;
  std::vector<std::exception_ptr> errors(workers);
  size_t chunk = (n + workers - 1) / workers;
  for (size_t w = 0; w < workers; ++w) {
    size_t begin = w * chunk, end = std::min(n, begin + chunk);
    pool.emplace_back([&, w, begin, end] {
      try {
        fn(begin, end);
      } catch (...) {
        errors[w] = std::current_exception();
      }
    });
  }
  for (auto &t : pool)
    t.join();
  for (auto &e : errors)
    if (e)
      std::rethrow_exception(e);
}

// Drops the items whose error is set (in order), or throws for the first one.
static void settleErrors(State &state, std::vector<std::string> &errors, const char *reason,
                         DataReport &report) {
  std::vector<Item> kept;
  kept.reserve(state.items.size());
  for (size_t i = 0; i < state.items.size(); ++i) {
    if (errors[i].empty()) {
      kept.push_back(std::move(state.items[i]));
      continue;
    }
    std::string where = state.textfolder ? state.sourcePath + "/" + state.items[i].origin
                                         : state.sourcePath + state.items[i].origin.substr(
                                               state.items[i].origin.rfind(':'));
    badRecord(state.onError, report, where, reason, errors[i], state.items[i].origin);
  }
  state.items = std::move(kept);
}

void requireUtf8(State &state, DataReport &report) {
  std::vector<std::string> errors(state.items.size());
  for (size_t i = 0; i < state.items.size(); ++i) {
    size_t bad = 0;
    if (!isValidUtf8(state.items[i].text, &bad))
      errors[i] = fmt::format("invalid UTF-8 at byte {}", bad + 1);
  }
  settleErrors(state, errors, "invalid UTF-8", report);
}

void emailText(State &state, const nlohmann::json &t, int threads, DataReport &report) {
  bool subject = t.value("subject", true), body = t.value("body", true);
  size_t n = state.items.size();
  std::vector<std::string> errors(n);
  std::vector<EmailStats> stats(n);
  parallelChunks(n, threads, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      try {
        DecodedEmail mail = decodeEmail(state.items[i].text);
        stats[i] = mail.stats;
        state.items[i].text = emailText(mail, subject, body);
      } catch (const EmailError &e) {
        errors[i] = std::string("cannot decode the e-mail: ") + e.what();
      }
    }
  });
  auto &counts = report.email;
  for (size_t i = 0; i < n; ++i) {
    if (!errors[i].empty())
      continue;
    const EmailStats &s = stats[i];
    counts["decoded"] += 1;
    counts["multipart"] += s.multipart;
    counts["html_only"] += s.htmlOnly;
    counts["base64"] += s.base64;
    counts["quoted_printable"] += s.quotedPrintable;
    counts["charset_converted"] += s.converted;
    counts["charset_best_effort"] += s.unknownCharset;
    counts["encoded_subject"] += s.encodedSubject;
    counts["no_text_part"] += s.noText;
  }
  settleErrors(state, errors, "undecodable e-mail", report);
}

void deidentify(State &state, const nlohmann::json &t, const LoadOptions &options,
                DataReport &report) {
  std::string mode = t.value("mode", "mask");
  std::optional<deid::Operator> op = deid::parseOperator(mode);
  if (!op)
    throw DataError(fmt::format("plan: unknown deidentify mode `{}`", mode));
  deid::DetectorOptions detectorOptions;
  bool person = false;
  for (const auto &kind : t.value("kinds", nlohmann::json::array({"all"}))) {
    std::string k = kind.get<std::string>();
    if (k == "all") {
      // `all` covers person names exactly when a first-name list is given (the checker requires
      // one only for an explicit `person`; the language reference says so).
      bool haveNames = options.firstNames && !options.firstNames->empty();
      detectorOptions.types.clear();
      for (int i = 0; i < deid::kNumEntityTypes; ++i)
        if (haveNames || static_cast<deid::EntityType>(i) != deid::EntityType::Person)
          detectorOptions.types.push_back(static_cast<deid::EntityType>(i));
      person = haveNames;
      break;
    }
    std::optional<deid::EntityType> type = deid::parseEntityTag(k);
    if (!type)
      throw DataError(fmt::format("plan: unknown deidentify kind `{}`", k));
    detectorOptions.types.push_back(*type);
    person = person || *type == deid::EntityType::Person;
  }
  if (person) {
    // Silently not finding names would let them into training: refuse instead.
    if (!options.firstNames || options.firstNames->empty())
      throw DataError("deidentify: `person` needs a first-name list (LoadOptions::firstNames; "
                      "scripts/fixtures.sh prepares fixtures/first-names/{female,male}.txt)");
    detectorOptions.nameFiles = *options.firstNames;
  }
  std::unique_ptr<deid::Detector> detector;
  try {
    detector = std::make_unique<deid::Detector>(detectorOptions);
  } catch (const std::exception &e) {
    throw DataError(std::string("deidentify: ") + e.what());
  }
  deid::Anonymizer anonymizer(*detector,
                              options.deidKey.empty() ? deid::randomKey() : options.deidKey);
  deid::Policy policy;
  policy.defaultOperator = *op;
  // Per-kind operators (`hash: [email]`): the checker made sure each kind is detected and has one.
  nlohmann::json operators = nlohmann::json::object();
  for (const char *name : {"mask", "redact", "hash", "keep"}) {
    if (!t.contains(name) || !t[name].is_array())
      continue;
    for (const auto &kind : t[name]) {
      std::optional<deid::EntityType> type = deid::parseEntityTag(kind.get<std::string>());
      if (!type)
        throw DataError(fmt::format("plan: unknown deidentify kind `{}`", kind.get<std::string>()));
      policy.perType[*type] = *deid::parseOperator(name);
      operators[kind.get<std::string>()] = name;
    }
  }
  std::array<size_t, deid::kNumEntityTypes> found{};
  std::mutex foundLock;
  parallelChunks(state.items.size(), options.threads, [&](size_t begin, size_t end) {
    std::array<size_t, deid::kNumEntityTypes> mine{};
    for (size_t i = begin; i < end; ++i) {
      deid::AnonymizeResult result = anonymizer.anonymize(state.items[i].text, policy);
      state.items[i].text = std::move(result.text); // `keep` leaves its kinds as they were
      for (int k = 0; k < deid::kNumEntityTypes; ++k)
        mine[k] += result.counts[k];
    }
    std::lock_guard<std::mutex> hold(foundLock);
    for (int k = 0; k < deid::kNumEntityTypes; ++k)
      found[k] += mine[k];
  });
  report.deidMode = mode;
  report.deidOperators = operators;
  for (int k = 0; k < deid::kNumEntityTypes; ++k) {
    size_t total = found[k];
    auto type = static_cast<deid::EntityType>(k);
    bool enabled = std::find(detectorOptions.types.begin(), detectorOptions.types.end(), type) !=
                   detectorOptions.types.end();
    if (enabled)
      report.deid[deid::entityTag(type)] += static_cast<int64_t>(total);
  }
}

} // namespace ftp::data::detail
