//===- Tokenizer.cpp - what every tokenizer shares: vocabulary and encode() -----===//

#include "TokenizerInternal.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace ftp::runtime {

//===- Vocab ---------------------------------------------------------------------===//

bool Tokenizer::Vocab::insert(std::string_view key, int32_t id) {
  if ((count_ + 1) * 2 > slots_.size())
    grow();
  uint64_t h = hash(key);
  size_t i = h & mask_;
  for (;; i = (i + 1) & mask_) {
    Slot &s = slots_[i];
    if (s.id < 0)
      break;
    if (s.hash == h && s.length == key.size() &&
        std::char_traits<char>::compare(arena_.data() + s.offset, key.data(), key.size()) == 0)
      return false;
  }
  Slot &s = slots_[i];
  s.hash = h;
  s.offset = static_cast<uint32_t>(arena_.size());
  s.length = static_cast<uint32_t>(key.size());
  s.id = id;
  arena_.append(key);
  ++count_;
  return true;
}

void Tokenizer::Vocab::grow() {
  std::vector<Slot> old = std::move(slots_);
  size_t capacity = old.empty() ? 64 : old.size() * 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot &s : old) {
    if (s.id < 0)
      continue;
    size_t i = s.hash & mask_;
    while (slots_[i].id >= 0)
      i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

//===- helpers -------------------------------------------------------------------===//

namespace tok {

bool isValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t before = i;
    char32_t cp = decodeUtf8(s, i);
    if (cp == 0xfffd && !(i - before == 3 && s.compare(before, 3, "\xef\xbf\xbd") == 0))
      return false;
    // Overlong forms and surrogates.
    size_t n = i - before;
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      return false;
  }
  return true;
}

std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw TokenizerError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream data;
  data << in.rdbuf();
  if (in.bad())
    throw TokenizerError(path + ": read error");
  return std::move(data).str();
}

} // namespace tok

//===- Tokenizer -----------------------------------------------------------------===//

Tokenizer::Tokenizer() = default;
Tokenizer::~Tokenizer() = default;

void Tokenizer::setVocabulary(std::vector<std::string> idToToken, const std::string &origin) {
  auto vocab = std::make_shared<Vocab>();
  for (size_t id = 0; id < idToToken.size(); ++id)
    if (!vocab->insert(idToToken[id], static_cast<int32_t>(id)))
      throw TokenizerError(origin + ": duplicate token `" + idToToken[id] + "` (id " +
                           std::to_string(id) + ")");
  vocab_ = std::move(vocab);
  idToToken_ = std::move(idToToken);
}

void Tokenizer::addSpecialToken(const std::string &token) {
  if (token.empty())
    return;
  for (auto &[text, id] : specials_)
    if (text == token)
      return;
  auto id = tokenToId(token);
  if (!id)
    return;
  specials_.emplace_back(token, *id);
  std::stable_sort(specials_.begin(), specials_.end(),
                   [](const auto &a, const auto &b) { return a.first.size() > b.first.size(); });
}

std::optional<int32_t> Tokenizer::tokenToId(std::string_view token) const {
  int32_t id = vocab_ ? vocab_->find(token) : -1;
  if (id < 0)
    return std::nullopt;
  return id;
}

const std::string &Tokenizer::idToToken(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= idToToken_.size())
    throw std::out_of_range("token id " + std::to_string(id) + " is not in the vocabulary");
  return idToToken_[id];
}

void Tokenizer::tokenizeWithSpecials(std::string_view text, std::vector<Token> &out) const {
  if (specials_.empty()) {
    tokenizeSegment(text, 0, out);
    return;
  }
  size_t segment = 0;
  for (size_t i = 0; i < text.size();) {
    const std::pair<std::string, int32_t> *match = nullptr;
    for (const auto &special : specials_)
      if (text[i] == special.first[0] && text.compare(i, special.first.size(), special.first) == 0) {
        match = &special;
        break;
      }
    if (!match) {
      ++i;
      continue;
    }
    if (i > segment)
      tokenizeSegment(text.substr(segment, i - segment), static_cast<uint32_t>(segment), out);
    out.push_back({match->second, static_cast<uint32_t>(i),
                   static_cast<uint32_t>(i + match->first.size())});
    i += match->first.size();
    segment = i;
  }
  if (segment < text.size())
    tokenizeSegment(text.substr(segment), static_cast<uint32_t>(segment), out);
}

