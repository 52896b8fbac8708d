#include "CollectDiagnostics.h"
#include "lang/ast/ASTDump.h"
#include "lang/format/Formatter.h"
#include "lang/lex/Lexer.h"
#include "lang/parse/Parser.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>
#include <regex>
#include <sstream>

using namespace ftp::lang;

namespace {

using Collect = ftp::lang::testing::CollectDiagnostics;

struct Formatted {
  std::optional<std::string> text;
  std::vector<Diagnostic> diagnostics;
};

Formatted format(const std::string &input) {
  SourceManager sources;
  uint32_t file = sources.addBuffer("t.ftp", input);
  Collect collect;
  DiagnosticEngine engine(sources, collect);
  Formatted out;
  out.text = formatSource(file, sources, engine);
  out.diagnostics = collect.all;
  return out;
}

/// The tree without source positions: formatting must not change what a file means.
std::string meaning(const std::string &input) {
  SourceManager sources;
  uint32_t file = sources.addBuffer("t.ftp", input);
  Collect collect;
  DiagnosticEngine engine(sources, collect);
  File tree = Parser(file, sources, engine).parseFile();
  EXPECT_TRUE(collect.all.empty()) << "does not parse:\n" << input;
  std::ostringstream dump;
  dumpAST(tree, sources, dump);
  return std::regex_replace(dump.str(), std::regex(" @[0-9]+:[0-9]+"), "");
}

/// `input` formats to `expected`, which is its own canonical form and means the same.
void expectFormats(const std::string &input, const std::string &expected) {
  Formatted once = format(input);
  ASSERT_TRUE(once.text) << "refused:\n" << input;
  EXPECT_EQ(*once.text, expected);
  EXPECT_TRUE(once.diagnostics.empty());
  Formatted twice = format(*once.text);
  ASSERT_TRUE(twice.text);
  EXPECT_EQ(*twice.text, *once.text) << "not idempotent";
  EXPECT_EQ(meaning(*once.text), meaning(input));
}

const std::string kHead = "ftp 0.1\npipeline p {\n";

} // namespace

TEST(Formatter, SpacingAroundPunctuation) {
  expectFormats(kHead + "optimizer   adamw( lr:5e-5 ,weight_decay : 0.01 )\n"
                        "data d=f( \"x\" , labels : { \"a\" :ham,\"b\":spam } )|g( )\n"
                        "model m = e(\"n\")  |  c(labels:[ ham , spam ], x: { })\n"
                        "finetune m on d . train {\nepochs 3\n}\n}\n",
                kHead + "  optimizer adamw(lr: 5e-5, weight_decay: 0.01)\n"
                        "  data d = f(\"x\", labels: {\"a\": ham, \"b\": spam}) | g()\n"
                        "  model m = e(\"n\") | c(labels: [ham, spam], x: {})\n"
                        "  finetune m on d.train {\n    epochs 3\n  }\n}\n");
}

TEST(Formatter, QuantitiesAndUnarySigns) {
  expectFormats(kHead + "max_steps 500    steps\nwarmup 10 %\noffset - 1, + 2.5, -  3 epochs\n}\n",
                kHead + "  max_steps 500 steps\n  warmup 10%\n  offset -1, +2.5, -3 epochs\n}\n");
}

TEST(Formatter, SemicolonsBecomeLineBreaks) {
  expectFormats("ftp 0.1\npipeline p {\n  seed 1; batch 2 ;;\n  ; lr 3;\n}\n",
                "ftp 0.1\npipeline p {\n  seed 1\n  batch 2\n  lr 3\n}\n");
}

TEST(Formatter, BlocksAreMultiLineUnlessEmpty) {
  expectFormats("ftp 0.1\npipeline p{evaluate x on d { metrics f1 }\n"
                "robustness {  }\nother {\n\n}\nmore { ; }\n}\npipeline q { }\n",
                "ftp 0.1\npipeline p {\n  evaluate x on d {\n    metrics f1\n  }\n"
                "  robustness {}\n  other {}\n  more {}\n}\npipeline q {}\n");
  // Several statements on the line of a `{` or `}` each get their own line.
  expectFormats("ftp 0.1\npipeline p { seed 1; a { b 1; c 2 } }\n",
                "ftp 0.1\npipeline p {\n  seed 1\n  a {\n    b 1\n    c 2\n  }\n}\n");
}

TEST(Formatter, IndentationOfBlocksAndChains) {
  expectFormats("ftp 0.1\n\tpipeline p {\n        data d = f()\n|g()\n              | h()\n"
                "finetune m on d {\n      validate d {\n every epoch\n    }\n }\n}\n",
                "ftp 0.1\npipeline p {\n  data d = f()\n    | g()\n    | h()\n"
                "  finetune m on d {\n    validate d {\n      every epoch\n    }\n  }\n}\n");
}

