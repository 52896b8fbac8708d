//===- Weights.cpp - loading models and their weights by HuggingFace name -------===//

#include "model/Layers.h"
#include "model/ModelImpl.h"

#include "ftp/runtime/Checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace ftp::model {
namespace {

bool startsWith(const std::string &s, const std::string &prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool startsWithAny(const std::string &s, const std::vector<std::string> &prefixes) {
  for (const auto &p : prefixes)
    if (startsWith(s, p))
      return true;
  return false;
}

/// "a, b, c (and 7 more)" with names in backticks.
std::string listNames(const std::vector<std::string> &names) {
  std::string out;
  size_t shown = std::min<size_t>(names.size(), 6);
  for (size_t i = 0; i < shown; ++i)
    out += (i ? ", `" : "`") + names[i] + "`";
  if (names.size() > shown)
    out += " (and " + std::to_string(names.size() - shown) + " more)";
  return out;
}

std::string shapeText(at::IntArrayRef sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i)
    out += (i ? ", " : "") + std::to_string(sizes[i]);
  return out + "]";
}

/// Tensors a checkpoint may hold that no ftpc model uses: buffers (BERT's position_ids, GPT-2's
/// attention-mask constants), pretraining heads, HF's tied lm_head, a pooler a model without one
/// does not need; and, for a fresh head, the old task head.
bool ignorable(const std::string &name, HeadSource head) {
  if (endsWith(name, "position_ids") || endsWith(name, ".attn.bias") ||
      endsWith(name, ".attn.masked_bias"))
    return true;
  if (startsWithAny(name, {"cls.", "lm_head.", "pooler.", "bert.pooler.", "roberta.pooler."}))
    return true;
  return head == HeadSource::Initialise && startsWithAny(name, {"classifier.", "score."});
}

/// The checkpoint names parameter `name` may have: as is, without the backbone prefix, and with
/// the legacy LayerNorm names (gamma, beta) of old BERT checkpoints.
std::vector<std::string> candidates(const std::string &name, const std::string &backbone) {
  std::vector<std::string> names{name};
  if (startsWith(name, backbone + "."))
    names.push_back(name.substr(backbone.size() + 1));
  if (name.find("LayerNorm.") != std::string::npos) {
    for (size_t i = 0, n = names.size(); i < n; ++i) {
      if (endsWith(names[i], ".weight"))
        names.push_back(names[i].substr(0, names[i].size() - 6) + "gamma");
      else if (endsWith(names[i], ".bias"))
        names.push_back(names[i].substr(0, names[i].size() - 4) + "beta");
    }
  }
  return names;
}

std::filesystem::path checkpointFile(const std::filesystem::path &dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "model.safetensors", ec))
    return dir / "model.safetensors";
  return dir / "pytorch_model.bin";
}

} // namespace

void HfModel::initHead(uint64_t seed) {
  at::Generator generator = at::detail::createCPUGenerator(seed);
  torch::NoGradGuard noGrad;
  std::vector<std::string> prefixes = headPrefixes();
  for (const auto &p : optionalHeadPrefixes())
    prefixes.push_back(p);
  for (auto &param : named_parameters(/*recurse=*/true)) {
    if (!startsWithAny(param.key(), prefixes))
      continue;
    if (param.value().dim() >= 2)
      param.value().normal_(0.0, 0.02, generator);
    else
      param.value().zero_();
  }
}

void HfModel::initAll(uint64_t seed) {
  at::Generator generator = at::detail::createCPUGenerator(seed);
  torch::NoGradGuard noGrad;
  double range = 0.02;
  if (config.raw.is_object() && config.raw.contains("initializer_range") &&
      config.raw["initializer_range"].is_number())
    range = config.raw["initializer_range"].get<double>();
  if (!(range > 0))
    throw ModelError(config.path.string() + ": `initializer_range` must be positive");
  double residual = range / std::sqrt(2.0 * static_cast<double>(std::max<int64_t>(config.numLayers, 1)));
  std::set<const void *> drawn;
  for (const LayerRef &ref : layersOf(*this)) {
    for (const auto &[name, param] : ref.params) {
      at::Tensor value = param;
      if (ref.kind == LayerKind::LayerNorm)
        name == "weight" ? value.fill_(1.0) : value.zero_();
      else if (name == "bias")
        value.zero_();
      else if (config.isGpt2() && endsWith(ref.name, "c_proj"))
        value.normal_(0.0, residual, generator);
      else
        value.normal_(0.0, range, generator);
      drawn.insert(value.unsafeGetTensorImpl());
    }
    if (ref.kind == LayerKind::Embedding && config.isBert() && config.padTokenId >= 0 &&
        endsWith(ref.name, "word_embeddings"))
      for (const auto &[name, param] : ref.params)
        if (name == "weight" && config.padTokenId < param.size(0))
          param[config.padTokenId].zero_();
  }
  for (const auto &param : named_parameters(/*recurse=*/true))
    if (!drawn.count(param.value().unsafeGetTensorImpl()))
      throw ModelError("internal: parameter `" + param.key() + "` belongs to no layer, so a random "
                       "initialization would leave it zero");
}

