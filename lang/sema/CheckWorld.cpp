//===- CheckWorld.cpp - files, folders and model configs -------------------------===//
//
// The checks that look at the file system: inputs exist and are what they should be, the label
// patterns of a text folder cover every subfolder exactly once, and a model folder's config.json
// (and the tensor names in its safetensors header — not the weights) agree with the program.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/sema/Checker.h"

#include "lang/diag/Suggest.h"

#include "ftp/runtime/Safetensors.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fnmatch.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace ftp::lang {

std::optional<std::string> Checker::resolvePath(const Value &pathValue, PathRoot root,
                                                const std::string &user, bool wantDirectory) {
  std::string whyNot;
  uint32_t file = pathValue.range.valid() ? pathValue.range.begin.file : currentFile_;
  auto resolved = options_.resolvePath(pathValue.text, root, file, &whyNot);
  if (!resolved) {
    diagnostics_->report(pathValue.range, DiagKind::InputPathNotAllowed, pathValue.text, whyNot);
    return std::nullopt;
  }
  std::error_code error;
  auto status = fs::status(*resolved, error);
  if (!fs::exists(status)) {
    diagnostics_->report(pathValue.range, DiagKind::PathNotFound, pathValue.text, *resolved);
    return std::nullopt;
  }
  bool isDirectory = fs::is_directory(status);
  if (isDirectory != wantDirectory) {
    diagnostics_->report(pathValue.range, DiagKind::PathKind, pathValue.text,
                         isDirectory ? "folder" : "file", user, wantDirectory ? "folder" : "file");
    return std::nullopt;
  }
  return resolved;
}

// textfolder(path, labels: {"pattern": label, ...}): every subfolder matches exactly one pattern
// (or is mapped to `skip` on purpose), and every pattern matches some subfolder. Silently
// dropping a folder of data is the failure this prevents.
void Checker::checkTextFolder(const Value &source, const std::string &folder, const Expr &call,
                              CheckedDataset &dataset) {
  const Value *map = source.field("labels");
  if (!map)
    return;
  std::vector<std::string> subfolders;
  std::error_code error;
  for (const auto &entry : fs::directory_iterator(folder, error)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_directory(error))
      continue;
    subfolders.push_back(name);
  }
  std::sort(subfolders.begin(), subfolders.end());
  std::vector<bool> used(map->fields.size(), false);
  for (const std::string &sub : subfolders) {
    int first = -1;
    for (size_t i = 0; i < map->fields.size(); ++i) {
      if (fnmatch(map->fields[i].first.c_str(), sub.c_str(), FNM_PERIOD) != 0)
        continue;
      used[i] = true;
      if (first < 0) {
        first = static_cast<int>(i);
        continue;
      }
      diagnostics_->report(map->fields[i].second.range, DiagKind::AmbiguousLabelPattern, sub,
                           map->fields[first].first, map->fields[i].first);
    }
    if (first < 0)
      diagnostics_->report(map->range, DiagKind::UnlabeledFolder, sub);
  }
  // Reported by reportUnmatchedPatterns once the stages say how the data is used. A label no
  // folder carries is not one the data holds.
  for (size_t i = 0; i < map->fields.size(); ++i) {
    if (used[i])
      continue;
    const std::string &label = map->fields[i].second.text;
    bool labelEmpty = true;
    for (size_t j = 0; j < map->fields.size(); ++j)
      labelEmpty = labelEmpty && !(used[j] && map->fields[j].second.text == label);
    dataset.unmatchedPatterns.push_back(
        {map->fields[i].first, label, map->fields[i].second.range, labelEmpty});
    if (labelEmpty)
      dataset.labels.erase(std::remove(dataset.labels.begin(), dataset.labels.end(), label),
                           dataset.labels.end());
  }
  (void)call;
}

