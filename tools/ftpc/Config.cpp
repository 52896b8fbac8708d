//===- Config.cpp - the project configuration and `ftpc --emit=config` -----------===//

#include "Driver.h"

#include <fmt/format.h>

#include <iostream>

namespace ftp::driver {

LoadedConfig loadProjectConfig(Session &session, const std::string &pipelinePath,
                               const std::vector<std::string> &overrides) {
  lang::DiagnosticEngine &diagnostics = session.diagnostics();
  unsigned errorsBefore = diagnostics.errorCount();
  LoadedConfig loaded;
  loaded.config = lang::loadProjectConfigFor(pipelinePath, session.sources(), diagnostics);
  // Settings first, in command-line order, so a later `--set` of the same key wins.
  for (const std::string &argument : overrides) {
    if (lang::applySetting(loaded.config, argument, session.sources(), diagnostics) ==
        lang::SettingResult::NotASetting)
      loaded.optionOverrides.push_back(argument);
  }
  loaded.ok = diagnostics.errorCount() == errorsBefore;
  return loaded;
}

namespace {

std::string originText(const lang::SourceManager &sources, const lang::SettingOrigin &origin) {
  switch (origin.from) {
  case lang::SettingOrigin::From::Default:
    return "default";
  case lang::SettingOrigin::From::ConfigFile:
    return fmt::format("ftp.toml:{}", sources.lineColumn(origin.range.begin).line);
  case lang::SettingOrigin::From::Override:
    return "--set";
  }
  return "";
}

} // namespace

// TOML-like lines, `key = value  # origin`, so a reader can paste a line into ftp.toml.
int emitConfig(Session &session, const std::string &path,
               const std::vector<std::string> &overrides) {
  // The pipeline itself must exist: its folder decides the project, and a typo should not quietly
  // show the configuration of whatever folder the typo points into.
  if (!session.load(path))
    return session.finish();
  LoadedConfig loaded = loadProjectConfig(session, path, overrides);
  if (!loaded.ok)
    return session.finish();

  const lang::ProjectConfig &config = loaded.config;
  const std::vector<std::string> &keys = lang::settingKeys();
  size_t width = std::string("project_root").size();
  for (const std::string &key : keys)
    width = std::max(width, key.size());

  auto line = [&](const std::string &key, const std::string &value, const std::string &origin) {
    std::cout << fmt::format("{:<{}} = {}  # {}\n", key, width, value, origin);
  };
  if (config.configFile.empty()) {
    line("config_file", "none", "no ftp.toml in the pipeline's folder or above it");
    line("project_root", fmt::format("{:?}", config.projectRoot), "the pipeline's folder");
  } else {
    line("config_file", fmt::format("{:?}", config.configFile), "nearest to the pipeline");
    line("project_root", fmt::format("{:?}", config.projectRoot), "the folder of ftp.toml");
  }
  for (const std::string &key : keys)
    line(key, lang::settingValueText(config, key),
         originText(session.sources(), config.origins.at(key)));
  for (const std::string &override : loaded.optionOverrides)
    std::cout << fmt::format("# pipeline option (checked by `ftpc check`): --set {}\n", override);
  return session.finish();
}

} // namespace ftp::driver
