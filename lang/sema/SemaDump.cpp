//===- SemaDump.cpp - `ftpc --emit=sema` ----------------------------------------===//

#include "lang/sema/SemaDump.h"

#include <fmt/format.h>

namespace ftp::lang {

std::string formatValue(const Value &value) {
  switch (value.kind) {
  case Value::Kind::Integer:
    return std::to_string(value.integer);
  case Value::Kind::Number:
    return fmt::format("{}", value.number);
  case Value::Kind::Bool:
    return value.boolean ? "true" : "false";
  case Value::Kind::String:
    return fmt::format("\"{}\"", value.text);
  case Value::Kind::Word:
  case Value::Kind::Ref:
    return value.text;
  case Value::Kind::Quantity:
    if (value.text == "%")
      return fmt::format("{}%", value.number);
    // `1 epoch`, `2 epochs`, `500 steps`
    return fmt::format("{} {}", value.integer,
                       value.integer == 1 && value.text.back() == 's'
                           ? value.text.substr(0, value.text.size() - 1)
                           : value.text);
  case Value::Kind::List: {
    std::string out = "[";
    for (size_t i = 0; i < value.fields.size(); ++i)
      out += (i ? ", " : "") + formatValue(value.fields[i].second);
    return out + "]";
  }
  case Value::Kind::Map: {
    std::string out = "{";
    for (size_t i = 0; i < value.fields.size(); ++i)
      out += fmt::format("{}\"{}\": {}", i ? ", " : "", value.fields[i].first,
                         formatValue(value.fields[i].second));
    return out + "}";
  }
  case Value::Kind::Record: {
    std::string out = value.text + "(";
    for (size_t i = 0; i < value.fields.size(); ++i)
      out += fmt::format("{}{}: {}", i ? ", " : "", value.fields[i].first,
                         formatValue(value.fields[i].second));
    return out + ")";
  }
  }
  return "?";
}

std::string formatPrivacyBudget(const PrivacyBudget &b) {
  return fmt::format("DP-SGD with Poisson sampling: N = {} training examples, q = {}/{} = {:.5g}, "
                     "T = {} steps, noise multiplier {:.4g}{} -> epsilon = {:.4g} at delta = {:g} "
                     "({} accountant)",
                     b.examples, b.batch, b.examples, b.sampleRate, b.steps, b.noiseMultiplier,
                     b.calibrated ? " (calibrated)" : "", b.epsilon, b.delta,
                     b.accountant == "prv" ? "PRV" : "RDP");
}

namespace {

void dumpOptions(const Value &options, int depth, std::ostream &out) {
  std::string indent(2 * depth, ' ');
  for (const auto &[name, value] : options.fields) {
    // Blocks (records of options such as `robustness` or `validate`) print nested.
    bool block = value.kind == Value::Kind::Record &&
                 (name == "robustness" || name == "validate" || name == "checkpoint");
    if (block) {
      out << indent << name << "\n";
      dumpOptions(value, depth + 1, out);
      continue;
    }
    out << indent << name << " = " << formatValue(value) << (value.fromDefault ? "  # default" : "")
        << "\n";
  }
}

std::string useText(const DatasetUse &use) {
  return use.split.empty() ? use.dataset : use.dataset + "." + use.split;
}

} // namespace

void dumpChecked(const CheckedProgram &program, std::ostream &out) {
  for (const CheckedPipeline &pipeline : program.pipelines) {
    out << "pipeline " << pipeline.name << "\n";
    dumpOptions(pipeline.options, 1, out);
    for (const CheckedDataset &data : pipeline.datasets) {
      out << "  data " << data.name << "\n";
      out << "    source = " << formatValue(data.source) << "\n";
      if (!data.resolvedPath.empty())
        out << "    resolved = " << data.resolvedPath << "\n";
      for (const Value &transform : data.transforms)
        out << "    | " << formatValue(transform) << "\n";
      std::string labels;
      for (const std::string &label : data.labels)
        labels += (labels.empty() ? "" : ", ") + label;
      out << "    labels = [" << labels << "]" << (data.labels.empty() ? "  # checked per row" : "")
          << "\n";
      for (const auto &[name, fraction] : data.splits)
        out << fmt::format("    split {} = {}\n", name, fraction);
    }
    for (const CheckedModel &model : pipeline.models) {
      out << "  model " << model.name << (model.isDecoder ? " (decoder)" : " (encoder)") << "\n";
      out << "    base = " << formatValue(model.base) << "\n";
      if (!model.resolvedPath.empty())
        out << "    resolved = " << model.resolvedPath << "\n";
      if (!model.modelType.empty())
        out << fmt::format("    config = model_type {}, {} positions\n", model.modelType,
                           model.maxPositions);
      if (model.classifier)
        out << "    | " << formatValue(*model.classifier) << "\n";
      if (model.lora)
        out << "    | " << formatValue(*model.lora) << "\n";
    }
    for (const CheckedStage &stage : pipeline.stages) {
      switch (stage.kind) {
      case CheckedStage::Kind::Finetune:
        out << "  finetune " << stage.model << " on " << useText(stage.data) << "\n";
        break;
      case CheckedStage::Kind::Evaluate:
        out << "  evaluate " << stage.model << " on " << useText(stage.data) << "\n";
        break;
      case CheckedStage::Kind::Export:
        out << "  export " << stage.model << " to " << stage.exportPath << "\n";
        break;
      }
      dumpOptions(stage.options, 2, out);
      if (stage.privacy)
        out << "    # " << formatPrivacyBudget(*stage.privacy) << "\n";
    }
  }
}

} // namespace ftp::lang
