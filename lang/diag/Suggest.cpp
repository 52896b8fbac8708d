//===- Suggest.cpp - "did you mean" suggestions ---------------------------------===//

#include "lang/diag/Suggest.h"

#include <algorithm>

namespace ftp::lang {

size_t editDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

std::string closestMatch(std::string_view name, const std::vector<std::string> &candidates) {
  if (name.empty() || name.size() > 64)
    return {};
  // Fewer edits than the name has characters: `q` is no typo of `p`.
  size_t limit = std::min<size_t>(name.size() <= 4 ? 1 : 2, name.size() - 1);
  std::string best;
  size_t bestDistance = limit + 1;
  for (const std::string &candidate : candidates) {
    if (candidate == name)
      continue;
    size_t distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

std::string didYouMean(std::string_view name, const std::vector<std::string> &candidates) {
  std::string match = closestMatch(name, candidates);
  return match.empty() ? std::string() : "; did you mean `" + match + "`?";
}

} // namespace ftp::lang
