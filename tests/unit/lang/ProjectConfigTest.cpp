#include "lang/config/ProjectConfig.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace ftp::lang;
namespace fs = std::filesystem;

namespace {

/// Records diagnostics as "file:line:col [kind] message" for exact comparisons.
class Collector : public DiagnosticConsumer {
public:
  explicit Collector(const SourceManager &sources) : sources_(sources) {}
  void handle(const Diagnostic &d) override {
    LineColumn at = sources_.lineColumn(d.range.begin);
    lines.push_back(fmt::format("{}:{}:{} [{}] {}", sources_.name(d.range.begin.file), at.line,
                                at.column, diagKindInfo(d.kind).name, d.message));
  }
  std::vector<std::string> lines;

private:
  const SourceManager &sources_;
};

/// A fresh folder with `.git` in it, so that discovery never looks above the test's own tree.
class ProjectConfigTest : public ::testing::Test {
protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "ftpc-config-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    top = fs::canonical(pattern);
    fs::create_directory(top / ".git");
  }
  void TearDown() override { fs::remove_all(top); }

  fs::path write(const fs::path &relative, const std::string &text) {
    fs::path path = top / relative;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path;
  }
  /// Loads the configuration of a pipeline at `pipeline` (relative to top), collecting diagnostics.
  ProjectConfig load(const fs::path &pipeline) {
    fs::path path = write(pipeline, "ftp 0.1\n");
    return loadProjectConfigFor(path.string(), sources, engine);
  }
  /// The configuration of a project whose ftp.toml holds `toml`.
  ProjectConfig loadToml(const std::string &toml) {
    write("ftp.toml", toml);
    return load("p.ftp");
  }
  SettingResult set(ProjectConfig &config, const std::string &argument) {
    return applySetting(config, argument, sources, engine);
  }

  fs::path top;
  SourceManager sources;
  Collector diagnostics{sources};
  DiagnosticEngine engine{sources, diagnostics};
};

TEST_F(ProjectConfigTest, DefaultsWithoutFtpToml) {
  ProjectConfig config = load("pipes/p.ftp");
  std::string root = (top / "pipes").string();
  EXPECT_EQ(config.configFile, "");
  EXPECT_EQ(config.projectRoot, root);
  EXPECT_EQ(config.pipelineDir, root);
  EXPECT_EQ(config.paths.dataRoot, root);
  EXPECT_EQ(config.paths.modelRoot, root);
  EXPECT_EQ(config.paths.outputRoot, root + "/runs");
  EXPECT_EQ(config.paths.cacheDir, root + "/.ftpc-cache");
  EXPECT_TRUE(config.paths.allow.empty());
  EXPECT_EQ(config.run.threads, 0u);
  EXPECT_FALSE(config.run.seed.has_value());
  EXPECT_EQ(config.run.device, Device::Auto);
  ASSERT_EQ(config.origins.size(), settingKeys().size());
  for (const auto &[key, origin] : config.origins)
    EXPECT_EQ(origin.from, SettingOrigin::From::Default) << key;
  EXPECT_TRUE(diagnostics.lines.empty());
}

TEST_F(ProjectConfigTest, EveryKeyFromFtpToml) {
  fs::create_directories(top / "shared");
  ProjectConfig config = loadToml("[paths]\n"
                                  "data_root = \"data\"\n"
                                  "model_root = \"/opt/models\"\n"
                                  "output_root = \"../out\"\n"
                                  "cache_dir = \"cache/./ftpc/\"\n"
                                  "allow = [\"shared\", \"/\"]\n"
                                  "[run]\n"
                                  "threads = 4\n"
                                  "seed = 42\n"
                                  "device = \"cuda\"\n");
  ASSERT_TRUE(diagnostics.lines.empty()) << diagnostics.lines[0];
  EXPECT_EQ(config.configFile, (top / "ftp.toml").string());
  EXPECT_EQ(config.projectRoot, top.string());
  // Relative paths resolve against the folder of ftp.toml and are normalized.
  EXPECT_EQ(config.paths.dataRoot, (top / "data").string());
  EXPECT_EQ(config.paths.modelRoot, "/opt/models");
  EXPECT_EQ(config.paths.outputRoot, (top.parent_path() / "out").string());
  EXPECT_EQ(config.paths.cacheDir, (top / "cache/ftpc").string());
  EXPECT_EQ(config.paths.allow, (std::vector<std::string>{(top / "shared").string(), "/"}));
  EXPECT_EQ(config.run.threads, 4u);
  EXPECT_EQ(config.run.seed, 42u);
  EXPECT_EQ(config.run.device, Device::Cuda);

  const SettingOrigin &origin = config.origins.at("run.seed");
  EXPECT_EQ(origin.from, SettingOrigin::From::ConfigFile);
  EXPECT_EQ(sources.lineColumn(origin.range.begin).line, 9u);
  EXPECT_EQ(settingValueText(config, "run.seed"), "42");
  EXPECT_EQ(settingValueText(config, "run.device"), "\"cuda\"");
  EXPECT_EQ(settingValueText(config, "paths.allow"),
            fmt::format("[\"{}/shared\", \"/\"]", top.string()));
}

