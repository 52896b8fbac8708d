//===- ProjectConfig.cpp - the settings schema and its checks -------------------===//
//
// The schema of ftp.toml and `--set` (kSettings) with each setting's checks, the defaults, and the
// helpers ConfigFile.cpp and SetOverride.cpp share. ProjectConfig.h has the table for readers.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/config/ConfigSchema.h"
#include "lang/diag/Suggest.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::lang {
namespace config {

const char *typeName(const toml::node &node) {
  switch (node.type()) {
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a floating-point number";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::table:
    return "a table";
  case toml::node_type::date:
    return "a date";
  case toml::node_type::time:
    return "a time";
  case toml::node_type::date_time:
    return "a date-time";
  default:
    return "nothing";
  }
}

namespace {

// Defaults of the path settings, relative to the project root (docs/configuration.md).
constexpr const char *kDefaultOutputRoot = "runs";
constexpr const char *kDefaultCacheDir = ".ftpc-cache";
constexpr int64_t kMaxThreads = 65535; // only to catch typos such as 10000000

std::optional<std::string> stringOf(const char *key, const Value &value,
                                    const ValueSource &source) {
  if (auto *text = value.node.as_string())
    return text->get();
  source.diagnostics.report(value.range, DiagKind::ConfigType, key, "a string",
                            typeName(value.node));
  return std::nullopt;
}

std::optional<int64_t> integerOf(const char *key, const Value &value, const ValueSource &source,
                                 int64_t min, int64_t max, const std::string &expected) {
  auto *number = value.node.as_integer();
  if (!number) {
    source.diagnostics.report(value.range, DiagKind::ConfigType, key, "an integer",
                              typeName(value.node));
    return std::nullopt;
  }
  if (number->get() < min || number->get() > max) {
    source.diagnostics.report(value.range, DiagKind::ConfigRange, key, expected, number->get(), "");
    return std::nullopt;
  }
  return number->get();
}

/// A path setting: a non-empty string, made absolute against the source's folder.
std::optional<std::string> pathOf(const char *key, const Value &value, const ValueSource &source) {
  auto text = stringOf(key, value, source);
  if (!text)
    return std::nullopt;
  if (text->empty()) {
    source.diagnostics.report(value.range, DiagKind::ConfigRange, key, "a non-empty path",
                              "an empty string", "");
    return std::nullopt;
  }
  return absolutePathAgainst(source.baseDir, *text);
}

bool setPath(std::string &target, const char *key, const Value &value, const ValueSource &source) {
  auto path = pathOf(key, value, source);
  if (path)
    target = *path;
  return path.has_value();
}

// Every element is checked so that one run reports all bad entries; nothing is stored unless
// all are good, so a half-applied allow-list never widens or narrows access by surprise.
bool setAllow(ProjectConfig &config, const Value &value, const ValueSource &source) {
  const char *key = "paths.allow";
  auto *array = value.node.as_array();
  if (!array) {
    source.diagnostics.report(value.range, DiagKind::ConfigType, key, "an array of strings",
                              typeName(value.node));
    return false;
  }
  std::vector<std::string> folders;
  bool ok = true;
  for (const toml::node &element : *array) {
    if (!element.is_string()) {
      source.diagnostics.report(source.range(element.source()), DiagKind::ConfigType, key,
                                "an array of strings", typeName(element) + std::string(" element"));
      ok = false;
      continue;
    }
    auto path = pathOf(key, Value{element, source.range(element.source())}, source);
    if (!path) {
      ok = false;
      continue;
    }
    std::error_code error;
    fs::file_status status = fs::status(*path, error);
    if (!fs::is_directory(status)) {
      source.diagnostics.report(source.range(element.source()), DiagKind::ConfigPathMissing, key,
                                *path, fs::exists(status) ? "is not a folder" : "does not exist");
      ok = false;
      continue;
    }
    folders.push_back(*path);
  }
  if (ok)
    config.paths.allow = std::move(folders);
  return ok;
}

const Setting kSettings[] = {
    {"paths.data_root", Type::String,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       return setPath(c.paths.dataRoot, "paths.data_root", v, s);
     }},
    {"paths.model_root", Type::String,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       return setPath(c.paths.modelRoot, "paths.model_root", v, s);
     }},
    {"paths.output_root", Type::String,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       return setPath(c.paths.outputRoot, "paths.output_root", v, s);
     }},
    {"paths.cache_dir", Type::String,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       return setPath(c.paths.cacheDir, "paths.cache_dir", v, s);
     }},
    {"paths.allow", Type::StringArray, setAllow},
    {"run.threads", Type::Integer,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       auto n = integerOf("run.threads", v, s, 0, kMaxThreads,
                          fmt::format("between 0 (all cores) and {}", kMaxThreads));
       if (n)
         c.run.threads = static_cast<uint32_t>(*n);
       return n.has_value();
     }},
    {"run.seed", Type::Integer,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       auto n = integerOf("run.seed", v, s, 0, INT64_MAX, "0 or more");
       if (n)
         c.run.seed = static_cast<uint64_t>(*n);
       return n.has_value();
     }},
    {"run.device", Type::String,
     [](ProjectConfig &c, const Value &v, const ValueSource &s) {
       auto name = stringOf("run.device", v, s);
       if (!name)
         return false;
       const std::vector<std::string> names = {"cpu", "cuda", "auto"};
       if (std::find(names.begin(), names.end(), *name) == names.end()) {
         s.diagnostics.report(v.range, DiagKind::ConfigRange, "run.device",
                              "`cpu`, `cuda` or `auto`", "`" + *name + "`",
                              // "gpu" is one edit from "cpu", the opposite of what was meant.
                              *name == "gpu" ? "; for NVIDIA GPUs write `cuda`"
                                             : didYouMean(*name, names));
         return false;
       }
       c.run.device = *name == "cpu" ? Device::Cpu : *name == "cuda" ? Device::Cuda : Device::Auto;
       return true;
     }},
};

} // namespace

