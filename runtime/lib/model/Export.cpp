//===- Export.cpp - writing and reloading HuggingFace model folders -------------===//
//
// An export is a folder transformers can load: the source's config.json with the task fields
// HF reads (architectures, id2label, label2id, num_labels, classifier_dropout), the tokenizer
// files, and model.safetensors under HF names. What transformers has no field for (mean pooling,
// unmerged LoRA adapters) goes into an `ftpc` section that loadExported reads back.
//
//===----------------------------------------------------------------------------------------===//

#include "model/ModelImpl.h"

#include "ftp/record/Files.h"
#include "ftp/runtime/Checkpoint.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

namespace ftp::model {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr int kExportFormatVersion = 1;

json exportConfig(const HfModel &model, bool mergeLora, int64_t maxLen) {
  json config = model.config.raw;
  config.erase("ftpc");
  config["architectures"] = json::array({model.architecture()});
  json ftpc = {{"format_version", kExportFormatVersion},
               {"task", model.isCausalLm() ? "causal_lm" : "sequence_classification"}};
  if (!model.labels.empty()) {
    json id2label = json::object(), label2id = json::object();
    for (size_t i = 0; i < model.labels.size(); ++i) {
      id2label[std::to_string(i)] = model.labels[i];
      label2id[model.labels[i]] = i;
    }
    config["id2label"] = id2label;
    config["label2id"] = label2id;
    config["num_labels"] = model.labels.size();
    config["classifier_dropout"] = model.headDropout;
    ftpc["pooling"] = model.pooling == Pooling::Cls ? "cls" : "mean";
  }
  if (maxLen > 0)
    ftpc["max_len"] = maxLen;
  if (model.hasLora && !mergeLora)
    ftpc["lora"] = {{"rank", model.lora.rank},
                    {"alpha", model.lora.alpha},
                    {"dropout", model.lora.dropout},
                    {"targets", model.lora.targets}};
  config["ftpc"] = ftpc;
  return config;
}

void writeText(const fs::path &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush())
    throw record::WriteError(path.string() + ": cannot write: " + std::strerror(errno));
}

/// Replaces `outDir` by `tmp` (a sibling): an existing export is moved aside first and removed
/// only after the new one is in place.
void moveIntoPlace(const fs::path &tmp, const fs::path &outDir) {
  std::error_code ec;
  if (!fs::exists(outDir, ec)) {
    fs::rename(tmp, outDir);
    return;
  }
  fs::path old = outDir.parent_path() / ("." + outDir.filename().string() + ".old-" +
                                         std::to_string(::getpid()));
  fs::rename(outDir, old);
  fs::rename(tmp, outDir);
  fs::remove_all(old, ec);
}

} // namespace

void exportHf(TransformerModel &base, const fs::path &sourceDir, const fs::path &outDirIn,
              bool mergeLora, int64_t maxLen) {
  auto *model = dynamic_cast<HfModel *>(&base);
  if (!model)
    throw ModelError("exportHf: the model was not loaded by ftpc's model loaders");
  fs::path outDir = fs::absolute(outDirIn).lexically_normal();
  if (outDir.filename().empty())
    outDir = outDir.parent_path();
  if (std::string why = record::whyExportWouldReplace(outDir.string()); !why.empty())
    throw ModelError(outDir.string() + ": an export replaces this folder as a whole, and " + why +
                     "; remove it or export elsewhere");
  fs::path tmp = outDir.parent_path() / ("." + outDir.filename().string() + ".tmp-" +
                                         std::to_string(::getpid()) + "-" +
                                         std::to_string(std::random_device{}()));
  try {
    fs::create_directories(tmp);
    writeText(tmp / "config.json", exportConfig(*model, mergeLora, maxLen).dump(2) + "\n");
    for (const std::string &name : record::tokenizerFileNames()) {
      std::error_code ec;
      if (fs::exists(sourceDir / name, ec))
        fs::copy_file(sourceDir / name, tmp / name);
    }
    std::string error;
    if (!runtime::saveSafetensors((tmp / "model.safetensors").string(),
                                  exportTensors(*model, mergeLora), {{"format", "pt"}}, &error))
      throw record::WriteError(outDir.string() + ": cannot write the export: " + error);
    moveIntoPlace(tmp, outDir);
  } catch (const fs::filesystem_error &e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw record::WriteError(outDir.string() + ": cannot write the export: " + e.code().message());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw;
  }
}

