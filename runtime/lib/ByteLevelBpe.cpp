//===- ByteLevelBpe.cpp - GPT-2's byte-level BPE tokenizer ------------------------===//
//
// 1. Pre-tokenization with GPT-2's pattern
//      's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//    matched by a hand-written scanner: RE2 has no lookahead for `\s+(?!\S)` (a run of whitespace
//    gives up its last character when a non-space follows, so that " word" keeps its space), and
//    the scanner does the whole pattern in one pass with utf8proc's categories.
// 2. Each pre-token's bytes become characters of GPT-2's printable byte alphabet (bytes_to_unicode).
// 3. BPE: merge the adjacent pair with the lowest merge rank (leftmost first) until none is in
//    merges.txt. Results are cached per pre-token.
//
//===----------------------------------------------------------------------------------------===//

#include "TokenizerInternal.h"

#include <nlohmann/json.hpp>
#include <utf8proc.h>

#include <array>
#include <climits>
#include <mutex>
#include <unordered_map>

namespace ftp::runtime {
namespace {

enum class CharClass { Letter, Number, Space, Other };

CharClass classify(char32_t c) {
  if (c < 0x80) {
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
      return CharClass::Letter;
    if (c >= '0' && c <= '9')
      return CharClass::Number;
    return tok::isWhitespace(c) ? CharClass::Space : CharClass::Other;
  }
  if (tok::isWhitespace(c))
    return CharClass::Space;
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
  case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
  case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
    return CharClass::Letter;
  case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
    return CharClass::Number;
  default:
    return CharClass::Other;
  }
}

/// The byte ranges of GPT-2's pre-tokens in `text`.
void preTokenize(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>> &out) {
  // Decode once: code point classes and byte starts.
  thread_local std::vector<CharClass> cls;
  thread_local std::vector<uint32_t> start;
  thread_local std::vector<char32_t> cps;
  cls.clear();
  start.clear();
  cps.clear();
  for (size_t i = 0; i < text.size();) {
    start.push_back(static_cast<uint32_t>(i));
    char32_t c = tok::decodeUtf8(text, i);
    cps.push_back(c);
    cls.push_back(classify(c));
  }
  size_t n = cps.size();
  start.push_back(static_cast<uint32_t>(text.size()));
  auto emit = [&](size_t b, size_t e) { out.emplace_back(start[b], start[e]); };
  auto runOf = [&](size_t i, CharClass k) {
    while (i < n && cls[i] == k)
      ++i;
    return i;
  };
  for (size_t i = 0; i < n;) {
    char32_t c = cps[i];
    // 's|'t|'re|'ve|'m|'ll|'d
    if (c == '\'' && i + 1 < n) {
      char32_t a = cps[i + 1], b = i + 2 < n ? cps[i + 2] : 0;
      size_t len = 0;
      if (a == 's' || a == 't' || a == 'm' || a == 'd')
        len = 2;
      else if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l'))
        len = 3;
      if (len) {
        emit(i, i + len);
        i += len;
        continue;
      }
    }
    //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+
    size_t j = (c == ' ' && i + 1 < n && cls[i + 1] != CharClass::Space) ? i + 1 : i;
    if (cls[j] != CharClass::Space) {
      size_t e = runOf(j, cls[j]);
      emit(i, e);
      i = e;
      continue;
    }
    // \s+(?!\S) | \s+
    size_t e = runOf(i, CharClass::Space);
    if (e < n && e - i >= 2)
      e -= 1; // leave the last space to prefix the next word
    emit(i, e);
    i = e;
  }
}

/// GPT-2's bytes_to_unicode(): printable bytes stand for themselves, the others for 256 + n.
std::array<char32_t, 256> byteAlphabet() {
  std::array<char32_t, 256> map{};
  std::array<bool, 256> printable{};
  for (int b = '!'; b <= '~'; ++b)
    printable[b] = true;
  for (int b = 0xa1; b <= 0xac; ++b)
    printable[b] = true;
  for (int b = 0xae; b <= 0xff; ++b)
    printable[b] = true;
  char32_t next = 256;
  for (int b = 0; b < 256; ++b)
    map[b] = printable[b] ? static_cast<char32_t>(b) : next++;
  return map;
}

} // namespace

