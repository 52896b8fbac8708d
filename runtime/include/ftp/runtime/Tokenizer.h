//===- Tokenizer.h - BERT WordPiece and GPT-2 byte-level BPE tokenizers ---------===//
//
// Text to token ids, exactly as HuggingFace `tokenizers` does it (checked line by line against goldens
// it produced, tests/unit/runtime/data/*_goldens.json):
//
//  - WordPieceTokenizer: BERT's normalizer (clean text, CJK split, NFD accent stripping, lower-casing),
//    BERT's pre-tokenizer (whitespace and punctuation split) and greedy longest-match-first WordPiece
//    with `##` continuations. Loaded from `vocab.txt` or a `tokenizer.json` with a WordPiece model.
//  - ByteLevelBpeTokenizer: GPT-2's pre-tokenizer regex, the bytes-to-unicode alphabet and BPE merges
//    by rank. Loaded from `vocab.json` + `merges.txt` or a `tokenizer.json` with a BPE model.
//
// Both share encode(): special tokens, sentence pairs with token type ids, "longest first"
// truncation, padding and attention masks. Offsets are byte ranges into the text given to encode().
// Tokenizers are immutable after loading and safe to use from many threads at once.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::runtime {

/// A tokenizer file that cannot be read or is malformed. what() names the file, and the line where
/// there is one: "vocab.txt:17: duplicate token `foo` (first on line 9)".
class TokenizerError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One token: its id and the bytes [begin, end) of the original text it came from. Tokens that
/// encode() adds (special tokens, padding) have begin == end == 0.
struct Token {
  int32_t id;
  uint32_t begin;
  uint32_t end;
};

struct EncodeOptions {
  /// Add the model's special tokens ([CLS] A [SEP] (B [SEP]) for BERT; none for GPT-2).
  bool addSpecialTokens = true;
  /// Truncate to at most this many tokens, special tokens included; 0 = no truncation. Pairs are
  /// truncated "longest first" as HuggingFace does.
  size_t maxLength = 0;
  /// Pad with the pad token up to this length (attention mask 0); 0 = no padding.
  size_t padToLength = 0;
  /// Fill Encoding::offsets.
  bool withOffsets = false;
};

struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> typeIds;       ///< 0 for the first sequence, 1 for the second
  std::vector<int32_t> attentionMask; ///< 1 for real tokens, 0 for padding
  /// Byte ranges into the encoded text(s), when EncodeOptions::withOffsets; for a pair, the
  /// ranges of the second sequence refer to the second text.
  std::vector<std::pair<uint32_t, uint32_t>> offsets;
};

/// What is common to every tokenizer: the vocabulary and encode().
class Tokenizer {
public:
  virtual ~Tokenizer();

  /// Appends the tokens of `text` (no special tokens, no truncation) to `out`.
  virtual void tokenize(std::string_view text, std::vector<Token> &out) const = 0;
  std::vector<Token> tokenize(std::string_view text) const;
  /// The token strings of `text` as the vocabulary spells them (e.g. "##ing", "Ġworld").
  std::vector<std::string> tokenStrings(std::string_view text) const;

  Encoding encode(std::string_view text, const EncodeOptions &options = {}) const;
  Encoding encode(std::string_view textA, std::string_view textB,
                  const EncodeOptions &options = {}) const;
  /// Model input of exactly `length` tokens: special tokens, truncation and padding to `length`.
  Encoding encode(std::string_view text, size_t length) const;
  Encoding encode(std::string_view textA, std::string_view textB, size_t length) const;

  size_t vocabSize() const { return idToToken_.size(); }
  /// The id of `token`, or std::nullopt when it is not in the vocabulary.
  std::optional<int32_t> tokenToId(std::string_view token) const;
  /// The vocabulary's spelling of `id`; throws std::out_of_range for an unknown id.
  const std::string &idToToken(int32_t id) const;

