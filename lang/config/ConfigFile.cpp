//===- ConfigFile.cpp - reading ftp.toml ----------------------------------------===//

#include "lang/config/ConfigSchema.h"
#include "lang/diag/Suggest.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::lang {

using namespace config;

namespace {

/// Reports an unknown top-level key or section of ftp.toml.
void reportUnknownTopLevel(const toml::key &key, const toml::node &node,
                           const ValueSource &source) {
  std::vector<std::string> sections = sectionNames();
  std::string sectionList = "; ftp.toml has the sections " + listInBackticks(sections, "[", "]");
  SourceRange range = source.range(key.source());
  if (node.is_table()) {
    std::string match = closestMatch(key.str(), sections);
    source.diagnostics.report(range, DiagKind::ConfigUnknownKey, "section",
                              "[" + std::string(key.str()) + "]",
                              match.empty() ? sectionList : "; did you mean `[" + match + "]`?");
    return;
  }
  // A setting written above every section header, e.g. `threads = 4` before `[run]`.
  for (const std::string &section : sections) {
    std::vector<std::string> keys = keysOf(section, false);
    if (std::find(keys.begin(), keys.end(), key.str()) != keys.end()) {
      source.diagnostics.report(range, DiagKind::ConfigUnknownKey, "key", key.str(),
                                fmt::format("; settings go in a section: did you mean `{}` under "
                                            "`[{}]`?",
                                            key.str(), section));
      return;
    }
  }
  source.diagnostics.report(range, DiagKind::ConfigUnknownKey, "key", key.str(), sectionList);
}

bool applyTable(ProjectConfig &config, const toml::table &root, const ValueSource &source) {
  // toml++ tables iterate in key order; collect the entries and check them in file order so that
  // errors come out as a reader meets them.
  struct Entry {
    std::string section; // empty for top-level entries
    const toml::key *key;
    const toml::node *node;
  };
  std::vector<std::string> sections = sectionNames();
  auto isSection = [&](std::string_view name) {
    return std::find(sections.begin(), sections.end(), name) != sections.end();
  };
  std::vector<Entry> entries;
  for (const auto &[key, node] : root) {
    if (isSection(key.str()) && node.is_table()) {
      for (const auto &[innerKey, innerNode] : *node.as_table())
        entries.push_back({std::string(key.str()), &innerKey, &innerNode});
    } else {
      entries.push_back({"", &key, &node});
    }
  }
  std::stable_sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
    return a.key->source().begin < b.key->source().begin;
  });

  bool ok = true;
  for (const Entry &entry : entries) {
    std::string_view name = entry.key->str();
    if (entry.section.empty()) {
      if (isSection(name)) // `paths = "x"` or `[[paths]]`
        source.diagnostics.report(source.range(entry.node->source()), DiagKind::ConfigType, name,
                                  "a table", typeName(*entry.node));
      else
        reportUnknownTopLevel(*entry.key, *entry.node, source);
      ok = false;
      continue;
    }
    const Setting *setting = findSetting(entry.section + "." + std::string(name));
    if (!setting) {
      std::vector<std::string> keys = keysOf(entry.section, false);
      std::string match = closestMatch(name, keys);
      std::string hint = fmt::format(" in `[{}]`", entry.section) +
                         (match.empty() ? "; its keys are " + listInBackticks(keys)
                                        : "; did you mean `" + match + "`?");
      source.diagnostics.report(source.range(entry.key->source()), DiagKind::ConfigUnknownKey,
                                "key", name, hint);
      ok = false;
      continue;
    }
    ok &= applyValue(config, *setting, Value{*entry.node, source.range(entry.node->source())},
                     source);
  }
  return ok;
}

/// How to name ftp.toml in messages: relative to the current folder when it lies below it (as the
/// pipeline path was probably typed), else absolute.
std::string shownPath(const std::string &absolute, const std::string &cwd) {
  fs::path relative = fs::path(absolute).lexically_relative(cwd);
  if (relative.empty() || *relative.begin() == "..")
    return absolute;
  return relative.string();
}

} // namespace

bool parseProjectConfig(ProjectConfig &config, uint32_t file, SourceManager &sources,
                        DiagnosticEngine &diagnostics) {
  ValueSource source{sources, diagnostics, file,
                     fs::path(config.configFile).parent_path().string(),
                     SettingOrigin::From::ConfigFile};
  std::optional<toml::table> root = parseToml(sources.text(file), source);
  return root && applyTable(config, *root, source);
}

ProjectConfig loadProjectConfigFor(const std::string &pipelinePath, SourceManager &sources,
                                   DiagnosticEngine &diagnostics) {
  std::error_code error;
  std::string cwd = fs::current_path(error).string();
  std::string pipelineDir =
      fs::path(absolutePathAgainst(cwd, pipelinePath)).parent_path().string();
  std::optional<std::string> configFile = findProjectConfigFile(pipelinePath);
  if (!configFile)
    return defaultProjectConfig(pipelineDir, pipelineDir);

  ProjectConfig config =
      defaultProjectConfig(fs::path(*configFile).parent_path().string(), pipelineDir);
  config.configFile = *configFile;
  std::string why;
  std::optional<uint32_t> file = sources.addFile(shownPath(*configFile, cwd), &why);
  if (!file) {
    diagnostics.report(SourceLoc{}, DiagKind::FileNotReadable, *configFile, why);
    return config;
  }
  parseProjectConfig(config, *file, sources, diagnostics);
  return config;
}

} // namespace ftp::lang
