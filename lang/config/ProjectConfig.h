//===- ProjectConfig.h - ftp.toml, `--set` settings and the project's paths -----===//
//
// A project is the folder that holds `ftp.toml` (found next to the pipeline or in the nearest parent
// folder, stopping at the filesystem root or at a folder with `.git`); without one, the pipeline's
// own folder is the project. ftp.toml sets where data, models and outputs live and how runs use the
// machine; `--set paths.KEY=VALUE` and `--set run.KEY=VALUE` override it from the command line.
//
// The schema below is the one place these settings and their defaults are defined (docs/
// configuration.md describes the same table for users):
//
//   key                type              default          meaning
//   paths.data_root    string (path)     pipeline folder  where data paths written in a pipeline start
//   paths.model_root   string (path)     pipeline folder  where model paths written in a pipeline start
//   paths.output_root  string (path)     `runs`           where run records are written
//   paths.cache_dir    string (path)     `.ftpc-cache`    compiled kernels and other caches
//   paths.allow        array of strings  []               extra existing folders outside the project
//                                                         that pipelines may read
//   run.threads        integer 0..65535  0                CPU threads; 0 uses every core
//   run.seed           integer >= 0      (not set)        seed for pipelines that do not set one
//   run.device         string            `auto`           `cpu`, `cuda`, or `auto` (CUDA when present)
//
// Relative paths in ftp.toml resolve against the folder of ftp.toml; relative paths in `--set`
// resolve against the current directory, where the person typing them stands.
//
// Confinement: a pipeline may read only inside the project root, `data_root`, `model_root` and the
// `allow` folders. The last three are written by whoever owns ftp.toml or the command line, never by
// the .ftp file, so a pipeline cannot widen its own reach (resolveInputPath).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/Diagnostic.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::lang {

enum class Device { Auto, Cpu, Cuda };
const char *deviceName(Device device);

/// Where a setting's value came from: its default, ftp.toml, or a `--set` argument. `range` is the
/// value's text in ftp.toml or the `--set` buffer (invalid for defaults), for notes such as
/// "`data_root` is set here".
struct SettingOrigin {
  enum class From { Default, ConfigFile, Override } from = From::Default;
  SourceRange range;
};

struct ProjectConfig {
  std::string projectRoot; // absolute; the folder of ftp.toml, or of the pipeline without one
  std::string pipelineDir; // absolute folder of the pipeline file
  std::string configFile;  // absolute path of ftp.toml; empty when the project has none

  struct Paths {
    // All absolute and lexically normal (no `.` or `..`); symlinks are left as written.
    std::string dataRoot;
    std::string modelRoot;
    std::string outputRoot;
    std::string cacheDir;
    std::vector<std::string> allow;
  } paths;

  struct Run {
    uint32_t threads = 0; // 0: all cores
    std::optional<uint64_t> seed;
    Device device = Device::Auto;
  } run;

  /// One entry per key of settingKeys() once the configuration is built.
  std::map<std::string, SettingOrigin> origins;
};

/// Every setting as `section.key`, in the order of the schema (and of `ftpc --emit=config`).
const std::vector<std::string> &settingKeys();

/// A setting's current value as TOML text (`"/abs/path"`, `4`, `["/a", "/b"]`), or `none` for an
/// unset optional one (`run.seed`).
std::string settingValueText(const ProjectConfig &config, const std::string &key);

/// The configuration of a project without ftp.toml settings: every default, rooted at
/// `projectRoot`. Both folders are made absolute and normal.
ProjectConfig defaultProjectConfig(const std::string &projectRoot, const std::string &pipelineDir);

/// The ftp.toml that governs the pipeline at `pipelinePath`: in its folder or the nearest parent
/// that has one, not looking above the filesystem root or a folder containing `.git` (a checkout
/// never picks up settings from outside itself). std::nullopt when there is none.
std::optional<std::string> findProjectConfigFile(const std::string &pipelinePath);

/// Reads the settings of ftp.toml, already added to `sources` as `file`, into `config`. Relative
/// paths resolve against the folder of `config.configFile`. Reports every error (one at most for
/// TOML syntax, which stops toml++) and returns false if there were any; a setting in error keeps
/// its previous value.
bool parseProjectConfig(ProjectConfig &config, uint32_t file, SourceManager &sources,
                        DiagnosticEngine &diagnostics);

/// Finds, reads and checks the configuration of the project around `pipelinePath`. Always returns
/// a usable configuration (defaults stand in for missing settings and settings in error);
/// diagnostics.hasErrors() tells whether ftp.toml was clean.
ProjectConfig loadProjectConfigFor(const std::string &pipelinePath, SourceManager &sources,
                                   DiagnosticEngine &diagnostics);

enum class SettingResult {
  Applied,
  Error,       // reported through the diagnostics engine
  NotASetting, // the key does not start with `paths.` or `run.`: a pipeline option override
};

/// Applies one `--set KEY=VALUE` argument whose key starts with `paths.` or `run.`. VALUE is a TOML
/// value (`4`, `"text"`, `["/a"]`); a bare word is taken as a string (`run.device=cpu`). The
/// argument becomes its own buffer named `--set`, so errors point into it. Other keys are left to
/// the pipeline's option overrides: NotASetting, with nothing reported.
SettingResult applySetting(ProjectConfig &config, std::string_view argument, SourceManager &sources,
                           DiagnosticEngine &diagnostics);

/// `written` made absolute against the folder `base` (unless already absolute) and lexically
/// normalized, without a trailing separator. Symlinks are not resolved.
std::string absolutePathAgainst(const std::string &base, std::string_view written);

/// What a path written in a pipeline is relative to.
enum class InputRoot { Data, Model, PipelineDir };

/// Resolves a path that a pipeline reads: relative to data_root, model_root or the pipeline's
/// folder (absolute paths stay), normalized, with symlinks of the existing part resolved. Returns
/// std::nullopt and sets `whyNot` when the result lies outside the project root, data_root,
/// model_root and every `allow` folder — a .ftp file never reads outside the project unless the
/// project's owner allowed it.
std::optional<std::string> resolveInputPath(const ProjectConfig &config,
                                            std::string_view pathAsWritten, InputRoot root,
                                            std::string *whyNot);

} // namespace ftp::lang
