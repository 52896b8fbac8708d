//===- TokenizerTest.cpp - WordPiece and byte-level BPE against HuggingFace goldens ---===//
//
// The goldens (tests/unit/runtime/data/*_goldens.json) were written by HuggingFace `tokenizers`
// (tests/golden/make_tokenizer_goldens.py); every line must match exactly.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/Tokenizer.h"

#include "../Fixtures.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace ftp::runtime;
using nlohmann::json;

namespace {

std::string dataDir() { return FTPC_TOKENIZER_DATA_DIR; }
std::string minilmDir() { return ftp::testing::fixturesDir() + "/all-MiniLM-L6-v2"; }

json readJson(const std::string &path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  return json::parse(in);
}

std::string writeTemp(const std::string &name, const std::string &contents) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

std::string show(const std::vector<int32_t> &ids) {
  std::ostringstream out;
  for (size_t i = 0; i < ids.size(); ++i)
    out << (i ? " " : "") << ids[i];
  return out.str();
}

/// Compares every golden single line; returns the number that matched.
size_t checkSingles(const Tokenizer &tok, const json &goldens, bool checkOffsets) {
  size_t matched = 0;
  for (const auto &c : goldens.at("singles")) {
    std::string text = c.at("text");
    EncodeOptions options;
    options.withOffsets = true;
    Encoding e = tok.encode(text, options);
    auto want = c.at("ids").get<std::vector<int32_t>>();
    bool ok = e.ids == want;
    EXPECT_EQ(show(e.ids), show(want)) << "text: `" << text << "`";
    if (checkOffsets && c.contains("offsets")) {
      auto offsets = c.at("offsets").get<std::vector<std::pair<uint32_t, uint32_t>>>();
      ok = ok && e.offsets == offsets;
      EXPECT_EQ(e.offsets, offsets) << "offsets of `" << text << "`";
    }
    matched += ok;
  }
  return matched;
}

size_t checkPairs(const Tokenizer &tok, const json &goldens) {
  size_t matched = 0;
  for (const auto &c : goldens.at("pairs")) {
    std::string a = c.at("a"), b = c.at("b");
    size_t maxLength = c.at("max_length");
    Encoding e = maxLength ? tok.encode(a, b, maxLength) : tok.encode(a, b);
    auto ids = c.at("ids").get<std::vector<int32_t>>();
    auto typeIds = c.at("type_ids").get<std::vector<int32_t>>();
    bool ok = e.ids == ids && e.typeIds == typeIds;
    EXPECT_EQ(show(e.ids), show(ids)) << "pair `" << a << "` / `" << b << "`, max " << maxLength;
    EXPECT_EQ(show(e.typeIds), show(typeIds)) << "pair `" << a << "` / `" << b << "`";
    if (c.contains("attention_mask")) {
      auto mask = c.at("attention_mask").get<std::vector<int32_t>>();
      ok = ok && e.attentionMask == mask;
      EXPECT_EQ(show(e.attentionMask), show(mask)) << "pair `" << a << "` / `" << b << "`";
    }
    matched += ok;
  }
  return matched;
}

size_t checkTruncated(const Tokenizer &tok, const json &goldens) {
  size_t matched = 0;
  for (const auto &c : goldens.at("truncated")) {
    std::string text = c.at("text");
    Encoding e = tok.encode(text, static_cast<size_t>(c.at("max_length")));
    auto ids = c.at("ids").get<std::vector<int32_t>>();
    auto mask = c.at("attention_mask").get<std::vector<int32_t>>();
    auto typeIds = c.at("type_ids").get<std::vector<int32_t>>();
    EXPECT_EQ(show(e.ids), show(ids)) << "text `" << text << "`";
    EXPECT_EQ(show(e.attentionMask), show(mask)) << "text `" << text << "`";
    EXPECT_EQ(show(e.typeIds), show(typeIds)) << "text `" << text << "`";
    matched += e.ids == ids && e.attentionMask == mask && e.typeIds == typeIds;
  }
  return matched;
}

} // namespace

//===- WordPiece -----------------------------------------------------------------===//

