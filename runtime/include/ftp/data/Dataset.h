//===- Dataset.h - the data stage of `ftpc run` ----------------------------------===//
//
// loadDataset reads one dataset section of the compiled plan (source, transforms, labels, splits)
// and returns its examples, split into parts. It applies the rules the checker used to count the
// dataset (lang/sema/DatasetSize.cpp): the same largest-remainder apportioning for `sample` and
// `split`, so the sample rate of DP-SGD computed at check time is the one the run uses. Random
// choices use a PRNG specified here (Random.h), so a seed gives the same split on every machine.
// Plain C++ without LibTorch (static library ftp_data).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ftp::data {

struct Example {
  std::string text;
  int32_t label = -1;     // index into LoadedDataset::labels; -1 for language modelling
  std::string origin;     // file relative to the source folder, or "file:line"
};

/// A data error: the message starts with "path:line: " or "path: ".
struct DataError : std::runtime_error {
  using runtime_error::runtime_error;
};

struct LoadOptions {
  uint64_t seed = 0;      // the pipeline's seed
  int threads = 1;        // threads for e-mail decoding and de-identification
  std::string deidKey;    // HMAC key of `deidentify(mode: hash)`; empty: a random per-run key.
                          // Never written anywhere.
  /// Files of first names, one per line (scripts/fixtures.sh puts them in
  /// fixtures/first-names/{female,male}.txt). Needed by `deidentify` when it detects `person`.
  const std::vector<std::string> *firstNames = nullptr;
};

/// What happened to the data, in counts. Never holds any text of an example: only counts, fixed
/// reason strings, labels and the origins (file:line) of the first few skipped records.
struct DataReport {
  struct Reason {
    int64_t count = 0;
    std::vector<std::string> first; // origins of the first kMaxOrigins
  };
  static constexpr size_t kMaxOrigins = 5;

  int64_t read = 0;                           // records read from the source (skipped included)
  std::map<std::string, Reason> skipped;      // on_error: skip, by reason
  std::map<std::string, int64_t> filtered;    // by `filter`: "min_chars", "max_chars", "labels"
  int64_t sampledOut = 0;                     // dropped by `sample`
  std::map<std::string, int64_t> email;       // email_text: decoded, multipart, html_only, ...
  std::map<std::string, int64_t> deid;        // detections per entity tag ("EMAIL", ...)
  std::string deidMode;                       // empty without `deidentify`
  nlohmann::json deidOperators;               // per-kind operators overriding deidMode ({} if none)
  struct Part {
    std::string name;
    int64_t size = 0;
    std::map<std::string, int64_t> labels;
  };
  std::vector<Part> splits;                   // in declaration order

  void skip(const std::string &reason, const std::string &origin);
  int64_t skippedTotal() const;
  nlohmann::json toJson() const;
};

struct LoadedDataset {
  std::string name;
  std::vector<std::string> labels;
  /// In declaration order; without `split`, one part named "".
  std::vector<std::pair<std::string, std::vector<Example>>> splits;
  DataReport report;
  std::vector<std::string> filesRead; // absolute paths, sorted, for content hashing

  /// The part `name`; throws DataError when there is none.
  const std::vector<Example> &part(const std::string &name) const;
};

/// Loads the dataset section of a plan:
///   {"name", "source": {"fn": textfolder|csv|jsonl, ...}, "resolved_path",
///    "transforms": [{"fn": ...}], "labels": [...], "splits": [[name, fraction], ...]}
/// Throws DataError for bad data (unless the source says `on_error: skip`) or a bad plan.
LoadedDataset loadDataset(const nlohmann::json &datasetPlan, const LoadOptions &options);

/// The first-name lists of a dataset plan's `deidentify(names: ...)` transforms: `paths` as the
/// checker resolved them (a file or a folder; inputs for the run record), `files` what is read
/// (a folder's *.txt files in sorted order), for LoadOptions::firstNames.
struct NameLists {
  std::vector<std::string> paths, files;
};
NameLists nameListsOf(const nlohmann::json &datasetPlan);

} // namespace ftp::data
