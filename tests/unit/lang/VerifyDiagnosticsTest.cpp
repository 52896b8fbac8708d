#include "lang/diag/VerifyDiagnostics.h"
#include "lang/parse/Parser.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace ftp::lang;

namespace {

/// A source buffer, a verifier over it and an engine reporting into the verifier.
struct Harness {
  SourceManager sources;
  std::ostringstream out;
  VerifyingDiagnosticConsumer verifier{sources, out};
  DiagnosticEngine engine{sources, verifier};
  uint32_t file = 0;

  explicit Harness(std::string text) { file = sources.addBuffer("t.ftp", std::move(text)); }

  /// The range of the first occurrence of `needle` in the buffer.
  SourceRange at(std::string_view needle) const {
    size_t offset = sources.text(file).find(needle);
    EXPECT_NE(offset, std::string_view::npos) << needle;
    return SourceRange({file, static_cast<uint32_t>(offset)},
                       {file, static_cast<uint32_t>(offset + needle.size())});
  }

  bool verify() {
    verifier.finish();
    return verifier.succeeded();
  }
};

/// Parses `text` with the real parser and verifies its diagnostics.
bool verifyParse(const std::string &text, std::string *output = nullptr) {
  Harness h(text);
  Parser(h.file, h.sources, h.engine).parseFile();
  bool ok = h.verify();
  if (output)
    *output = h.out.str();
  return ok;
}

} // namespace

TEST(VerifyDiagnostics, SameLineAnnotationMatches) {
  Harness h("seed $ # expected-error {{unexpected character `$`}}\n");
  h.engine.report(h.at("$"), DiagKind::UnexpectedCharacter, "$");
  EXPECT_TRUE(h.verify()) << h.out.str();
  EXPECT_EQ(h.out.str(), "");
}

TEST(VerifyDiagnostics, LineOffsetsPointBelowAndAbove) {
  Harness h("# expected-error@+2 {{below}}\n"
            "\n"
            "one\n"
            "two\n"
            "# expected-error@-1 {{above}}\n");
  h.engine.report(h.at("one"), DiagKind::ExpectedToken, "below", "x");
  h.engine.report(h.at("two"), DiagKind::ExpectedToken, "above", "x");
  EXPECT_TRUE(h.verify()) << h.out.str();
}

TEST(VerifyDiagnostics, OffByOneLineIsMissingAndUnexpected) {
  Harness h("# expected-error@+1 {{below}}\n"
            "\n"
            "one\n");
  h.engine.report(h.at("one"), DiagKind::ExpectedToken, "below", "x");
  EXPECT_FALSE(h.verify());
  EXPECT_EQ(h.verifier.failures(), 2u);
  std::string text = h.out.str();
  EXPECT_NE(text.find("t.ftp:1:3: error: expected error \"below\" was not produced; one was "
                      "reported on line 3 [verify-missing]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("t.ftp:3:1: error: unexpected error: expected below, found x "
                      "[expected-token] [verify-unexpected]"),
            std::string::npos)
      << text;
}

