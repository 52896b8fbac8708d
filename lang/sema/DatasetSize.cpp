//===- DatasetSize.cpp - how many examples a dataset has, known before running --===//

#include "lang/sema/DatasetSize.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

namespace fs = std::filesystem;

namespace ftp::lang {
namespace {

constexpr uintmax_t kMaxCountedBytes = 2ull << 30; // beyond 2 GiB, counting waits for `ftpc run`

// Files of each labelled subfolder (skipping `skip`), as textfolder reads them.
bool countTextFolder(const CheckedDataset &d, std::map<std::string, int64_t> &counts,
                     std::string *why) {
  const Value *map = d.source.field("labels");
  const Value *files = d.source.field("files");
  std::string pattern = files ? files->text : "*";
  std::error_code error;
  for (const auto &sub : fs::directory_iterator(d.resolvedPath, error)) {
    std::string name = sub.path().filename().string();
    if (name.empty() || name[0] == '.' || !sub.is_directory(error))
      continue;
    const Value *label = nullptr;
    for (const auto &entry : map->fields)
      if (fnmatch(entry.first.c_str(), name.c_str(), FNM_PERIOD) == 0) {
        label = &entry.second;
        break;
      }
    if (!label || label->text == "skip")
      continue;
    int64_t n = 0;
    for (const auto &file : fs::directory_iterator(sub.path(), error))
      if (file.is_regular_file(error) &&
          fnmatch(pattern.c_str(), file.path().filename().c_str(), FNM_PERIOD) == 0)
        ++n;
    counts[label->text] += n;
  }
  if (error) {
    *why = "its folder could not be listed: " + error.message();
    return false;
  }
  return true;
}

// RFC 4180 records: fields separated by `delimiter`, quoted fields may hold delimiters, doubled
// quotes and line breaks. Returns the records' fields one record at a time.
class CsvReader {
public:
  CsvReader(std::istream &in, char delimiter) : in_(in), delimiter_(delimiter) {}
  bool next(std::vector<std::string> &fields) {
    fields.clear();
    std::string field;
    bool quoted = false, any = false;
    char c;
    while (in_.get(c)) {
      any = true;
      if (quoted) {
        if (c == '"') {
          if (in_.peek() == '"') {
            field += '"';
            in_.get();
          } else {
            quoted = false;
          }
        } else {
          field += c;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == delimiter_) {
        fields.push_back(std::move(field));
        field.clear();
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && in_.peek() == '\n')
          in_.get();
        fields.push_back(std::move(field));
        return true;
      } else {
        field += c;
      }
    }
    if (!any)
      return false;
    fields.push_back(std::move(field));
    return true;
  }

private:
  std::istream &in_;
  char delimiter_;
};

bool countCsv(const CheckedDataset &d, std::optional<int64_t> &total,
              std::map<std::string, int64_t> &counts, std::string *why) {
  std::ifstream in(d.resolvedPath, std::ios::binary);
  const Value *delimiter = d.source.field("delimiter");
  CsvReader reader(in, delimiter && delimiter->text.size() == 1 ? delimiter->text[0] : ',');
  std::vector<std::string> fields;
  if (!reader.next(fields)) {
    *why = "it has no header row";
    return false;
  }
  const Value *labelColumn = d.source.field("label");
  long labelIndex = -1;
  if (labelColumn) {
    auto it = std::find(fields.begin(), fields.end(), labelColumn->text);
    if (it == fields.end()) {
      *why = fmt::format("its header has no column `{}`", labelColumn->text);
      return false;
    }
    labelIndex = it - fields.begin();
  }
  int64_t n = 0;
  while (reader.next(fields)) {
    if (fields.size() == 1 && fields[0].empty())
      continue; // a blank line
    ++n;
    if (labelIndex >= 0) {
      if (static_cast<size_t>(labelIndex) >= fields.size()) {
        *why = fmt::format("record {} has too few fields", n + 1);
        return false;
      }
      counts[fields[labelIndex]]++;
    }
  }
  total = n;
  return true;
}

bool countJsonl(const CheckedDataset &d, std::optional<int64_t> &total,
                std::map<std::string, int64_t> &counts, std::string *why) {
  std::ifstream in(d.resolvedPath, std::ios::binary);
  const Value *labelField = d.source.field("label");
  std::string line;
  int64_t n = 0, lineNumber = 0;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (line.find_first_not_of(" \t\r") == std::string::npos)
      continue;
    ++n;
    if (!labelField)
      continue;
    auto object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object() || !object.contains(labelField->text) ||
        !object[labelField->text].is_string()) {
      *why = fmt::format("line {} has no string field `{}`", lineNumber, labelField->text);
      return false;
    }
    counts[object[labelField->text].get<std::string>()]++;
  }
  total = n;
  return true;
}