struct ByteLevelBpeTokenizer::Impl {
  std::array<int32_t, 256> byteIds{};                       // id of each byte's one-character token
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges; // (left, right) -> (rank, merged)
  bool addPrefixSpace = false;
  bool ignoreMerges = false;

  struct Piece {
    int32_t id;
    uint32_t bytes;
  };
  mutable std::mutex cacheMutex;
  mutable std::unordered_map<std::string, std::vector<Piece>> cache;
  static constexpr size_t kCacheCapacity = 10000;

  static uint64_t key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  void bpe(std::string_view bytes, const Tokenizer::Vocab &vocab, std::vector<Piece> &word) const {
    word.clear();
    for (unsigned char b : bytes)
      word.push_back({byteIds[b], 1});
    for (;;) {
      int32_t bestRank = INT32_MAX, merged = -1;
      size_t best = 0;
      for (size_t i = 0; i + 1 < word.size(); ++i) {
        auto it = merges.find(key(word[i].id, word[i + 1].id));
        if (it != merges.end() && it->second.first < bestRank) {
          bestRank = it->second.first;
          merged = it->second.second;
          best = i;
        }
      }
      if (merged < 0)
        break;
      word[best] = {merged, word[best].bytes + word[best + 1].bytes};
      word.erase(word.begin() + best + 1);
    }
  }
};

ByteLevelBpeTokenizer::ByteLevelBpeTokenizer() : impl_(std::make_unique<Impl>()) {}
ByteLevelBpeTokenizer::~ByteLevelBpeTokenizer() = default;
ByteLevelBpeTokenizer::ByteLevelBpeTokenizer(ByteLevelBpeTokenizer &&) noexcept = default;

namespace {

/// Fills the byte ids and merge table; `where(i)` names the merge's origin for errors.
template <typename Where>
void buildMerges(ByteLevelBpeTokenizer::Impl &impl, const Tokenizer &tok,
                 const std::vector<std::pair<std::string, std::string>> &merges, Where where) {
  auto alphabet = byteAlphabet();
  for (int b = 0; b < 256; ++b) {
    std::string s;
    tok::appendUtf8(s, alphabet[b]);
    impl.byteIds[b] = tok.tokenToId(s).value_or(-1);
  }
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto &[a, b] = merges[rank];
    auto left = tok.tokenToId(a), right = tok.tokenToId(b), merged = tok.tokenToId(a + b);
    if (!left || !right || !merged)
      throw TokenizerError(where(rank) + "merge `" + a + " " + b + "` uses a token that is not in the vocabulary (`" +
                           (!left ? a : !right ? b : a + b) + "`)");
    impl.merges.emplace(ByteLevelBpeTokenizer::Impl::key(*left, *right),
                        std::make_pair(static_cast<int32_t>(rank), *merged));
  }
}

std::vector<std::string> vocabFromJson(const nlohmann::json &vocab, const std::string &path) {
  if (!vocab.is_object())
    throw TokenizerError(path + ": the vocabulary is not a JSON object");
  std::vector<std::string> tokens(vocab.size());
  for (auto it = vocab.begin(); it != vocab.end(); ++it) {
    int64_t id = it.value().get<int64_t>();
    if (id < 0 || static_cast<size_t>(id) >= tokens.size())
      throw TokenizerError(path + ": token `" + it.key() + "` has id " + std::to_string(id) +
                           ", outside 0.." + std::to_string(tokens.size() - 1));
    if (!tokens[id].empty())
      throw TokenizerError(path + ": id " + std::to_string(id) + " is given to both `" + tokens[id] +
                           "` and `" + it.key() + "`");
    tokens[id] = it.key();
  }
  return tokens;
}

