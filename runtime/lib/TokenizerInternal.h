//===- TokenizerInternal.h - shared pieces of the tokenizers (not installed) ----===//
#pragma once

#include "ftp/runtime/Tokenizer.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::runtime {

/// String -> id, open addressing over string_views into one arena; lookups never allocate.
struct Tokenizer::Vocab {
  /// Inserts `key`; returns false (and keeps the first id) when it was there already.
  bool insert(std::string_view key, int32_t id);
  /// The id of `key`, or -1.
  int32_t find(std::string_view key) const {
    if (slots_.empty())
      return -1;
    uint64_t h = hash(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot &s = slots_[i];
      if (s.id < 0)
        return -1;
      if (s.hash == h && s.length == key.size() &&
          std::char_traits<char>::compare(arena_.data() + s.offset, key.data(), key.size()) == 0)
        return s.id;
    }
  }
  size_t size() const { return count_; }

  static uint64_t hash(std::string_view key) {
    uint64_t h = 1469598103934665603ull; // FNV-1a
    for (unsigned char c : key)
      h = (h ^ c) * 1099511628211ull;
    return h ^ (h >> 29);
  }

private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t offset = 0;
    uint32_t length = 0;
    int32_t id = -1;
  };
  void grow();
  std::vector<Slot> slots_;
  std::string arena_;
  size_t mask_ = 0;
  size_t count_ = 0;
};

namespace tok {

/// White space as both HF tokenizers' BERT normalizer and the GPT-2 pattern's `\s` see it.
inline bool isWhitespace(char32_t c) {
  switch (c) {
  case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20: case 0x85: case 0xa0:
  case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
    return true;
  default:
    return c >= 0x2000 && c <= 0x200a;
  }
}

/// Decodes one UTF-8 code point at `s[i]`, advancing `i`; invalid bytes decode as U+FFFD (one byte).
inline char32_t decodeUtf8(std::string_view s, size_t &i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    ++i;
    return c;
  }
  int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : -1;
  if (n < 0 || c >= 0xf8 || i + static_cast<size_t>(n) >= s.size()) {
    ++i;
    return 0xfffd;
  }
  char32_t cp = c & (0x3f >> n);
  for (int k = 1; k <= n; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  i += n + 1;
  return cp;
}

inline void appendUtf8(std::string &out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

/// True when `s` is well-formed UTF-8.
bool isValidUtf8(std::string_view s);

/// Reads a whole file; throws TokenizerError naming it when it cannot.
std::string readFile(const std::string &path);

/// A normalized code point and the bytes of the original text it came from.
struct NChar {
  char32_t cp;
  uint32_t begin, end;
};

/// BERT's normalizer followed by BERT's pre-tokenizer: the words of `text` as ranges of `chars`.
struct BasicTokenizerOptions {
  bool cleanText, handleChineseChars, stripAccents, lowercase;
};
void basicTokenize(std::string_view text, uint32_t base, const BasicTokenizerOptions &options,
                   std::vector<NChar> &chars, std::vector<std::pair<uint32_t, uint32_t>> &words);

} // namespace tok
} // namespace ftp::runtime
