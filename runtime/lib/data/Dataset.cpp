//===- Dataset.cpp - loadDataset: source, transforms, labels, splits -------------===//

#include "Pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace ftp::data {

const std::vector<Example> &LoadedDataset::part(const std::string &name) const {
  for (const auto &[partName, examples] : splits)
    if (partName == name)
      return examples;
  throw DataError(fmt::format("dataset `{}` has no part `{}`", this->name, name));
}

namespace {
using detail::Item;
using detail::State;

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw DataError(fmt::format("{}: cannot read the file", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string stringArg(const nlohmann::json &record, const char *name) {
  auto it = record.find(name);
  return it == record.end() || !it->is_string() ? std::string() : it->get<std::string>();
}

// The source's records into `state`; the files read into `files`.
void readSource(const nlohmann::json &source, const std::string &path, State &state,
                std::vector<std::string> &files, DataReport &report) {
  std::string fn = stringArg(source, "fn");
  std::string onError = source.value("on_error", "fail");
  if (onError != "fail" && onError != "skip")
    throw DataError(fmt::format("plan: unknown on_error `{}`", onError));
  state.onError = onError == "skip" ? OnError::Skip : OnError::Fail;
  state.sourcePath = path;
  std::vector<Record> records;
  if (fn == "textfolder") {
    state.textfolder = true;
    std::string pattern = source.value("files", "*");
    readTextFolder(path, source.at("labels"), pattern, records, files, state.counts);
    report.read = static_cast<int64_t>(records.size());
  } else if (fn == "csv" || fn == "jsonl") {
    TableOptions options;
    options.textField = stringArg(source, "text");
    options.labelField = stringArg(source, "label");
    if (auto it = source.find("labels"); it != source.end() && it->is_array())
      options.labels = it->get<std::vector<std::string>>();
    options.onError = state.onError;
    std::string delimiter = source.value("delimiter", ",");
    if (delimiter.size() != 1)
      throw DataError(fmt::format("plan: the delimiter must be one character, not `{}`", delimiter));
    options.delimiter = delimiter[0];
    std::string content = readFile(path);
    if (fn == "csv")
      readCsv(content, path, options, records, report);
    else
      readJsonl(content, path, options, records, report);
    files.push_back(fs::absolute(path).string());
    for (const Record &record : records)
      if (!options.labelField.empty())
        state.counts[record.label]++;
  } else {
    throw DataError(fmt::format("plan: unknown data source `{}`", fn));
  }
  state.items.reserve(records.size());
  for (Record &record : records)
    state.items.push_back({std::move(record.text), std::move(record.label), std::move(record.origin)});
}

// A record skipped (on_error: skip) is gone from the counts the checker assumed: keep them in
// step with the examples, zero entries included, unless the checker no longer tracks them.
void resync(State &state) {
  if (state.counts.empty())
    return;
  for (auto &[label, count] : state.counts)
    count = 0;
  for (const Item &item : state.items)
    state.counts[item.label]++;
}

LoadedDataset load(const nlohmann::json &plan, const LoadOptions &options) {
  LoadedDataset dataset;
  DataReport &report = dataset.report;
  dataset.name = plan.value("name", "");
  State state;
  std::string path = plan.value("resolved_path", "");
  if (path.empty())
    throw DataError(fmt::format("plan: dataset `{}` has no resolved_path", dataset.name));
  readSource(plan.at("source"), path, state, dataset.filesRead, report);
  // Skipped textfolder files never counted (their labels are known before reading).
  bool utf8Checked = !state.textfolder;
  std::vector<std::vector<Item>> parts;
  const nlohmann::json splits = plan.value("splits", nlohmann::json::array());
  for (const auto &entry : splits.is_array() ? splits : nlohmann::json::array({nullptr}))
    if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number())
      throw DataError("plan: `splits` must be [[name, fraction], ...] in declaration order");
  bool splitDone = false;
  const nlohmann::json transforms = plan.value("transforms", nlohmann::json::array());
  for (size_t index = 0; index < transforms.size(); ++index) {
    const nlohmann::json &t = transforms[index];
    std::string fn = stringArg(t, "fn");
    if (splitDone)
      throw DataError(fmt::format("plan: `{}` after `split`; `split` must come last", fn));
    if (fn != "email_text" && !utf8Checked) {
      detail::requireUtf8(state, report);
      resync(state);
      utf8Checked = true;
    }
    if (fn == "email_text")
      detail::emailText(state, t, options.threads, report);
    else if (fn == "deidentify")
      detail::deidentify(state, t, options, report);
    else if (fn == "allow_pii")
      ; // recorded in the manifest by the driver; nothing to do to the data
    else if (fn == "filter")
      detail::filter(state, t, report);
    else if (fn == "sample")
      detail::sample(state, t, options.seed, index, report);
    else if (fn == "split") {
      parts = detail::split(state, t, splits, options.seed, index);
      splitDone = true;
    } else
      throw DataError(fmt::format("plan: unknown transform `{}`", fn));
    if (fn == "email_text")
      resync(state);
  }
  if (!utf8Checked)
    detail::requireUtf8(state, report);
  if (!splitDone)
    parts.push_back(std::move(state.items));

  // Labels: the plan's (the checker's, after filters), else the ones the data holds.
  dataset.labels = plan.value("labels", std::vector<std::string>());
  bool labelled = false;
  for (const auto &part : parts)
    for (const Item &item : part)
      labelled = labelled || !item.label.empty();
  if (dataset.labels.empty() && labelled) {
    std::set<std::string> seen;
    for (const auto &part : parts)
      for (const Item &item : part)
        seen.insert(item.label);
    dataset.labels.assign(seen.begin(), seen.end());
  }
  std::vector<std::string> names;
  if (splitDone)
    for (const auto &entry : splits)
      names.push_back(entry.at(0).get<std::string>());
  else
    names.push_back("");
  for (size_t p = 0; p < parts.size(); ++p) {
    DataReport::Part summary{names[p], static_cast<int64_t>(parts[p].size()), {}};
    std::vector<Example> examples;
    examples.reserve(parts[p].size());
    for (Item &item : parts[p]) {
      int32_t label = -1;
      if (labelled) {
        auto it = std::find(dataset.labels.begin(), dataset.labels.end(), item.label);
        if (it == dataset.labels.end())
          throw DataError(fmt::format("{}: label `{}` is not one of the dataset's labels", item.origin, item.label));
        label = static_cast<int32_t>(it - dataset.labels.begin());
        summary.labels[item.label]++;
      }
      examples.push_back({std::move(item.text), label, std::move(item.origin)});
    }
    report.splits.push_back(summary);
    dataset.splits.emplace_back(names[p], std::move(examples));
  }
  std::sort(dataset.filesRead.begin(), dataset.filesRead.end());
  return dataset;
}

} // namespace

LoadedDataset loadDataset(const nlohmann::json &plan, const LoadOptions &options) {
  try {
    return load(plan, options);
  } catch (const nlohmann::json::exception &e) {
    // A plan of the wrong shape (the driver's bug, not the data's): still a DataError to report.
    throw DataError(std::string("plan: malformed dataset section: ") + e.what());
  }
}

NameLists nameListsOf(const nlohmann::json &plan) {
  NameLists out;
  for (const nlohmann::json &t : plan.value("transforms", nlohmann::json::array())) {
    if (t.value("fn", "") != "deidentify" || !t.contains("names") || !t["names"].is_string())
      continue;
    std::filesystem::path names = t["names"].get<std::string>();
    out.paths.push_back(names.string());
    if (!std::filesystem::is_directory(names)) {
      out.files.push_back(names.string());
      continue;
    }
    std::vector<std::string> lists;
    for (const auto &entry : std::filesystem::directory_iterator(names))
      if (entry.path().extension() == ".txt")
        lists.push_back(entry.path().string());
    std::sort(lists.begin(), lists.end());
    out.files.insert(out.files.end(), lists.begin(), lists.end());
  }
  return out;
}

} // namespace ftp::data
