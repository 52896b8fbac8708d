//===- BackendKernels.cpp - `ftpc --emit=mlir|linalg|llvm|ptx` in the back end -------===//
//
// The step kernels of a plan or of a request, at one stage of the lowering. A plan is lowered to
// its `ftp.pipeline` (PlanToFtp.h), whose finetune stages name the kernels the run driver calls
// (ftp/Kernels/KernelModule.h): the optimizer's update (with the Philox noise fused in when the
// stage is private, plus the clipped accumulation), and the FGSM/PGD or FreeLB step when it
// trains adversarially. A request lists kernels directly (benchmarks, tests).
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Kernels/KernelModule.h"
#include "ftp/Kernels/PlanToFtp.h"

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

// The kernels a request asks for; false with the reason in `error`. (A plan's come from its
// ftp IR: PlanToFtp.h.)
bool kernelSet(const nlohmann::json &input, KernelSetSpec &spec, std::string &chip,
               std::string &error) {
  spec = KernelSetSpec{};
  spec.optimizers.clear();
  spec.plainUpdates = spec.noisyUpdates = spec.clipAccumulate = spec.addNoise = spec.perturbStep =
      spec.l2AscentStep = false;
  chip = input.value("chip", "sm_90");
  for (const auto &name : input.value("optimizers", std::vector<std::string>{"adamw"})) {
    Optimizer optimizer;
    if (!parseOptimizer(name, optimizer)) {
      error = "no step kernel for optimizer `" + name + "`";
      return false;
    }
    addOptimizer(spec, optimizer);
  }
  bool noise = input.value("noise", false);
  bool perturb = input.value("perturb", false);
  bool l2Ascent = input.value("l2_ascent", false);
  spec.plainUpdates = !noise;
  spec.noisyUpdates = spec.clipAccumulate = noise;
  spec.perturbStep = perturb;
  spec.l2AscentStep = l2Ascent;
  if (spec.optimizers.empty() && !perturb && !l2Ascent) {
    error = "the request names no step kernel";
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
  // A plan goes through the pipeline's ftp IR: the stages say which kernels they run.
  if (input.contains("stages")) {
    std::string text;
    bool ok = ftp::kernels::emitPlanStage(planJson, stage, input.value("chip", "sm_90"), text);
    *out = copy(text);
    return ok ? 0 : 1;
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