TEST(VerifyDiagnostics, KindMustMatchExactly) {
  Harness h("a $ # expected-error [unexpected-character] {{`$`}}\n"
            "b $ # expected-error [invalid-number] {{`$`}}\n");
  h.engine.report(SourceRange({h.file, 2}, {h.file, 3}), DiagKind::UnexpectedCharacter, "$");
  SourceRange second = h.at("b $");
  second.begin.offset += 2;
  h.engine.report(second, DiagKind::UnexpectedCharacter, "$");
  EXPECT_FALSE(h.verify());
  std::string text = h.out.str();
  EXPECT_EQ(h.verifier.failures(), 2u) << text;
  EXPECT_NE(text.find("t.ftp:2:7: error: expected error \"`$`\" of kind `invalid-number` was not "
                      "produced"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("t.ftp:2:3: error: unexpected error: unexpected character `$` "
                      "[unexpected-character] [verify-unexpected]"),
            std::string::npos)
      << text;
}

TEST(VerifyDiagnostics, SeverityMustMatch) {
  Harness h("x # expected-warning {{character}}\n");
  h.engine.report(h.at("x"), DiagKind::UnexpectedCharacter, "x");
  EXPECT_FALSE(h.verify());
  EXPECT_EQ(h.verifier.failures(), 2u);
}

TEST(VerifyDiagnostics, MissingDiagnosticIsReportedAtItsAnnotation) {
  Harness h("seed 1\n"
            "lr 2 # expected-error {{expected `=`}}\n");
  EXPECT_FALSE(h.verify());
  EXPECT_EQ(h.out.str(), "t.ftp:2:8: error: expected error \"expected `=`\" was not produced "
                         "[verify-missing]\n"
                         " 2 | lr 2 # expected-error {{expected `=`}}\n"
                         "   |        ^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
}

TEST(VerifyDiagnostics, UnexpectedDiagnosticIsReportedWhereItPoints) {
  Harness h("# expected-no-diagnostics\n"
            "seed $\n");
  h.engine.report(h.at("$"), DiagKind::UnexpectedCharacter, "$");
  EXPECT_FALSE(h.verify());
  EXPECT_EQ(h.out.str(), "t.ftp:2:6: error: unexpected error: unexpected character `$` "
                         "[unexpected-character] [verify-unexpected]\n"
                         " 2 | seed $\n"
                         "   |      ^\n");
}

TEST(VerifyDiagnostics, EachAnnotationNeedsADiagnosticOfItsOwn) {
  Harness h("x # expected-error {{character}} expected-error {{character}}\n");
  h.engine.report(h.at("x"), DiagKind::UnexpectedCharacter, "x");
  EXPECT_FALSE(h.verify());
  EXPECT_EQ(h.verifier.failures(), 1u) << h.out.str();
}

TEST(VerifyDiagnostics, SeveralAnnotationsInOneComment) {
  Harness h("x y # expected-error {{`y`}} expected-error {{`x`}}\n");
  h.engine.report(h.at("x"), DiagKind::UnexpectedCharacter, "x");
  h.engine.report(h.at("y"), DiagKind::UnexpectedCharacter, "y");
  EXPECT_TRUE(h.verify()) << h.out.str();
}

// A greedy matcher would give the only "expected `=`" error to the looser first annotation.
TEST(VerifyDiagnostics, MatchingIsNotGreedy) {
  Harness h("x # expected-error {{expected}} expected-error {{expected `=`}}\n");
  h.engine.report(h.at("x"), DiagKind::ExpectedToken, "`=`", "`x`");
  h.engine.report(h.at("x"), DiagKind::ExpectedToken, "`(`", "`x`");
  EXPECT_TRUE(h.verify()) << h.out.str();
}

// Built by hand rather than with DiagnosticBuilder::note() so that the test needs no note kind.
static Diagnostic withNote(SourceRange error, SourceRange note) {
  Diagnostic d{DiagKind::UnexpectedCharacter, Severity::Error, error, "error here", {}, {}};
  d.notes.push_back({DiagKind::UnexpectedCharacter, Severity::Note, note, "note here", {}, {}});
  return d;
}

TEST(VerifyDiagnostics, NotesAreExpectedSeparately) {
  Harness h("a # expected-error {{error here}}\n"
            "b # expected-note {{note here}}\n");
  h.engine.emit(withNote(h.at("a"), h.at("b")));
  EXPECT_TRUE(h.verify()) << h.out.str();

  Harness unexpectedNote("a # expected-error {{error here}}\nb\n");
  unexpectedNote.engine.emit(withNote(unexpectedNote.at("a"), unexpectedNote.at("b")));
  EXPECT_FALSE(unexpectedNote.verify());
  EXPECT_EQ(unexpectedNote.verifier.failures(), 1u);
  EXPECT_NE(unexpectedNote.out.str().find("t.ftp:2:1: error: unexpected note: note here "
                                          "[unexpected-character] [verify-unexpected]"),
            std::string::npos)
      << unexpectedNote.out.str();
}

TEST(VerifyDiagnostics, StarMatchesADiagnosticWithoutLocation) {
  Harness h("# expected-error@* [file-not-readable] {{cannot read `x.ftp`}}\n");
  h.engine.report(SourceLoc{}, DiagKind::FileNotReadable, "x.ftp", "No such file or directory");
  EXPECT_TRUE(h.verify()) << h.out.str();

  Harness located("# expected-error@* {{character}}\nzz\n");
  located.engine.report(located.at("zz"), DiagKind::UnexpectedCharacter, "zz");
  EXPECT_FALSE(located.verify());
  EXPECT_NE(located.out.str().find("without a location was not produced; one was reported on "
                                   "line 2"),
            std::string::npos)
      << located.out.str();
}

TEST(VerifyDiagnostics, UnlocatedUnexpectedDiagnosticNamesTheTool) {
  Harness h("# expected-no-diagnostics\n");
  h.engine.report(SourceLoc{}, DiagKind::FileNotReadable, "x.ftp", "gone");
  EXPECT_FALSE(h.verify());
  EXPECT_EQ(h.out.str(), "ftpc: error: unexpected error: cannot read `x.ftp`: gone "
                         "[file-not-readable] [verify-unexpected]\n");
}

TEST(VerifyDiagnostics, HashInsideAStringIsNotAComment) {
  Harness h("path \"a # expected-error {{nothing}}\"\n"
            "# expected-no-diagnostics\n");
  EXPECT_TRUE(h.verify()) << h.out.str();
}

TEST(VerifyDiagnostics, AnnotationsInEveryBufferCount) {
  Harness h("# expected-error@+1 {{first}}\nzz\n");
  uint32_t second = h.sources.addBuffer("m.ftp", "y # expected-error {{second}}\n");
  h.engine.report(h.at("zz"), DiagKind::ExpectedToken, "first", "zz");
  h.engine.report(SourceRange({second, 0}, {second, 1}), DiagKind::ExpectedToken, "second", "y");
  EXPECT_TRUE(h.verify()) << h.out.str();
}

TEST(VerifyDiagnostics, InputWithoutAnnotationsFails) {
  Harness h("seed 1\n");
  EXPECT_FALSE(h.verify());
  EXPECT_NE(h.out.str().find("t.ftp:1:1: error: no `expected-*` annotations found"),
            std::string::npos)
      << h.out.str();
}

TEST(VerifyDiagnostics, ProseMentioningAKindIsNotAnAnnotation) {
  Harness h("# this file checks expected-token messages and unexpected-character ones\n"
            "# expected-no-diagnostics\n");
  EXPECT_TRUE(h.verify()) << h.out.str();
}

TEST(VerifyDiagnostics, NoDiagnosticsCannotBeCombinedWithExpectations) {
  Harness h("# expected-no-diagnostics\nx # expected-error {{x}}\n");
  h.engine.report(h.at("x"), DiagKind::UnexpectedCharacter, "x");
  EXPECT_FALSE(h.verify());
  EXPECT_NE(h.out.str().find("t.ftp:1:3: error: malformed annotation: `expected-no-diagnostics` "
                             "cannot be combined"),
            std::string::npos)
      << h.out.str();
}

// Each line: a broken annotation and the start of the message it must produce.
TEST(VerifyDiagnostics, MalformedAnnotationsAreReported) {
  struct Case {
    const char *source;
    const char *message;
  };
  const Case cases[] = {
      {"# expected-error {{no end\n", "1:3: error: malformed annotation: missing `}}`"},
      {"# expected-error no braces\n", "1:3: error: malformed annotation: expected `{{`"},
      {"# expected-error@+x {{a}}\n", "1:17: error: malformed annotation: bad line offset `@+x`"},
      {"# expected-error@3 {{a}}\n", "1:17: error: malformed annotation: bad line offset `@3`"},
      {"# expected-error@-1 {{a}}\n",
       "1:17: error: malformed annotation: line offset `@-1` points to line 0, outside the file"},
      {"# expected-error@+5 {{a}}\n", "points to line 6, outside the file (lines 1 to 2)"},
      {"# expected-error [expected-tokn] {{a}}\n",
       "1:18: error: malformed annotation: unknown diagnostic kind `expected-tokn`; did you mean "
       "`expected-token`?"},
      {"# expected-error [expected-token {{a}}\n", "missing `]` after the diagnostic kind"},
      {"# expected-eror {{a}}\n",
       "1:3: error: malformed annotation: unknown annotation `expected-eror`; did you mean "
       "`expected-error`?"},
  };
  for (const Case &c : cases) {
    Harness h(c.source);
    EXPECT_FALSE(h.verify()) << c.source;
    std::string text = h.out.str();
    EXPECT_NE(text.find(c.message), std::string::npos) << c.source << "\n" << text;
    EXPECT_NE(text.find("[verify-malformed]"), std::string::npos) << text;
    // A malformed annotation was meant as one: no second complaint that there are none.
    EXPECT_EQ(text.find("[verify-no-annotations]"), std::string::npos) << text;
  }
}

TEST(VerifyDiagnostics, MismatchesPrintInSourceOrder) {
  Harness h("a # expected-error {{one}}\nb\n");
  h.engine.report(h.at("b"), DiagKind::UnexpectedCharacter, "b");
  EXPECT_FALSE(h.verify());
  std::string text = h.out.str();
  EXPECT_LT(text.find("t.ftp:1:"), text.find("t.ftp:2:")) << text;
}

TEST(VerifyDiagnostics, WorksWithTheParser) {
  EXPECT_TRUE(verifyParse("ftp 0.1\n"
                          "pipeline p {\n"
                          "  # expected-error@+1 [expected-token] {{expected `=`}}\n"
                          "  data x textfolder(\"a\")\n"
                          "}\n"));
  std::string output;
  EXPECT_FALSE(verifyParse("ftp 0.1\n"
                           "pipeline p {\n"
                           "  data x textfolder(\"a\")  # expected-error {{expected `on`}}\n"
                           "}\n",
                           &output));
  EXPECT_NE(output.find("[verify-missing]"), std::string::npos) << output;
  EXPECT_NE(output.find("[verify-unexpected]"), std::string::npos) << output;
}
