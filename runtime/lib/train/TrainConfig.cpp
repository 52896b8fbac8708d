//===- TrainConfig.cpp - a finetune stage's options, read from the plan ---------===//

#include "TrainConfig.h"

#include <cmath>
#include <stdexcept>

namespace ftp::train {

using nlohmann::json;

Every readEvery(const json &value) {
  Every every;
  if (value.is_string()) // `epoch`
    return every;
  if (value.is_object()) {
    std::string unit = value.value("unit", "epochs");
    int64_t n = value.value("value", int64_t{1});
    if (unit == "steps") {
      every.steps = n;
      every.epochs = 0;
    } else {
      every.epochs = n;
    }
  }
  return every;
}

static double number(const json &object, const char *key, double fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number() ? it->get<double>() : fallback;
}

TrainConfig readTrainConfig(const json &stage) {
  const json &o = stage.at("options");
  TrainConfig c;
  if (o.contains("epochs") && o["epochs"].is_number())
    c.epochs = o["epochs"].get<int64_t>();
  if (o.contains("steps") && o["steps"].is_number())
    c.steps = o["steps"].get<int64_t>();
  c.batch = o.value("batch", int64_t{32});
  c.maxLen = o.value("max_len", int64_t{128});
  c.accumulate = o.value("accumulate", int64_t{1});

  const json &opt = o.at("optimizer");
  std::string kind = opt.value("fn", "adamw");
  c.optimizer.kind = kind == "sgd"    ? runtime::OptimizerStep::Kind::Sgd
                     : kind == "adam" ? runtime::OptimizerStep::Kind::Adam
                                      : runtime::OptimizerStep::Kind::AdamW;
  c.optimizer.lr = static_cast<float>(number(opt, "lr", 5e-5));
  c.optimizer.beta1 = static_cast<float>(number(opt, "beta1", 0.9));
  c.optimizer.beta2 = static_cast<float>(number(opt, "beta2", 0.999));
  c.optimizer.eps = static_cast<float>(number(opt, "eps", 1e-8));
  c.optimizer.weightDecay = static_cast<float>(number(opt, "weight_decay", 0));
  c.optimizer.momentum = static_cast<float>(number(opt, "momentum", 0));
  c.scheduleSpec = o.value("schedule", json{{"fn", "linear"}, {"warmup", 0}});
  std::string precision = o.value("precision", std::string("fp32"));
  if (precision != "fp32" && precision != "bf16")
    throw std::runtime_error("plan: unknown precision `" + precision + "`");
  c.bf16 = precision == "bf16";
  if (o.contains("clip_grad") && o["clip_grad"].is_number())
    c.clipGrad = o["clip_grad"].get<double>();

  if (o.contains("privacy") && o["privacy"].is_object()) {
    const json &p = o["privacy"];
    const json &budget = stage.at("privacy");
    if (!budget.is_object())
      throw std::runtime_error("the plan has no DP budget for a private fine-tuning (the checker "
                               "could not count the training data)");
    DpSgd dp;
    dp.noiseMultiplier = budget.at("noise_multiplier").get<double>();
    dp.sampleRate = budget.at("sample_rate").get<double>();
    dp.expectedBatch = budget.at("batch").get<int64_t>();
    dp.steps = budget.at("steps").get<int64_t>();
    dp.epsilon = budget.at("epsilon").get<double>();
    dp.delta = budget.at("delta").get<double>();
    dp.accountant = budget.value("accountant", "rdp");
    if (dp.accountant != "rdp" && dp.accountant != "prv")
      throw std::runtime_error("the plan names an unknown privacy accountant `" + dp.accountant + "`");
    dp.clip = number(p, "clip", 1.0);
    dp.perLayer = p.value("clipping", "flat") == "per_layer";
    dp.secureRng = p.value("secure_rng", false);
    c.privacy = dp;
  }

  if (o.contains("robustness") && o["robustness"].is_object()) {
    const json &r = o["robustness"];
    if (r.contains("adversarial") && r["adversarial"].is_object()) {
      const json &a = r["adversarial"];
      std::string fn = a.value("fn", "fgsm");
      c.adversarial.kind = fn == "pgd"      ? Adversarial::Kind::Pgd
                           : fn == "freelb" ? Adversarial::Kind::FreeLb
                                            : Adversarial::Kind::Fgsm;
      c.adversarial.eps = number(a, "eps", 0.01);
      c.adversarial.steps = c.adversarial.kind == Adversarial::Kind::Fgsm ? 1 : a.value("steps", int64_t{3});
      c.adversarial.stepSize = number(a, "step_size", c.adversarial.eps / static_cast<double>(c.adversarial.steps));
      c.adversarial.randomStart = a.value("random_start", c.adversarial.kind != Adversarial::Kind::Fgsm);
      c.adversarial.weight = number(a, "weight", 0.5);
    }
    if (r.contains("noise") && r["noise"].is_object()) {
      const json &n = r["noise"];
      std::string fn = n.value("fn", "gaussian");
      c.noise.kind = fn == "uniform" ? EmbeddingNoise::Kind::Uniform : EmbeddingNoise::Kind::Gaussian;
      c.noise.scale = fn == "uniform" ? number(n, "alpha", 5) : number(n, "std", 0.01);
    }
    c.weightNoise = number(r, "weight_noise", 0);
  }

  if (o.contains("validate") && o["validate"].is_object()) {
    const json &v = o["validate"];
    c.validate = true;
    c.validateData = v.value("data", "");
    c.validateEvery = readEvery(v.value("every", json("epoch")));
    for (const auto &m : v.value("metrics", json::array()))
      c.validateMetrics.push_back(m.get<std::string>());
    if (v.contains("early_stop") && v["early_stop"].is_object()) {
      c.earlyStopMetric = v["early_stop"].value("metric", "loss");
      c.patience = v["early_stop"].value("patience", int64_t{2});
      c.minDelta = number(v["early_stop"], "min_delta", 0);
    }
  }
  if (o.contains("checkpoint") && o["checkpoint"].is_object()) {
    c.checkpoint = true;
    c.checkpointEvery = readEvery(o["checkpoint"].value("every", json("epoch")));
    c.keep = o["checkpoint"].value("keep", int64_t{2});
  }
  return c;
}

Schedule TrainConfig::scheduleFor(int64_t totalSteps) const {
  Schedule s;
  std::string fn = scheduleSpec.value("fn", "linear");
  s.kind = fn == "constant" ? Schedule::Kind::Constant
           : fn == "cosine" ? Schedule::Kind::Cosine
                            : Schedule::Kind::Linear;
  s.peak = optimizer.lr;
  s.totalSteps = totalSteps;
  const json warmup = scheduleSpec.value("warmup", json(0));
  if (warmup.is_number()) // a fraction of all steps, rounded up as HuggingFace's warmup_ratio
    s.warmupSteps = static_cast<int64_t>(std::ceil(warmup.get<double>() * static_cast<double>(totalSteps)));
  else if (warmup.is_object())
    s.warmupSteps = warmup.value("value", int64_t{0});
  s.minLrRatio = number(scheduleSpec, "min_lr_ratio", 0);
  return s;
}

} // namespace ftp::train
