//===- ConfigSchema.h - the settings table shared by ftp.toml and --set (private) ===//
//
// Internal to lang/config: ProjectConfig.cpp defines the settings and their checks,
// ConfigFile.cpp reads ftp.toml and SetOverride.cpp reads `--set`, both through this table, so a
// value is checked the same way wherever it comes from.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/config/ProjectConfig.h"

#include <toml++/toml.h>

namespace ftp::lang::config {

/// Where values are being read from: ftp.toml, or the buffer of one `--set` argument.
struct ValueSource {
  SourceManager &sources;
  DiagnosticEngine &diagnostics;
  uint32_t file;
  std::string baseDir; // relative paths resolve against this folder
  SettingOrigin::From from;

  /// toml++ positions are 1-based lines and code-point columns, as SourceManager's; this maps them
  /// back to byte offsets of the buffer. A column past the line's end stops at the end.
  SourceLoc loc(const toml::source_position &position) const;
  SourceRange range(const toml::source_region &region) const {
    return {loc(region.begin), loc(region.end)};
  }
};

/// One value to check: the node, and where its text is (for a bare `--set` word, which toml++ did
/// not parse, the caller supplies the range).
struct Value {
  const toml::node &node;
  SourceRange range;
};

enum class Type { String, Integer, StringArray };

struct Setting {
  const char *key; // section.key
  Type type;
  /// Checks `value` and stores it in `config`; returns false after reporting.
  bool (*apply)(ProjectConfig &config, const Value &value, const ValueSource &source);
};

const Setting *findSetting(std::string_view key);
/// "a string", "an integer", ...: a TOML value's type as messages name it.
const char *typeName(const toml::node &node);
/// The sections in schema order (`paths`, `run`).
std::vector<std::string> sectionNames();
/// The keys of one section, with or without the `section.` prefix.
std::vector<std::string> keysOf(std::string_view section, bool qualified);
inline std::string_view sectionOf(std::string_view key) { return key.substr(0, key.find('.')); }

/// Checks and stores `value`, recording its origin; false after reporting.
bool applyValue(ProjectConfig &config, const Setting &setting, const Value &value,
                const ValueSource &source);

/// Parses TOML text, reporting a syntax error (toml++ stops at the first) at its position.
std::optional<toml::table> parseToml(std::string_view text, const ValueSource &source);

/// "`a`, `b` and `c`", each item wrapped in `before` and `after` inside the backticks.
std::string listInBackticks(const std::vector<std::string> &items, const char *before = "",
                            const char *after = "");

} // namespace ftp::lang::config
