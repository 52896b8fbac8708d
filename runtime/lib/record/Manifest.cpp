//===- Manifest.cpp - writing and reading manifest.toml -------------------------===//

#include "ftp/record/Manifest.h"

#include "TomlJson.h"
#include "ftp/record/Files.h"

#include <ctime>
#include <filesystem>

namespace fs = std::filesystem;

namespace ftp::record {
namespace {

toml::array stringArray(const std::vector<std::string> &values) {
  toml::array array;
  for (const std::string &value : values)
    array.push_back(value);
  return array;
}

toml::array fileArray(const std::vector<ManifestFile> &files, bool inputs) {
  toml::array array;
  for (const ManifestFile &file : files) {
    toml::table entry{{"path", file.path}, {"sha256", file.sha256},
                      {"bytes", static_cast<int64_t>(file.bytes)}};
    if (inputs) {
      entry.insert_or_assign("role", file.role);
      entry.insert_or_assign("kind", file.kind);
      if (file.kind == "folder")
        entry.insert_or_assign("files", static_cast<int64_t>(file.files));
    }
    array.push_back(std::move(entry));
  }
  return array;
}

/// One `[name]` or `[[name]]` section: toml++ prints a table's keys in sorted order, so the
/// manifest is printed section by section to keep the order documented in Manifest.h.
std::string section(const char *name, toml::node &&value) {
  toml::table root;
  root.insert_or_assign(name, std::move(value));
  return printToml(root) + "\n\n";
}

std::string str(const toml::node_view<const toml::node> &node) {
  return node.value_or(std::string());
}

std::vector<ManifestFile> readFiles(const toml::node_view<const toml::node> &node) {
  std::vector<ManifestFile> files;
  if (const toml::array *array = node.as_array())
    for (const toml::node &element : *array) {
      toml::node_view<const toml::node> entry(&element);
      ManifestFile file;
      file.path = str(entry["path"]);
      file.role = str(entry["role"]);
      file.kind = entry["kind"].value_or(std::string("file"));
      file.sha256 = str(entry["sha256"]);
      file.bytes = static_cast<uint64_t>(entry["bytes"].value_or(int64_t(0)));
      file.files = static_cast<uint64_t>(entry["files"].value_or(int64_t(1)));
      files.push_back(std::move(file));
    }
  return files;
}

} // namespace

std::string formatManifest(const Manifest &m) {
  std::string text = "# manifest.toml: what went into this run and what came out "
                     "(`ftpc verify` re-checks it)\n\n";
  text += section("ftpc", toml::table{{"version", m.ftpcVersion},
                                      {"mlir", m.mlirVersion},
                                      {"libtorch", m.libtorchVersion},
                                      {"blas", m.blas}});
  toml::table run{{"id", m.runId},           {"pipeline", m.pipeline},
                  {"pipeline_file", m.pipelineFile}, {"seed", m.seed},
                  {"threads", m.threads},    {"processes", m.processes}, {"kernels", m.kernels},
                  {"status", m.status},      {"drift_override", stringArray(m.driftOverride)}};
  if (!m.startedAt.empty())
    run.insert_or_assign("started_at", m.startedAt);
  if (!m.finishedAt.empty())
    run.insert_or_assign("finished_at", m.finishedAt);
  text += section("run", std::move(run));
  if (!m.inputs.empty())
    text += section("input", fileArray(m.inputs, true));
  if (!m.outputs.empty())
    text += section("output", fileArray(m.outputs, false));
  if (!m.configJson.empty()) {
    nlohmann::json config = nlohmann::json::parse(m.configJson, nullptr, false);
    if (config.is_object())
      text += section("config", jsonToToml(config));
  }
  if (const auto &p = m.privacy)
    text += section("privacy", toml::table{{"epsilon", p->epsilon},
                                           {"delta", p->delta},
                                           {"noise_multiplier", p->noiseMultiplier},
                                           {"sample_rate", p->sampleRate},
                                           {"steps", p->steps},
                                           {"accountant", p->accountant},
                                           {"secure_rng", p->secureRng}});
  if (!m.allowPiiReasons.empty())
    text += section("waivers", toml::table{{"allow_pii", stringArray(m.allowPiiReasons)}});
  text.resize(text.size() - 1); // one newline at the end
  return text;
}

bool writeManifest(const std::string &path, const Manifest &manifest, std::string *error) {
  return writeFileAtomically(path, formatManifest(manifest), error);
}

std::optional<Manifest> parseManifest(const std::string &text, const std::string &name,
                                      std::string *error) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(name));
  } catch (const toml::parse_error &e) {
    if (error)
      *error = std::to_string(e.source().begin.line) + ":" +
               std::to_string(e.source().begin.column) + ": " + std::string(e.description());
    return std::nullopt;
  }
  toml::node_view<const toml::node> doc(static_cast<const toml::node *>(&root));
  if (!doc["run"].is_table()) {
    if (error)
      *error = "not a run manifest: it has no [run] section";
    return std::nullopt;
  }
  Manifest m;
  m.ftpcVersion = str(doc["ftpc"]["version"]);
  m.mlirVersion = str(doc["ftpc"]["mlir"]);
  m.libtorchVersion = str(doc["ftpc"]["libtorch"]);
  m.blas = str(doc["ftpc"]["blas"]);
  auto run = doc["run"];
  m.runId = str(run["id"]);
  m.pipeline = str(run["pipeline"]);
  m.pipelineFile = str(run["pipeline_file"]);
  m.seed = run["seed"].value_or(int64_t(0));
  m.threads = run["threads"].value_or(int64_t(0));
  m.processes = run["processes"].value_or(int64_t(1));
  m.kernels = str(run["kernels"]);
  m.startedAt = str(run["started_at"]);
  m.finishedAt = str(run["finished_at"]);
  m.status = str(run["status"]);
  if (const toml::array *drift = run["drift_override"].as_array())
    for (const toml::node &file : *drift)
      m.driftOverride.push_back(file.value_or(std::string()));
  m.inputs = readFiles(doc["input"]);
  m.outputs = readFiles(doc["output"]);
  if (const toml::table *config = doc["config"].as_table())
    m.configJson = tomlToJson(*config).dump();
  if (doc["privacy"].is_table()) {
    auto p = doc["privacy"];
    m.privacy = PrivacyRecord{p["epsilon"].value_or(0.0),          p["delta"].value_or(0.0),
                              p["noise_multiplier"].value_or(0.0), p["sample_rate"].value_or(0.0),
                              p["steps"].value_or(int64_t(0)),     str(p["accountant"]),
                              p["secure_rng"].value_or(false)};
  }
  if (const toml::array *reasons = doc["waivers"]["allow_pii"].as_array())
    for (const toml::node &reason : *reasons)
      m.allowPiiReasons.push_back(reason.value_or(std::string()));
  return m;
}

