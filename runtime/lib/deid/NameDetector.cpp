//===- NameDetector.cpp - person names from a first-name dictionary and context ---===//

#include "ftp/deid/NameDetector.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

namespace ftp::deid {

namespace {
std::string lower(std::string_view s) {
  std::string out(s);
  for (char &c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
bool isUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool isLower(char c) { return c >= 'a' && c <= 'z'; }
bool isLetter(char c) { return isUpper(c) || isLower(c) || static_cast<unsigned char>(c) >= 0x80; }

// First names that are also common English words: only a title, greeting or signature makes them
// names.
bool ambiguous(const std::string &w) {
  static const std::unordered_set<std::string> kWords = {
      "may",    "will",  "bill",   "june",   "april",  "august", "mark",  "grant",  "rose",
      "faith",  "hope",  "joy",    "grace",  "art",    "chance", "summer", "dawn",  "ray",
      "rich",   "sue",   "pat",    "jack",   "frank",  "gene",   "carol", "don",    "max",
      "guy",    "nick",  "herb",   "sandy",  "penny",  "ruby",   "amber", "crystal", "iris",
      "lily",   "holly", "ivy",    "destiny", "king",  "lane",   "sky",   "rock",   "major",
      "sterling", "christian", "case", "page", "read", "bell", "price", "young", "love", "happy",
      "hunter", "clay",  "dale",   "glen",   "wade",   "cliff",  "wood",  "gay",    "autumn",
      "winter", "star",  "angel",  "honey",  "lean",   "ward",   "stone", "gale",   "sunny",
      "merry",  "jewel", "pearl",  "violet", "olive",  "hazel",  "jasmine", "heather", "ginger",
      "brook",  "river", "storm",  "rain",   "van",    "lee",    "les",   "del",    "dean",
      "tom",    "sam",   "bob",    "kit",    "val",    "em",     "di",    "jo",     "ed"};
  return kWords.count(w) != 0;
}

// Capitalized words that are not surnames (sentence words, days, months, common nouns in titles).
bool notSurname(const std::string &w) {
  static const std::unordered_set<std::string> kWords = {
      "the",     "and",     "or",      "but",     "for",      "of",      "in",      "on",
      "at",      "to",      "is",      "are",     "was",      "i",       "a",       "an",
      "this",    "that",    "it",      "my",      "your",     "our",     "we",      "you",
      "he",      "she",     "they",    "street",  "st",       "avenue",  "road",    "monday",
      "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
      "march",   "april",   "may",     "june",    "july",     "august",  "september", "october",
      "november", "december", "inc",   "ltd",     "llc",      "corp",    "company", "university",
      "county",  "city",    "state",   "day",     "christmas", "valley", "park",    "hotel",
      "center",  "bank",    "news",    "times",   "http",     "www",     "re",      "fw",
      "fwd",     "subject", "from",    "date",    "with",     "when",    "if",      "as",
      "not",     "all",     "new",     "free",    "click",    "here",    "please",  "dear"};
  return kWords.count(w) != 0;
}

bool isTitle(const std::string &w) {
  return w == "mr" || w == "ms" || w == "mrs" || w == "dr" || w == "prof" || w == "miss";
}
bool isGreeting(const std::string &w) {
  return w == "dear" || w == "hi" || w == "hello" || w == "hey";
}
bool isClosing(const std::string &line) {
  static const char *kClosings[] = {"regards", "best regards", "kind regards", "thanks",
                                    "thank you", "best", "cheers", "sincerely", "yours",
                                    "yours sincerely", "yours truly", "warm regards", "love"};
  std::string l = lower(line);
  while (!l.empty() && (l.back() == ',' || l.back() == ' ' || l.back() == '\r' || l.back() == '!'))
    l.pop_back();
  for (const char *c : kClosings)
    if (l == c)
      return true;
  return false;
}

/// Every space-separated word of `line` starts with a capital letter.
bool allCapitalized(std::string_view line) {
  bool start = true;
  for (char c : line) {
    if (start && c != ' ' && !isUpper(c))
      return false;
    start = c == ' ';
  }
  return true;
}

struct Word {
  size_t begin, end;
  bool capitalized;
};
} // namespace

NameDetector::NameDetector(const std::vector<std::string> &files) {
  for (const std::string &file : files) {
    std::ifstream in(file);
    if (!in)
      throw std::runtime_error("cannot read the names file `" + file + "`");
    std::string line;
    while (std::getline(in, line)) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
        line.pop_back();
      if (line.size() >= 2)
        names_.insert(lower(line));
    }
  }
}

bool NameDetector::isFirstName(std::string_view word) const { return names_.count(lower(word)); }

void NameDetector::detect(std::string_view text, std::vector<Span> &out) const {
  // Split into words (letters, with inner apostrophes and hyphens), remembering line breaks.
  std::vector<Word> words;
  for (size_t i = 0; i < text.size();) {
    if (!isLetter(text[i])) {
      ++i;
      continue;
    }
    size_t b = i;
    while (i < text.size() &&
           (isLetter(text[i]) || ((text[i] == '\'' || text[i] == '-') && i + 1 < text.size() &&
                                  isLetter(text[i + 1]) && i > b)))
      ++i;
    // Capitalized: an upper-case letter, then lower case ("Anna", not "ANNA" or "anna").
    words.push_back({b, i, isUpper(text[b]) && (i - b == 1 || isLower(text[b + 1]))});
  }
  // Line starts, to find signatures.
  std::vector<size_t> lineStarts{0};
  for (size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n')
      lineStarts.push_back(i + 1);
  size_t nonEmptyLines = 0, tailStart = text.size();
  for (size_t l = lineStarts.size(); l-- > 0 && nonEmptyLines < 5;) {
    size_t end = l + 1 < lineStarts.size() ? lineStarts[l + 1] : text.size();
    std::string_view line = text.substr(lineStarts[l], end - lineStarts[l]);
    if (line.find_first_not_of(" \t\r\n") != std::string_view::npos)
      ++nonEmptyLines;
    tailStart = lineStarts[l];
  }
  auto lineOf = [&](size_t pos) {
    return static_cast<size_t>(std::upper_bound(lineStarts.begin(), lineStarts.end(), pos) -
                               lineStarts.begin() - 1);
  };
  auto lineText = [&](size_t l) {
    size_t end = l + 1 < lineStarts.size() ? lineStarts[l + 1] : text.size();
    std::string_view s = text.substr(lineStarts[l], end - lineStarts[l]);
    size_t b = s.find_first_not_of(" \t-\r\n"), e = s.find_last_not_of(" \t\r\n");
    return b == std::string_view::npos ? std::string_view() : s.substr(b, e - b + 1);
  };

  for (size_t k = 0; k < words.size(); ++k) {
    const Word &w = words[k];
    if (!w.capitalized || w.end - w.begin < 2)
      continue;
    std::string name = lower(text.substr(w.begin, w.end - w.begin));
    if (!names_.count(name) || isTitle(name) || isGreeting(name) ||
        (notSurname(name) && !ambiguous(name)))
      continue;
    size_t end = w.end;
    // A following capitalized surname on the same line, separated by one space.
    bool surname = false;
    if (k + 1 < words.size() && words[k + 1].capitalized && words[k + 1].begin == w.end + 1 &&
        text[w.end] == ' ') {
      std::string next = lower(text.substr(words[k + 1].begin, words[k + 1].end - words[k + 1].begin));
      if (!notSurname(next) && words[k + 1].end - words[k + 1].begin >= 2) {
        surname = true;
        end = words[k + 1].end;
      }
    }
    double confidence = 0;
    if (k > 0) {
      std::string prev = lower(text.substr(words[k - 1].begin, words[k - 1].end - words[k - 1].begin));
      std::string_view between = text.substr(words[k - 1].end, w.begin - words[k - 1].end);
      bool adjacent = between.size() <= 2 && between.find('\n') == std::string_view::npos;
      if (adjacent && isTitle(prev))
        confidence = 0.95;
      else if (adjacent && isGreeting(prev) && words[k - 1].capitalized)
        confidence = 0.9;
    }
    if (confidence == 0) {
      // Signature: the line holds one to three capitalized words, near the end or after a closing.
      size_t l = lineOf(w.begin);
      std::string_view line = lineText(l);
      bool nameLine = !line.empty() && line.data() == text.data() + w.begin && line.size() <= 40 &&
                      std::all_of(line.begin(), line.end(), [](char c) {
                        return isLetter(c) || c == ' ' || c == '-' || c == '\'';
                      }) &&
                      allCapitalized(line) &&
                      std::count(line.begin(), line.end(), ' ') <= 2;
      bool afterClosing = false;
      for (size_t p = l; p-- > 0;) {
        std::string_view prevLine = lineText(p);
        if (prevLine.empty())
          continue;
        afterClosing = isClosing(std::string(prevLine));
        break;
      }
      if (nameLine && (afterClosing || (w.begin >= tailStart && lineStarts.size() > 1)))
        confidence = 0.75;
    }
    if (confidence == 0 && surname && !ambiguous(name))
      confidence = 0.8;
    if (confidence == 0)
      continue;
    out.push_back({w.begin, end, EntityType::Person, confidence});
    if (surname)
      ++k;
  }
}

} // namespace ftp::deid