nlohmann::json parseJson(const std::string &path) {
  try {
    return nlohmann::json::parse(tok::readFile(path));
  } catch (const nlohmann::json::parse_error &e) {
    throw TokenizerError(path + ": " + e.what());
  }
}

} // namespace

ByteLevelBpeTokenizer ByteLevelBpeTokenizer::fromFiles(const std::string &vocabJson,
                                                       const std::string &mergesTxt) {
  ByteLevelBpeTokenizer t;
  try {
    t.setVocabulary(vocabFromJson(parseJson(vocabJson), vocabJson), vocabJson);
  } catch (const nlohmann::json::exception &e) {
    throw TokenizerError(vocabJson + ": " + e.what());
  }
  std::string data = tok::readFile(mergesTxt);
  std::vector<std::pair<std::string, std::string>> merges;
  std::vector<size_t> lines;
  size_t line = 1;
  for (size_t pos = 0; pos < data.size(); ++line) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string::npos)
      eol = data.size();
    std::string_view text(data.data() + pos, eol - pos);
    pos = eol + 1;
    if (!text.empty() && text.back() == '\r')
      text.remove_suffix(1);
    if (text.empty() || (line == 1 && text.rfind("#version", 0) == 0))
      continue;
    size_t space = text.find(' ');
    if (space == std::string_view::npos || space == 0 || space + 1 == text.size() ||
        text.find(' ', space + 1) != std::string_view::npos)
      throw TokenizerError(mergesTxt + ":" + std::to_string(line) + ": expected two tokens separated by one space");
    merges.emplace_back(std::string(text.substr(0, space)), std::string(text.substr(space + 1)));
    lines.push_back(line);
  }
  buildMerges(*t.impl_, t, merges,
              [&](size_t rank) { return mergesTxt + ":" + std::to_string(lines[rank]) + ": "; });
  t.addSpecialToken("<|endoftext|>");
  t.padId_ = t.tokenToId("<|endoftext|>").value_or(-1);
  return t;
}

ByteLevelBpeTokenizer ByteLevelBpeTokenizer::fromTokenizerJson(const std::string &path) {
  nlohmann::json json = parseJson(path);
  auto fail = [&](const std::string &message) { throw TokenizerError(path + ": " + message); };
  ByteLevelBpeTokenizer t;
  try {
    const auto &model = json.at("model");
    if (model.value("type", std::string()) != "BPE")
      fail("model type is `" + model.value("type", std::string("?")) + "`, not `BPE`");
    for (const char *unsupported : {"continuing_subword_prefix", "end_of_word_suffix", "dropout"})
      if (model.contains(unsupported) && !model[unsupported].is_null())
        fail(std::string("BPE option `") + unsupported + "` is not supported");
    if (model.value("byte_fallback", false))
      fail("BPE option `byte_fallback` is not supported");
    if (json.contains("normalizer") && !json["normalizer"].is_null())
      fail("a normalizer is not supported with byte-level BPE");
    const auto &pre = json.at("pre_tokenizer");
    if (pre.value("type", std::string()) != "ByteLevel" || !pre.value("use_regex", true))
      fail("the pre-tokenizer must be ByteLevel with use_regex (GPT-2's)");
    t.impl_->addPrefixSpace = pre.value("add_prefix_space", false);
    t.impl_->ignoreMerges = model.value("ignore_merges", false);
    t.setVocabulary(vocabFromJson(model.at("vocab"), path), path);
    std::vector<std::pair<std::string, std::string>> merges;
    for (const auto &m : model.at("merges")) {
      if (m.is_array() && m.size() == 2) {
        merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
      } else {
        std::string text = m.get<std::string>();
        size_t space = text.find(' ');
        if (space == std::string::npos)
          fail("merge `" + text + "` is not two tokens separated by a space");
        merges.emplace_back(text.substr(0, space), text.substr(space + 1));
      }
    }
    buildMerges(*t.impl_, t, merges,
                [&](size_t rank) { return path + ": merge " + std::to_string(rank) + ": "; });
    if (json.contains("added_tokens"))
      for (const auto &added : json["added_tokens"])
        t.addSpecialToken(added.at("content").get<std::string>());
    if (model.contains("unk_token") && model["unk_token"].is_string())
      t.unkId_ = t.tokenToId(model["unk_token"].get<std::string>()).value_or(-1);
    t.padId_ = t.tokenToId("<|endoftext|>").value_or(-1);
  } catch (const nlohmann::json::exception &e) {
    fail(e.what());
  }
  return t;
}

