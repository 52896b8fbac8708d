//===- Perturb.cpp - seeded text perturbations for robust evaluation ------------===//

#include "Perturb.h"

#include "Random.h"

#include <cctype>
#include <string_view>
#include <vector>

namespace ftp::train {

namespace {

// QWERTY neighbours of each lower-case letter.
const char *neighbours(char c) {
  static const char *table[26] = {"qwsz", "vghn", "xdfv", "serfcx", "wsdr", "drtgvc", "ftyhbv",
                                  "gyujnb", "ujko", "huikmn", "jiolm", "kop", "njk", "bhjm",
                                  "iklp", "ol", "wa", "edft", "awedxz", "rfgy", "yhji", "cfgb",
                                  "qase", "zsdc", "tghu", "asx"};
  return table[c - 'a'];
}

/// Words as [begin, end) byte ranges separated by ASCII whitespace.
std::vector<std::pair<size_t, size_t>> words(const std::string &text) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    size_t begin = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    if (i > begin)
      out.emplace_back(begin, i);
  }
  return out;
}

bool isLetter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

std::string typo(std::string word, SplitMix64 &rng) {
  std::vector<size_t> letters;
  for (size_t i = 0; i < word.size(); ++i)
    if (isLetter(word[i]))
      letters.push_back(i);
  if (letters.empty())
    return word;
  size_t at = letters[rng.below(letters.size())];
  char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(word[at])));
  const char *near = neighbours(lower);
  switch (rng.below(4)) {
  case 0: // swap with the next letter
    if (at + 1 < word.size() && isLetter(word[at + 1]))
      std::swap(word[at], word[at + 1]);
    else if (at > 0 && isLetter(word[at - 1]))
      std::swap(word[at], word[at - 1]);
    break;
  case 1: // delete
    if (word.size() > 1)
      word.erase(at, 1);
    break;
  case 2: // insert a neighbour
    word.insert(word.begin() + static_cast<long>(at), near[rng.below(std::string_view(near).size())]);
    break;
  default: // replace with a neighbour
    word[at] = near[rng.below(std::string_view(near).size())];
    break;
  }
  return word;
}

} // namespace

std::string applyTypos(const std::string &text, double rate, uint64_t seed, uint64_t index) {
  SplitMix64 rng(seed, kPerturbStream, index);
  std::string out;
  size_t last = 0;
  for (auto [begin, end] : words(text)) {
    out.append(text, last, begin - last);
    std::string word = text.substr(begin, end - begin);
    out += rng.uniform() < rate ? typo(word, rng) : word;
    last = end;
  }
  out.append(text, last, std::string::npos);
  return out;
}

std::string dropWords(const std::string &text, double rate, uint64_t seed, uint64_t index) {
  SplitMix64 rng(seed, kPerturbStream + 100, index);
  std::string out;
  for (auto [begin, end] : words(text)) {
    if (rng.uniform() < rate)
      continue;
    if (!out.empty())
      out += ' ';
    out.append(text, begin, end - begin);
  }
  return out;
}

std::string swapWords(const std::string &text, double rate, uint64_t seed, uint64_t index) {
  SplitMix64 rng(seed, kPerturbStream + 200, index);
  auto spans = words(text);
  std::vector<size_t> order(spans.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  for (size_t i = 0; i + 1 < order.size(); ++i)
    if (rng.uniform() < rate) {
      std::swap(order[i], order[i + 1]);
      ++i; // the pair is done
    }
  std::string out;
  size_t last = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    out.append(text, last, spans[i].first - last);
    out.append(text, spans[order[i]].first, spans[order[i]].second - spans[order[i]].first);
    last = spans[i].second;
  }
  out.append(text, last, std::string::npos);
  return out;
}

std::string replaceSynonyms(const std::string &text, double rate, uint64_t seed, uint64_t index) {
  SplitMix64 rng(seed, kPerturbStream + 300, index);
  std::string out;
  size_t last = 0;
  for (auto [begin, end] : words(text)) {
    out.append(text, last, begin - last);
    last = end;
    // The word's letters, without punctuation around them ("Free!" -> "Free").
    size_t core = begin, coreEnd = end;
    while (core < coreEnd && !isLetter(text[core]))
      ++core;
    while (coreEnd > core && !isLetter(text[coreEnd - 1]))
      --coreEnd;
    std::string word = text.substr(core, coreEnd - core), lower = word;
    bool allCaps = word.size() > 1, allLetters = !word.empty();
    for (char &c : lower) {
      allLetters = allLetters && isLetter(c);
      allCaps = allCaps && std::isupper(static_cast<unsigned char>(c));
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const std::vector<std::string> *alternatives = allLetters ? synonymsOf(lower) : nullptr;
    // Draw for every listed word, so that one word's outcome does not shift the others' streams
    // depending on the rate.
    if (!alternatives || !(rng.uniform() < rate)) {
      out.append(text, begin, end - begin);
      continue;
    }
    std::string replacement = (*alternatives)[rng.below(alternatives->size())];
    if (allCaps)
      for (char &c : replacement)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    else if (std::isupper(static_cast<unsigned char>(word[0])))
      replacement[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(replacement[0])));
    out.append(text, begin, core - begin);
    out += replacement;
    out.append(text, coreEnd, end - coreEnd);
  }
  out.append(text, last, std::string::npos);
  return out;
}

} // namespace ftp::train
