//===- RdpAccountant.h - Rényi DP accounting of the sampled Gaussian mechanism ----===//
//
// DP-SGD with Poisson sampling at rate q and Gaussian noise of multiplier σ, run for T steps, is T
// compositions of the sampled Gaussian mechanism (SGM). Its Rényi DP at order α is computed exactly
// as in Mironov, Talwar & Zhang, "Rényi Differential Privacy of the Sampled Gaussian Mechanism"
// (2019): a finite sum for integer α, a convergent series for fractional α. RDP is converted to
// (ε, δ) with the bound of Balle et al., "Hypothesis Testing Interpretations and Rényi Differential
// Privacy" (2020), minimized over the orders -- the method and default orders of Opacus and TF
// Privacy, whose published test values the unit tests reproduce.
//
// Used at compile time (`ftpc check` calibrates σ for a target ε) and at run time (the ledger), so
// it is plain C++ without LibTorch.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ftp::privacy {

/// Opacus's and TF Privacy's default orders: 1.1, 1.2, ..., 10.9, 12, 13, ..., 63.
const std::vector<double> &defaultOrders();

/// RDP of one step of the SGM at order `alpha` (> 1; +inf allowed), sample rate q in [0, 1] and
/// noise multiplier sigma >= 0.
double sgmRdp(double q, double sigma, double alpha);

struct PrivacySpent {
  double epsilon;
  double order; // the order at which the bound is tightest
};

/// (ε, δ) from RDP values at the given orders (Balle et al. 2020). ε is +inf when no order gives
/// a finite bound.
PrivacySpent epsilonFromRdp(const std::vector<double> &orders, const std::vector<double> &rdp,
                            double delta);

/// ε after `steps` steps of DP-SGD with Poisson sampling rate q and noise multiplier sigma.
PrivacySpent epsilon(double q, double sigma, long long steps, double delta,
                     const std::vector<double> &orders = defaultOrders());

/// The smallest noise multiplier (within `tolerance`, relative) whose ε is at most `targetEpsilon`,
/// or std::nullopt when even a noise multiplier of `maxSigma` cannot meet it.
std::optional<double> calibrateNoise(double q, long long steps, double delta, double targetEpsilon,
                                     double tolerance = 1e-4, double maxSigma = 1e4);

} // namespace ftp::privacy
