//===- Lora.cpp - low-rank adapters on a model's Linear layers ------------------===//
//
// applyLora adds adapters in place (Linear::enableLora), so the module tree, and with it the
// parameter names, stay HF's plus `.lora_A.weight` / `.lora_B.weight` as PEFT names them.
// Targets are matched against each Linear's own name (`query`) or a dotted suffix of its path
// (`attention.self.query`); the classification head (classifier, pooler, score) is never a
// target and stays trainable.
//
//===----------------------------------------------------------------------------------------===//

#include "model/Layers.h"
#include "model/ModelImpl.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <set>

namespace ftp::model {
namespace {

bool startsWithAny(const std::string &s, const std::vector<std::string> &prefixes) {
  for (const auto &p : prefixes)
    if (s.compare(0, p.size(), p) == 0)
      return true;
  return false;
}

bool matches(const std::string &layer, const std::string &target) {
  if (layer == target)
    return true;
  return layer.size() > target.size() &&
         layer.compare(layer.size() - target.size(), target.size(), target) == 0 &&
         layer[layer.size() - target.size() - 1] == '.';
}

size_t editDistance(const std::string &a, const std::string &b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string shortName(const std::string &path) {
  size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}

} // namespace

void applyLora(TransformerModel &base, const LoraSpec &spec, uint64_t seed) {
  auto *model = dynamic_cast<HfModel *>(&base);
  if (!model)
    throw ModelError("applyLora: the model was not loaded by ftpc's model loaders");
  if (model->hasLora)
    throw ModelError("applyLora: the model already has LoRA adapters");
  if (spec.rank <= 0 || !(spec.alpha > 0) || !(spec.dropout >= 0 && spec.dropout < 1))
    throw ModelError("LoRA needs rank > 0, alpha > 0 and dropout in [0, 1); got rank " +
                     std::to_string(spec.rank) + ", alpha " + std::to_string(spec.alpha) +
                     ", dropout " + std::to_string(spec.dropout));
  if (spec.targets.empty())
    throw ModelError("LoRA needs at least one target module (e.g. `query`, `value`, `c_attn`)");

  std::vector<std::string> head = model->headPrefixes();
  for (const auto &p : model->optionalHeadPrefixes())
    head.push_back(p);
  std::vector<std::pair<std::string, Linear *>> linears;
  std::set<std::string> known; // short names, for the did-you-mean
  for (const LayerRef &ref : layersOf(*model)) {
    auto *linear = dynamic_cast<Linear *>(ref.layer);
    if (!linear || startsWithAny(ref.name + ".", head))
      continue;
    linears.emplace_back(ref.name, linear);
    known.insert(shortName(ref.name));
  }

  std::vector<Linear *> chosen;
  for (const auto &target : spec.targets) {
    size_t before = chosen.size();
    for (const auto &[name, linear] : linears)
      if (matches(name, target) && std::find(chosen.begin(), chosen.end(), linear) == chosen.end())
        chosen.push_back(linear);
    if (chosen.size() != before)
      continue;
    std::string best;
    size_t bestDistance = 3; // suggest only at edit distance < 3
    for (const auto &name : known)
      if (size_t d = editDistance(target, name); d < bestDistance)
        best = name, bestDistance = d;
    std::string all;
    for (const auto &name : known)
      all += (all.empty() ? "`" : ", `") + name + "`";
    throw ModelError("unknown LoRA target `" + target + "`" +
                     (best.empty() ? "" : "; did you mean `" + best + "`?") +
                     " (linear layers of this " + model->config.modelType + " model: " + all + ")");
  }

  for (auto &param : model->parameters(/*recurse=*/true))
    param.set_requires_grad(false);
  at::Generator generator = at::detail::createCPUGenerator(seed);
  // The order of `linears` is the module order, so the draws are the same every run.
  for (const auto &[name, linear] : linears)
    if (std::find(chosen.begin(), chosen.end(), linear) != chosen.end())
      linear->enableLora(spec.rank, spec.alpha, spec.dropout, generator);
  for (auto &param : model->named_parameters(/*recurse=*/true))
    if (startsWithAny(param.key(), head))
      param.value().set_requires_grad(true);
  model->hasLora = true;
  model->lora = spec;
  model->train(model->is_training()); // the new adapter modules take the model's mode
}

} // namespace ftp::model