std::vector<Token> Tokenizer::tokenize(std::string_view text) const {
  std::vector<Token> out;
  tokenize(text, out);
  return out;
}

std::vector<std::string> Tokenizer::tokenStrings(std::string_view text) const {
  std::vector<std::string> out;
  for (const Token &t : tokenize(text))
    out.push_back(idToToken(t.id));
  return out;
}

namespace {

void append(Encoding &e, const EncodeOptions &options, int32_t id, int32_t typeId, uint32_t begin,
            uint32_t end) {
  e.ids.push_back(id);
  e.typeIds.push_back(typeId);
  e.attentionMask.push_back(1);
  if (options.withOffsets)
    e.offsets.emplace_back(begin, end);
}

// Pads to options.padToLength with the pad token, masked out (id 0 when the vocabulary has none).
void pad(Encoding &e, const EncodeOptions &options, int32_t padId) {
  while (e.ids.size() < options.padToLength) {
    append(e, options, padId < 0 ? 0 : padId, 0, 0, 0);
    e.attentionMask.back() = 0;
  }
}

} // namespace

Encoding Tokenizer::encode(std::string_view text, const EncodeOptions &options) const {
  std::vector<Token> tokens = tokenize(text);
  bool specials = options.addSpecialTokens && pairTemplate_;
  size_t added = specials ? 2 : 0;
  if (options.maxLength)
    tokens.resize(std::min(tokens.size(), options.maxLength > added ? options.maxLength - added : 0));
  Encoding e;
  size_t total = std::max(tokens.size() + added, options.padToLength);
  e.ids.reserve(total);
  e.typeIds.reserve(total);
  e.attentionMask.reserve(total);
  if (specials)
    append(e, options, clsId_, 0, 0, 0);
  for (const Token &t : tokens)
    append(e, options, t.id, 0, t.begin, t.end);
  if (specials)
    append(e, options, sepId_, 0, 0, 0);
  pad(e, options, padId_);
  return e;
}

Encoding Tokenizer::encode(std::string_view textA, std::string_view textB,
                           const EncodeOptions &options) const {
  std::vector<Token> a = tokenize(textA), b = tokenize(textB);
  bool specials = options.addSpecialTokens && pairTemplate_;
  size_t added = specials ? 3 : 0;
  if (options.maxLength) {
    // HuggingFace's "longest first": the shorter sequence keeps up to half the room (a tie
    // counts the second as the longer one), the longer one gets the rest.
    size_t room = options.maxLength > added ? options.maxLength - added : 0;
    if (a.size() + b.size() > room) {
      bool firstIsLonger = a.size() > b.size();
      std::vector<Token> &longer = firstIsLonger ? a : b, &shorter = firstIsLonger ? b : a;
      shorter.resize(std::min(shorter.size(), room / 2));
      longer.resize(room - shorter.size());
    }
  }
  Encoding e;
  if (specials)
    append(e, options, clsId_, 0, 0, 0);
  for (const Token &t : a)
    append(e, options, t.id, 0, t.begin, t.end);
  if (specials)
    append(e, options, sepId_, 0, 0, 0);
  for (const Token &t : b)
    append(e, options, t.id, 1, t.begin, t.end);
  if (specials)
    append(e, options, sepId_, 1, 0, 0);
  pad(e, options, padId_);
  return e;
}

Encoding Tokenizer::encode(std::string_view text, size_t length) const {
  EncodeOptions options;
  options.maxLength = options.padToLength = length;
  return encode(text, options);
}

Encoding Tokenizer::encode(std::string_view textA, std::string_view textB, size_t length) const {
  EncodeOptions options;
  options.maxLength = options.padToLength = length;
  return encode(textA, textB, options);
}

} // namespace ftp::runtime
