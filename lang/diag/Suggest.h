//===- Suggest.h - "did you mean" suggestions -----------------------------------===//
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ftp::lang {

/// Optimal-string-alignment (restricted Damerau-Levenshtein) distance: insertions, deletions,
/// substitutions and swaps of two adjacent characters each cost 1.
size_t editDistance(std::string_view a, std::string_view b);

/// The candidate closest to `name`, if it is close enough to be a plausible typo: at most 2 edits
/// (1 for names of up to 4 characters), and never an empty match. Ties go to the earlier candidate.
std::string closestMatch(std::string_view name, const std::vector<std::string> &candidates);

/// "; did you mean `x`?" when there is a close candidate, else "".
std::string didYouMean(std::string_view name, const std::vector<std::string> &candidates);

} // namespace ftp::lang
