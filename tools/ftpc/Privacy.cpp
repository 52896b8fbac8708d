//===- Privacy.cpp - `ftpc privacy`: DP-SGD accounting from the command line ------===//
//
//   ftpc privacy --sample-rate Q --noise-multiplier S --steps T --delta D   prints ε
//   ftpc privacy --sample-rate Q --epsilon E --steps T --delta D            prints the calibrated σ
//
// with the RDP accountant of the sampled Gaussian mechanism, or with `--accountant prv` the PRV
// accountant (runtime/include/ftp/privacy), whose ε is its upper bound, as Opacus's.
// `--json` prints one JSON object with `epsilon` and `noise_multiplier` (and the rest) instead.
//
//===----------------------------------------------------------------------------------------===//

#include "Driver.h"

#include "ftp/privacy/PrvAccountant.h"
#include "ftp/privacy/RdpAccountant.h"
#include "lang/sema/SemaDump.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <iostream>

namespace ftp::driver {

namespace {

int fail(const std::string &message) {
  std::cerr << "ftpc: error: " << message << "\n";
  return kExitUserError;
}

std::string noCalibrationMessage(const PrivacyFlags &flags) {
  return fmt::format("no noise multiplier up to 10000 reaches ε = {} with q = {}, {} steps and "
                     "δ = {}; sample less, train fewer steps or allow more ε",
                     *flags.epsilon, flags.sampleRate, flags.steps, flags.delta);
}

// `--accountant prv`: the same computation and output with the PRV accountant; ε is its upper
// bound (the guarantee), printed with the estimate and lower bound and the error budget.
int privacyPrv(const PrivacyFlags &flags) {
  bool haveSigma = flags.noiseMultiplier.has_value();
  double sigma;
  privacy::PrvEpsilon spent;
  try {
    if (haveSigma) {
      sigma = *flags.noiseMultiplier;
      if (!(sigma > 0))
        return fail(fmt::format("--noise-multiplier must be > 0, found {}", sigma));
    } else {
      if (!(*flags.epsilon > 0))
        return fail(fmt::format("--epsilon must be > 0, found {}", *flags.epsilon));
      auto calibrated =
          privacy::prvCalibrateNoise(flags.sampleRate, flags.steps, flags.delta, *flags.epsilon);
      if (!calibrated)
        return fail(noCalibrationMessage(flags));
      sigma = *calibrated;
    }
    spent = privacy::prvEpsilon(flags.sampleRate, sigma, flags.steps, flags.delta);
  } catch (const privacy::PrvError &error) {
    return fail(error.what());
  }
  if (flags.json) {
    nlohmann::json out = {{"accountant", "prv"},
                          {"sample_rate", flags.sampleRate},
                          {"steps", flags.steps},
                          {"delta", flags.delta},
                          {"noise_multiplier", sigma},
                          {"epsilon", spent.upper},
                          {"epsilon_estimate", spent.estimate},
                          {"epsilon_lower", spent.lower},
                          {"eps_error", spent.epsError},
                          {"delta_error", spent.deltaError}};
    std::cout << out.dump() << "\n";
    return kExitOk;
  }
  std::cout << fmt::format(
      "accountant        prv (sampled Gaussian mechanism, Poisson sampling; Gopi et al. 2021)\n"
      "sample rate q     {}\n"
      "steps T           {}\n"
      "noise multiplier  {:.6g}{}\n"
      "delta             {}\n"
      "epsilon           {:.6g}  (upper bound; estimate {:.6g}, lower bound {:.6g}; eps_error {}, "
      "delta_error {:g})\n",
      flags.sampleRate, flags.steps, sigma,
      haveSigma ? "" : "  (calibrated: the smallest that meets --epsilon)", flags.delta,
      spent.upper, spent.estimate, spent.lower, spent.epsError, spent.deltaError);
  return kExitOk;
}

} // namespace

int privacyFromFlags(const PrivacyFlags &flags) {
  if (!(flags.sampleRate > 0 && flags.sampleRate <= 1))
    return fail(fmt::format("--sample-rate must be in (0, 1], found {}", flags.sampleRate));
  if (flags.steps < 1)
    return fail(fmt::format("--steps must be >= 1, found {}", flags.steps));
  if (!(flags.delta > 0 && flags.delta < 1))
    return fail(fmt::format("--delta must be in (0, 1), found {}", flags.delta));
  bool haveSigma = flags.noiseMultiplier.has_value(), haveEpsilon = flags.epsilon.has_value();
  if (haveSigma == haveEpsilon)
    return fail("give exactly one of --noise-multiplier (to compute ε) and --epsilon (to "
                "calibrate the noise multiplier)");

  if (flags.accountant == "prv")
    return privacyPrv(flags);

  double sigma, eps, order;
  if (haveSigma) {
    sigma = *flags.noiseMultiplier;
    if (!(sigma > 0))
      return fail(fmt::format("--noise-multiplier must be > 0, found {}", sigma));
    privacy::PrivacySpent spent = privacy::epsilon(flags.sampleRate, sigma, flags.steps, flags.delta);
    eps = spent.epsilon;
    order = spent.order;
  } else {
    if (!(*flags.epsilon > 0))
      return fail(fmt::format("--epsilon must be > 0, found {}", *flags.epsilon));
    auto calibrated =
        privacy::calibrateNoise(flags.sampleRate, flags.steps, flags.delta, *flags.epsilon);
    if (!calibrated)
      return fail(noCalibrationMessage(flags));
    sigma = *calibrated;
    privacy::PrivacySpent spent = privacy::epsilon(flags.sampleRate, sigma, flags.steps, flags.delta);
    eps = spent.epsilon;
    order = spent.order;
  }
  if (flags.json) {
    nlohmann::json out = {{"accountant", "rdp"},       {"sample_rate", flags.sampleRate},
                          {"steps", flags.steps},      {"delta", flags.delta},
                          {"noise_multiplier", sigma}, {"epsilon", eps},
                          {"optimal_order", order}};
    std::cout << out.dump() << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("accountant        rdp (sampled Gaussian mechanism, Poisson sampling)\n"
                           "sample rate q     {}\n"
                           "steps T           {}\n"
                           "noise multiplier  {:.6g}{}\n"
                           "delta             {}\n"
                           "epsilon           {:.6g}  (tightest at RDP order {})\n",
                           flags.sampleRate, flags.steps, sigma,
                           haveSigma ? "" : "  (calibrated: the smallest that meets --epsilon)",
                           flags.delta, eps, order);
  return kExitOk;
}

int privacyFromPipeline(Session &session, const std::string &path,
                        const std::vector<std::string> &overrides, bool json) {
  auto program = checkProgram(session, path, overrides);
  int status = session.finish();
  if (!program)
    return status;
  nlohmann::json all = nlohmann::json::array();
  for (const lang::CheckedPipeline &pipeline : program->pipelines)
    for (const lang::CheckedStage &stage : pipeline.stages) {
      if (!stage.privacy)
        continue;
      const lang::PrivacyBudget &b = *stage.privacy;
      std::string data = stage.data.split.empty() ? stage.data.dataset
                                                  : stage.data.dataset + "." + stage.data.split;
      if (json)
        all.push_back({{"pipeline", pipeline.name}, {"model", stage.model}, {"data", data},
                       {"accountant", b.accountant}, {"examples", b.examples}, {"batch", b.batch},
                       {"sample_rate", b.sampleRate}, {"steps", b.steps},
                       {"noise_multiplier", b.noiseMultiplier}, {"epsilon", b.epsilon},
                       {"delta", b.delta}, {"calibrated", b.calibrated}});
      else
        std::cout << fmt::format("{}: finetune {} on {}: {}\n", pipeline.name, stage.model, data,
                                 lang::formatPrivacyBudget(b));
    }
  if (json)
    std::cout << all.dump() << "\n";
  return status;
}

} // namespace ftp::driver
