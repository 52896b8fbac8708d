//===- Plan.cpp - CheckedPipeline -> plan JSON ----------------------------------===//

#include "lang/plan/Plan.h"

namespace ftp::lang {

using nlohmann::json;

json valueToJson(const Value &value) {
  switch (value.kind) {
  case Value::Kind::Integer:
    return value.integer;
  case Value::Kind::Number:
    return value.number;
  case Value::Kind::Bool:
    return value.boolean;
  case Value::Kind::String:
  case Value::Kind::Word:
  case Value::Kind::Ref:
    return value.text;
  case Value::Kind::Quantity:
    if (value.text == "%")
      return json{{"value", value.number}, {"unit", "%"}};
    return json{{"value", value.integer}, {"unit", value.text}};
  case Value::Kind::List: {
    json out = json::array();
    for (const auto &field : value.fields)
      out.push_back(valueToJson(field.second));
    return out;
  }
  case Value::Kind::Map: {
    json out = json::object();
    for (const auto &[key, item] : value.fields)
      out[key] = valueToJson(item);
    return out;
  }
  case Value::Kind::Record: {
    json out = json::object();
    out["fn"] = value.text;
    for (const auto &[key, item] : value.fields)
      out[key] = valueToJson(item);
    return out;
  }
  }
  return nullptr;
}

namespace {

json datasetToJson(const CheckedDataset &data) {
  json out;
  out["name"] = data.name;
  out["source"] = valueToJson(data.source);
  out["resolved_path"] = data.resolvedPath;
  out["transforms"] = json::array();
  for (const Value &transform : data.transforms)
    out["transforms"].push_back(valueToJson(transform));
  out["labels"] = data.labels;
  out["splits"] = json::array();
  for (const auto &[name, fraction] : data.splits)
    out["splits"].push_back(json::array({name, fraction}));
  // What the checker counted, so the runtime can confirm it read the same data (the DP sample
  // rate was derived from these numbers).
  if (data.size) {
    out["checked_size"] = *data.size;
    json parts = json::object();
    for (const auto &[name, size] : data.splitSizes)
      parts[name] = size;
    out["checked_split_sizes"] = parts;
  }
  return out;
}

json modelToJson(const CheckedModel &model) {
  json out;
  out["name"] = model.name;
  out["base"] = valueToJson(model.base);
  out["resolved_path"] = model.resolvedPath;
  out["decoder"] = model.isDecoder;
  out["model_type"] = model.modelType;
  out["max_positions"] = model.maxPositions;
  out["classifier"] = model.classifier ? valueToJson(*model.classifier) : json(nullptr);
  out["lora"] = model.lora ? valueToJson(*model.lora) : json(nullptr);
  out["labels"] = model.labels;
  // What the folder's own classifier was saved with (the checker compared it with the program).
  if (model.savedHead)
    out["saved_head"] = json{{"labels", model.savedHead->labels},
                             {"pooling", model.savedHead->pooling},
                             {"unmerged_lora", model.savedHead->unmergedLora},
                             {"max_len", model.savedHead->maxLen}};
  return out;
}

json budgetToJson(const PrivacyBudget &budget) {
  return json{{"examples", budget.examples},
              {"batch", budget.batch},
              {"sample_rate", budget.sampleRate},
              {"steps", budget.steps},
              {"noise_multiplier", budget.noiseMultiplier},
              {"epsilon", budget.epsilon},
              {"delta", budget.delta},
              {"calibrated", budget.calibrated},
              {"accountant", budget.accountant}};
}

const char *stageKind(CheckedStage::Kind kind) {
  switch (kind) {
  case CheckedStage::Kind::Finetune:
    return "finetune";
  case CheckedStage::Kind::Evaluate:
    return "evaluate";
  case CheckedStage::Kind::Export:
    return "export";
  }
  return "?";
}

json stageToJson(const CheckedStage &stage) {
  json out;
  out["kind"] = stageKind(stage.kind);
  out["model"] = stage.model;
  if (stage.kind != CheckedStage::Kind::Export)
    out["data"] = json{{"dataset", stage.data.dataset}, {"split", stage.data.split}};
  else
    out["path"] = stage.exportPath;
  out["options"] = valueToJson(stage.options);
  out["privacy"] = stage.privacy ? budgetToJson(*stage.privacy) : json(nullptr);
  return out;
}

} // namespace

json makePlan(const CheckedPipeline &pipeline, const ProjectConfig &config) {
  json plan;
  plan["magic"] = kPlanMagic;
  plan["version"] = kPlanVersion;
  plan["pipeline"] = pipeline.name;
  plan["file"] = pipeline.file;
  plan["options"] = valueToJson(pipeline.options);
  plan["settings"] = json{{"project_root", config.projectRoot},
                          {"data_root", config.paths.dataRoot},
                          {"model_root", config.paths.modelRoot},
                          {"output_root", config.paths.outputRoot},
                          {"cache_dir", config.paths.cacheDir},
                          {"threads", config.run.threads},
                          {"device", deviceName(config.run.device)}};
  plan["datasets"] = json::array();
  for (const CheckedDataset &data : pipeline.datasets)
    plan["datasets"].push_back(datasetToJson(data));
  plan["models"] = json::array();
  for (const CheckedModel &model : pipeline.models)
    plan["models"].push_back(modelToJson(model));
  plan["stages"] = json::array();
  for (const CheckedStage &stage : pipeline.stages)
    plan["stages"].push_back(stageToJson(stage));
  return plan;
}

} // namespace ftp::lang