TEST_F(ProjectConfigTest, NearestParentFtpTomlIsFoundAndGitStopsTheSearch) {
  write("ftp.toml", "[run]\nthreads = 1\n");
  write("a/ftp.toml", "[run]\nthreads = 2\n");
  EXPECT_EQ(load("a/b/c/p.ftp").run.threads, 2u);
  EXPECT_EQ(load("a/b/c/p.ftp").projectRoot, (top / "a").string());
  EXPECT_EQ(load("x/p.ftp").run.threads, 1u);
  EXPECT_EQ(load("p.ftp").run.threads, 1u);

  // A nested checkout does not inherit the settings of the folder it sits in.
  fs::create_directories(top / "repo/.git");
  ProjectConfig nested = load("repo/src/p.ftp");
  EXPECT_EQ(nested.configFile, "");
  EXPECT_EQ(nested.projectRoot, (top / "repo/src").string());
  EXPECT_EQ(findProjectConfigFile((top / "a/p.ftp").string()), (top / "a/ftp.toml").string());
}

TEST_F(ProjectConfigTest, InputPathsStayInsideTheProject) {
  fs::create_directories(top / "proj/data/mail");
  fs::create_directories(top / "outside/corpus");
  fs::create_directories(top / "allowed");
  write("proj/ftp.toml", "[paths]\ndata_root = \"data\"\n");
  ProjectConfig config = load("proj/pipes/p.ftp");
  ASSERT_TRUE(diagnostics.lines.empty());
  std::string why;
  auto under = [&](const char *relative) { return std::optional<std::string>(top / relative); };

  EXPECT_EQ(resolveInputPath(config, "mail", InputRoot::Data, &why), under("proj/data/mail"));
  EXPECT_EQ(resolveInputPath(config, "mail/./new/../x.txt", InputRoot::Data, &why),
            under("proj/data/mail/x.txt"));
  EXPECT_EQ(resolveInputPath(config, "../data/mail", InputRoot::PipelineDir, &why),
            under("proj/data/mail"));
  // Model paths start at model_root, which defaults to the pipeline file's folder.
  EXPECT_EQ(resolveInputPath(config, "models/m", InputRoot::Model, &why),
            under("proj/pipes/models/m"));

  // `..` escapes, absolute paths and a folder whose name merely starts like the project's.
  EXPECT_FALSE(resolveInputPath(config, "../../outside/corpus", InputRoot::Data, &why));
  EXPECT_NE(why.find("outside the project `" + (top / "proj").string() + "`"), std::string::npos)
      << why;
  EXPECT_NE(why.find("`paths.allow`"), std::string::npos);
  EXPECT_FALSE(resolveInputPath(config, "/etc/passwd", InputRoot::Data, &why));
  fs::create_directories(top / "proj2");
  EXPECT_FALSE(resolveInputPath(config, (top / "proj2").string(), InputRoot::Data, &why));
  EXPECT_FALSE(resolveInputPath(config, "", InputRoot::Data, &why));

  // A symlink inside the project that points outside is no way out.
  fs::create_directory_symlink(top / "outside", top / "proj/data/link");
  EXPECT_FALSE(resolveInputPath(config, "link/corpus", InputRoot::Data, &why));
  EXPECT_NE(why.find("following symlinks"), std::string::npos) << why;

  // The allow-list opens exactly the folders it names.
  config.paths.allow = {(top / "outside").string()};
  EXPECT_EQ(resolveInputPath(config, "link/corpus", InputRoot::Data, &why),
            under("outside/corpus"));
  EXPECT_FALSE(resolveInputPath(config, (top / "allowed").string(), InputRoot::Data, &why));

  // data_root set by ftp.toml outside the project is itself readable: its owner wrote it there.
  config.paths.dataRoot = (top / "allowed").string();
  EXPECT_EQ(resolveInputPath(config, "f.csv", InputRoot::Data, &why), under("allowed/f.csv"));
}

