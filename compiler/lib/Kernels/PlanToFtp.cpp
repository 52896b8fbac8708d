//===- PlanToFtp.cpp - the checked pipeline as `ftp.pipeline` ---------------------===//
//
// One op per dataset, model and stage of the plan, in its order. Values the checker resolved
// (defaults, the calibrated noise multiplier, the derived sample rate) become attributes, so the
// IR states the program the run executes. Locations are the pipeline file's name (the plan has
// no line numbers; the front end has reported every source-level error already).
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Kernels/PlanToFtp.h"

#include "ftp/Dialect/Ftp/IR/FtpOps.h"
#include "ftp/Kernels/KernelModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include "llvm/Support/raw_ostream.h"

#include <nlohmann/json.hpp>

using namespace mlir;
using json = nlohmann::json;

namespace ftp::kernels {
namespace {

// JSON as attributes: integers i64, other numbers f64, objects dictionaries (keys sorted, as
// MLIR keeps them), null left out.
Attribute toAttribute(Builder &b, const json &value) {
  switch (value.type()) {
  case json::value_t::boolean:
    return b.getBoolAttr(value.get<bool>());
  case json::value_t::number_integer:
  case json::value_t::number_unsigned:
    return b.getI64IntegerAttr(value.get<int64_t>());
  case json::value_t::number_float:
    return b.getF64FloatAttr(value.get<double>());
  case json::value_t::string:
    return b.getStringAttr(value.get<std::string>());
  case json::value_t::array: {
    SmallVector<Attribute> items;
    for (const json &item : value)
      if (Attribute a = toAttribute(b, item))
        items.push_back(a);
    return b.getArrayAttr(items);
  }
  case json::value_t::object: {
    SmallVector<NamedAttribute> fields;
    for (const auto &[key, item] : value.items())
      if (Attribute a = toAttribute(b, item))
        fields.push_back(b.getNamedAttr(key, a));
    return b.getDictionaryAttr(fields);
  }
  default:
    return nullptr;
  }
}

ArrayAttr strings(Builder &b, const json &values) {
  SmallVector<StringRef> out;
  for (const json &v : values)
    if (v.is_string())
      out.push_back(v.get_ref<const std::string &>());
  return b.getStrArrayAttr(out);
}

std::string str(const json &object, const char *key, const std::string &fallback = "") {
  return object.is_object() && object.contains(key) && object[key].is_string()
             ? object[key].get<std::string>()
             : fallback;
}

void buildDataset(OpBuilder &b, Location loc, const json &d) {
  const json &source = d.value("source", json::object());
  SmallVector<std::string> names;
  for (const json &t : d.value("transforms", json::array()))
    names.push_back(str(t, "fn"));
  SmallVector<StringRef> transforms(names.begin(), names.end());
  SmallVector<std::string> splitNames;
  SmallVector<double> fractions;
  for (const json &s : d.value("splits", json::array()))
    if (s.is_array() && s.size() == 2 && s[0].is_string() && s[1].is_number()) {
      splitNames.push_back(s[0].get<std::string>());
      fractions.push_back(s[1].get<double>());
    }
  SmallVector<StringRef> splits(splitNames.begin(), splitNames.end());
  IntegerAttr checked;
  if (d.contains("checked_size") && d["checked_size"].is_number_integer())
    checked = b.getI64IntegerAttr(d["checked_size"].get<int64_t>());
  b.create<DatasetOp>(loc, b.getStringAttr(str(d, "name")), b.getStringAttr(str(source, "fn")),
                      b.getStringAttr(str(source, "path")), b.getStrArrayAttr(transforms),
                      b.getStrArrayAttr(splits), b.getDenseF64ArrayAttr(fractions), checked);
}

void buildModel(OpBuilder &b, Location loc, const json &m) {
  const json &base = m.value("base", json::object());
  ArrayAttr labels;
  if (m.contains("classifier") && m["classifier"].is_object())
    labels = strings(b, m["classifier"].value("labels", json::array()));
  DictionaryAttr lora;
  if (m.contains("lora") && m["lora"].is_object()) {
    json adapters = m["lora"];
    adapters.erase("fn");
    lora = cast<DictionaryAttr>(toAttribute(b, adapters));
  }
  b.create<ModelOp>(loc, b.getStringAttr(str(m, "name")),
                    b.getStringAttr(m.value("decoder", false) ? "decoder" : "encoder"),
                    b.getStringAttr(str(base, "path")),
                    b.getStringAttr(str(base, "init", "pretrained")), labels, lora);
}

void buildStage(OpBuilder &b, Location loc, const json &s) {
  std::string kind = str(s, "kind");
  auto model = FlatSymbolRefAttr::get(b.getContext(), str(s, "model"));
  const json &data = s.value("data", json::object());
  auto dataset = FlatSymbolRefAttr::get(b.getContext(), str(data, "dataset"));
  StringAttr split = b.getStringAttr(str(data, "split"));
  json options = s.value("options", json::object());
  if (kind == "export") {
    b.create<ExportOp>(loc, model, b.getStringAttr(str(s, "path")));
  } else if (kind == "evaluate") {
    b.create<EvaluateOp>(loc, model, dataset, split,
                         strings(b, options.value("metrics", json::array())));
  } else if (kind == "finetune") {
    const json &optimizer = options.value("optimizer", json::object());
    // The budget the checker computed (σ calibrated for ε, or ε for σ) and the clipping bound.
    DictionaryAttr privacy;
    if (s.contains("privacy") && s["privacy"].is_object()) {
      json ledger = s["privacy"];
      if (options.contains("privacy") && options["privacy"].is_object())
        for (const char *key : {"clip", "clipping", "sampling", "secure_rng"})
          if (options["privacy"].contains(key))
            ledger[key] = options["privacy"][key];
      if (ledger.contains("clip") && ledger["clip"].is_number_integer())
        ledger["clip"] = ledger["clip"].get<double>();
      privacy = cast<DictionaryAttr>(toAttribute(b, ledger));
    }
    StringAttr adversarial;
    const json &robustness = options.value("robustness", json::object());
    if (robustness.is_object() && robustness.contains("adversarial") &&
        robustness["adversarial"].is_object())
      adversarial = b.getStringAttr(str(robustness["adversarial"], "fn"));
    options.erase("fn");
    options.erase("privacy"); // in `privacy`, resolved
    b.create<FinetuneOp>(loc, model, dataset, split, b.getStringAttr(str(optimizer, "fn", "adamw")),
                         optimizer.value("nesterov", false) ? b.getUnitAttr() : UnitAttr(),
                         privacy, adversarial, cast<DictionaryAttr>(toAttribute(b, options)),
                         ArrayAttr());
  }
}

} // namespace

OwningOpRef<ModuleOp> lowerPlanToFtp(MLIRContext &context, const std::string &planJson,
                                     std::string &error) {
  json plan = json::parse(planJson, nullptr, /*allow_exceptions=*/false);
  if (!plan.is_object() || !plan.contains("stages") || !plan.contains("pipeline")) {
    error = "the plan is not a pipeline's plan";
    return nullptr;
  }
  context.getOrLoadDialect<FtpDialect>();
  Location loc = FileLineColLoc::get(&context, str(plan, "file", "<plan>"), 0, 0);
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  OpBuilder b(&context);
  b.setInsertionPointToEnd(module->getBody());
  int64_t seed = 0;
  if (plan.contains("options") && plan["options"].is_object() &&
      plan["options"].value("seed", json()).is_number_integer())
    seed = plan["options"]["seed"].get<int64_t>();
  auto pipeline = b.create<PipelineOp>(loc, b.getStringAttr(str(plan, "pipeline")),
                                       b.getI64IntegerAttr(seed));
  b.setInsertionPointToStart(&pipeline.getBody().emplaceBlock());
  for (const json &d : plan.value("datasets", json::array()))
    buildDataset(b, loc, d);
  for (const json &m : plan.value("models", json::array()))
    buildModel(b, loc, m);
  for (const json &s : plan["stages"])
    buildStage(b, loc, s);

  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    os << diag << "\n";
    return success();
  });
  if (failed(verify(*module))) {
    os.flush();
    error = "the pipeline's ftp IR does not verify: " + diagnostics;
    return nullptr;
  }
  return module;
}

