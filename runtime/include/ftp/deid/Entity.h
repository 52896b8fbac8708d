//===- Entity.h - kinds of personal data and the spans that mark them -------------===//
//
// A detector returns spans: byte offsets into the UTF-8 text, the kind of entity and a confidence
// in [0, 1]. Plain C++ without LibTorch (static library ftp_deid).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ftp::deid {

enum class EntityType {
  Email,
  Phone,
  Ip, // IPv4 and IPv6
  Url,
  CreditCard,
  Ssn,
  Iban,
  CnId,
  Person,
};
inline constexpr int kNumEntityTypes = 9;

/// The tag used in masks and reports: "EMAIL", "PHONE", "IP", "URL", "CREDIT_CARD", "SSN", "IBAN",
/// "CN_ID", "PERSON".
const char *entityTag(EntityType type);
/// The inverse of entityTag, also accepting lowercase ("email", "credit_card").
std::optional<EntityType> parseEntityTag(std::string_view tag);

struct Span {
  size_t begin = 0; // byte offsets, [begin, end)
  size_t end = 0;
  EntityType type = EntityType::Email;
  double confidence = 1.0;

  size_t size() const { return end - begin; }
};

} // namespace ftp::deid