std::optional<Manifest> readManifest(const std::string &path, std::string *error) {
  auto text = readFile(path, error);
  if (!text)
    return std::nullopt;
  return parseManifest(*text, path, error);
}

std::optional<ManifestFile> hashInput(const std::string &path, const std::string &role,
                                      std::string *error, unsigned threads) {
  auto names = listInputFiles(path, role, error);
  if (!names)
    return std::nullopt;
  std::error_code ec;
  bool folder = fs::is_directory(path, ec);
  std::string base = inputBase(path);
  std::vector<std::string> paths;
  for (const std::string &name : *names)
    paths.push_back((fs::path(base) / name).string());
  ManifestFile file{path, role, folder ? "folder" : "file", "", 0, names->size()};
  std::vector<std::string> digests;
  for (FileDigest &digest : hashFiles(paths, threads)) {
    if (digest.sha256.empty()) {
      if (error)
        *error = digest.path + ": " + digest.error;
      return std::nullopt;
    }
    file.bytes += digest.bytes;
    digests.push_back(std::move(digest.sha256));
  }
  file.sha256 = folder ? treeHash(*names, digests) : digests.front();
  return file;
}

std::optional<ManifestFile> hashOutput(const std::string &runDir, const std::string &relativePath,
                                       std::string *error) {
  ManifestFile file;
  file.path = relativePath;
  auto digest = sha256FileHex((fs::path(runDir) / relativePath).string(), error, &file.bytes);
  if (!digest)
    return std::nullopt;
  file.sha256 = *digest;
  return file;
}

std::string utcTimestamp() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

} // namespace ftp::record
