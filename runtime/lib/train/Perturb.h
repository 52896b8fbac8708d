//===- Perturb.h - seeded text perturbations for robust evaluation --------------===//
//
// Character typos (swap two neighbours, delete, insert or replace with a keyboard neighbour), word
// dropout, swaps of neighbouring words and synonym replacement from a small shipped list
// (Synonyms.cpp), applied per word with a probability. Each example's perturbation is drawn from
// its own stream (seed, example index), so results do not depend on batching or threads.
// Operates on ASCII letters only; other bytes (UTF-8 sequences included) are left intact.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ftp::train {

std::string applyTypos(const std::string &text, double rate, uint64_t seed, uint64_t index);
std::string dropWords(const std::string &text, double rate, uint64_t seed, uint64_t index);
/// Each word is swapped with the next one with probability `rate` (a swapped pair is not swapped
/// again); whitespace between words is kept as it was.
std::string swapWords(const std::string &text, double rate, uint64_t seed, uint64_t index);
/// Each word in the synonym list (compared in lower case, leading and trailing punctuation aside)
/// is replaced with probability `rate` by one of its synonyms, keeping its punctuation and an
/// initial capital or all-capitals spelling.
std::string replaceSynonyms(const std::string &text, double rate, uint64_t seed, uint64_t index);

/// The synonyms of a lower-case word in the shipped list, or nullptr.
const std::vector<std::string> *synonymsOf(const std::string &lowerWord);

} // namespace ftp::train
