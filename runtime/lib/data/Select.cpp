//===- Select.cpp - filter, sample and split -------------------------------------===//
//
// `sample` and `split` follow the checker's rules (lang/sema/DatasetSize.cpp) to the example:
// stratified by label (labels in sorted order, as std::map keeps them) when the checker's label
// counts are known, the sizes from `apportion`. Which examples go where is the seeded part: per
// stratum k, the stratum's examples in order are shuffled by the stream (seed, transform, k)
// (Random.h) and dealt out front to back. Every part keeps the source order.
//
//===----------------------------------------------------------------------------------------===//

#include "Pipeline.h"

#include "ftp/data/Random.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ftp::data::detail {
namespace {

// Code points, not bytes: "characters" in the language reference.
int64_t utf8Length(const std::string &text) {
  int64_t n = 0;
  for (char c : text)
    n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::map<std::string, int64_t> countLabels(const std::vector<Item> &items) {
  std::map<std::string, int64_t> counts;
  for (const Item &item : items)
    if (!item.label.empty())
      counts[item.label]++;
  return counts;
}

// Indices of the items per stratum: one per label of `counts` (in its order), or one for all.
std::vector<std::vector<size_t>> strata(const State &state, bool stratified) {
  if (!stratified) {
    std::vector<size_t> all(state.items.size());
    for (size_t i = 0; i < all.size(); ++i)
      all[i] = i;
    return {all};
  }
  std::map<std::string, size_t> index;
  for (const auto &[label, count] : state.counts)
    index.emplace(label, index.size());
  std::vector<std::vector<size_t>> groups(index.size());
  for (size_t i = 0; i < state.items.size(); ++i) {
    auto it = index.find(state.items[i].label);
    if (it == index.end())
      throw DataError(fmt::format("internal: label counts miss `{}`", state.items[i].label));
    groups[it->second].push_back(i);
  }
  size_t k = 0;
  for (const auto &[label, count] : state.counts)
    if (static_cast<int64_t>(groups[k++].size()) != count)
      throw DataError("internal: label counts out of step with the examples");
  return groups;
}

const nlohmann::json *arg(const nlohmann::json &t, const char *name) {
  auto it = t.find(name);
  return it == t.end() || it->is_null() ? nullptr : &*it;
}

} // namespace

void filter(State &state, const nlohmann::json &t, DataReport &report) {
  const nlohmann::json *minChars = arg(t, "min_chars"), *maxChars = arg(t, "max_chars");
  const nlohmann::json *labels = arg(t, "labels");
  std::vector<Item> kept;
  for (Item &item : state.items) {
    const char *reason = nullptr;
    if (labels && std::find(labels->begin(), labels->end(), item.label) == labels->end())
      reason = "labels";
    else if (minChars || maxChars) {
      int64_t length = utf8Length(item.text);
      if (minChars && length < minChars->get<int64_t>())
        reason = "min_chars";
      else if (maxChars && length > maxChars->get<int64_t>())
        reason = "max_chars";
    }
    if (reason)
      report.filtered[reason]++;
    else
      kept.push_back(std::move(item));
  }
  state.items = std::move(kept);
  // The checker narrows its counts to the kept labels; past a length filter it stops counting,
  // so any counts are right from here on: recount (zero-count labels vanish, as they would).
  if (labels && !minChars && !maxChars && !state.counts.empty()) {
    std::map<std::string, int64_t> narrowed;
    for (const auto &label : *labels)
      if (state.counts.count(label.get<std::string>()))
        narrowed[label] = state.counts[label];
    state.counts = std::move(narrowed);
  } else if (!state.counts.empty()) {
    state.counts = countLabels(state.items);
  }
}

void sample(State &state, const nlohmann::json &t, uint64_t seed, uint64_t index,
            DataReport &report) {
  auto total = static_cast<int64_t>(state.items.size());
  const nlohmann::json *n = arg(t, "n"), *fraction = arg(t, "fraction");
  if (!n && !fraction)
    throw DataError("plan: `sample` without `n` or `fraction`");
  int64_t target = n ? std::min<int64_t>(n->get<int64_t>(), total)
                     : static_cast<int64_t>(std::floor(fraction->get<double>() * static_cast<double>(total) + 1e-9));
  bool stratified = t.value("stratify", "label") == "label" && !state.counts.empty();
  std::vector<int64_t> sizes = {target};
  if (stratified) {
    std::vector<double> shares;
    for (const auto &[label, count] : state.counts)
      shares.push_back(static_cast<double>(count) / static_cast<double>(total));
    sizes = apportion(target, shares);
  }
  std::vector<std::vector<size_t>> groups = strata(state, stratified);
  std::vector<char> keep(state.items.size(), 0);
  for (size_t k = 0; k < groups.size(); ++k) {
    SplitMix64 random(streamSeed(seed, index, k));
    shuffle(groups[k], random);
    for (int64_t i = 0; i < sizes[k] && i < static_cast<int64_t>(groups[k].size()); ++i)
      keep[groups[k][i]] = 1;
  }
  std::vector<Item> kept;
  for (size_t i = 0; i < state.items.size(); ++i)
    if (keep[i])
      kept.push_back(std::move(state.items[i]));
  report.sampledOut += total - static_cast<int64_t>(kept.size());
  state.items = std::move(kept);
  if (stratified) {
    size_t k = 0;
    for (auto &[label, count] : state.counts)
      count = sizes[k++];
  } else {
    state.counts.clear(); // the checker no longer knows the labels; nor do later transforms
  }
}

std::vector<std::vector<Item>> split(State &state, const nlohmann::json &t,
                                     const nlohmann::json &splits, uint64_t seed, uint64_t index) {
  std::vector<double> fractions;
  for (const auto &entry : splits)
    fractions.push_back(entry.at(1).get<double>());
  bool stratified = t.value("stratify", "label") == "label" && !state.counts.empty();
  std::vector<std::vector<size_t>> groups = strata(state, stratified);
  std::vector<std::vector<size_t>> chosen(fractions.size());
  for (size_t k = 0; k < groups.size(); ++k) {
    std::vector<int64_t> sizes =
        apportion(static_cast<int64_t>(groups[k].size()), fractions);
    SplitMix64 random(streamSeed(seed, index, k));
    shuffle(groups[k], random);
    size_t next = 0;
    for (size_t p = 0; p < sizes.size(); ++p)
      for (int64_t i = 0; i < sizes[p] && next < groups[k].size(); ++i)
        chosen[p].push_back(groups[k][next++]);
  }
  std::vector<std::vector<Item>> parts(fractions.size());
  for (size_t p = 0; p < chosen.size(); ++p) {
    std::sort(chosen[p].begin(), chosen[p].end());
    for (size_t i : chosen[p])
      parts[p].push_back(state.items[i]);
  }
  return parts;
}

} // namespace ftp::data::detail
