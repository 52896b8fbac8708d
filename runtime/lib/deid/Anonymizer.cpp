//===- Anonymizer.cpp - mask, redact, hash or keep detected personal data ---------===//

#include "ftp/deid/Anonymizer.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace ftp::deid {

std::optional<Operator> parseOperator(std::string_view name) {
  if (name == "mask")
    return Operator::Mask;
  if (name == "redact")
    return Operator::Redact;
  if (name == "hash")
    return Operator::Hash;
  if (name == "keep")
    return Operator::Keep;
  return std::nullopt;
}

Operator Policy::operatorFor(EntityType type) const {
  auto it = perType.find(type);
  return it == perType.end() ? defaultOperator : it->second;
}

Anonymizer::Anonymizer(const Detector &detector, std::string key)
    : detector_(detector), key_(std::move(key)) {}

std::string Anonymizer::pseudonym(EntityType type, std::string_view value) const {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char *>(value.data()), value.size(), digest, &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  static const char kHex[] = "0123456789abcdef";
  std::string out = "<";
  out += entityTag(type);
  out += ':';
  for (int i = 0; i < 4; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  out += '>';
  return out;
}

AnonymizeResult Anonymizer::apply(std::string_view text, const std::vector<Span> &spans,
                                  const Policy &policy) const {
  AnonymizeResult result;
  result.text.reserve(text.size());
  size_t pos = 0;
  for (const Span &span : spans) {
    if (span.begin < pos || span.end > text.size())
      continue; // overlapping or out of range: callers pass resolved spans
    ++result.counts[static_cast<int>(span.type)];
    result.text.append(text.substr(pos, span.begin - pos));
    std::string_view value = text.substr(span.begin, span.size());
    switch (policy.operatorFor(span.type)) {
    case Operator::Mask:
      result.text += '<';
      result.text += entityTag(span.type);
      result.text += '>';
      break;
    case Operator::Redact:
      break;
    case Operator::Hash:
      result.text += pseudonym(span.type, value);
      break;
    case Operator::Keep:
      result.text.append(value);
      break;
    }
    pos = span.end;
  }
  result.text.append(text.substr(pos));
  return result;
}

AnonymizeResult Anonymizer::anonymize(std::string_view text, const Policy &policy) const {
  return apply(text, detector_.detect(text), policy);
}

std::string randomKey() {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char *>(key.data()), static_cast<int>(key.size())) != 1)
    throw std::runtime_error("no random bytes for the de-identification key");
  return key;
}

} // namespace ftp::deid