  /// -1 when the model has no such token (GPT-2 has no [CLS], [SEP] or [MASK]).
  int32_t clsId() const { return clsId_; }
  int32_t sepId() const { return sepId_; }
  int32_t padId() const { return padId_; }
  int32_t unkId() const { return unkId_; }
  int32_t maskId() const { return maskId_; }

protected:
  Tokenizer();
  /// Builds the id <-> token tables; `origin` names the file for error messages.
  void setVocabulary(std::vector<std::string> idToToken, const std::string &origin);
  /// Special tokens found verbatim in input text become one token each, never split (as
  /// HuggingFace's added tokens with normalized=false do).
  void addSpecialToken(const std::string &token);
  /// tokenize() with special tokens in the text split out first; calls tokenizeSegment() between.
  void tokenizeWithSpecials(std::string_view text, std::vector<Token> &out) const;
  virtual void tokenizeSegment(std::string_view text, uint32_t base,
                               std::vector<Token> &out) const = 0;

  struct Vocab;
  std::shared_ptr<const Vocab> vocab_;
  std::vector<std::string> idToToken_;
  std::vector<std::pair<std::string, int32_t>> specials_; // longest first
  int32_t clsId_ = -1, sepId_ = -1, padId_ = -1, unkId_ = -1, maskId_ = -1;
  bool pairTemplate_ = false; // [CLS] A [SEP] B [SEP]
};

/// BERT normalizer settings (tokenizer.json "normalizer" of type BertNormalizer).
struct WordPieceConfig {
  bool cleanText = true;
  bool handleChineseChars = true;
  /// Unset: strip accents exactly when lower-casing (BERT's rule).
  std::optional<bool> stripAccents;
  bool lowercase = true;
  std::string unkToken = "[UNK]";
  std::string continuingSubwordPrefix = "##";
  size_t maxInputCharsPerWord = 100;
};

class WordPieceTokenizer final : public Tokenizer {
public:
  /// One token per line, id = line number - 1 (BERT's vocab.txt).
  static WordPieceTokenizer fromVocabFile(const std::string &path, WordPieceConfig config = {});
  /// A HuggingFace tokenizer.json whose model is WordPiece; normalizer settings come from it.
  static WordPieceTokenizer fromTokenizerJson(const std::string &path);
  /// By file name: *.json as tokenizer.json, anything else as vocab.txt.
  static WordPieceTokenizer fromFile(const std::string &path);

  const WordPieceConfig &config() const { return config_; }

  /// The normalized, pre-tokenized words of `text` (BERT's basic tokenizer), for tests.
  std::vector<std::string> basicTokenize(std::string_view text) const;

  void tokenize(std::string_view text, std::vector<Token> &out) const override;
  using Tokenizer::tokenize;

private:
  explicit WordPieceTokenizer(WordPieceConfig config) : config_(std::move(config)) {}
  void finishLoading(std::vector<std::string> tokens, const std::string &origin);
  void tokenizeSegment(std::string_view text, uint32_t base, std::vector<Token> &out) const override;

  WordPieceConfig config_;
  std::shared_ptr<const Vocab> continuations_; // tokens with the prefix, keyed without it
  size_t maxTokenBytes_ = 0;
};

class ByteLevelBpeTokenizer final : public Tokenizer {
public:
  /// GPT-2's vocab.json (token -> id) and merges.txt ("a b" per line, optional "#version" header).
  static ByteLevelBpeTokenizer fromFiles(const std::string &vocabJson, const std::string &mergesTxt);
  /// A HuggingFace tokenizer.json whose model is BPE with a ByteLevel pre-tokenizer.
  static ByteLevelBpeTokenizer fromTokenizerJson(const std::string &path);

  void tokenize(std::string_view text, std::vector<Token> &out) const override;
  using Tokenizer::tokenize;

  ~ByteLevelBpeTokenizer() override;
  ByteLevelBpeTokenizer(ByteLevelBpeTokenizer &&) noexcept;

  struct Impl; // merges, byte alphabet and cache (ByteLevelBpe.cpp)

private:
  ByteLevelBpeTokenizer();
  void tokenizeSegment(std::string_view text, uint32_t base, std::vector<Token> &out) const override;
  std::unique_ptr<Impl> impl_;
};

/// Loads a tokenizer.json of either kind, by its "model.type".
std::unique_ptr<Tokenizer> loadTokenizerJson(const std::string &path);

} // namespace ftp::runtime
