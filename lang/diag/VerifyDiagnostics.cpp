//===- VerifyDiagnostics.cpp - `--verify-diagnostics`: check expected diagnostics -===//

#include "lang/diag/VerifyDiagnostics.h"

#include "lang/diag/DiagnosticPrinters.h"
#include "lang/diag/Suggest.h"
#include "lang/lex/Lexer.h"

#include <algorithm>
#include <optional>

namespace ftp::lang {
namespace {

/// One `expected-*` annotation.
struct Expectation {
  Severity severity;
  SourceRange at;   // the annotation itself, where a missing diagnostic is reported
  uint32_t file;    // 0 for `@*`: a diagnostic without a location
  uint32_t line;
  std::string kind; // empty: any kind
  std::string text; // a substring of the message
};

/// A mismatch, printed once everything has been compared.
struct Problem {
  SourceRange range;
  DiagKind kind;
  std::string message;
};

template <typename... Args>
Problem problem(SourceRange range, DiagKind kind, const Args &...args) {
  return {range, kind, DiagnosticEngine::formatMessage(diagKindInfo(kind), args...)};
}

/// Lexer errors were reported by the real run already; re-lexing for comments must stay quiet.
class DiscardingConsumer : public DiagnosticConsumer {
public:
  void handle(const Diagnostic &) override {}
};

bool isWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

std::vector<std::string> kindNames() {
  std::vector<std::string> names;
  for (DiagKind kind : allDiagKinds())
    names.push_back(diagKindInfo(kind).name);
  return names;
}

/// Reads the annotations in the comments of one buffer.
class AnnotationReader {
public:
  AnnotationReader(const SourceManager &sources, uint32_t file, std::vector<Expectation> &expected,
                   std::vector<Problem> &problems)
      : sources_(sources), file_(file), expected_(expected), problems_(problems),
        firstExpectation_(expected.size()) {
    std::string_view text = sources.text(file);
    lastLine_ = sources.lineColumn({file, static_cast<uint32_t>(text.size())}).line;
  }

  void read() {
    // The lexer decides what is a comment, so a `#` inside a string never starts one.
    DiscardingConsumer discard;
    DiagnosticEngine quiet(sources_, discard);
    Lexer lexer(file_, sources_, quiet);
    for (const Token &token : lexer.lexAll())
      if (token.is(TokenKind::Comment))
        readComment(token.spelling, token.range.begin.offset);

    if (noDiagnostics_ && firstExpectation_ < expected_.size())
      problems_.push_back(problem(*noDiagnostics_, DiagKind::VerifyMalformed,
                                  "`expected-no-diagnostics` cannot be combined with other "
                                  "`expected-*` annotations in the same file"));
  }

  bool sawAnnotation() const { return sawAnnotation_; }

private:
  static constexpr std::string_view kPrefix = "expected-";

  /// A position in the comment being read; `base` is the comment's offset in the buffer.
  struct Cursor {
    std::string_view text;
    size_t pos;
    uint32_t base;

    bool startsWith(std::string_view s) const { return text.substr(pos, s.size()) == s; }
    void skipSpaces() {
      while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t'))
        ++pos;
    }
    std::string_view since(size_t begin) const { return text.substr(begin, pos - begin); }
    uint32_t offset(size_t i) const { return static_cast<uint32_t>(base + i); }
  };

  SourceRange range(const Cursor &c, size_t begin, size_t end) const {
    return SourceRange({file_, c.offset(begin)}, {file_, c.offset(end)});
  }

  // Reports a malformed annotation spanning [begin, c.pos) of the comment.
  void malformed(const Cursor &c, size_t begin, const std::string &why) {
    sawAnnotation_ = true; // it was meant as one: "no annotations" would be a second, wrong message
    problems_.push_back(problem(range(c, begin, c.pos), DiagKind::VerifyMalformed, why));
  }

  void readComment(std::string_view comment, uint32_t base) {
    Cursor c{comment, 0, base};
    while ((c.pos = comment.find(kPrefix, c.pos)) != std::string_view::npos) {
      // `expected-` must start a word: `unexpected-error` is not an annotation.
      if (c.pos > 0 && isWordChar(comment[c.pos - 1]))
        c.pos += kPrefix.size();
      else
        readAnnotation(c);
    }
  }

