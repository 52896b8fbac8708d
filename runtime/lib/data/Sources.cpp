//===- Sources.cpp - csv, jsonl and textfolder readers ----------------------------===//
//
// The record boundaries here must be the checker's (lang/sema/DatasetSize.cpp), or the number of
// examples would differ from the one the DP-SGD sample rate was computed from: the CSV state
// machine is the checker's (a quote anywhere toggles quoting), with line numbers and errors added.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/data/Sources.h"

#include <fmt/format.h>

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace ftp::data {

void badRecord(OnError onError, DataReport &report, const std::string &where,
               const std::string &reason, const std::string &message, const std::string &origin) {
  if (onError == OnError::Fail)
    throw DataError(fmt::format("{}: {}", where, message));
  report.skip(reason, origin);
}

size_t utf8SequenceAt(std::string_view s, size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size() || (len == 2 && c < 0xC2) || (len == 4 && c > 0xF4))
    return 0;
  for (size_t k = 1; k < len; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80)
      return 0;
  auto c1 = len > 1 ? static_cast<unsigned char>(s[i + 1]) : 0;
  if (len == 3 && ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)))
    return 0; // an overlong form or a surrogate
  if (len == 4 && ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)))
    return 0; // overlong or beyond U+10FFFF
  return len;
}

bool isValidUtf8(std::string_view s, size_t *bad) {
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8SequenceAt(s, i);
    if (len == 0) {
      if (bad)
        *bad = i;
      return false;
    }
    i += len;
  }
  return true;
}

namespace {

std::string fileName(const std::string &path) { return fs::path(path).filename().string(); }

// One CSV record starting at `pos`; the checker's state machine plus line counting.
struct CsvCursor {
  std::string_view in;
  char delimiter;
  size_t pos = 0;
  int64_t line = 1; // the line `pos` is on

  // False at the end of input. `unterminated` is set when the input ends inside quotes.
  bool next(std::vector<std::string> &fields, bool &unterminated) {
    fields.clear();
    unterminated = false;
    if (pos >= in.size())
      return false;
    std::string field;
    bool quoted = false;
    while (pos < in.size()) {
      char c = in[pos++];
      if (quoted) {
        if (c == '"') {
          if (pos < in.size() && in[pos] == '"') {
            field += '"';
            ++pos;
          } else {
            quoted = false;
          }
        } else {
          if (c == '\n')
            ++line;
          field += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == delimiter) {
        fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && pos < in.size() && in[pos] == '\n')
          ++pos;
        ++line;
        fields.push_back(std::move(field));
        return true;
      } else {
        field += c;
      }
    }
    unterminated = quoted;
    fields.push_back(std::move(field));
    return true;
  }
};

long columnIndex(const std::vector<std::string> &header, const std::string &name,
                 const std::string &path) {
  auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end())
    throw DataError(fmt::format("{}: the header (line 1) has no column `{}`", path, name));
  return it - header.begin();
}

bool allowedLabel(const TableOptions &options, const std::string &label) {
  return options.labels.empty() ||
         std::find(options.labels.begin(), options.labels.end(), label) != options.labels.end();
}

} // namespace

void readCsv(std::string_view content, const std::string &path, const TableOptions &options,
             std::vector<Record> &out, DataReport &report) {
  if (content.substr(0, 3) == "\xEF\xBB\xBF")
    content.remove_prefix(3); // a byte-order mark is not part of the first column's name
  CsvCursor cursor{content, options.delimiter};
  std::vector<std::string> header, fields;
  bool unterminated = false;
  if (!cursor.next(header, unterminated) || unterminated)
    throw DataError(fmt::format("{}: no header row", path));
  long textIndex = columnIndex(header, options.textField, path);
  long labelIndex = options.labelField.empty() ? -1 : columnIndex(header, options.labelField, path);
  std::string name = fileName(path);
  int64_t row = 0;
  for (;;) {
    int64_t line = cursor.line;
    if (!cursor.next(fields, unterminated))
      break;
    if (fields.size() == 1 && fields[0].empty() && !unterminated)
      continue; // a blank line, as the checker skips it
    ++row;
    ++report.read;
    std::string origin = fmt::format("{}:{}", name, line);
    std::string where = fmt::format("{}:{}", path, line);
    auto bad = [&](const char *reason, const std::string &message) {
      badRecord(options.onError, report, where, reason, fmt::format("data row {}: {}", row, message),
                origin);
    };
    if (unterminated) {
      bad("unterminated quote", "a quoted field is not closed before the end of the file");
      break;
    }
    if (fields.size() != header.size()) {
      bad("wrong field count",
          fmt::format("{} fields, but the header has {}", fields.size(), header.size()));
      continue;
    }
    size_t badByte = 0;
    if (!isValidUtf8(fields[textIndex], &badByte) ||
        (labelIndex >= 0 && !isValidUtf8(fields[labelIndex], &badByte))) {
      bad("invalid UTF-8", fmt::format("invalid UTF-8 (byte {} of a field)", badByte + 1));
      continue;
    }
    Record record{std::move(fields[textIndex]), "", origin};
    if (labelIndex >= 0) {
      record.label = fields[labelIndex];
      if (!allowedLabel(options, record.label)) {
        bad("label not in labels", fmt::format("label `{}` is not one of `labels`", record.label));
        continue;
      }
    }
    out.push_back(std::move(record));
  }
}