TEST(WordPiece, GoldensFromTokenizerJson) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  auto tok = WordPieceTokenizer::fromTokenizerJson(minilmDir() + "/tokenizer.json");
  json goldens = readJson(dataDir() + "/wordpiece_goldens.json");
  size_t singles = checkSingles(tok, goldens, /*checkOffsets=*/true);
  size_t pairs = checkPairs(tok, goldens);
  size_t truncated = checkTruncated(tok, goldens);
  std::cout << "[ goldens  ] wordpiece: singles " << singles << "/" << goldens["singles"].size()
            << ", pairs " << pairs << "/" << goldens["pairs"].size() << ", truncated " << truncated
            << "/" << goldens["truncated"].size() << "\n";
}

TEST(WordPiece, GoldensFromVocabTxt) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  auto tok = WordPieceTokenizer::fromVocabFile(minilmDir() + "/vocab.txt");
  json goldens = readJson(dataDir() + "/wordpiece_goldens.json");
  EXPECT_EQ(checkSingles(tok, goldens, /*checkOffsets=*/true), goldens["singles"].size());
  EXPECT_EQ(checkPairs(tok, goldens), goldens["pairs"].size());
  EXPECT_EQ(checkTruncated(tok, goldens), goldens["truncated"].size());
}

TEST(WordPiece, VocabTxtAndTokenizerJsonAgreeOnMail) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  FTPC_REQUIRE_FIXTURE("spam-assassin");
  auto fromTxt = WordPieceTokenizer::fromFile(minilmDir() + "/vocab.txt");
  auto fromJson = WordPieceTokenizer::fromFile(minilmDir() + "/tokenizer.json");
  EXPECT_EQ(fromTxt.vocabSize(), fromJson.vocabSize());
  int checked = 0;
  for (const auto &entry :
       std::filesystem::directory_iterator(ftp::testing::fixturesDir() + "/spam-assassin/spam-2")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(fromTxt.encode(text.str()).ids, fromJson.encode(text.str()).ids) << entry.path();
    if (++checked == 50)
      break;
  }
  EXPECT_EQ(checked, 50);
}

