//===- ProjectPaths.cpp - finding the project and confining what pipelines read -===//

#include "lang/config/ProjectConfig.h"

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::lang {

namespace {

/// "/a/b/" -> "/a/b" (but "/" stays): std::filesystem keeps a trailing empty component, which would
/// make the component-wise comparison in isWithin() fail.
fs::path withoutTrailingSeparator(fs::path path) {
  if (!path.has_filename() && path.has_relative_path())
    path = path.parent_path();
  return path;
}

/// True when `path` is `folder` or lies below it. Both are absolute and normal; the comparison is by
/// whole components, so `/data2` is not inside `/data`.
bool isWithin(const fs::path &path, const fs::path &folder) {
  auto p = path.begin();
  for (auto f = folder.begin(); f != folder.end(); ++f, ++p) {
    if (p == path.end() || *p != *f)
      return false;
  }
  return true;
}

std::optional<fs::path> canonicalOf(const fs::path &path) {
  std::error_code error;
  fs::path real = fs::weakly_canonical(path, error);
  if (error)
    return std::nullopt;
  return withoutTrailingSeparator(real);
}

} // namespace

std::string absolutePathAgainst(const std::string &base, std::string_view written) {
  fs::path path{std::string(written)};
  if (path.is_relative())
    path = fs::path(base) / path;
  return withoutTrailingSeparator(path.lexically_normal()).string();
}

std::optional<std::string> findProjectConfigFile(const std::string &pipelinePath) {
  std::error_code error;
  fs::path cwd = fs::current_path(error);
  fs::path dir = fs::path(absolutePathAgainst(cwd.string(), pipelinePath)).parent_path();
  while (true) {
    fs::path candidate = dir / "ftp.toml";
    if (fs::is_regular_file(candidate, error))
      return candidate.string();
    // A checkout's root is as far as we look: a repository must not pick up an ftp.toml that
    // happens to sit in a folder above it.
    if (fs::exists(dir / ".git", error) || !dir.has_relative_path())
      return std::nullopt;
    dir = dir.parent_path();
  }
}

std::optional<std::string> resolveInputPath(const ProjectConfig &config,
                                            std::string_view pathAsWritten, InputRoot root,
                                            std::string *whyNot) {
  if (pathAsWritten.empty()) {
    *whyNot = "the path is empty";
    return std::nullopt;
  }
  const std::string &base = root == InputRoot::Data    ? config.paths.dataRoot
                            : root == InputRoot::Model ? config.paths.modelRoot
                                                       : config.pipelineDir;
  fs::path lexical = absolutePathAgainst(base, pathAsWritten);
  // Symlinks are resolved before the check: a link inside the project that points outside it must
  // not be a way out. The folders are resolved the same way, so a project under a symlinked folder
  // still contains its own files.
  std::optional<fs::path> real = canonicalOf(lexical);
  if (!real) {
    *whyNot = fmt::format("`{}` cannot be resolved", lexical.string());
    return std::nullopt;
  }

  std::vector<std::string> allowed = {config.projectRoot, config.paths.dataRoot,
                                      config.paths.modelRoot};
  allowed.insert(allowed.end(), config.paths.allow.begin(), config.paths.allow.end());
  for (const std::string &folder : allowed) {
    std::optional<fs::path> realFolder = canonicalOf(folder);
    if (realFolder && isWithin(*real, *realFolder))
      return real->string();
  }

  std::string where = *real == lexical
                          ? fmt::format("`{}`", real->string())
                          : fmt::format("`{}` (following symlinks from `{}`)", real->string(),
                                        lexical.string());
  std::string configFile = config.configFile.empty()
                               ? fmt::format("a new `{}/ftp.toml`", config.projectRoot)
                               : fmt::format("`{}`", config.configFile);
  *whyNot = fmt::format("it resolves to {}, outside the project `{}` and the folders ftp.toml opens "
                        "to pipelines (`paths.data_root`, `paths.model_root`, `paths.allow`); to "
                        "read it, add a folder that holds it to `paths.allow` in {}",
                        where, config.projectRoot, configFile);
  return std::nullopt;
}

} // namespace ftp::lang
