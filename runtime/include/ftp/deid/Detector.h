//===- Detector.h - finding personal data in text ----------------------------------===//
//
// Detector runs every enabled detector over a text and resolves overlaps: of two overlapping
// detections the longer wins, at equal length the more specific type (the order of EntityType).
// Every pattern is an RE2 regular expression, so detection is linear in the text; checksums and
// context rules (Validators.h, NameDetector) keep lookalikes out:
//
//  - dotted quads are IPv4 only if every octet is <= 255 and they are not preceded by `v` or
//    `version` (1.2.3.4 after "version" is a version number);
//  - numbers are matched only at digit boundaries, so parts of ISBNs, order numbers, timestamps
//    and prices are never phones, cards or SSNs; cards need Luhn and an issuer prefix, IBANs
//    mod-97, Chinese IDs their MOD 11-2 check character and a real birth date;
//  - phone numbers are international (`+` and 8–15 digits), North American (`(555) 123-4567`,
//    `555-123-4567`, `555.123.4567`, `+1 555 123 4567`) or mainland-China mobile (`1[3-9]` and 9
//    digits, optionally after `+86`); bare digit runs without separators are not phones;
//  - SSNs only in the dashed form `AAA-GG-SSSS`.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/deid/Entity.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::deid {

class NameDetector;

struct DetectorOptions {
  /// Files of first names, one per line (e.g. English first names). Empty: no person names.
  std::vector<std::string> nameFiles;
  /// Types to detect; empty means all (Person only when nameFiles is set).
  std::vector<EntityType> types;
};

class Detector {
public:
  /// Compiles the patterns and loads the name lists; throws std::runtime_error when a names file
  /// cannot be read.
  explicit Detector(const DetectorOptions &options = {});
  ~Detector();
  Detector(const Detector &) = delete;
  Detector &operator=(const Detector &) = delete;

  /// Non-overlapping spans sorted by offset.
  std::vector<Span> detect(std::string_view text) const;
  /// Every candidate of every detector, before overlap resolution (for tests).
  std::vector<Span> detectAll(std::string_view text) const;

  bool detectsNames() const { return names_ != nullptr; }

private:
  struct Patterns;
  std::unique_ptr<Patterns> patterns_;
  std::unique_ptr<NameDetector> names_;
  bool enabled_[kNumEntityTypes];
};

/// Keeps the longest of overlapping spans (at equal length the lower EntityType); sorted by begin.
std::vector<Span> resolveOverlaps(std::vector<Span> spans);

} // namespace ftp::deid