// A pattern that matches nothing is an error for data a model is trained or validated on (a class
// would silently be missing from training) and for unused data; data only evaluated on may lack a
// class (a folder of new legitimate mail), which is a warning.
void Checker::reportUnmatchedPatterns(const CheckedPipeline &out) {
  std::set<std::string> trained, evaluated;
  for (const CheckedStage &stage : out.stages) {
    if (stage.kind == CheckedStage::Kind::Evaluate)
      evaluated.insert(stage.data.dataset);
    if (stage.kind != CheckedStage::Kind::Finetune)
      continue;
    trained.insert(stage.data.dataset);
    if (const Value *validate = stage.options.field("validate"))
      if (const Value *data = validate->field("data"))
        trained.insert(data->text.substr(0, data->text.find('.')));
  }
  for (const CheckedDataset &dataset : out.datasets) {
    const Value *pathValue = dataset.source.field("path");
    if (dataset.unmatchedPatterns.empty() || !pathValue)
      continue; // (a source without a usable path was reported where it is written)
    bool onlyEvaluated = evaluated.count(dataset.name) && !trained.count(dataset.name);
    const std::string &path = pathValue->text;
    for (const auto &unmatched : dataset.unmatchedPatterns) {
      if (!onlyEvaluated)
        diagnostics_->report(unmatched.range, DiagKind::LabelPatternUnmatched, unmatched.pattern, path);
      else
        diagnostics_->report(unmatched.range, DiagKind::EmptyLabelPattern, unmatched.pattern, path,
                             dataset.name,
                             unmatched.labelEmpty
                                 ? fmt::format(", which then holds no `{}` examples: metrics that "
                                               "need them (such as `f1`) are reported as undefined",
                                               unmatched.label)
                                 : std::string());
    }
  }
}


namespace {

// The classifier head config.json describes, if any. The runtime's loader (loadExported) reads the
// same fields: labels from id2label in index order, pooling from the `ftpc` section.
std::optional<SavedHead> readSavedHead(const nlohmann::json &config, std::string *whyNone,
                                        std::string *whyMalformed) {
  const nlohmann::json *ftpc = config.contains("ftpc") && config["ftpc"].is_object() ? &config["ftpc"] : nullptr;
  std::string architecture;
  if (config.contains("architectures") && config["architectures"].is_array() &&
      !config["architectures"].empty() && config["architectures"][0].is_string())
    architecture = config["architectures"][0].get<std::string>();
  const std::string suffix = "ForSequenceClassification";
  bool hfClassifier = architecture.size() > suffix.size() &&
                      architecture.compare(architecture.size() - suffix.size(), suffix.size(), suffix) == 0;
  bool ftpcClassifier = ftpc && ftpc->value("task", "") == "sequence_classification";
  if (!ftpcClassifier && !(hfClassifier && !ftpc)) {
    *whyNone = ftpc ? "its config.json's `ftpc` section is not a classifier's"
               : architecture.empty()
                   ? "its config.json names no `architectures`"
                   : fmt::format("its config.json's architecture is `{}`, not a `*{}`", architecture, suffix);
    return std::nullopt;
  }
  auto id2label = config.find("id2label");
  if (id2label == config.end() || !id2label->is_object() || id2label->empty()) {
    *whyMalformed = "its config.json describes a classifier but has no `id2label`";
    return std::nullopt;
  }
  SavedHead head;
  head.labels.resize(id2label->size());
  for (const auto &[key, value] : id2label->items()) {
    size_t index = head.labels.size();
    if (!key.empty() && key.size() < 6 && std::all_of(key.begin(), key.end(), ::isdigit))
      index = std::stoul(key);
    if (index >= head.labels.size() || !value.is_string() || value.get<std::string>().empty() ||
        !head.labels[index].empty()) {
      *whyMalformed = "its config.json's `id2label` must map \"0\"..\"n-1\" to label names";
      return std::nullopt;
    }
    head.labels[index] = value.get<std::string>();
  }
  if (ftpc) {
    head.pooling = ftpc->value("pooling", std::string("cls"));
    head.unmergedLora = ftpc->contains("lora");
    if (ftpc->contains("max_len") && (*ftpc)["max_len"].is_number_integer())
      head.maxLen = (*ftpc)["max_len"].get<int64_t>();
  }
  return head;
}

} // namespace