void loadWeights(HfModel &model, const std::map<std::string, at::Tensor> &checkpoint,
                 const std::string &file, HeadSource head) {
  torch::NoGradGuard noGrad;
  std::set<std::string> used;
  std::vector<std::string> missing;
  std::string backbone = model.backboneName();
  for (auto &param : model.named_parameters(/*recurse=*/true)) {
    const std::string &name = param.key();
    bool fresh = head == HeadSource::Initialise && startsWithAny(name, model.headPrefixes());
    if (fresh)
      continue;
    const at::Tensor *found = nullptr;
    std::string foundName;
    for (const auto &candidate : candidates(name, backbone)) {
      auto it = checkpoint.find(candidate);
      if (it != checkpoint.end()) {
        found = &it->second;
        foundName = candidate;
        break;
      }
    }
    if (!found) {
      // A pooler the checkpoint lacks keeps the values initHead drew.
      if (!(head == HeadSource::Initialise && startsWithAny(name, model.optionalHeadPrefixes())))
        missing.push_back(name);
      continue;
    }
    if (!found->sizes().equals(param.value().sizes()))
      throw ModelError(file + ": tensor `" + foundName + "` has shape " + shapeText(found->sizes()) +
                       ", but the model (" + model.config.path.string() + ") needs " +
                       shapeText(param.value().sizes()));
    if (!at::isFloatingType(found->scalar_type()))
      throw ModelError(file + ": tensor `" + foundName + "` is not floating-point");
    param.value().copy_(found->to(param.value().scalar_type()));
    used.insert(foundName);
  }
  if (!missing.empty())
    throw ModelError(file + ": missing " + std::to_string(missing.size()) + " tensor" +
                     (missing.size() == 1 ? "" : "s") + " the model needs: " + listNames(missing));
  std::vector<std::string> unexpected;
  for (const auto &[name, tensor] : checkpoint)
    if (!used.count(name) && !ignorable(name, head))
      unexpected.push_back(name);
  if (!unexpected.empty())
    throw ModelError(file + ": unexpected tensor" + (unexpected.size() == 1 ? " " : "s ") +
                     listNames(unexpected) + " (not part of a `" + model.config.modelType +
                     "` " + model.architecture() + ")");
}

std::map<std::string, at::Tensor> exportTensors(HfModel &model, bool mergeLora) {
  std::map<std::string, at::Tensor> out;
  std::set<std::string> skip;
  if (mergeLora) {
    for (const LayerRef &ref : layersOf(model)) {
      auto *linear = dynamic_cast<Linear *>(ref.layer);
      if (!linear || !linear->hasLora())
        continue;
      out[ref.name + ".weight"] = linear->mergedWeight();
      skip.insert(ref.name + ".lora_A.weight");
      skip.insert(ref.name + ".lora_B.weight");
    }
  }
  for (const auto &param : model.named_parameters(/*recurse=*/true))
    if (!out.count(param.key()) && !skip.count(param.key()))
      out[param.key()] = param.value().detach();
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> TransformerModel::trainableParameters() {
  std::vector<std::pair<std::string, torch::Tensor>> params;
  for (const auto &param : named_parameters(/*recurse=*/true))
    if (param.value().requires_grad())
      params.emplace_back(param.key(), param.value());
  return params;
}

std::map<std::string, at::Tensor> readCheckpoint(const std::filesystem::path &dir) {
  std::string error;
  auto tensors = runtime::loadCheckpoint(dir.string(), &error);
  if (!tensors)
    throw ModelError(error);
  return std::move(*tensors);
}

std::shared_ptr<TransformerModel> loadSequenceClassifier(const std::filesystem::path &dir,
                                                         const std::vector<std::string> &labels,
                                                         Pooling pooling, double dropout,
                                                         uint64_t seed, StartFrom from) {
  HfConfig config = parseHfConfig(dir);
  if (labels.size() < 2)
    throw ModelError(dir.string() + ": a classifier needs at least two labels, got " +
                     std::to_string(labels.size()));
  if (!(dropout >= 0 && dropout < 1))
    throw ModelError("classifier dropout must be in [0, 1), got " + std::to_string(dropout));
  std::shared_ptr<HfModel> model = config.isGpt2()
                                       ? makeGpt2Classifier(config, labels.size(), pooling, dropout)
                                       : makeBertClassifier(config, labels.size(), pooling, dropout);
  model->labels = labels;
  if (from == StartFrom::Random) {
    model->initAll(seed);
  } else {
    model->initHead(seed);
    loadWeights(*model, readCheckpoint(dir), checkpointFile(dir).string(), HeadSource::Initialise);
  }
  model->eval();
  return model;
}

std::shared_ptr<TransformerModel> loadCausalLm(const std::filesystem::path &dir, StartFrom from,
                                               uint64_t seed) {
  HfConfig config = parseHfConfig(dir);
  if (!config.isGpt2())
    throw ModelError(config.path.string() + ": model_type `" + config.modelType +
                     "` is not a causal language model (supported: `gpt2`)");
  std::shared_ptr<HfModel> model = makeGpt2LmHead(config);
  if (from == StartFrom::Random)
    model->initAll(seed);
  else
    loadWeights(*model, readCheckpoint(dir), checkpointFile(dir).string(), HeadSource::Checkpoint);
  model->eval();
  return model;
}

} // namespace ftp::model