SourceLoc ValueSource::loc(const toml::source_position &position) const {
  std::string_view text = sources.text(file);
  std::string_view line = sources.lineText(file, position.line);
  if (line.data() == nullptr)
    return {file, static_cast<uint32_t>(text.size())};
  size_t at = 0;
  for (uint32_t column = 1; column < position.column && at < line.size(); ++column) {
    ++at;
    while (at < line.size() && (static_cast<unsigned char>(line[at]) & 0xC0) == 0x80)
      ++at;
  }
  return {file, static_cast<uint32_t>(line.data() - text.data() + at)};
}

const Setting *findSetting(std::string_view key) {
  for (const Setting &setting : kSettings)
    if (key == setting.key)
      return &setting;
  return nullptr;
}

std::vector<std::string> sectionNames() {
  std::vector<std::string> names;
  for (const Setting &setting : kSettings)
    if (std::find(names.begin(), names.end(), sectionOf(setting.key)) == names.end())
      names.emplace_back(sectionOf(setting.key));
  return names;
}

std::vector<std::string> keysOf(std::string_view section, bool qualified) {
  std::vector<std::string> keys;
  for (const Setting &setting : kSettings) {
    std::string_view key = setting.key;
    if (sectionOf(key) == section)
      keys.emplace_back(qualified ? key : key.substr(section.size() + 1));
  }
  return keys;
}

std::string listInBackticks(const std::vector<std::string> &items, const char *before,
                            const char *after) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i != 0)
      text += i + 1 == items.size() ? " and " : ", ";
    text += fmt::format("`{}{}{}`", before, items[i], after);
  }
  return text;
}

bool applyValue(ProjectConfig &config, const Setting &setting, const Value &value,
                const ValueSource &source) {
  if (!setting.apply(config, value, source))
    return false;
  config.origins[setting.key] = SettingOrigin{source.from, value.range};
  return true;
}

std::optional<toml::table> parseToml(std::string_view text, const ValueSource &source) {
  try {
    return toml::parse(text, std::string_view(source.sources.name(source.file)));
  } catch (const toml::parse_error &error) {
    // toml++ describes errors in sentences starting with a capital; ours start lowercase.
    std::string description(error.description());
    if (!description.empty() && description[0] >= 'A' && description[0] <= 'Z')
      description[0] = static_cast<char>(description[0] - 'A' + 'a');
    source.diagnostics.report(source.loc(error.source().begin), DiagKind::ConfigSyntax,
                              description);
    return std::nullopt;
  }
}

} // namespace config

using namespace config;

const char *deviceName(Device device) {
  switch (device) {
  case Device::Cpu:
    return "cpu";
  case Device::Cuda:
    return "cuda";
  case Device::Auto:
    return "auto";
  }
  return "auto";
}

const std::vector<std::string> &settingKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> all;
    for (const Setting &setting : kSettings)
      all.emplace_back(setting.key);
    return all;
  }();
  return keys;
}

ProjectConfig defaultProjectConfig(const std::string &projectRoot, const std::string &pipelineDir) {
  std::error_code error;
  std::string cwd = fs::current_path(error).string();
  ProjectConfig config;
  config.projectRoot = absolutePathAgainst(cwd, projectRoot);
  config.pipelineDir = absolutePathAgainst(cwd, pipelineDir);
  // Issue 3: paths written in a pipeline resolve relative to the pipeline file unless ftp.toml
  // names data and model roots; they stay confined to the project either way.
  config.paths.dataRoot = config.pipelineDir;
  config.paths.modelRoot = config.pipelineDir;
  config.paths.outputRoot = absolutePathAgainst(config.projectRoot, kDefaultOutputRoot);
  config.paths.cacheDir = absolutePathAgainst(config.projectRoot, kDefaultCacheDir);
  for (const Setting &setting : kSettings)
    config.origins[setting.key] = SettingOrigin{};
  return config;
}

std::string settingValueText(const ProjectConfig &config, const std::string &key) {
  // fmt's debug format writes a double-quoted string with C escapes, which TOML reads back.
  auto quoted = [](const std::string &text) { return fmt::format("{:?}", text); };
  const ProjectConfig::Paths &paths = config.paths;
  if (key == "paths.data_root")
    return quoted(paths.dataRoot);
  if (key == "paths.model_root")
    return quoted(paths.modelRoot);
  if (key == "paths.output_root")
    return quoted(paths.outputRoot);
  if (key == "paths.cache_dir")
    return quoted(paths.cacheDir);
  if (key == "paths.allow") {
    std::string text = "[";
    for (size_t i = 0; i < paths.allow.size(); ++i)
      text += (i ? ", " : "") + quoted(paths.allow[i]);
    return text + "]";
  }
  if (key == "run.threads")
    return std::to_string(config.run.threads);
  if (key == "run.seed")
    return config.run.seed ? std::to_string(*config.run.seed) : "none";
  if (key == "run.device")
    return quoted(deviceName(config.run.device));
  return "";
}

} // namespace ftp::lang