TEST(Formatter, BreaksInsideBracketsAreKeptAndIndented) {
  expectFormats(kHead + "data d = f(\na: 1,\n         b: [\n1,\n2\n],\n  c: {\"k\": v,\n\"j\": w}\n"
                        "        )\n  | g(x,\n y)\nmodel m = c(labels: [ham,\n spam])\n}\n",
                kHead + "  data d = f(\n      a: 1,\n      b: [\n        1,\n        2\n      ],\n"
                        "      c: {\"k\": v,\n        \"j\": w}\n  )\n    | g(x,\n      y)\n"
                        "  model m = c(labels: [ham,\n      spam])\n}\n");
}

TEST(Formatter, BlankLines) {
  expectFormats("\n\n\nftp 0.1\n\n\n\npipeline p {\n\n\n  seed 1\n\n\n\n  batch 2\n  x {\n\n"
                "    y 1\n\n  }\n  data d = f(\n\n    a: 1,\n\n    b: 2\n\n  )\n\n}\n\n\n\n",
                "ftp 0.1\n\npipeline p {\n  seed 1\n\n  batch 2\n  x {\n    y 1\n  }\n"
                "  data d = f(\n      a: 1,\n\n      b: 2\n  )\n}\n");
}

TEST(Formatter, CommentsAreKept) {
  expectFormats("# file header   \n\nftp 0.1   # version\npipeline p {# on the brace\n"
                "        # before seed\n  seed 1    # trailing\n  data d = f()\n"
                "# before the continuation\n      | g()\n  x {\n    y 1; z 2 # after z\n"
                "        # last in block\n}\n  data e = f(\n# inside brackets\n  a: 1\n"
                "   # before the close\n)\n# end of pipeline\n}\n  # end of file\n",
                "# file header\n\nftp 0.1  # version\npipeline p {  # on the brace\n"
                "  # before seed\n  seed 1  # trailing\n  data d = f()\n"
                "    # before the continuation\n    | g()\n  x {\n    y 1\n    z 2  # after z\n"
                "    # last in block\n  }\n  data e = f(\n      # inside brackets\n      a: 1\n"
                "      # before the close\n  )\n  # end of pipeline\n}\n# end of file\n");
}

TEST(Formatter, ACommentKeepsABlockOpen) {
  expectFormats("ftp 0.1\npipeline p {\n  x {  # nothing yet\n  }\n  y {\n# todo\n}\n}\n",
                "ftp 0.1\npipeline p {\n  x {  # nothing yet\n  }\n  y {\n    # todo\n  }\n}\n");
}

TEST(Formatter, LineEndsAndByteOrderMark) {
  expectFormats("\xEF\xBB\xBF" "ftp 0.1\r\npipeline p {\r\n  seed 1  \r\n}",
                "ftp 0.1\npipeline p {\n  seed 1\n}\n");
  expectFormats("ftp 0.1\rpipeline p {\r\r\r  seed 1\r}\r", "ftp 0.1\npipeline p {\n  seed 1\n}\n");
}

TEST(Formatter, KeepsSpellingsAndImports) {
  expectFormats("ftp 0.1\nimport   \"presets/privacy\"   as  priv\npreset p {\n"
                "  n 10_000, 2.5E+3, \"a\\\"b\\u{e9}\", [1,2,]\n}\n",
                "ftp 0.1\nimport \"presets/privacy\" as priv\npreset p {\n"
                "  n 10_000, 2.5E+3, \"a\\\"b\\u{e9}\", [1, 2,]\n}\n");
}

TEST(Formatter, MapsOutsideBrackets) {
  expectFormats(kHead + "data d = { \"a\" : 1 }\nlabels x, { b : 2 }\nmapping m: {\"c\": 3} {\n"
                        "seed 1 }\n}\n",
                kHead + "  data d = {\"a\": 1}\n  labels x, {b: 2}\n  mapping m: {\"c\": 3} {\n"
                        "    seed 1\n  }\n}\n");
}

