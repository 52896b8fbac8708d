//===- Anonymizer.h - replacing detected personal data ------------------------------===//
//
// Operators per entity type:
//   mask    replace with the type tag: `<EMAIL>`, `<PHONE>`, ...
//   redact  remove the text
//   hash    `<EMAIL:3f2a9c1b>`: the first 8 hex digits of HMAC-SHA256(key, text), so one value
//           gets one pseudonym within a run (the same key); the key itself is never printed
//   keep    leave it
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/deid/Detector.h"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ftp::deid {

enum class Operator { Mask, Redact, Hash, Keep };
std::optional<Operator> parseOperator(std::string_view name);

struct Policy {
  Operator defaultOperator = Operator::Mask;
  std::map<EntityType, Operator> perType; // overrides defaultOperator

  Operator operatorFor(EntityType type) const;
};

struct AnonymizeResult {
  std::string text;
  std::array<size_t, kNumEntityTypes> counts{}; // detections per type, indexed by EntityType
};

class Anonymizer {
public:
  /// `key` is the HMAC key of the hash operator.
  Anonymizer(const Detector &detector, std::string key);

  AnonymizeResult anonymize(std::string_view text, const Policy &policy) const;
  /// Applies `policy` to spans found elsewhere (non-overlapping, sorted).
  AnonymizeResult apply(std::string_view text, const std::vector<Span> &spans,
                        const Policy &policy) const;
  /// `<TAG:xxxxxxxx>` for `value`.
  std::string pseudonym(EntityType type, std::string_view value) const;

private:
  const Detector &detector_;
  std::string key_;
};

/// 32 random bytes from OpenSSL's CSPRNG, for a per-run hash key.
std::string randomKey();

} // namespace ftp::deid