void readJsonl(std::string_view content, const std::string &path, const TableOptions &options,
               std::vector<Record> &out, DataReport &report) {
  std::string name = fileName(path);
  int64_t line = 0;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos)
      end = content.size();
    std::string_view text = content.substr(pos, end - pos);
    pos = end + 1;
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string_view::npos)
      continue;
    ++report.read;
    std::string origin = fmt::format("{}:{}", name, line);
    std::string where = fmt::format("{}:{}", path, line);
    auto bad = [&](const char *reason, const std::string &message) {
      badRecord(options.onError, report, where, reason, message, origin);
    };
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception &e) {
      std::string what = e.what();
      bad("malformed JSON", "malformed JSON: " + what.substr(what.find(' ') + 1));
      continue;
    }
    if (!object.is_object()) {
      bad("not an object", "expected a JSON object");
      continue;
    }
    auto field = object.find(options.textField);
    if (field == object.end() || !field->is_string()) {
      bad("no text field", fmt::format("no string field `{}`", options.textField));
      continue;
    }
    Record record{field->get<std::string>(), "", origin};
    if (!options.labelField.empty()) {
      auto label = object.find(options.labelField);
      if (label == object.end() || !label->is_string()) {
        bad("no label field", fmt::format("no string field `{}`", options.labelField));
        continue;
      }
      record.label = label->get<std::string>();
      if (!allowedLabel(options, record.label)) {
        bad("label not in labels", fmt::format("label `{}` is not one of `labels`", record.label));
        continue;
      }
    }
    out.push_back(std::move(record));
  }
}

void readTextFolder(const std::string &folder, const nlohmann::json &labelMap,
                    const std::string &filesPattern, std::vector<Record> &out,
                    std::vector<std::string> &files, std::map<std::string, int64_t> &labelCounts) {
  struct Entry {
    std::string relative, absolute, label;
  };
  std::vector<Entry> entries;
  std::error_code error;
  for (const auto &sub : fs::directory_iterator(folder, error)) {
    std::string name = sub.path().filename().string();
    if (name.empty() || name[0] == '.' || !sub.is_directory(error))
      continue;
    // Every subfolder matches exactly one pattern: the checker reports the same, but the folder
    // may have changed since.
    std::vector<std::string> matched;
    std::string label;
    for (const auto &[pattern, value] : labelMap.items())
      if (fnmatch(pattern.c_str(), name.c_str(), FNM_PERIOD) == 0) {
        matched.push_back(pattern);
        label = value.get<std::string>();
      }
    if (matched.empty())
      throw DataError(fmt::format("{}: subfolder `{}` matches no pattern of `labels`", folder, name));
    if (matched.size() > 1)
      throw DataError(fmt::format("{}: subfolder `{}` matches both `{}` and `{}` of `labels`", folder,
                                  name, matched[0], matched[1]));
    if (label == "skip")
      continue;
    labelCounts[label] += 0;
    for (const auto &file : fs::directory_iterator(sub.path(), error)) {
      std::string fileName = file.path().filename().string();
      if (!file.is_regular_file(error) ||
          fnmatch(filesPattern.c_str(), fileName.c_str(), FNM_PERIOD) != 0)
        continue;
      entries.push_back({name + "/" + fileName, fs::absolute(file.path()).string(), label});
      labelCounts[label]++;
    }
  }
  if (error)
    throw DataError(fmt::format("{}: cannot list the folder: {}", folder, error.message()));
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.relative < b.relative; });
  for (Entry &entry : entries) {
    std::ifstream in(entry.absolute, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in)
      throw DataError(fmt::format("{}: cannot read the file", entry.absolute));
    out.push_back({text.str(), entry.label, entry.relative});
    files.push_back(entry.absolute);
  }
}

} // namespace ftp::data