namespace {

std::shared_ptr<TransformerModel> loadExportedWith(const fs::path &dir, const HfConfig &config) {
  const json &raw = config.raw;
  json ftpc = raw.value("ftpc", json::object());
  std::string architecture;
  if (auto it = raw.find("architectures"); it != raw.end() && it->is_array() && !it->empty() &&
                                           (*it)[0].is_string())
    architecture = (*it)[0].get<std::string>();
  std::string task = ftpc.value("task", std::string());
  if (task.empty()) {
    const std::string suffix = "ForSequenceClassification";
    if (architecture.size() > suffix.size() &&
        architecture.compare(architecture.size() - suffix.size(), suffix.size(), suffix) == 0)
      task = "sequence_classification";
    else if (architecture == "GPT2LMHeadModel")
      task = "causal_lm";
    else
      throw ModelError(config.path.string() + ": neither an `ftpc` section nor `architectures` (`" +
                       architecture + "`) says whether this is a classifier or a language model");
  }

  std::shared_ptr<HfModel> model;
  if (task == "causal_lm") {
    if (!config.isGpt2())
      throw ModelError(config.path.string() + ": a causal LM export must be `gpt2`");
    model = makeGpt2LmHead(config);
  } else if (task == "sequence_classification") {
    // id2label keys are "0".."n-1"; labels come back in that order.
    auto id2label = raw.find("id2label");
    if (id2label == raw.end() || !id2label->is_object() || id2label->empty())
      throw ModelError(config.path.string() + ": a classifier export needs `id2label`");
    std::vector<std::string> labels(id2label->size());
    for (auto &[key, value] : id2label->items()) {
      size_t index = 0;
      try {
        index = std::stoul(key);
      } catch (...) {
        index = labels.size();
      }
      if (index >= labels.size() || !value.is_string() || !labels[index].empty())
        throw ModelError(config.path.string() + ": `id2label` must map 0..n-1 to label names");
      labels[index] = value.get<std::string>();
    }
    Pooling pooling = ftpc.value("pooling", std::string("cls")) == "mean" ? Pooling::Mean : Pooling::Cls;
    double dropout = config.hiddenDropout;
    if (auto it = raw.find("classifier_dropout"); it != raw.end() && it->is_number())
      dropout = it->get<double>();
    model = config.isGpt2() ? makeGpt2Classifier(config, labels.size(), pooling, dropout)
                            : makeBertClassifier(config, labels.size(), pooling, dropout);
    model->labels = labels;
  } else {
    throw ModelError(config.path.string() + ": unknown ftpc task `" + task + "`");
  }
  if (ftpc.contains("lora")) {
    const json &l = ftpc["lora"];
    LoraSpec spec;
    spec.rank = l.value("rank", int64_t(8));
    spec.alpha = l.value("alpha", 16.0);
    spec.dropout = l.value("dropout", 0.0);
    spec.targets = l.value("targets", std::vector<std::string>());
    applyLora(*model, spec, /*seed=*/0); // the adapters' values come from the checkpoint
  }
  fs::path file = fs::exists(dir / "model.safetensors") ? dir / "model.safetensors"
                                                        : dir / "pytorch_model.bin";
  loadWeights(*model, readCheckpoint(dir), file.string(), HeadSource::Checkpoint);
  model->eval();
  return model;
}

} // namespace

std::shared_ptr<TransformerModel> loadExported(const fs::path &dir) {
  HfConfig config = parseHfConfig(dir);
  try {
    return loadExportedWith(dir, config);
  } catch (const json::exception &e) { // a field of the wrong JSON type
    throw ModelError(config.path.string() + ": " + e.what());
  }
}

double verifyExport(TransformerModel &trained, const fs::path &dir, const torch::Tensor &ids,
                    const torch::Tensor &mask, double tolerance) {
  std::shared_ptr<TransformerModel> reloaded = loadExported(dir);
  bool wasTraining = trained.is_training();
  trained.eval();
  torch::NoGradGuard noGrad;
  torch::Tensor expected = trained.forward(ids, mask);
  torch::Tensor actual = reloaded->forward(ids, mask);
  if (wasTraining)
    trained.train();
  if (actual.sizes() != expected.sizes())
    throw ModelError(dir.string() + ": the export read back gives outputs of another shape than the model "
                                    "that wrote it");
  double diff = (actual - expected).abs().max().item<double>();
  if (!(diff <= tolerance)) {
    char text[160];
    std::snprintf(text, sizeof text, "its logits differ by up to %.3g (tolerance %g) on %lld examples", diff,
                  tolerance, static_cast<long long>(ids.size(0)));
    throw ModelError(dir.string() + ": the export does not reproduce the trained model: " + text);
  }
  return diff;
}

std::shared_ptr<TransformerModel> loadSavedClassifier(const fs::path &dir,
                                                      const std::vector<std::string> &labels,
                                                      Pooling pooling, double dropout) {
  std::shared_ptr<TransformerModel> loaded = loadExported(dir);
  auto *model = dynamic_cast<HfModel *>(loaded.get());
  if (!model || model->isCausalLm())
    throw ModelError(dir.string() + ": holds a language model, not a classifier");
  auto join = [](const std::vector<std::string> &names) {
    std::string out;
    for (const std::string &name : names)
      out += (out.empty() ? "" : ", ") + name;
    return "[" + out + "]";
  };
  if (model->labels != labels)
    throw ModelError(dir.string() + ": the saved classifier's labels are " + join(model->labels) +
                     ", the program's " + join(labels) + " (the folder changed after `ftpc check`?)");
  if (model->pooling != pooling)
    throw ModelError(dir.string() + ": the saved classifier pools differently from the program's "
                                    "(the folder changed after `ftpc check`?)");
  if (!(dropout >= 0 && dropout < 1))
    throw ModelError("classifier dropout must be in [0, 1), got " + std::to_string(dropout));
  model->headDropout = dropout;
  return loaded;
}

} // namespace ftp::model
