//===- CheckPrivacy.cpp - the privacy budget, derived and checked before running ---===//
//
// For `privacy dp_sgd(...)` in a finetune block: N is the number of training examples after every
// transform (DatasetSize.cpp), the sample rate of Poisson sampling is q = batch / N, an epoch is
// ceil(N / batch) steps, and T = epochs · ceil(N / batch) (or `steps`). Then the RDP accountant
// calibrates the noise multiplier for the requested ε, or computes ε for the given one. A budget
// that cannot be met, or a δ that is not below 1/N, is an error at the privacy line.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/sema/Checker.h"

#include "ftp/privacy/RdpAccountant.h"

#include <fmt/format.h>

#include <cmath>

namespace ftp::lang {

void Checker::checkPrivacy(CheckedStage &stage, const CheckedPipeline &out) {
  Value *privacy = nullptr;
  for (auto &[name, value] : stage.options.fields)
    if (name == "privacy" && value.kind == Value::Kind::Record)
      privacy = &value;
  if (!privacy)
    return;
  auto symbol = symbols_.find(stage.data.dataset);
  if (symbol == symbols_.end() || symbol->second.broken)
    return;
  const CheckedDataset &data = out.datasets[symbol->second.index];
  std::string dataName = stage.data.split.empty() ? stage.data.dataset
                                                  : stage.data.dataset + "." + stage.data.split;
  SourceRange where = privacy->range;

  // Taint: text that has not passed `deidentify` (or an explicit `allow_pii`) must not reach
  // private training. The path is spelled out so the reader sees how the text gets there.
  bool cleaned = false;
  std::string path = data.source.text + "(...)";
  for (const Value &transform : data.transforms) {
    path += " | " + transform.text;
    if (transform.text == "deidentify" || transform.text == "allow_pii")
      cleaned = true;
  }
  if (!cleaned)
    diagnostics_
        ->report(stage.data.range, DiagKind::TaintedText,
                 fmt::format("`{}` = {} -> finetune {}", stage.data.dataset, path, stage.model),
                 stage.data.dataset)
        .note(data.range, DiagKind::DefinedHere, stage.data.dataset);
  if (!options_.checkFilesystem)
    return; // the budget needs the data's size

  std::optional<int64_t> examples;
  if (!data.size) {
    diagnostics_->report(where, DiagKind::PrivacyDeferred, dataName, data.sizeUnknownBecause);
    return;
  }
  if (stage.data.split.empty()) {
    examples = data.size;
  } else {
    for (const auto &[part, count] : data.splitSizes)
      if (part == stage.data.split)
        examples = count;
  }
  if (!examples)
    return; // an unknown split was reported already
  if (*examples == 0) {
    diagnostics_->report(where, DiagKind::PrivacyBudget,
                         fmt::format("`{}` has no examples, so there is nothing to train on "
                                     "privately",
                                     dataName));
    return;
  }

  PrivacyBudget budget;
  budget.examples = *examples;
  const Value *batch = stage.options.field("batch");
  budget.batch = batch ? batch->integer : 32;
  budget.sampleRate = std::min(1.0, static_cast<double>(budget.batch) / budget.examples);
  int64_t stepsPerEpoch = (budget.examples + budget.batch - 1) / budget.batch;
  if (const Value *steps = stage.options.field("steps"))
    budget.steps = steps->integer;
  else if (const Value *epochs = stage.options.field("epochs"))
    budget.steps = epochs->integer * stepsPerEpoch;
  else
    return; // `missing-option` was reported

  const Value *delta = privacy->field("delta");
  budget.delta = delta->number;
  if (budget.delta >= 1.0 / budget.examples) {
    // Suggest a round δ at least ten times below 1/N.
    double suggestion = std::pow(10.0, std::floor(std::log10(1.0 / budget.examples)) - 1);
    diagnostics_->report(delta->range.valid() ? delta->range : where, DiagKind::PrivacyDelta,
                         fmt::format("{}", budget.delta), fmt::format("{:.3g}", 1.0 / budget.examples),
                         budget.examples, dataName, fmt::format("{:g}", suggestion));
    return;
  }

  auto derived = [](double number) {
    Value v;
    v.kind = Value::Kind::Number;
    v.number = number;
    v.derived = true;
    return v;
  };
  auto derivedInteger = [](int64_t integer) {
    Value v;
    v.kind = Value::Kind::Integer;
    v.integer = integer;
    v.number = static_cast<double>(integer);
    v.derived = true;
    return v;
  };
  if (const Value *epsilon = privacy->field("epsilon")) {
    budget.epsilon = epsilon->number;
    auto sigma = privacy::calibrateNoise(budget.sampleRate, budget.steps, budget.delta,
                                         budget.epsilon);
    if (!sigma) {
      diagnostics_->report(
          epsilon->range.valid() ? epsilon->range : where, DiagKind::PrivacyBudget,
          fmt::format("ε = {} cannot be met: with q = {:.4g} ({} of {} examples per step), {} "
                      "steps and δ = {}, even a noise multiplier of 10000 gives more; train fewer "
                      "steps, use larger batches or allow a larger ε",
                      budget.epsilon, budget.sampleRate, budget.batch, budget.examples,
                      budget.steps, budget.delta));
      return;
    }
    budget.noiseMultiplier = *sigma;
    budget.epsilon =
        privacy::epsilon(budget.sampleRate, *sigma, budget.steps, budget.delta).epsilon;
    budget.calibrated = true;
    privacy->fields.push_back({"noise_multiplier", derived(budget.noiseMultiplier)});
  } else if (const Value *sigma = privacy->field("noise_multiplier")) {
    budget.noiseMultiplier = sigma->number;
    budget.epsilon =
        privacy::epsilon(budget.sampleRate, budget.noiseMultiplier, budget.steps, budget.delta)
            .epsilon;
    privacy->fields.push_back({"epsilon", derived(budget.epsilon)});
  } else {
    return; // `missing-one-of` was reported
  }
  privacy->fields.push_back({"examples", derivedInteger(budget.examples)});
  privacy->fields.push_back({"sample_rate", derived(budget.sampleRate)});
  privacy->fields.push_back({"steps", derivedInteger(budget.steps)});
  stage.privacy = budget;
}

} // namespace ftp::lang
