//===- SetOverride.cpp - `--set paths.KEY=VALUE` and `--set run.KEY=VALUE` -------===//

#include "lang/config/ConfigSchema.h"
#include "lang/diag/Suggest.h"

#include <algorithm>
#include <filesystem>

namespace ftp::lang {

using namespace config;

namespace {

constexpr std::string_view kBlanks = " \t";

/// [begin, end) of `text` without surrounding blanks, as offsets into it; begin == end if blank.
std::pair<size_t, size_t> trimmed(std::string_view text, size_t begin, size_t end) {
  while (begin < end && kBlanks.find(text[begin]) != std::string_view::npos)
    ++begin;
  while (end > begin && kBlanks.find(text[end - 1]) != std::string_view::npos)
    --end;
  return {begin, end};
}

/// The hint of an unknown setting: the closest known key, or the keys of its section.
std::string unknownSettingHint(std::string_view key) {
  std::string match = closestMatch(key, settingKeys());
  if (!match.empty())
    return "; did you mean `" + match + "`?";
  std::string section(sectionOf(key));
  return fmt::format("; the `{}` settings are {}", section, listInBackticks(keysOf(section, true)));
}

} // namespace

SettingResult applySetting(ProjectConfig &config, std::string_view argument, SourceManager &sources,
                           DiagnosticEngine &diagnostics) {
  size_t equals = std::min(argument.find('='), argument.size());
  auto [keyBegin, keyEnd] = trimmed(argument, 0, equals);
  std::string_view key = argument.substr(keyBegin, keyEnd - keyBegin);
  std::vector<std::string> sections = sectionNames();
  if (std::find(sections.begin(), sections.end(), sectionOf(key)) == sections.end())
    return SettingResult::NotASetting; // a pipeline option: the checker's overrides handle it

  // Each argument is its own buffer, so its errors print as `--set:1:COL` with a caret.
  uint32_t file = sources.addBuffer("--set", std::string(argument));
  auto at = [file](size_t begin, size_t end) {
    return SourceRange({file, static_cast<uint32_t>(begin)}, {file, static_cast<uint32_t>(end)});
  };
  auto [valueBegin, valueEnd] = trimmed(argument, std::min(equals + 1, argument.size()),
                                        argument.size());
  if (equals == argument.size() || valueBegin == valueEnd) {
    diagnostics.report(at(keyBegin, argument.size()), DiagKind::SetSyntax, argument);
    return SettingResult::Error;
  }
  const Setting *setting = findSetting(key);
  if (!setting) {
    diagnostics.report(at(keyBegin, keyEnd), DiagKind::ConfigUnknownKey, "setting", key,
                       unknownSettingHint(key));
    return SettingResult::Error;
  }

  // Relative paths typed on the command line mean what the shell means: relative to the current
  // folder (as Cargo's `--config` does), not to ftp.toml.
  std::error_code error;
  ValueSource source{sources, diagnostics, file, std::filesystem::current_path(error).string(),
                     SettingOrigin::From::Override};
  std::string_view valueText = argument.substr(valueBegin, valueEnd - valueBegin);
  SourceRange valueRange = at(valueBegin, valueEnd);
  toml::value<std::string> bareWord{std::string(valueText)};

  // A quoted string, an array or an inline table is TOML; a bare word is a string for string
  // settings (`run.device=cpu`, `paths.data_root=/data/2024-01-01`, which TOML would take as a
  // date). Anything else is parsed as TOML and, if that fails, taken as a word, so that
  // `run.threads=four` says "expects an integer, found a string" rather than a TOML error.
  bool quotedOrNested = std::string_view("\"'[{").find(valueText[0]) != std::string_view::npos;
  if (!quotedOrNested && setting->type == Type::String) {
    return applyValue(config, *setting, Value{bareWord, valueRange}, source)
               ? SettingResult::Applied
               : SettingResult::Error;
  }
  // `v` padded with blanks to the length of the key keeps toml++'s columns equal to the
  // argument's, so ValueSource maps them straight into the `--set` buffer.
  std::string document = "v" + std::string(equals - 1, ' ') + std::string(argument.substr(equals));
  std::optional<toml::table> root;
  if (quotedOrNested) {
    root = parseToml(document, source);
    if (!root)
      return SettingResult::Error;
  } else {
    try {
      root = toml::parse(document, std::string_view("--set"));
    } catch (const toml::parse_error &) {
      return applyValue(config, *setting, Value{bareWord, valueRange}, source)
                 ? SettingResult::Applied
                 : SettingResult::Error;
    }
  }
  if (root->size() != 1 || !root->contains("v")) { // e.g. a value with a newline and another key
    diagnostics.report(valueRange, DiagKind::ConfigSyntax, "expected a single value after `=`");
    return SettingResult::Error;
  }
  const toml::node &node = *root->get("v");
  return applyValue(config, *setting, Value{node, source.range(node.source())}, source)
             ? SettingResult::Applied
             : SettingResult::Error;
}

} // namespace ftp::lang