TEST(WordPiece, SpecialTokensAndBasics) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  auto tok = WordPieceTokenizer::fromVocabFile(minilmDir() + "/vocab.txt");
  EXPECT_EQ(tok.vocabSize(), 30522u);
  EXPECT_EQ(tok.padId(), 0);
  EXPECT_EQ(tok.unkId(), 100);
  EXPECT_EQ(tok.clsId(), 101);
  EXPECT_EQ(tok.sepId(), 102);
  EXPECT_EQ(tok.maskId(), 103);
  EXPECT_EQ(tok.tokenStrings("Unaffable tokenization"),
            (std::vector<std::string>{"una", "##ffa", "##ble", "token", "##ization"}));
  EXPECT_EQ(tok.basicTokenize("Héllo,World! 中文"),
            (std::vector<std::string>{"hello", ",", "world", "!", "中", "文"}));
  // 100 characters is still a word; 101 is [UNK].
  EXPECT_NE(tok.encode(std::string(100, 'a')).ids[1], tok.unkId());
  EXPECT_EQ(tok.encode(std::string(101, 'a')).ids, (std::vector<int32_t>{101, 100, 102}));

  Encoding e = tok.encode("hello world", 6);
  EXPECT_EQ(e.ids, (std::vector<int32_t>{101, 7592, 2088, 102, 0, 0}));
  EXPECT_EQ(e.attentionMask, (std::vector<int32_t>{1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(e.typeIds, (std::vector<int32_t>{0, 0, 0, 0, 0, 0}));

  EncodeOptions plain;
  plain.addSpecialTokens = false;
  plain.withOffsets = true;
  e = tok.encode("Ça va?", plain);
  EXPECT_EQ(tok.idToToken(e.ids[0]), "ca");
  EXPECT_EQ(e.offsets[0], (std::pair<uint32_t, uint32_t>{0, 3})); // "Ç" is two bytes
  EXPECT_EQ(e.offsets[2], (std::pair<uint32_t, uint32_t>{6, 7}));
}

TEST(WordPiece, ConfigFromTokenizerJson) {
  std::string path = writeTemp("cased-tokenizer.json", R"({
    "normalizer": {"type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": false,
                   "strip_accents": false, "lowercase": false},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 5,
              "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "Héllo": 3, "he": 4, "##llo": 5, "中文": 6}}})");
  auto tok = WordPieceTokenizer::fromTokenizerJson(path);
  EXPECT_FALSE(tok.config().lowercase);
  EXPECT_EQ(tok.config().maxInputCharsPerWord, 5u);
  // Cased, accents kept, CJK not split, words over 5 characters are [UNK].
  EXPECT_EQ(tok.tokenStrings("Héllo hello 中文 abcdef"),
            (std::vector<std::string>{"Héllo", "he", "##llo", "中文", "[UNK]"}));
  EXPECT_EQ(tok.tokenStrings("HELLO"), (std::vector<std::string>{"[UNK]"}));
  EXPECT_EQ(tok.padId(), -1);
}

TEST(WordPiece, VocabErrorsNameFileAndLine) {
  auto expectError = [](const std::string &path, const std::string &fragment) {
    try {
      WordPieceTokenizer::fromFile(path);
      ADD_FAILURE() << "no error for " << path;
    } catch (const TokenizerError &e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expectError(::testing::TempDir() + "/no-such-vocab.txt", "no-such-vocab.txt: cannot open");
  expectError(writeTemp("dup-vocab.txt", "[UNK]\nfoo\nbar\nfoo\n"),
              "dup-vocab.txt:4: duplicate token `foo` (first on line 2)");
  expectError(writeTemp("empty-line-vocab.txt", "[UNK]\nfoo\n\nbar\n"), "empty-line-vocab.txt:3: empty token");
  expectError(writeTemp("bad-utf8-vocab.txt", "[UNK]\nfo\xff\n"), "bad-utf8-vocab.txt:2: token is not valid UTF-8");
  expectError(writeTemp("no-unk-vocab.txt", "foo\nbar\n"), "no-unk-vocab.txt: the unknown token `[UNK]`");
  expectError(writeTemp("empty-vocab.txt", ""), "empty-vocab.txt: empty vocabulary");
  expectError(writeTemp("corrupt-tokenizer.json", "{\n  \"model\": {\n    \"type\": \"WordPiece\",,\n"),
              "corrupt-tokenizer.json: [json.exception.parse_error.101] parse error at line 3");
  expectError(writeTemp("bpe-tokenizer.json", R"({"model": {"type": "BPE", "vocab": {}}})"),
              "bpe-tokenizer.json: model type is `BPE`, not `WordPiece`");
  expectError(writeTemp("bad-id-tokenizer.json", R"({"model": {"type": "WordPiece", "vocab": {"[UNK]": 7}}})"),
              "bad-id-tokenizer.json: token `[UNK]` has id 7");
  expectError(writeTemp("no-vocab-tokenizer.json", R"({"model": {"type": "WordPiece"}})"),
              "no-vocab-tokenizer.json: [json.exception.out_of_range");
}

TEST(Tokenizers, ArbitraryBytesGiveOffsetsInsideTheText) {
  std::vector<std::unique_ptr<Tokenizer>> tokenizers;
  tokenizers.push_back(loadTokenizerJson(dataDir() + "/gpt2-tiny/tokenizer.json"));
  if (ftp::testing::haveFixture("all-MiniLM-L6-v2"))
    tokenizers.push_back(loadTokenizerJson(minilmDir() + "/tokenizer.json"));
  uint64_t state = 42;
  auto next = [&] { return state = state * 6364136223846793005ull + 1442695040888963407ull; };
  const std::string pieces[] = {"a", " ", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\xcc\x81",
                                "'s", "[SEP]", "<|endoftext|>", "\xff", "\xc3", "\n", "!", "7", "\xe2\x80\x8d"};
  for (int round = 0; round < 2000; ++round) {
    std::string text;
    for (int n = next() % 40; n > 0; --n)
      text += (next() % 3 == 0) ? std::string(1, static_cast<char>(next() >> 56)) : pieces[(next() >> 33) % 15];
    for (const auto &tok : tokenizers) {
      EncodeOptions options;
      options.withOffsets = true;
      Encoding e = tok->encode(text, options);
      ASSERT_EQ(e.ids.size(), e.offsets.size());
      uint32_t lastBegin = 0;
      for (size_t i = 0; i < e.ids.size(); ++i) {
        ASSERT_GE(e.ids[i], 0);
        ASSERT_LT(static_cast<size_t>(e.ids[i]), tok->vocabSize());
        auto [b, end] = e.offsets[i];
        ASSERT_LE(b, end);
        ASSERT_LE(end, text.size());
        if (b != end) { // real tokens come in text order
          ASSERT_GE(b, lastBegin) << "token " << i;
          lastBegin = b;
        }
      }
      Encoding fixed = tok->encode(text, 16);
      ASSERT_EQ(fixed.ids.size(), 16u);
    }
  }
}

//===- GPT-2 byte-level BPE --------------------------------------------------------===//

TEST(ByteLevelBpe, GoldensFromTokenizerJson) {
  auto tok = ByteLevelBpeTokenizer::fromTokenizerJson(dataDir() + "/gpt2-tiny/tokenizer.json");
  json goldens = readJson(dataDir() + "/bpe_goldens.json");
  size_t singles = checkSingles(tok, goldens, /*checkOffsets=*/true);
  size_t pairs = checkPairs(tok, goldens);
  size_t truncated = checkTruncated(tok, goldens);
  std::cout << "[ goldens  ] bpe: singles " << singles << "/" << goldens["singles"].size() << ", pairs "
            << pairs << "/" << goldens["pairs"].size() << ", truncated " << truncated << "/"
            << goldens["truncated"].size() << "\n";
}

TEST(ByteLevelBpe, GoldensFromVocabAndMerges) {
  auto tok = ByteLevelBpeTokenizer::fromFiles(dataDir() + "/gpt2-tiny/vocab.json",
                                              dataDir() + "/gpt2-tiny/merges.txt");
  json goldens = readJson(dataDir() + "/bpe_goldens.json");
  EXPECT_EQ(checkSingles(tok, goldens, /*checkOffsets=*/true), goldens["singles"].size());
  EXPECT_EQ(checkPairs(tok, goldens), goldens["pairs"].size());
  EXPECT_EQ(checkTruncated(tok, goldens), goldens["truncated"].size());
}

TEST(ByteLevelBpe, PreTokenizerAndSpecials) {
  auto tok = ByteLevelBpeTokenizer::fromTokenizerJson(dataDir() + "/gpt2-tiny/tokenizer.json");
  EXPECT_EQ(tok.clsId(), -1);
  EXPECT_EQ(tok.padId(), 0); // <|endoftext|>
  auto joined = [&](std::string_view text) {
    std::string all;
    for (const auto &s : tok.tokenStrings(text))
      all += s + "|";
    return all;
  };
  // A space run before a word gives up its last space to the word; a final run stays whole.
  EXPECT_EQ(joined("a   b  "), joined("a") + joined("  ") + joined(" b") + joined("  "));
  EXPECT_EQ(tok.encode("x<|endoftext|>y").ids[1], 0);
  // Any byte sequence encodes (every byte has a token); no [UNK] is possible.
  std::string bytes;
  for (int b = 1; b < 256; ++b)
    bytes += static_cast<char>(b);
  EXPECT_FALSE(tok.encode(bytes).ids.empty());
  // Generic loading picks the model by type.
  EXPECT_NE(dynamic_cast<ByteLevelBpeTokenizer *>(
                loadTokenizerJson(dataDir() + "/gpt2-tiny/tokenizer.json").get()),
            nullptr);
}

TEST(ByteLevelBpe, FileErrors) {
  auto expectError = [](auto load, const std::string &fragment) {
    try {
      load();
      ADD_FAILURE() << "no error; expected " << fragment;
    } catch (const TokenizerError &e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  std::string vocab = writeTemp("bpe-vocab.json", R"({"a": 0, "b": 1, "ab": 2})");
  expectError([&] { ByteLevelBpeTokenizer::fromFiles(vocab, writeTemp("bad-merges.txt", "#version: 0.2\na b\nab\n")); },
              "bad-merges.txt:3: expected two tokens separated by one space");
  expectError([&] { ByteLevelBpeTokenizer::fromFiles(vocab, writeTemp("unknown-merges.txt", "a b\na c\n")); },
              "unknown-merges.txt:2: merge `a c` uses a token that is not in the vocabulary (`c`)");
  expectError([&] { ByteLevelBpeTokenizer::fromFiles(writeTemp("broken-vocab.json", "{\"a\": 0,\n}"), vocab); },
              "broken-vocab.json: [json.exception.parse_error.101] parse error at line 2");
  expectError([&] { ByteLevelBpeTokenizer::fromFiles(vocab, ::testing::TempDir() + "/no-merges.txt"); },
              "no-merges.txt: cannot open");
  expectError([] { loadTokenizerJson(writeTemp("unigram.json", R"({"model": {"type": "Unigram"}})")); },
              "unigram.json: model type `Unigram` is not supported");
}