TEST_F(ProjectConfigTest, EveryErrorInTheFileIsReportedAtItsLineAndColumn) {
  ProjectConfig config = loadToml("threads = 4\n"
                                  "[pahts]\n"
                                  "data_root = \"x\"\n"
                                  "[paths]\n"
                                  "data_rot = \"x\"\n"
                                  "model_root = 3\n"
                                  "cache_dir = \"\"\n"
                                  "allow = [\"nope\", 1]\n"
                                  "[run]\n"
                                  "threads = -1\n"
                                  "seed = \"x\"\n"
                                  "device = \"cdua\"\n");
  std::string f = (top / "ftp.toml").string();
  // Messages name ftp.toml as the current folder sees it; compare from the line number on.
  std::vector<std::string> got;
  for (const std::string &line : diagnostics.lines)
    got.push_back(line.substr(line.find("ftp.toml:") + 9));
  std::vector<std::string> expected = {
      "1:1 [config-unknown-key] unknown key `threads`; settings go in a section: did you mean "
      "`threads` under `[run]`?",
      "2:2 [config-unknown-key] unknown section `[pahts]`; did you mean `[paths]`?",
      "5:1 [config-unknown-key] unknown key `data_rot` in `[paths]`; did you mean `data_root`?",
      "6:14 [config-type] `paths.model_root` expects a string, found an integer",
      "7:13 [config-range] `paths.cache_dir` must be a non-empty path, found an empty string",
      "8:10 [config-path-missing] `paths.allow` lists `" + (top / "nope").string() +
          "`, which does not exist; only existing folders can be allowed",
      "8:18 [config-type] `paths.allow` expects an array of strings, found an integer element",
      "10:11 [config-range] `run.threads` must be between 0 (all cores) and 65535, found -1",
      "11:8 [config-type] `run.seed` expects an integer, found a string",
      "12:10 [config-range] `run.device` must be `cpu`, `cuda` or `auto`, found `cdua`; did you "
      "mean `cuda`?",
  };
  EXPECT_EQ(got, expected);
  // Settings in error keep their defaults.
  EXPECT_EQ(config.run.threads, 0u);
  EXPECT_EQ(config.paths.modelRoot, top.string());
}

TEST_F(ProjectConfigTest, SyntaxErrorPointsIntoTheFile) {
  loadToml("[run]\nseed = 1\n  device = \"cpu\" x\n");
  ASSERT_EQ(diagnostics.lines.size(), 1u);
  EXPECT_NE(diagnostics.lines[0].find("ftp.toml:3:18 [config-syntax] invalid TOML: error while "
                                      "parsing key-value pair"),
            std::string::npos)
      << diagnostics.lines[0];
}

TEST_F(ProjectConfigTest, ColumnsCountCodePoints) {
  // toml++ counts code points, as SourceManager does; `é` is two bytes but one column.
  loadToml("run = { seed = \"é\", threads = \"x\" }\n");
  ASSERT_EQ(diagnostics.lines.size(), 2u);
  EXPECT_NE(diagnostics.lines[0].find("ftp.toml:1:16 [config-type] `run.seed`"), std::string::npos)
      << diagnostics.lines[0];
  EXPECT_NE(diagnostics.lines[1].find("ftp.toml:1:31 [config-type] `run.threads`"),
            std::string::npos)
      << diagnostics.lines[1];
}

