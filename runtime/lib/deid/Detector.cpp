//===- Detector.cpp - the pattern detectors and overlap resolution ----------------===//

#include "ftp/deid/Detector.h"

#include "ftp/deid/NameDetector.h"
#include "ftp/deid/Validators.h"

#include <re2/re2.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <stdexcept>

namespace ftp::deid {

namespace {
bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

/// What may not touch a number on either side: a digit or letter, or a `.`/`-` glued to one
/// (so `1.2.3.4.5`, `978-0-306-40615-7` and `12-555-123-4567` are not split into matches).
bool numberBoundary(std::string_view text, size_t begin, size_t end) {
  if (begin > 0) {
    char c = text[begin - 1];
    if (isAlnum(c) || c == '_')
      return false;
    if ((c == '.' || c == '-' || c == '/' || c == ':') && begin > 1 && isDigit(text[begin - 2]))
      return false;
  }
  if (end < text.size()) {
    char c = text[end];
    if (isAlnum(c) || c == '_')
      return false;
    if ((c == '.' || c == '-' || c == '/' || c == ':') && end + 1 < text.size() &&
        isDigit(text[end + 1]))
      return false;
  }
  return true;
}

bool precededByVersion(std::string_view text, size_t begin) {
  // `v1.2.3.4` is already refused by numberBoundary (a letter touches the number).
  size_t i = begin;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == ':' || text[i - 1] == '='))
    --i;
  size_t end = i;
  while (i > 0 && std::isalpha(static_cast<unsigned char>(text[i - 1])))
    --i;
  std::string word(text.substr(i, end - i));
  for (char &c : word)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word == "v" || word == "ver" || word == "version";
}

size_t countDigits(std::string_view s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), isDigit));
}
} // namespace

