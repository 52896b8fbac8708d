//===- WordPiece.cpp - BERT's WordPiece tokenizer -------------------------------===//
//
// Greedy longest-match-first over each word of the basic tokenizer: the longest vocabulary entry
// that starts the word, then the longest `##` entry that continues it, and so on. A word with a
// piece no entry matches, or longer than max_input_chars_per_word characters, is one [UNK].
//
//===----------------------------------------------------------------------------------------===//

#include "TokenizerInternal.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace ftp::runtime {

WordPieceTokenizer WordPieceTokenizer::fromVocabFile(const std::string &path, WordPieceConfig config) {
  std::string data = tok::readFile(path);
  std::vector<std::string> tokens;
  Vocab seen;
  size_t line = 1;
  for (size_t pos = 0; pos < data.size(); ++line) {
    size_t eol = data.find('\n', pos);
    if (eol == std::string::npos)
      eol = data.size();
    std::string_view token(data.data() + pos, eol - pos);
    pos = eol + 1;
    // Trailing whitespace is not part of the token (HuggingFace trims it too).
    while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
      token.remove_suffix(1);
    std::string where = path + ":" + std::to_string(line) + ": ";
    if (token.empty())
      throw TokenizerError(where + "empty token");
    if (!tok::isValidUtf8(token))
      throw TokenizerError(where + "token is not valid UTF-8");
    if (!seen.insert(token, static_cast<int32_t>(line))) {
      throw TokenizerError(where + "duplicate token `" + std::string(token) + "` (first on line " +
                           std::to_string(seen.find(token)) + ")");
    }
    tokens.emplace_back(token);
  }
  if (tokens.empty())
    throw TokenizerError(path + ": empty vocabulary");
  WordPieceTokenizer t(std::move(config));
  t.finishLoading(std::move(tokens), path);
  return t;
}

WordPieceTokenizer WordPieceTokenizer::fromTokenizerJson(const std::string &path) {
  std::string data = tok::readFile(path);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(data);
  } catch (const nlohmann::json::parse_error &e) {
    throw TokenizerError(path + ": " + e.what());
  }
  auto fail = [&](const std::string &message) { throw TokenizerError(path + ": " + message); };
  try {
    const auto &model = json.at("model");
    if (model.value("type", std::string()) != "WordPiece")
      fail("model type is `" + model.value("type", std::string("?")) + "`, not `WordPiece`");
    WordPieceConfig config;
    config.unkToken = model.value("unk_token", config.unkToken);
    config.continuingSubwordPrefix = model.value("continuing_subword_prefix", config.continuingSubwordPrefix);
    config.maxInputCharsPerWord = model.value("max_input_chars_per_word", config.maxInputCharsPerWord);
    if (json.contains("normalizer") && !json["normalizer"].is_null()) {
      const auto &n = json["normalizer"];
      if (n.value("type", std::string()) != "BertNormalizer")
        fail("normalizer `" + n.value("type", std::string("?")) + "` is not supported (only BertNormalizer)");
      config.cleanText = n.value("clean_text", true);
      config.handleChineseChars = n.value("handle_chinese_chars", true);
      config.lowercase = n.value("lowercase", true);
      if (n.contains("strip_accents") && !n["strip_accents"].is_null())
        config.stripAccents = n["strip_accents"].get<bool>();
    }
    const auto &vocab = model.at("vocab");
    if (!vocab.is_object())
      fail("`model.vocab` is not an object");
    std::vector<std::string> tokens(vocab.size());
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      int64_t id = it.value().get<int64_t>();
      if (id < 0 || static_cast<size_t>(id) >= tokens.size())
        fail("token `" + it.key() + "` has id " + std::to_string(id) + ", outside 0.." +
             std::to_string(tokens.size() - 1));
      if (!tokens[id].empty())
        fail("id " + std::to_string(id) + " is given to both `" + tokens[id] + "` and `" + it.key() + "`");
      tokens[id] = it.key();
    }
    WordPieceTokenizer t(std::move(config));
    t.finishLoading(std::move(tokens), path);
    // Added tokens beyond the model's vocabulary are not supported; those in it split as specials.
    if (json.contains("added_tokens"))
      for (const auto &added : json["added_tokens"])
        t.addSpecialToken(added.at("content").get<std::string>());
    return t;
  } catch (const nlohmann::json::exception &e) {
    throw TokenizerError(path + ": " + e.what());
  }
}

