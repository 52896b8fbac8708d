//===- Sources.h - reading csv, jsonl and textfolder sources ----------------------===//
//
// Each reader turns a source into records (text, label string, origin) and reports bad records:
// with `on_error: fail` (the default) as a DataError naming the file and line, with `on_error:
// skip` as a counted reason in the DataReport. Labels stay strings here; loadDataset maps them to
// indices once the transforms have run.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/data/Dataset.h"

#include <string>
#include <string_view>
#include <vector>

namespace ftp::data {

struct Record {
  std::string text;
  std::string label; // empty for language modelling
  std::string origin;
};

enum class OnError { Fail, Skip };

/// Reports one bad record: throws DataError("where: message") with Fail, else counts `reason`.
void badRecord(OnError onError, DataReport &report, const std::string &where,
               const std::string &reason, const std::string &message, const std::string &origin);

/// csv / jsonl arguments.
struct TableOptions {
  std::string textField;
  std::string labelField;          // empty: no labels
  std::vector<std::string> labels; // the values the label may take; empty: any
  char delimiter = ',';            // csv only
  OnError onError = OnError::Fail;
};

/// RFC 4180: a header row, fields separated by `delimiter`, quoted fields holding delimiters,
/// doubled quotes and line breaks; LF or CRLF line ends. Blank lines are skipped (as the checker
/// does). `path` names the file in messages; origins are "<file name>:<line>", the line on which
/// the record starts (the header is line 1).
void readCsv(std::string_view content, const std::string &path, const TableOptions &options,
             std::vector<Record> &out, DataReport &report);

/// JSON Lines: one object per line, blank lines skipped; origins "<file name>:<line>".
void readJsonl(std::string_view content, const std::string &path, const TableOptions &options,
               std::vector<Record> &out, DataReport &report);

/// A folder whose subfolders map to labels through `labelMap` ({"pattern": label}, `*` and `?`
/// wildcards, label `skip` to leave a subfolder out on purpose). Every subfolder must match exactly
/// one pattern. Files matching `filesPattern` directly inside each subfolder, sorted by path, are
/// read whole; origins are "<subfolder>/<file>". Appends the absolute paths read to `files`.
/// `labelCounts` gets the files per label, zero included, as the checker counts them.
void readTextFolder(const std::string &folder, const nlohmann::json &labelMap,
                    const std::string &filesPattern, std::vector<Record> &out,
                    std::vector<std::string> &files, std::map<std::string, int64_t> &labelCounts);

/// Whether `text` is valid UTF-8; otherwise the offset of the first bad byte in `*bad`.
bool isValidUtf8(std::string_view text, size_t *bad = nullptr);
/// The length of the valid UTF-8 sequence at text[i] (no overlongs, surrogates or code points
/// beyond U+10FFFF), 0 if there is none.
size_t utf8SequenceAt(std::string_view text, size_t i);

} // namespace ftp::data