void ByteLevelBpeTokenizer::tokenize(std::string_view text, std::vector<Token> &out) const {
  tokenizeWithSpecials(text, out);
}

void ByteLevelBpeTokenizer::tokenizeSegment(std::string_view text, uint32_t base,
                                            std::vector<Token> &out) const {
  thread_local std::vector<std::pair<uint32_t, uint32_t>> pieces;
  thread_local std::vector<Impl::Piece> word;
  thread_local std::string prefixed;
  bool prefix = impl_->addPrefixSpace && !text.empty() && text[0] != ' ';
  if (prefix) {
    prefixed.assign(1, ' ');
    prefixed.append(text);
    text = prefixed;
  }
  pieces.clear();
  preTokenize(text, pieces);
  auto charStart = [&](uint32_t i) {
    while (i > 0 && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80)
      --i;
    return i;
  };
  auto charEnd = [&](uint32_t i) {
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xc0) == 0x80)
      ++i;
    return i;
  };
  auto place = [&](uint32_t i) { // position in `text` -> offset in the caller's text
    uint32_t p = prefix ? (i == 0 ? 0 : i - 1) : i;
    return base + p;
  };
  for (auto [b, e] : pieces) {
    std::string_view bytes = text.substr(b, e - b);
    const std::vector<Impl::Piece> *result = nullptr;
    {
      std::lock_guard<std::mutex> lock(impl_->cacheMutex);
      auto it = impl_->cache.find(std::string(bytes));
      if (it != impl_->cache.end()) {
        word = it->second;
        result = &word;
      }
    }
    if (!result) {
      int32_t whole = -1;
      if (impl_->ignoreMerges) {
        std::string mapped;
        static const auto alphabet = byteAlphabet();
        for (unsigned char c : bytes)
          tok::appendUtf8(mapped, alphabet[c]);
        whole = vocab_->find(mapped);
      }
      if (whole >= 0)
        word.assign(1, {whole, static_cast<uint32_t>(bytes.size())});
      else
        impl_->bpe(bytes, *vocab_, word);
      std::lock_guard<std::mutex> lock(impl_->cacheMutex);
      if (impl_->cache.size() >= Impl::kCacheCapacity)
        impl_->cache.clear();
      impl_->cache.emplace(std::string(bytes), word);
    }
    uint32_t at = b;
    for (const Impl::Piece &p : word) {
      if (p.id >= 0)
        out.push_back({p.id, place(charStart(at)), place(charEnd(at + p.bytes))});
      else if (unkId_ >= 0)
        out.push_back({unkId_, place(charStart(at)), place(charEnd(at + p.bytes))});
      at += p.bytes;
    }
  }
}

std::unique_ptr<Tokenizer> loadTokenizerJson(const std::string &path) {
  nlohmann::json json = parseJson(path);
  std::string type;
  if (json.contains("model") && json["model"].is_object())
    type = json["model"].value("type", std::string());
  if (type == "WordPiece")
    return std::make_unique<WordPieceTokenizer>(WordPieceTokenizer::fromTokenizerJson(path));
  if (type == "BPE")
    return std::make_unique<ByteLevelBpeTokenizer>(ByteLevelBpeTokenizer::fromTokenizerJson(path));
  throw TokenizerError(path + ": model type `" + type + "` is not supported (WordPiece or BPE)");
}

} // namespace ftp::runtime
