//===- BackendKernels.cpp - `ftpc --emit=mlir|linalg|llvm|ptx` in the back end -------===//
//
// Which step kernels a plan needs, and their module at one stage of the lowering. The kernels are
// those the run driver calls (ftp/Kernels/KernelModule.h): per finetune stage, the optimizer's
// update (with the Philox noise fused in when the stage is private, plus the clipped
// accumulation), and the FGSM/PGD step when it trains adversarially.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Kernels/KernelModule.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

using ftp::kernels::KernelSetSpec;
using ftp::kernels::Optimizer;

namespace {

bool parseOptimizer(const std::string &name, Optimizer &out) {
  if (name == "adamw")
    out = Optimizer::AdamW;
  else if (name == "adam")
    out = Optimizer::Adam;
  else if (name == "sgd")
    out = Optimizer::Sgd;
  else
    return false;
  return true;
}

void addOptimizer(KernelSetSpec &spec, Optimizer optimizer) {
  if (std::find(spec.optimizers.begin(), spec.optimizers.end(), optimizer) == spec.optimizers.end())
    spec.optimizers.push_back(optimizer);
}

// The kernels a plan or a request asks for; false with the reason in `error`.
bool kernelSet(const nlohmann::json &input, KernelSetSpec &spec, std::string &chip,
               std::string &error) {
  spec = KernelSetSpec{};
  spec.optimizers.clear();
  spec.plainUpdates = spec.noisyUpdates = spec.clipAccumulate = spec.addNoise = spec.perturbStep =
      spec.l2AscentStep = false;
  chip = input.value("chip", "sm_90");
  bool noise = false, perturb = false, l2Ascent = false;
  if (input.contains("stages")) { // a plan (lang/plan/Plan.h)
    for (const auto &stage : input["stages"]) {
      if (stage.value("kind", "") != "finetune" || !stage.contains("options"))
        continue;
      const auto &options = stage["options"];
      Optimizer optimizer = Optimizer::AdamW;
      if (options.contains("optimizer") && options["optimizer"].is_object() &&
          !parseOptimizer(options["optimizer"].value("fn", "adamw"), optimizer)) {
        error = "no step kernel for optimizer `" + options["optimizer"].value("fn", "") + "`";
        return false;
      }
      if (optimizer == Optimizer::Sgd && options["optimizer"].value("nesterov", false)) {
        error = "no step kernel for SGD with Nesterov momentum yet";
        return false;
      }
      addOptimizer(spec, optimizer);
      bool isPrivate = options.contains("privacy") && options["privacy"].is_object();
      (isPrivate ? noise : spec.plainUpdates) = true;
      const auto robustness = options.value("robustness", nlohmann::json());
      if (robustness.is_object() && robustness.contains("adversarial") &&
          robustness["adversarial"].is_object())
        (robustness["adversarial"].value("fn", "") == "freelb" ? l2Ascent : perturb) = true;
    }
  } else { // a request
    for (const auto &name : input.value("optimizers", std::vector<std::string>{"adamw"})) {
      Optimizer optimizer;
      if (!parseOptimizer(name, optimizer)) {
        error = "no step kernel for optimizer `" + name + "`";
        return false;
      }
      addOptimizer(spec, optimizer);
    }
    noise = input.value("noise", false);
    perturb = input.value("perturb", false);
    l2Ascent = input.value("l2_ascent", false);
    spec.plainUpdates = !noise;
  }
  spec.noisyUpdates = spec.clipAccumulate = noise;
  spec.perturbStep = perturb;
  spec.l2AscentStep = l2Ascent;
  if (spec.optimizers.empty() && !perturb && !l2Ascent) {
    error = "the pipeline has no finetune stage, so it needs no step kernels";
    return false;
  }
  return true;
}

char *copy(const std::string &text) {
  char *out = static_cast<char *>(std::malloc(text.size() + 1));
  std::memcpy(out, text.c_str(), text.size() + 1);
  return out;
}

} // namespace

int ftpc_emit_kernels(const char *planJson, const char *stage, char **out) {
  nlohmann::json input = nlohmann::json::parse(planJson, nullptr, false);
  if (input.is_discarded()) {
    *out = copy("the kernel request is not valid JSON");
    return 1;
  }
  KernelSetSpec spec;
  std::string chip, error;
  if (!kernelSet(input, spec, chip, error)) {
    *out = copy(error);
    return 1;
  }
  std::string text;
  bool ok = ftp::kernels::emitStage(spec, stage, chip, text);
  *out = copy(text);
  return ok ? 0 : 1;
}

void ftpc_free_string(char *text) { std::free(text); }