WordPieceTokenizer WordPieceTokenizer::fromFile(const std::string &path) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".json") == 0)
    return fromTokenizerJson(path);
  return fromVocabFile(path);
}

void WordPieceTokenizer::finishLoading(std::vector<std::string> tokens, const std::string &origin) {
  setVocabulary(std::move(tokens), origin);
  auto id = [&](const char *name) { return tokenToId(name).value_or(-1); };
  unkId_ = tokenToId(config_.unkToken).value_or(-1);
  if (unkId_ < 0)
    throw TokenizerError(origin + ": the unknown token `" + config_.unkToken + "` is not in the vocabulary");
  clsId_ = id("[CLS]");
  sepId_ = id("[SEP]");
  padId_ = id("[PAD]");
  maskId_ = id("[MASK]");
  pairTemplate_ = clsId_ >= 0 && sepId_ >= 0;
  for (const char *special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"})
    addSpecialToken(special);
  auto continuations = std::make_shared<Vocab>();
  const std::string &prefix = config_.continuingSubwordPrefix;
  for (size_t i = 0; i < idToToken_.size(); ++i) {
    const std::string &t = idToToken_[i];
    maxTokenBytes_ = std::max(maxTokenBytes_, t.size());
    if (t.size() > prefix.size() && t.compare(0, prefix.size(), prefix) == 0)
      continuations->insert(std::string_view(t).substr(prefix.size()), static_cast<int32_t>(i));
  }
  continuations_ = std::move(continuations);
}

void WordPieceTokenizer::tokenize(std::string_view text, std::vector<Token> &out) const {
  tokenizeWithSpecials(text, out);
}

std::vector<std::string> WordPieceTokenizer::basicTokenize(std::string_view text) const {
  std::vector<tok::NChar> chars;
  std::vector<std::pair<uint32_t, uint32_t>> words;
  tok::BasicTokenizerOptions options{config_.cleanText, config_.handleChineseChars,
                                     config_.stripAccents.value_or(config_.lowercase),
                                     config_.lowercase};
  tok::basicTokenize(text, 0, options, chars, words);
  std::vector<std::string> out;
  for (auto [b, e] : words) {
    std::string word;
    for (uint32_t i = b; i < e; ++i)
      tok::appendUtf8(word, chars[i].cp);
    out.push_back(std::move(word));
  }
  return out;
}

void WordPieceTokenizer::tokenizeSegment(std::string_view text, uint32_t base,
                                         std::vector<Token> &out) const {
  thread_local std::vector<tok::NChar> chars;
  thread_local std::vector<std::pair<uint32_t, uint32_t>> words;
  thread_local std::string word;
  thread_local std::vector<uint32_t> charStart; // byte offset of each character in `word`, then the end
  chars.clear();
  words.clear();
  tok::BasicTokenizerOptions options{config_.cleanText, config_.handleChineseChars,
                                     config_.stripAccents.value_or(config_.lowercase),
                                     config_.lowercase};
  tok::basicTokenize(text, base, options, chars, words);

  for (auto [wb, we] : words) {
    uint32_t n = we - wb;
    if (n > config_.maxInputCharsPerWord) {
      out.push_back({unkId_, chars[wb].begin, chars[we - 1].end});
      continue;
    }
    word.clear();
    charStart.clear();
    for (uint32_t i = wb; i < we; ++i) {
      charStart.push_back(static_cast<uint32_t>(word.size()));
      tok::appendUtf8(word, chars[i].cp);
    }
    charStart.push_back(static_cast<uint32_t>(word.size()));

    size_t firstOut = out.size();
    bool bad = false;
    for (uint32_t start = 0; start < n;) {
      const Vocab &table = start == 0 ? *vocab_ : *continuations_;
      // The longest candidate the vocabulary could hold.
      uint32_t end = n;
      while (end > start + 1 && charStart[end] - charStart[start] > maxTokenBytes_)
        --end;
      int32_t id = -1;
      for (; end > start; --end) {
        id = table.find(std::string_view(word).substr(charStart[start], charStart[end] - charStart[start]));
        if (id >= 0)
          break;
      }
      if (id < 0) {
        bad = true;
        break;
      }
      out.push_back({id, chars[wb + start].begin, chars[wb + end - 1].end});
      start = end;
    }
    if (bad) {
      out.resize(firstOut);
      out.push_back({unkId_, chars[wb].begin, chars[we - 1].end});
    }
  }
}

} // namespace ftp::runtime