OwningOpRef<ModuleOp> compilePlanToFtp(MLIRContext &context, const std::string &planJson,
                                       std::string &error) {
  OwningOpRef<ModuleOp> module = lowerPlanToFtp(context, planJson, error);
  if (!module)
    return nullptr;
  // The pass's own error (a stage no kernel exists for) is the message, without the IR around it.
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    os << diag.str();
    return success();
  });
  PassManager pm(&context, ModuleOp::getOperationName());
  if (failed(parsePassPipeline("ftp-materialize-step-kernels", pm)) || failed(pm.run(*module))) {
    os.flush();
    std::string prefix = "'ftp.finetune' op ";
    error = diagnostics.rfind(prefix, 0) == 0 ? diagnostics.substr(prefix.size()) : diagnostics;
    return nullptr;
  }
  return module;
}

bool emitPlanStage(const std::string &planJson, const std::string &stage, const std::string &chip,
                   std::string &out) {
  auto context = makeKernelContext();
  OwningOpRef<ModuleOp> module = compilePlanToFtp(*context, planJson, out);
  if (!module)
    return false;
  if (stage == "mlir") {
    out.clear();
    llvm::raw_string_ostream os(out);
    module->print(os);
    os << "\n";
    return true;
  }
  // The kernels are what lowers further; the run gets the pipeline's structure from the plan.
  for (PipelineOp pipeline : llvm::make_early_inc_range(module->getOps<PipelineOp>()))
    pipeline.erase();
  if (module->getOps<func::FuncOp>().empty()) {
    out = "the pipeline has no finetune stage, so it has no step kernels";
    return false;
  }
  return emitKernelModule(*module, stage, chip, out);
}

} // namespace ftp::kernels