TEST(Formatter, RefusesFilesWithErrors) {
  Formatted parseError = format("ftp 0.1\npipeline p {\n  optimizer adamw(lr: )\n}\n");
  EXPECT_FALSE(parseError.text);
  ASSERT_FALSE(parseError.diagnostics.empty());
  EXPECT_EQ(parseError.diagnostics[0].kind, DiagKind::ExpectedToken);

  Formatted lexError = format("ftp 0.1\npipeline p {\n  seed 1 $\n}\n");
  EXPECT_FALSE(lexError.text);
  ASSERT_EQ(lexError.diagnostics.size(), 1u); // reported once, not again by the formatter's lexer
  EXPECT_EQ(lexError.diagnostics[0].kind, DiagKind::UnexpectedCharacter);

  EXPECT_FALSE(format("").text); // no version line
  EXPECT_FALSE(format("ftp 0.1\npipeline p {\n  seed 1\n").text);
}

// Any spacing, indentation, line ends and extra blank lines around the tokens of a canonical file
// format back to that file.
TEST(Formatter, IsCanonicalUnderRandomWhitespace) {
  const std::string canonical =
      "# header\n\nftp 0.1\n\npipeline spam_filter {\n  seed 1234\n\n  # raw mail\n"
      "  data mail = textfolder(\"spam\", labels: {\"*ham*\": ham, \"spam-*\": spam})\n"
      "    | email_text(subject: true, body: true)  # decode\n"
      "    | split(train: 0.8, val: 0.1, test: 0.1, stratify: label)\n"
      "  model clf = encoder(\"m\") | classifier(labels: [ham, spam])\n"
      "  finetune clf on mail.train {\n    epochs 3\n    max_steps 500 steps\n    warmup 10%\n"
      "    optimizer adamw(\n        lr: 5e-5,\n        weight_decay: -0.01\n    )\n"
      "    robustness {\n      noise gaussian(std: 0.01, on: embeddings)\n    }\n    empty {}\n"
      "  }\n  evaluate clf on mail.test {\n    metrics accuracy, f1\n  }\n"
      "  export clf to \"out/spam-filter\"  # exported\n}\n";
  ASSERT_EQ(format(canonical).text, canonical);

  SourceManager sources;
  uint32_t file = sources.addBuffer("t.ftp", canonical);
  Collect collect;
  DiagnosticEngine engine(sources, collect);
  std::vector<Token> tokens = Lexer(file, sources, engine).lexAll();

  std::mt19937 random(20261128);
  auto pick = [&](std::vector<std::string> choices) {
    return choices[std::uniform_int_distribution<size_t>(0, choices.size() - 1)(random)];
  };
  for (int round = 0; round < 200; ++round) {
    std::string messy = pick({"", "\xEF\xBB\xBF", "\n"});
    bool lineStart = true;
    int brackets = 0;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      const Token &token = tokens[i];
      brackets += token.is(TokenKind::LeftParen) || token.is(TokenKind::LeftBracket);
      brackets -= token.is(TokenKind::RightParen) || token.is(TokenKind::RightBracket);
      // A line break between two statements may be written as a `;`.
      if (token.is(TokenKind::Newline) && brackets == 0 && i > 0 &&
          !tokens[i - 1].is(TokenKind::Newline) && !tokens[i - 1].is(TokenKind::Comment) &&
          tokens[i + 1].is(TokenKind::Identifier) && random() % 3 == 0) {
        messy += pick({"; ", ";", " ;\n", ";;\n  "});
        lineStart = messy.back() == '\n';
        continue;
      }
      if (token.is(TokenKind::Newline)) {
        // Extra blank lines only where they collapse: next to a blank line or after an opener.
        bool mayAddBlank = tokens[i + 1].is(TokenKind::Newline) ||
                           (i > 0 && (tokens[i - 1].is(TokenKind::LeftBrace) ||
                                      tokens[i - 1].is(TokenKind::LeftParen)));
        messy += mayAddBlank ? pick({"\n", "\r\n", "\n\n", "\r\n \t\r\n"})
                             : pick({"\n", "\r\n", "  \n", "\t\r\n"});
        lineStart = true;
        continue;
      }
      // A call's `(` must follow its name directly; elsewhere any spacing is allowed.
      if (lineStart)
        messy += pick({"", "  ", "\t", "        "});
      else if (!token.is(TokenKind::LeftParen))
        messy += pick({"", " ", "   ", "\t"});
      if (!lineStart && (token.is(TokenKind::Comment) || tokens[i - 1].is(TokenKind::Identifier) ||
                         tokens[i - 1].is(TokenKind::Integer) || tokens[i - 1].is(TokenKind::Float)))
        if (!token.is(TokenKind::LeftParen) && messy.back() != ' ' && messy.back() != '\t')
          messy += ' '; // keep `500 steps` and `a b` apart
      messy += token.spelling;
      lineStart = false;
    }
    Formatted result = format(messy);
    ASSERT_TRUE(result.text) << messy;
    ASSERT_EQ(*result.text, canonical) << "from:\n" << messy;
  }
}
