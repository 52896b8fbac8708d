//===- CheckPrivacy.cpp - the privacy budget, derived and checked before running ---===//
//
// For `privacy dp_sgd(...)` in a finetune block: N is the number of training examples after every
// transform (DatasetSize.cpp), the sample rate of Poisson sampling is q = batch / N, an epoch is
// ceil(N / batch) steps, and T = epochs · ceil(N / batch) (or `steps`). Then the accountant the
// program names (RDP by default, or PRV) calibrates the noise multiplier for the requested ε, or
// computes ε for the given one. A budget that cannot be met, or a δ that is not below 1/N, is an
// error at the privacy line.
//
//===----------------------------------------------------------------------------------------===//

#include "lang/sema/Checker.h"

#include "ftp/privacy/PrvAccountant.h"
#include "ftp/privacy/RdpAccountant.h"

#include <fmt/format.h>

#include <cmath>

namespace ftp::lang {

namespace {

// Values the checker adds to the privacy record (shown by --emit=sema, passed on in the plan).
Value derivedNumber(double number) {
  Value v;
  v.kind = Value::Kind::Number;
  v.number = number;
  v.derived = true;
  return v;
}

Value derivedInteger(int64_t integer) {
  Value v;
  v.kind = Value::Kind::Integer;
  v.integer = integer;
  v.number = static_cast<double>(integer);
  v.derived = true;
  return v;
}

} // namespace

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

  if (const Value *accountant = privacy->field("accountant"))
    budget.accountant = accountant->text;
  bool prv = budget.accountant == "prv";
  // ε of σ after the budget's steps, by the program's accountant (PRV: its upper bound).
  auto epsilonOf = [&](double sigma) {
    return prv ? privacy::prvEpsilon(budget.sampleRate, sigma, budget.steps, budget.delta).upper
               : privacy::epsilon(budget.sampleRate, sigma, budget.steps, budget.delta).epsilon;
  };
  try {
    if (!accountBudget(*privacy, budget, where, epsilonOf))
      return;
  } catch (const privacy::PrvError &e) {
    const Value *accountant = privacy->field("accountant");
    diagnostics_->report(accountant && accountant->range.valid() ? accountant->range : where,
                         DiagKind::PrivacyBudget,
                         fmt::format("the PRV accountant cannot bound this budget (q = {:.4g}, T = {}, "
                                     "δ = {}): {}; use `accountant: rdp`",
                                     budget.sampleRate, budget.steps, budget.delta, e.what()));
    return;
  }
  privacy->fields.push_back({"examples", derivedInteger(budget.examples)});
  privacy->fields.push_back({"sample_rate", derivedNumber(budget.sampleRate)});
  privacy->fields.push_back({"steps", derivedInteger(budget.steps)});
  stage.privacy = budget;
}

// σ from the requested ε (calibrated) or ε from the given σ; false when a diagnostic was reported.
bool Checker::accountBudget(Value &privacy, PrivacyBudget &budget, SourceRange where,
                            const std::function<double(double)> &epsilonOf) {
  SourceRange at = where;
  if (const Value *epsilon = privacy.field("epsilon")) {
    budget.epsilon = epsilon->number;
    at = epsilon->range.valid() ? epsilon->range : where;
    auto sigma = budget.accountant == "prv"
                     ? privacy::prvCalibrateNoise(budget.sampleRate, budget.steps, budget.delta,
                                                  budget.epsilon)
                     : privacy::calibrateNoise(budget.sampleRate, budget.steps, budget.delta,
                                               budget.epsilon);
    if (!sigma) {
      diagnostics_->report(
          at, DiagKind::PrivacyBudget,
          fmt::format("ε = {} cannot be met: with q = {:.4g} ({} of {} examples per step), {} "
                      "steps and δ = {}, even a noise multiplier of 10000 gives more; train fewer "
                      "steps, use larger batches or allow a larger ε",
                      budget.epsilon, budget.sampleRate, budget.batch, budget.examples,
                      budget.steps, budget.delta));
      return false;
    }
    budget.noiseMultiplier = *sigma;
    budget.epsilon = epsilonOf(*sigma);
    budget.calibrated = true;
    privacy.fields.push_back({"noise_multiplier", derivedNumber(budget.noiseMultiplier)});
    return true;
  }
  if (const Value *sigma = privacy.field("noise_multiplier")) {
    budget.noiseMultiplier = sigma->number;
    budget.epsilon = epsilonOf(budget.noiseMultiplier);
    privacy.fields.push_back({"epsilon", derivedNumber(budget.epsilon)});
    return true;
  }
  return false; // `missing-one-of` was reported
}

} // namespace ftp::lang
