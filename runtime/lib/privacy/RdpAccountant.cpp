//===- RdpAccountant.cpp - Rényi DP accounting of the sampled Gaussian mechanism --===//

#include "ftp/privacy/RdpAccountant.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ftp::privacy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// log(exp(a) + exp(b)) without overflow.
double logAdd(double a, double b) {
  double lo = std::min(a, b), hi = std::max(a, b);
  if (lo == -kInf)
    return hi;
  return std::log1p(std::exp(lo - hi)) + hi;
}

// log(exp(a) - exp(b)), a >= b.
double logSub(double a, double b) {
  if (b == -kInf)
    return a;
  if (a == b)
    return -kInf;
  return std::log(std::expm1(a - b)) + b;
}

// log Φ(x), the log of the standard normal CDF, accurate far into the lower tail.
double logNdtr(double x) {
  if (x > -20)
    return std::log(0.5 * std::erfc(-x / std::sqrt(2.0)));
  // Asymptotic series: Φ(x) ≈ φ(x)/(-x) · (1 - 1/x² + 3/x⁴ - 15/x⁶ + 105/x⁸ - ...).
  double x2 = x * x;
  double series = 1.0, term = 1.0;
  for (int k = 1; k <= 8; ++k) {
    term *= -(2.0 * k - 1.0) / x2;
    series += term;
  }
  return -0.5 * x2 - std::log(-x) - 0.5 * std::log(2.0 * M_PI) + std::log(series);
}

double logErfc(double x) { return std::log(2.0) + logNdtr(-x * std::sqrt(2.0)); }

// log |binom(alpha, i)| and its sign, for real alpha > 0 and integer i >= 0.
double logAbsBinom(double alpha, double i, int *sign) {
  int s1 = 1, s2 = 1, s3 = 1;
  double value = lgamma_r(alpha + 1, &s1) - lgamma_r(i + 1, &s2) - lgamma_r(alpha - i + 1, &s3);
  *sign = s1 * s2 * s3;
  return value;
}

// Integer α: log A_α = log Σ_i binom(α, i) q^i (1-q)^(α-i) exp((i² - i) / (2σ²)).
double logAInt(double q, double sigma, int alpha) {
  double logA = -kInf;
  for (int i = 0; i <= alpha; ++i) {
    int sign;
    double logCoef = logAbsBinom(alpha, i, &sign) + i * std::log(q) + (alpha - i) * std::log1p(-q);
    logA = logAdd(logA, logCoef + (static_cast<double>(i) * i - i) / (2 * sigma * sigma));
  }
  return logA;
}

// Fractional α: the two convergent series of Mironov et al. (2019), Section 3.3.
double logAFrac(double q, double sigma, double alpha) {
  double logA0 = -kInf, logA1 = -kInf;
  double z0 = sigma * sigma * std::log(1 / q - 1) + 0.5;
  for (int i = 0;; ++i) {
    int sign;
    double logCoef = logAbsBinom(alpha, i, &sign);
    double j = alpha - i;
    double logT0 = logCoef + i * std::log(q) + j * std::log1p(-q);
    double logT1 = logCoef + j * std::log(q) + i * std::log1p(-q);
    double logE0 = std::log(0.5) + logErfc((i - z0) / (std::sqrt(2.0) * sigma));
    double logE1 = std::log(0.5) + logErfc((z0 - j) / (std::sqrt(2.0) * sigma));
    double logS0 = logT0 + (static_cast<double>(i) * i - i) / (2 * sigma * sigma) + logE0;
    double logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1;
    if (sign > 0) {
      logA0 = logAdd(logA0, logS0);
      logA1 = logAdd(logA1, logS1);
    } else {
      logA0 = logSub(logA0, logS0);
      logA1 = logSub(logA1, logS1);
    }
    if (std::max(logS0, logS1) < -30 || i > 100000)
      break;
  }
  return logAdd(logA0, logA1);
}

} // namespace

const std::vector<double> &defaultOrders() {
  static const std::vector<double> orders = [] {
    std::vector<double> o;
    for (int x = 1; x < 100; ++x)
      o.push_back(1 + x / 10.0);
    for (int x = 12; x < 64; ++x)
      o.push_back(x);
    return o;
  }();
  return orders;
}

double sgmRdp(double q, double sigma, double alpha) {
  if (q == 0)
    return 0;
  if (sigma == 0)
    return kInf;
  if (q == 1.0)
    return alpha / (2 * sigma * sigma);
  if (std::isinf(alpha))
    return kInf;
  double logA = alpha == std::floor(alpha) ? logAInt(q, sigma, static_cast<int>(alpha))
                                           : logAFrac(q, sigma, alpha);
  return logA / (alpha - 1);
}

PrivacySpent epsilonFromRdp(const std::vector<double> &orders, const std::vector<double> &rdp,
                            double delta) {
  PrivacySpent best{kInf, orders.empty() ? 0 : orders[0]};
  for (size_t k = 0; k < orders.size() && k < rdp.size(); ++k) {
    double a = orders[k];
    double eps = rdp[k] - (std::log(delta) + std::log(a)) / (a - 1) + std::log((a - 1) / a);
    if (!std::isnan(eps) && eps < best.epsilon)
      best = {eps, a};
  }
  return best;
}

PrivacySpent epsilon(double q, double sigma, long long steps, double delta,
                     const std::vector<double> &orders) {
  std::vector<double> rdp;
  for (double alpha : orders)
    rdp.push_back(sgmRdp(q, sigma, alpha) * static_cast<double>(steps));
  return epsilonFromRdp(orders, rdp, delta);
}

std::optional<double> calibrateNoise(double q, long long steps, double delta, double targetEpsilon,
                                     double tolerance, double maxSigma) {
  // ε decreases as σ grows: find a σ that meets the target, then bisect down to the smallest.
  double high = 1.0;
  while (epsilon(q, high, steps, delta).epsilon > targetEpsilon) {
    high *= 2;
    if (high > maxSigma)
      return std::nullopt;
  }
  double low = 0;
  while ((high - low) > tolerance * high) {
    double mid = 0.5 * (low + high);
    if (epsilon(q, mid, steps, delta).epsilon > targetEpsilon)
      low = mid;
    else
      high = mid;
  }
  return high; // always meets the target
}

} // namespace ftp::privacy