struct Detector::Patterns {
  RE2::Options options() {
    RE2::Options o;
    o.set_log_errors(false);
    return o;
  }
  RE2 email{R"([A-Za-z0-9._%+\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)"
            R"((?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,})",
            options()};
  RE2 url{R"((?:(?:https?|ftp)://|www\.)[^\s<>"'`{}|\\^\[\]]+)", options()};
  RE2 phoneNanp{R"((?:\+1[ .\-]?)?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[.\-])\d{3}[.\-]\d{4})", options()};
  RE2 phoneNanpSpaced{R"(\+1[ .\-]?\(?[2-9]\d{2}\)?[ .\-]?\d{3}[ .\-]?\d{4})", options()};
  RE2 phoneIntl{R"(\+[1-9][\d ().\-]{6,22}\d)", options()};
  RE2 phoneCn{R"((?:\+86[ \-]?)?1[3-9]\d{9})", options()};
  RE2 card{R"(\d(?:[ \-]?\d){12,18})", options()};
  RE2 ssn{R"(\d{3}-\d{2}-\d{4})", options()};
  RE2 iban{R"([A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?))", options()};
  RE2 cnId{R"(\d{17}[\dXx])", options()};
  RE2 ipv4{R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", options()};
  RE2 ipv6{R"([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}\.\d{1,3}\.\d{1,3})?)",
           options()};
};

Detector::Detector(const DetectorOptions &options) : patterns_(std::make_unique<Patterns>()) {
  std::fill(std::begin(enabled_), std::end(enabled_), options.types.empty());
  for (EntityType type : options.types)
    enabled_[static_cast<int>(type)] = true;
  if (options.nameFiles.empty())
    enabled_[static_cast<int>(EntityType::Person)] = false;
  else if (enabled_[static_cast<int>(EntityType::Person)])
    names_ = std::make_unique<NameDetector>(options.nameFiles);
}

Detector::~Detector() = default;

namespace {
/// Calls `accept(begin, end)` for every match of `re` in `text`; `accept` returns the span to keep
/// (or nothing). After a rejected match the search resumes one byte later, so a valid identifier
/// inside a rejected candidate is still found.
void forEachMatch(const RE2 &re, std::string_view text,
                  const std::function<bool(size_t, size_t)> &accept) {
  size_t pos = 0;
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  while (pos < text.size() && re.Match(input, pos, text.size(), RE2::UNANCHORED, &match, 1)) {
    size_t begin = static_cast<size_t>(match.data() - text.data());
    size_t end = begin + match.size();
    if (accept(begin, end))
      pos = end > begin ? end : begin + 1;
    else
      pos = begin + 1;
  }
}
} // namespace

std::vector<Span> Detector::detectAll(std::string_view text) const {
  std::vector<Span> out;
  const Patterns &p = *patterns_;
  auto on = [&](EntityType t) { return enabled_[static_cast<int>(t)]; };
  auto add = [&](size_t b, size_t e, EntityType t, double c) { out.push_back({b, e, t, c}); };
  bool anyDigit = std::any_of(text.begin(), text.end(), isDigit);

  if (on(EntityType::Email) && text.find('@') != std::string_view::npos)
    forEachMatch(p.email, text, [&](size_t b, size_t e) {
      add(b, e, EntityType::Email, 0.99);
      return true;
    });
  if (on(EntityType::Url))
    forEachMatch(p.url, text, [&](size_t b, size_t e) {
      while (e > b && std::string_view(".,;:!?)'\"").find(text[e - 1]) != std::string_view::npos)
        --e;
      if (b > 0 && isAlnum(text[b - 1]) && text[b] == 'w')
        return false;
      add(b, e, EntityType::Url, 0.95);
      return true;
    });
  if (!anyDigit) {
    if (names_)
      names_->detect(text, out);
    return out;
  }
  if (on(EntityType::Phone)) {
    auto phone = [&](double confidence, size_t minDigits, size_t maxDigits) {
      return [&, confidence, minDigits, maxDigits](size_t b, size_t e) {
        size_t n = countDigits(text.substr(b, e - b));
        if (n < minDigits || n > maxDigits || !numberBoundary(text, b, e))
          return false;
        add(b, e, EntityType::Phone, confidence);
        return true;
      };
    };
    forEachMatch(p.phoneNanp, text, phone(0.9, 10, 11));
    forEachMatch(p.phoneNanpSpaced, text, phone(0.9, 11, 11));
    forEachMatch(p.phoneIntl, text, [&](size_t b, size_t e) {
      std::string_view s = text.substr(b, e - b);
      size_t n = countDigits(s);
      // No doubled separators; balanced parentheses; E.164 has at most 15 digits.
      bool tidy = s.find("  ") == std::string_view::npos && s.find("--") == std::string_view::npos &&
                  std::count(s.begin(), s.end(), '(') == std::count(s.begin(), s.end(), ')');
      if (n < 8 || n > 15 || !tidy || !numberBoundary(text, b, e))
        return false;
      add(b, e, EntityType::Phone, 0.85);
      return true;
    });
    forEachMatch(p.phoneCn, text, [&](size_t b, size_t e) {
      if (!numberBoundary(text, b, e))
        return false;
      add(b, e, EntityType::Phone, text[b] == '+' ? 0.9 : 0.7);
      return true;
    });
  }
  if (on(EntityType::CreditCard))
    forEachMatch(p.card, text, [&](size_t b, size_t e) {
      if (b > 0 && (isAlnum(text[b - 1]) || (text[b - 1] == '-' && b > 1 && isDigit(text[b - 2]))))
        return false;
      // A following number may have been taken as more groups: drop groups until it checks.
      while (e - b >= 13) {
        std::string_view s = text.substr(b, e - b);
        // One kind of separator at most.
        bool mixed = s.find(' ') != std::string_view::npos && s.find('-') != std::string_view::npos;
        if (!mixed && numberBoundary(text, b, e) && creditCardValid(s)) {
          add(b, e, EntityType::CreditCard, 0.97);
          return true;
        }
        size_t cut = s.find_last_of(" -");
        if (cut == std::string_view::npos)
          return false;
        e = b + cut;
      }
      return false;
    });
  if (on(EntityType::Ssn))
    forEachMatch(p.ssn, text, [&](size_t b, size_t e) {
      if (!numberBoundary(text, b, e) || !ssnValid(text.substr(b, e - b)))
        return false;
      add(b, e, EntityType::Ssn, 0.9);
      return true;
    });
  if (on(EntityType::Iban))
    forEachMatch(p.iban, text, [&](size_t b, size_t e) {
      if (b > 0 && isAlnum(text[b - 1]))
        return false;
      // A trailing word may have been taken as a last group: drop groups until it checks.
      while (e - b >= 15) {
        if ((e == text.size() || !isAlnum(text[e])) && ibanValid(text.substr(b, e - b))) {
          add(b, e, EntityType::Iban, 0.99);
          return true;
        }
        size_t space = text.substr(b, e - b).rfind(' ');
        if (space == std::string_view::npos)
          return false;
        e = b + space;
      }
      return false;
    });
  if (on(EntityType::CnId))
    forEachMatch(p.cnId, text, [&](size_t b, size_t e) {
      if (!numberBoundary(text, b, e) || !cnIdValid(text.substr(b, e - b)))
        return false;
      add(b, e, EntityType::CnId, 0.98);
      return true;
    });
  if (on(EntityType::Ip)) {
    forEachMatch(p.ipv4, text, [&](size_t b, size_t e) {
      if (!numberBoundary(text, b, e) || precededByVersion(text, b) ||
          !ipv4Valid(text.substr(b, e - b)))
        return false;
      add(b, e, EntityType::Ip, 0.9);
      return true;
    });
    if (text.find(':') != std::string_view::npos)
      forEachMatch(p.ipv6, text, [&](size_t b, size_t e) {
        if ((b > 0 && (isAlnum(text[b - 1]) || text[b - 1] == ':')) ||
            (e < text.size() && (isAlnum(text[e]) || text[e] == ':')) ||
            !ipv6Valid(text.substr(b, e - b)))
          return false;
        add(b, e, EntityType::Ip, 0.9);
        return true;
      });
  }
  if (names_)
    names_->detect(text, out);
  return out;
}

std::vector<Span> Detector::detect(std::string_view text) const {
  return resolveOverlaps(detectAll(text));
}

std::vector<Span> resolveOverlaps(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end(), [](const Span &a, const Span &b) {
    if (a.size() != b.size())
      return a.size() > b.size();
    if (a.type != b.type)
      return a.type < b.type;
    return a.begin < b.begin;
  });
  std::map<size_t, Span> kept; // by begin
  for (const Span &span : spans) {
    if (span.size() == 0)
      continue;
    auto next = kept.lower_bound(span.begin);
    if (next != kept.end() && next->second.begin < span.end)
      continue;
    if (next != kept.begin() && std::prev(next)->second.end > span.begin)
      continue;
    kept.emplace(span.begin, span);
  }
  std::vector<Span> out;
  out.reserve(kept.size());
  for (auto &entry : kept)
    out.push_back(entry.second);
  return out;
}

const char *entityTag(EntityType type) {
  switch (type) {
  case EntityType::Email: return "EMAIL";
  case EntityType::Phone: return "PHONE";
  case EntityType::Ip: return "IP";
  case EntityType::Url: return "URL";
  case EntityType::CreditCard: return "CREDIT_CARD";
  case EntityType::Ssn: return "SSN";
  case EntityType::Iban: return "IBAN";
  case EntityType::CnId: return "CN_ID";
  case EntityType::Person: return "PERSON";
  }
  return "?";
}

std::optional<EntityType> parseEntityTag(std::string_view tag) {
  std::string upper(tag);
  for (char &c : upper)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (int i = 0; i < kNumEntityTypes; ++i)
    if (upper == entityTag(static_cast<EntityType>(i)))
      return static_cast<EntityType>(i);
  return std::nullopt;
}

} // namespace ftp::deid