int64_t sum(const std::map<std::string, int64_t> &counts) {
  int64_t total = 0;
  for (const auto &[label, n] : counts)
    total += n;
  return total;
}

} // namespace

std::vector<int64_t> apportion(int64_t total, const std::vector<double> &fractions) {
  std::vector<int64_t> parts;
  std::vector<std::pair<double, size_t>> remainders;
  int64_t given = 0;
  double fractionSum = 0;
  for (size_t i = 0; i < fractions.size(); ++i) {
    double exact = static_cast<double>(total) * fractions[i];
    auto part = static_cast<int64_t>(std::floor(exact + 1e-9));
    parts.push_back(part);
    given += part;
    fractionSum += fractions[i];
    remainders.push_back({exact - static_cast<double>(part), i});
  }
  // Leftovers exist only when the fractions cover everything (a split); a sample keeps its floor.
  if (std::abs(fractionSum - 1.0) < 1e-9) {
    std::stable_sort(remainders.begin(), remainders.end(),
                     [](const auto &a, const auto &b) { return a.first > b.first; });
    for (size_t k = 0; given < total && k < remainders.size(); ++k, ++given)
      ++parts[remainders[k].second];
  }
  return parts;
}

void computeDatasetSize(CheckedDataset &d) {
  std::optional<int64_t> total;
  std::map<std::string, int64_t> counts;
  std::string why;
  std::error_code error;
  if (d.resolvedPath.empty()) {
    d.sizeUnknownBecause = "its source could not be resolved";
    return;
  }
  if (d.source.text != "textfolder" && fs::file_size(d.resolvedPath, error) > kMaxCountedBytes) {
    d.sizeUnknownBecause = "its source is larger than 2 GiB; `ftpc run` counts it";
    return;
  }
  bool ok = d.source.text == "textfolder" ? countTextFolder(d, counts, &why)
            : d.source.text == "csv"      ? countCsv(d, total, counts, &why)
                                          : countJsonl(d, total, counts, &why);
  if (!ok) {
    d.sizeUnknownBecause = "`" + d.source.text + "` could not be counted: " + why;
    return;
  }
  if (d.source.text == "textfolder")
    total = sum(counts);

  for (const Value &t : d.transforms) {
    if (t.text == "email_text" || t.text == "deidentify" || t.text == "allow_pii")
      continue; // one example in, one out
    if (t.text == "filter") {
      if (t.field("min_chars") || t.field("max_chars")) {
        d.sizeUnknownBecause = "`filter` by length depends on the texts; `ftpc run` counts them";
        return;
      }
      if (const Value *keep = t.field("labels")) {
        if (counts.empty()) {
          d.sizeUnknownBecause = "`filter(labels: ...)` needs the labels, which are not counted";
          return;
        }
        std::map<std::string, int64_t> kept;
        for (const auto &entry : keep->fields)
          if (counts.count(entry.second.text))
            kept[entry.second.text] = counts[entry.second.text];
        counts = kept;
        total = sum(counts);
      }
      continue;
    }
    if (t.text == "sample") {
      const Value *n = t.field("n");
      const Value *fraction = t.field("fraction");
      int64_t target = n ? std::min<int64_t>(n->integer, *total)
                         : static_cast<int64_t>(std::floor(fraction->number * *total + 1e-9));
      const Value *stratify = t.field("stratify");
      if (stratify && stratify->text == "label" && !counts.empty()) {
        // Each label keeps its share: largest remainder over the labels.
        std::vector<double> shares;
        for (const auto &[label, count] : counts)
          shares.push_back(static_cast<double>(count) / static_cast<double>(*total));
        std::vector<int64_t> parts = apportion(target, shares);
        size_t k = 0;
        for (auto &[label, count] : counts)
          count = parts[k++];
      } else {
        counts.clear(); // which labels a random sample keeps is not known in advance
      }
      total = target;
      continue;
    }
    if (t.text == "split") {
      std::vector<std::string> names;
      std::vector<double> fractions;
      for (const auto &[name, value] : t.fields)
        if (name != "stratify") {
          names.push_back(name);
          fractions.push_back(value.number);
        }
      std::vector<int64_t> sizes(names.size(), 0);
      const Value *stratify = t.field("stratify");
      if (stratify && stratify->text == "label" && !counts.empty()) {
        for (const auto &[label, count] : counts) {
          std::vector<int64_t> parts = apportion(count, fractions);
          for (size_t i = 0; i < parts.size(); ++i)
            sizes[i] += parts[i];
        }
      } else {
        sizes = apportion(*total, fractions);
      }
      for (size_t i = 0; i < names.size(); ++i)
        d.splitSizes.push_back({names[i], sizes[i]});
      continue;
    }
  }
  d.size = total;
  d.labelCounts = counts;
}

} // namespace ftp::lang
