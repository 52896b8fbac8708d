//===- Validators.h - checksums and syntax checks behind the detectors -----------===//
//
// Each takes the candidate text a pattern matched and says whether it is a real identifier, so
// lookalikes (Luhn-invalid numbers, mod-97-invalid IBANs, octets above 255) are not flagged.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <string>
#include <string_view>

namespace ftp::deid {

/// Only the digits of `text`.
std::string digitsOf(std::string_view text);
/// The Luhn checksum over the digits of `text` (separators ignored).
bool luhnValid(std::string_view text);
/// Card numbers: 13–19 digits, Luhn-valid, with a known issuer prefix (Visa, Mastercard, Amex,
/// Discover, JCB, Diners, UnionPay, Maestro).
bool creditCardValid(std::string_view text);
/// US SSN `AAA-GG-SSSS`: area not 000, 666 or 9xx; group not 00; serial not 0000.
bool ssnValid(std::string_view text);
/// IBAN (spaces allowed): country code, two check digits, the country's length where known
/// (15–34 otherwise), ISO 13616 mod-97 == 1.
bool ibanValid(std::string_view text);
/// Chinese resident ID: 17 digits and a check character (digit or X), ISO 7064 MOD 11-2, with a
/// plausible birth date (1900-01-01 to 2099-12-31, real day of month).
bool cnIdValid(std::string_view text);
/// Dotted-quad IPv4: four decimal octets 0–255 without leading zeros.
bool ipv4Valid(std::string_view text);
/// IPv6 text form (RFC 4291, `::` compression, optional dotted-quad tail); at least three
/// non-empty groups, so C++ scopes like `a::b` are not addresses.
bool ipv6Valid(std::string_view text);

} // namespace ftp::deid
