//===- BasicTokenizer.cpp - BERT's normalizer and pre-tokenizer ------------------===//
//
// What HuggingFace's BertNormalizer and BertPreTokenizer do, in one pass over the text:
//  1. clean text: drop U+0000, U+FFFD and "other" characters (Cc, Cf, Co, Cs; tab, CR and LF
//     excepted), turn every White_Space character into a space;
//  2. CJK ideographs become words of their own;
//  3. accent stripping: NFD, then drop nonspacing marks (Mn);
//  4. lower-casing with Unicode's full mapping (U+0130 becomes "i" + U+0307);
//  5. split on whitespace, each punctuation character (Unicode P*, or ASCII punctuation, which
//     includes $+<=>^`|~) a word of its own.
// Every resulting character remembers the bytes of the original text it came from.
//
//===----------------------------------------------------------------------------------------===//

#include "TokenizerInternal.h"

#include <utf8proc.h>

namespace ftp::runtime::tok {
namespace {

// HuggingFace's `is_other` (the unicode_categories crate) covers Cc, Cf, Co and Cs but not
// unassigned code points (Cn): U+0378 survives cleaning and becomes [UNK]. The Python BertTokenizer
// drops it; the goldens follow `tokenizers`.
bool isOther(char32_t c) {
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
  case UTF8PROC_CATEGORY_CC: case UTF8PROC_CATEGORY_CF: case UTF8PROC_CATEGORY_CO:
  case UTF8PROC_CATEGORY_CS:
    return true;
  default:
    return false;
  }
}

bool isControl(char32_t c) { return c != '\t' && c != '\n' && c != '\r' && isOther(c); }

bool isChinese(char32_t c) {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) ||
         (c >= 0x20000 && c <= 0x2a6df) || (c >= 0x2a700 && c <= 0x2b73f) ||
         (c >= 0x2b740 && c <= 0x2b81f) || (c >= 0x2b920 && c <= 0x2ceaf) ||
         (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

bool isPunctuation(char32_t c) {
  if (c < 0x80)
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
  switch (utf8proc_category(static_cast<utf8proc_int32_t>(c))) {
  case UTF8PROC_CATEGORY_PC: case UTF8PROC_CATEGORY_PD: case UTF8PROC_CATEGORY_PS:
  case UTF8PROC_CATEGORY_PE: case UTF8PROC_CATEGORY_PI: case UTF8PROC_CATEGORY_PF:
  case UTF8PROC_CATEGORY_PO:
    return true;
  default:
    return false;
  }
}

struct Splitter {
  std::vector<NChar> &chars;
  std::vector<std::pair<uint32_t, uint32_t>> &words;
  uint32_t wordStart;

  void endWord() {
    uint32_t n = static_cast<uint32_t>(chars.size());
    if (n > wordStart)
      words.emplace_back(wordStart, n);
    wordStart = n;
  }
  /// One normalized character into the pre-tokenizer.
  void push(char32_t c, uint32_t begin, uint32_t end, bool chineseIsWord) {
    if (tok::isWhitespace(c)) {
      endWord();
      return;
    }
    if (isPunctuation(c) || (chineseIsWord && isChinese(c))) {
      endWord();
      chars.push_back({c, begin, end});
      endWord();
      return;
    }
    chars.push_back({c, begin, end});
  }
};

char32_t lowerSimple(char32_t c) {
  if (c < 0x80)
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
}

} // namespace

void basicTokenize(std::string_view text, uint32_t base, const BasicTokenizerOptions &options,
                   std::vector<NChar> &chars, std::vector<std::pair<uint32_t, uint32_t>> &words) {
  Splitter split{chars, words, static_cast<uint32_t>(chars.size())};
  utf8proc_int32_t decomposed[32];
  for (size_t i = 0; i < text.size();) {
    uint32_t begin = base + static_cast<uint32_t>(i);
    char32_t c = decodeUtf8(text, i);
    uint32_t end = base + static_cast<uint32_t>(i);
    if (c < 0x80) { // ASCII fast path: nothing to decompose
      if (options.cleanText && (c == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f))
        continue;
      split.push(options.lowercase ? lowerSimple(c) : c, begin, end, false);
      continue;
    }
    if (options.cleanText) {
      if (c == 0xfffd || isControl(c))
        continue;
      if (tok::isWhitespace(c))
        c = ' ';
    }
    if (!options.stripAccents) {
      if (options.lowercase && c == 0x130) {
        split.push('i', begin, end, options.handleChineseChars);
        split.push(0x307, begin, end, options.handleChineseChars);
      } else {
        split.push(options.lowercase ? lowerSimple(c) : c, begin, end, options.handleChineseChars);
      }
      continue;
    }
    int last = 0;
    utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(c), decomposed, 32,
                                                 UTF8PROC_DECOMPOSE, &last);
    if (n < 0 || n > 32) {
      decomposed[0] = static_cast<utf8proc_int32_t>(c);
      n = 1;
    }
    for (utf8proc_ssize_t k = 0; k < n; ++k) {
      char32_t d = static_cast<char32_t>(decomposed[k]);
      if (utf8proc_category(decomposed[k]) == UTF8PROC_CATEGORY_MN)
        continue;
      split.push(options.lowercase ? lowerSimple(d) : d, begin, end, options.handleChineseChars);
    }
  }
  split.endWord();
}

} // namespace ftp::runtime::tok