  // Reads the annotation at the cursor and leaves the cursor where the search for the next goes on.
  void readAnnotation(Cursor &c) {
    size_t start = c.pos;
    c.pos += kPrefix.size();
    while (c.pos < c.text.size() && isWordChar(c.text[c.pos]))
      ++c.pos;
    std::string name(c.since(start));

    if (name == "expected-no-diagnostics") {
      sawAnnotation_ = true;
      noDiagnostics_ = range(c, start, c.pos);
      return;
    }
    Expectation expectation{Severity::Error, {}, file_, 0, {}, {}};
    if (name == "expected-warning")
      expectation.severity = Severity::Warning;
    else if (name == "expected-note")
      expectation.severity = Severity::Note;
    else if (name != "expected-error") {
      // Prose such as "checks expected-token messages" is not an annotation; a misspelt one is.
      Cursor rest = c;
      rest.skipSpaces();
      if (rest.startsWith("@") || rest.startsWith("{{") || rest.startsWith("["))
        malformed(c, start, "unknown annotation `" + name + "`" + suggestAnnotation(name));
      return;
    }

    expectation.line = sources_.lineColumn({file_, c.offset(start)}).line;
    if (c.startsWith("@") && !readWhere(c, expectation))
      return;
    c.skipSpaces();
    if (c.startsWith("[") && !readKind(c, expectation))
      return;
    c.skipSpaces();
    if (!c.startsWith("{{")) {
      malformed(c, start,
                "expected `{{` and the text of the message after `" + name + "`, as in `" + name +
                    " {{text}}`");
      return;
    }
    size_t textEnd = c.text.find("}}", c.pos + 2);
    if (textEnd == std::string_view::npos) {
      c.pos = c.text.size();
      malformed(c, start, "missing `}}` after the expected message text");
      return;
    }
    expectation.text = std::string(c.text.substr(c.pos + 2, textEnd - c.pos - 2));
    c.pos = textEnd + 2;
    expectation.at = range(c, start, c.pos);
    sawAnnotation_ = true;
    expected_.push_back(std::move(expectation));
  }

  static std::string suggestAnnotation(const std::string &name) {
    std::string hint = didYouMean(name, {"expected-error", "expected-warning", "expected-note",
                                         "expected-no-diagnostics"});
    if (!hint.empty())
      return hint;
    return "; write `expected-error`, `expected-warning`, `expected-note` or "
           "`expected-no-diagnostics`";
  }

  // `@+N`, `@-N` or `@*` at the cursor; false after reporting a malformed one.
  bool readWhere(Cursor &c, Expectation &expectation) {
    size_t begin = c.pos++;
    if (c.startsWith("*")) {
      ++c.pos;
      expectation.file = 0; // a diagnostic without a location
      expectation.line = 0;
      return true;
    }
    char sign = c.pos < c.text.size() ? c.text[c.pos] : '\0';
    size_t digits = c.pos + 1;
    size_t digitsEnd = digits;
    while (digitsEnd < c.text.size() && isDigit(c.text[digitsEnd]))
      ++digitsEnd;
    if ((sign != '+' && sign != '-') || digitsEnd == digits || digitsEnd - digits > 6) {
      while (c.pos < c.text.size() && c.text[c.pos] != ' ' && c.text[c.pos] != '{')
        ++c.pos;
      malformed(c, begin,
                "bad line offset `" + std::string(c.since(begin)) +
                    "`; write `@+N` (N lines below), `@-N` (N lines above) or `@*` (no location)");
      return false;
    }
    c.pos = digitsEnd;
    long offset = std::stol(std::string(c.text.substr(digits, digitsEnd - digits)));
    long line = static_cast<long>(expectation.line) + (sign == '+' ? offset : -offset);
    if (line < 1 || line > static_cast<long>(lastLine_)) {
      malformed(c, begin,
                fmt::format("line offset `{}` points to line {}, outside the file (lines 1 to {})",
                            c.since(begin), line, lastLine_));
      return false;
    }
    expectation.line = static_cast<uint32_t>(line);
    return true;
  }

  // `[kind-name]` at the cursor; false after reporting a malformed one.
  bool readKind(Cursor &c, Expectation &expectation) {
    size_t begin = c.pos;
    size_t close = c.text.find(']', begin);
    if (close == std::string_view::npos) {
      c.pos = c.text.size();
      malformed(c, begin, "missing `]` after the diagnostic kind");
      return false;
    }
    c.pos = close + 1;
    std::string kind(c.text.substr(begin + 1, close - begin - 1));
    std::vector<std::string> known = kindNames();
    if (std::find(known.begin(), known.end(), kind) == known.end()) {
      malformed(c, begin, "unknown diagnostic kind `" + kind + "`" + didYouMean(kind, known));
      return false;
    }
    expectation.kind = std::move(kind);
    return true;
  }

  const SourceManager &sources_;
  uint32_t file_;
  std::vector<Expectation> &expected_;
  std::vector<Problem> &problems_;
  size_t firstExpectation_; // this buffer's expectations start here
  uint32_t lastLine_ = 0;
  bool sawAnnotation_ = false;
  std::optional<SourceRange> noDiagnostics_;
};

/// Where a diagnostic is, as annotations name it.
struct Place {
  uint32_t file = 0; // 0: no location
  uint32_t line = 0;
};

Place placeOf(const SourceManager &sources, const Diagnostic &d) {
  if (!d.range.valid())
    return {};
  return {d.range.begin.file, sources.lineColumn(d.range.begin).line};
}

bool sameContent(const Expectation &e, const Diagnostic &d) {
  return e.severity == d.severity && (e.kind.empty() || e.kind == diagKindInfo(d.kind).name) &&
         d.message.find(e.text) != std::string::npos;
}

/// Each expectation needs a diagnostic of its own. Greedy first-fit could give a diagnostic to a
/// loose expectation ("expected") that a stricter one on the same line ("expected `=`") needed, and
/// report a mismatch that is not there, so this is a maximum bipartite matching (augmenting paths;
/// the candidate lists are tiny).
class Matcher {
public:
  Matcher(const std::vector<std::vector<size_t>> &candidates, size_t diagnostics)
      : candidates_(candidates), owner_(diagnostics, kNone) {}

