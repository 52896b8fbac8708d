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

} // namespace ftp::train