void Checker::readModelConfig(const Stmt &stmt, CheckedModel &model) {
  const Value *pathValue = model.base.field("path");
  SourceRange where = pathValue ? pathValue->range : stmt.range;
  std::string configPath = (fs::path(model.resolvedPath) / "config.json").string();
  std::ifstream in(configPath);
  if (!in) {
    diagnostics_->report(where, DiagKind::ModelConfig, pathValue->text,
                         "it has no `config.json`; is it a HuggingFace model folder?");
    return;
  }
  auto config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object()) {
    diagnostics_->report(where, DiagKind::ModelConfig, pathValue->text,
                         "its `config.json` is not a JSON object");
    return;
  }
  model.modelType = config.value("model_type", "");
  // Exactly the architectures the runtime builds (runtime/lib/model): a model type the checker
  // let through would fail only when the run loads it.
  static const std::set<std::string> encoders = {"bert", "roberta"};
  static const std::set<std::string> decoders = {"gpt2"};
  bool known = encoders.count(model.modelType) || decoders.count(model.modelType);
  if (!known) {
    diagnostics_->report(where, DiagKind::ModelConfig, pathValue->text,
                         fmt::format("its `config.json` says `model_type` is `{}`; ftpc supports "
                                     "BERT-style encoders (`bert`, `roberta`) and GPT-2-style "
                                     "decoders (`gpt2`)",
                                     model.modelType));
    return;
  }
  if (decoders.count(model.modelType) && !model.isDecoder) {
    diagnostics_->report(where, DiagKind::ModelConfig, pathValue->text,
                         "it holds a GPT-2-style decoder; load it with `decoder(...)`");
    return;
  }
  if (encoders.count(model.modelType) && model.isDecoder) {
    diagnostics_->report(where, DiagKind::ModelConfig, pathValue->text,
                         fmt::format("it holds a `{}` encoder; load it with `encoder(...)`",
                                     model.modelType));
    return;
  }
  const char *positions = model.isDecoder ? "n_positions" : "max_position_embeddings";
  if (config.contains(positions) && config[positions].is_number_integer())
    model.maxPositions = config[positions].get<int64_t>();
  if (!model.isDecoder) {
    std::string whyMalformed;
    model.savedHead = readSavedHead(config, &model.whyNoSavedHead, &whyMalformed);
    if (!whyMalformed.empty())
      diagnostics_->report(where, DiagKind::ModelConfig, pathValue->text, whyMalformed);
  }
}

void Checker::checkLoraTargets(const Value &lora, const Expr &loraCall, const CheckedModel &model) {
  std::vector<std::string> modules;
  std::string safetensors = (fs::path(model.resolvedPath) / "model.safetensors").string();
  if (fs::exists(safetensors)) {
    // The runtime's validating reader maps the file; only the header is looked at, not the weights.
    std::string error;
    auto file = runtime::SafetensorsFile::open(safetensors, &error);
    std::vector<std::string> names;
    if (file)
      for (const auto &tensor : file->tensors())
        names.push_back(tensor.name);
    for (std::string name : names) {
      for (const char *suffix : {".weight", ".bias"})
        if (name.size() > std::strlen(suffix) &&
            name.compare(name.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
          name.resize(name.size() - std::strlen(suffix));
      modules.push_back(name);
    }
    if (!error.empty()) {
      diagnostics_->report(model.base.field("path")->range, DiagKind::ModelConfig,
                           model.base.field("path")->text,
                           "its `model.safetensors` is unreadable: " + error);
      return;
    }
  } else if (model.modelType == "gpt2") {
    modules = {"h.0.attn.c_attn", "h.0.attn.c_proj", "h.0.mlp.c_fc", "h.0.mlp.c_proj"};
  } else {
    modules = {"encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.key",
               "encoder.layer.0.attention.self.value", "encoder.layer.0.attention.output.dense",
               "encoder.layer.0.intermediate.dense", "encoder.layer.0.output.dense"};
  }
  // A target names modules by their last path components: `query` or `attention.self.query`.
  std::set<std::string> leaves;
  for (const std::string &module : modules)
    leaves.insert(module.substr(module.rfind('.') == std::string::npos ? 0 : module.rfind('.') + 1));
  const Value *targets = lora.field("targets");
  if (!targets)
    return;
  for (const auto &entry : targets->fields) {
    const std::string &target = entry.second.text;
    bool matched = std::any_of(modules.begin(), modules.end(), [&](const std::string &module) {
      return module == target ||
             (module.size() > target.size() &&
              module.compare(module.size() - target.size(), target.size(), target) == 0 &&
              module[module.size() - target.size() - 1] == '.');
    });
    if (!matched)
    {
      std::vector<std::string> names(leaves.begin(), leaves.end());
      auto report = diagnostics_->report(entry.second.range, DiagKind::UnknownLoraTarget, target,
                                         model.name, didYouMean(target, names));
      if (std::string match = closestMatch(target, names); !match.empty())
        report.fixit(entry.second.range, match);
    }
  }
  (void)loraCall;
}

} // namespace ftp::lang
