#include "lang/diag/Diagnostic.h"
#include "lang/diag/DiagnosticPrinters.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <set>
#include <sstream>

using namespace ftp::lang;

TEST(Diagnostics, TextFormatHasLocationKindSnippetAndCaret) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "pipeline x {\n  seed 1 $\n}\n");
  std::ostringstream out;
  TextDiagnosticPrinter printer(sources, out);
  DiagnosticEngine engine(sources, printer);
  engine.report(SourceRange({f, 22}, {f, 23}), DiagKind::UnexpectedCharacter, "$");
  EXPECT_EQ(out.str(), "p.ftp:2:10: error: unexpected character `$` [unexpected-character]\n"
                       " 2 |   seed 1 $\n"
                       "   |          ^\n");
  EXPECT_EQ(engine.errorCount(), 1u);
}

TEST(Diagnostics, RangeIsUnderlinedAndCaretFollowsTabs) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "\tab \"xyz\n");
  std::ostringstream out;
  TextDiagnosticPrinter printer(sources, out);
  DiagnosticEngine engine(sources, printer);
  engine.report(SourceRange({f, 4}, {f, 8}), DiagKind::UnterminatedString);
  std::string text = out.str();
  EXPECT_NE(text.find(" 1 | \tab \"xyz\n   | \t   ^~~~\n"), std::string::npos) << text;
}

TEST(Diagnostics, NotesAndFixitsPrintAfterTheError) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "a\nb\n");
  std::ostringstream out;
  TextDiagnosticPrinter printer(sources, out);
  DiagnosticEngine engine(sources, printer);
  engine.report(SourceRange({f, 2}, {f, 3}), DiagKind::UnexpectedCharacter, "b")
      .fixit(SourceRange({f, 2}, {f, 3}), "c")
      .note(SourceRange({f, 0}, {f, 1}), DiagKind::UnexpectedCharacter, "a");
  std::string text = out.str();
  EXPECT_NE(text.find("p.ftp:2:1: error:"), std::string::npos);
  EXPECT_NE(text.find("   | ^\n   | c\n"), std::string::npos) << text;
  EXPECT_NE(text.find("p.ftp:1:1: error: unexpected character `a`"), std::string::npos);
  EXPECT_LT(text.find("p.ftp:2:1"), text.find("p.ftp:1:1"));
}

TEST(Diagnostics, DiagnosticWithoutLocationNamesTheTool) {
  SourceManager sources;
  std::ostringstream out;
  TextDiagnosticPrinter printer(sources, out);
  DiagnosticEngine engine(sources, printer);
  engine.report(SourceLoc{}, DiagKind::FileNotReadable, "x.ftp", "No such file or directory");
  EXPECT_EQ(out.str(),
            "ftpc: error: cannot read `x.ftp`: No such file or directory [file-not-readable]\n");
}

TEST(Diagnostics, JsonHasOneObjectPerDiagnostic) {
  SourceManager sources;
  uint32_t f = sources.addBuffer("p.ftp", "x $\n");
  std::ostringstream out;
  {
    JsonDiagnosticPrinter printer(sources, out);
    DiagnosticEngine engine(sources, printer);
    engine.report(SourceRange({f, 2}, {f, 3}), DiagKind::UnexpectedCharacter, "$");
    printer.finish();
  }
  auto json = nlohmann::json::parse(out.str());
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["kind"], "unexpected-character");
  EXPECT_EQ(json[0]["severity"], "error");
  EXPECT_EQ(json[0]["file"], "p.ftp");
  EXPECT_EQ(json[0]["line"], 1);
  EXPECT_EQ(json[0]["column"], 3);
  EXPECT_EQ(json[0]["end_column"], 4);
}

TEST(Diagnostics, KindNamesAreUniqueKebabCaseAndMessagesFollowTheStyle) {
  std::set<std::string> names;
  for (DiagKind kind : allDiagKinds()) {
    const DiagKindInfo &info = diagKindInfo(kind);
    std::string name = info.name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate kind " << name;
    for (char c : name)
      EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') << name;
    std::string format = info.format;
    ASSERT_FALSE(format.empty());
    EXPECT_FALSE(format[0] >= 'A' && format[0] <= 'Z' && format.rfind("UTF", 0) != 0)
        << name << ": messages start lowercase";
    EXPECT_NE(format.back(), '.') << name << ": no trailing period";
  }
}