TEST_F(ProjectConfigTest, SetAppliesSettingsAndRecordsTheirOrigin) {
  ProjectConfig config = loadToml("[run]\nthreads = 2\n");
  EXPECT_EQ(set(config, "run.threads=4"), SettingResult::Applied);
  EXPECT_EQ(set(config, "run.device=cpu"), SettingResult::Applied); // a bare word is a string
  EXPECT_EQ(set(config, "run.seed = 7"), SettingResult::Applied);
  EXPECT_EQ(set(config, "paths.allow=[\"/\"]"), SettingResult::Applied);
  EXPECT_EQ(set(config, "paths.data_root=/data/2024-01-01"), SettingResult::Applied);
  EXPECT_EQ(set(config, "paths.model_root=\"/m o\""), SettingResult::Applied);
  EXPECT_EQ(set(config, "paths.cache_dir=rel"), SettingResult::Applied);
  ASSERT_TRUE(diagnostics.lines.empty()) << diagnostics.lines[0];
  EXPECT_EQ(config.run.threads, 4u);
  EXPECT_EQ(config.run.device, Device::Cpu);
  EXPECT_EQ(config.run.seed, 7u);
  EXPECT_EQ(config.paths.allow, std::vector<std::string>{"/"});
  EXPECT_EQ(config.paths.dataRoot, "/data/2024-01-01");
  EXPECT_EQ(config.paths.modelRoot, "/m o");
  // Relative `--set` paths start where the command was typed.
  EXPECT_EQ(config.paths.cacheDir, (fs::current_path() / "rel").string());
  EXPECT_EQ(config.origins.at("run.threads").from, SettingOrigin::From::Override);
  EXPECT_EQ(sources.name(config.origins.at("run.threads").range.begin.file), "--set");
}

TEST_F(ProjectConfigTest, SetLeavesPipelineOptionsAlone) {
  ProjectConfig config = load("p.ftp");
  size_t buffers = sources.bufferCount();
  EXPECT_EQ(set(config, "finetune.epochs=3"), SettingResult::NotASetting);
  EXPECT_EQ(set(config, "runs.x=1"), SettingResult::NotASetting);
  EXPECT_EQ(set(config, "seed"), SettingResult::NotASetting);
  EXPECT_EQ(sources.bufferCount(), buffers);
  EXPECT_TRUE(diagnostics.lines.empty());
}

TEST_F(ProjectConfigTest, SetErrorsPointIntoTheArgument) {
  ProjectConfig config = load("p.ftp");
  for (const char *argument :
       {"run.thread=4", "run.threads=-1", "run.threads=four", "run.threads=1.5",
        "run.device=\"gpu", "run.device=gpu", "run", "run.seed=", "paths.allow=[\"/\", 2]",
        "run.speed=1", "paths.allow=[\"/no/such/folder\"]"})
    EXPECT_EQ(set(config, argument), SettingResult::Error) << argument;
  std::vector<std::string> expected = {
      "--set:1:1 [config-unknown-key] unknown setting `run.thread`; did you mean `run.threads`?",
      "--set:1:13 [config-range] `run.threads` must be between 0 (all cores) and 65535, found -1",
      "--set:1:13 [config-type] `run.threads` expects an integer, found a string",
      "--set:1:13 [config-type] `run.threads` expects an integer, found a floating-point number",
      "--set:1:16 [config-syntax] invalid TOML: error while parsing string: encountered "
      "end-of-file",
      "--set:1:12 [config-range] `run.device` must be `cpu`, `cuda` or `auto`, found `gpu`; for "
      "NVIDIA GPUs write `cuda`",
      "--set:1:1 [set-syntax] `--set` expects KEY=VALUE, as in `--set run.threads=4`; found `run`",
      "--set:1:1 [set-syntax] `--set` expects KEY=VALUE, as in `--set run.threads=4`; found "
      "`run.seed=`",
      "--set:1:19 [config-type] `paths.allow` expects an array of strings, found an integer "
      "element",
      "--set:1:1 [config-unknown-key] unknown setting `run.speed`; did you mean `run.seed`?",
      "--set:1:14 [config-path-missing] `paths.allow` lists `/no/such/folder`, which does not "
      "exist; only existing folders can be allowed",
  };
  EXPECT_EQ(diagnostics.lines, expected);
  EXPECT_EQ(config.run.threads, 0u);
  EXPECT_EQ(config.run.device, Device::Auto);
}

} // namespace
