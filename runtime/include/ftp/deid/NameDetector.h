//===- NameDetector.h - person names from a first-name dictionary and context -----===//
//
// A capitalized word in the dictionary is a name only in context:
//   - after a title: `Mr.`, `Ms.`, `Mrs.`, `Dr.`, `Prof.` (0.95);
//   - after a greeting: `Dear`, `Hi`, `Hello`, `Hey` (0.9);
//   - followed by a capitalized surname that is not a common capitalized word (0.8);
//   - alone on a signature line: one to three capitalized words among the last five lines of the
//     text, or right after a closing such as `Regards,` or `Thanks,` (0.75).
// Names that are also common English words ("May", "Will", "Bill", "Mark", "June", ...) need a
// title, a greeting or a signature: a following capitalized word is not enough. A following
// surname is included in the span.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/deid/Entity.h"

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ftp::deid {

class NameDetector {
public:
  /// Loads the first names of every file (one per line); throws std::runtime_error on a read error.
  explicit NameDetector(const std::vector<std::string> &files);

  void detect(std::string_view text, std::vector<Span> &out) const;
  bool isFirstName(std::string_view word) const;
  size_t size() const { return names_.size(); }

private:
  std::unordered_set<std::string> names_; // lowercase
};

} // namespace ftp::deid