  void run() {
    for (size_t e = 0; e < candidates_.size(); ++e) {
      std::vector<bool> visited(owner_.size(), false);
      augment(e, visited);
    }
  }
  /// The expectation that diagnostic `d` satisfies, or kNone.
  size_t owner(size_t d) const { return owner_[d]; }
  static constexpr size_t kNone = static_cast<size_t>(-1);

private:
  bool augment(size_t e, std::vector<bool> &visited) {
    for (size_t d : candidates_[e]) {
      if (visited[d])
        continue;
      visited[d] = true;
      if (owner_[d] == kNone || augment(owner_[d], visited)) {
        owner_[d] = e;
        return true;
      }
    }
    return false;
  }

  const std::vector<std::vector<size_t>> &candidates_;
  std::vector<size_t> owner_;
};

} // namespace

void VerifyingDiagnosticConsumer::handle(const Diagnostic &diagnostic) {
  Diagnostic flat = diagnostic;
  flat.notes.clear();
  reported_.push_back(std::move(flat));
  for (const Diagnostic &note : diagnostic.notes)
    handle(note);
}

void VerifyingDiagnosticConsumer::finish() {
  if (finished_)
    return;
  finished_ = true;

  std::vector<Expectation> expected;
  std::vector<Problem> problems;
  bool sawAnnotation = false;
  for (uint32_t file = 1; file <= sources_.bufferCount(); ++file) {
    AnnotationReader reader(sources_, file, expected, problems);
    reader.read();
    sawAnnotation |= reader.sawAnnotation();
  }

  std::vector<Place> places;
  for (const Diagnostic &d : reported_)
    places.push_back(placeOf(sources_, d));
  std::vector<std::vector<size_t>> candidates(expected.size());
  for (size_t e = 0; e < expected.size(); ++e)
    for (size_t d = 0; d < reported_.size(); ++d)
      if (places[d].file == expected[e].file && places[d].line == expected[e].line &&
          sameContent(expected[e], reported_[d]))
        candidates[e].push_back(d);
  Matcher matcher(candidates, reported_.size());
  matcher.run();
  std::vector<bool> met(expected.size(), false);
  for (size_t d = 0; d < reported_.size(); ++d)
    if (matcher.owner(d) != Matcher::kNone)
      met[matcher.owner(d)] = true;

  for (size_t e = 0; e < expected.size(); ++e) {
    if (met[e])
      continue;
    const Expectation &x = expected[e];
    std::string qualifier;
    if (!x.kind.empty())
      qualifier += " of kind `" + x.kind + "`";
    if (x.file == 0)
      qualifier += " without a location";
    // A diagnostic that would have matched but for its line is most likely an off-by-one `@+N`.
    std::string hint;
    for (size_t d = 0; d < reported_.size() && hint.empty(); ++d) {
      if (matcher.owner(d) != Matcher::kNone || !sameContent(x, reported_[d]))
        continue;
      if (places[d].file == 0)
        hint = "; one was reported without a location";
      else if (places[d].file == x.at.begin.file)
        hint = fmt::format("; one was reported on line {}", places[d].line);
      else
        hint = fmt::format("; one was reported at {}:{}", sources_.name(places[d].file),
                           places[d].line);
    }
    problems.push_back(problem(x.at, DiagKind::VerifyMissing, severityName(x.severity), x.text,
                               qualifier, hint));
  }
  for (size_t d = 0; d < reported_.size(); ++d) {
    if (matcher.owner(d) != Matcher::kNone)
      continue;
    const Diagnostic &r = reported_[d];
    problems.push_back(problem(r.range, DiagKind::VerifyUnexpected, severityName(r.severity),
                               r.message, diagKindInfo(r.kind).name));
  }
  if (!sawAnnotation && sources_.bufferCount() > 0)
    problems.push_back(problem(SourceRange(SourceLoc{1, 0}), DiagKind::VerifyNoAnnotations));

  // In source order, so that a reader can walk the file from top to bottom.
  std::stable_sort(problems.begin(), problems.end(), [](const Problem &a, const Problem &b) {
    auto key = [](const Problem &p) {
      return std::make_pair(p.range.begin.file, p.range.begin.offset);
    };
    return key(a) < key(b);
  });
  TextDiagnosticPrinter printer(sources_, out_, /*color=*/false);
  for (Problem &p : problems) {
    const DiagKindInfo &info = diagKindInfo(p.kind);
    printer.handle(Diagnostic{p.kind, info.severity, p.range, std::move(p.message), {}, {}});
  }
  failures_ = static_cast<unsigned>(problems.size());
}

} // namespace ftp::lang
