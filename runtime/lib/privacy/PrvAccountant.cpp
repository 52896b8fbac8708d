//===- PrvAccountant.cpp - numerical composition of the sampled Gaussian mechanism -===//
//
// The steps, with the paper's (Gopi, Lee & Wutschitz 2021) names:
//   1. the domain [-L, L] and the mesh Δt from the error budget (header comment);
//   2. the one-step PRV truncated to the domain and discretized: each grid point t_i gets the mass
//      of [t_i - Δt/2, t_i + Δt/2), and the grid is shifted so that the discrete mean equals the
//      continuous one (the paper's mean-preserving discretization, Section 5);
//   3. T-fold self-composition by FFT: the spectrum raised to the T-th power, transformed back
//      and rotated so that index j again means t_min + j·Δt (plus T times the shift);
//   4. ε from δ(ε) = Σ_{t_j >= ε} p_j (1 - e^(ε - t_j)): found at δ - δ_error (upper, plus
//      eps_error), δ (estimate) and δ + δ_error (lower, minus eps_error).
// The FFT's length is the grid's, as Opacus's: the composed distribution wraps around the circle,
// but L was chosen so that what wraps is far below δ_error.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/privacy/PrvAccountant.h"

#include "ftp/privacy/RdpAccountant.h"

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <limits>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <vector>

namespace ftp::privacy {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Φ(x), the standard normal CDF; Φ(-x) is computed the same way, so both tails are accurate.
double normCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// The privacy loss of one step of the SGM, as a function of the output ω and back.
struct SgmLoss {
  double q, sigma;

  // The smallest loss, reached as ω -> -∞: log(1 - q) (-∞ without subsampling).
  double lowest() const { return std::log1p(-q); }

  // z(t) = (2ω - 1)/(2σ²) for the ω whose loss is t: log((e^t + q - 1)/q), for t > lowest().
  double z(double t) const {
    if (q == 1.0)
      return t;
    if (t > 0)
      return t + std::log1p((q - 1) * std::exp(-t)) - std::log(q);
    return std::log(std::expm1(t) + q) - std::log(q);
  }

  // The loss log((1 - q) + q·e^x) at x = (2ω - 1)/(2σ²).
  double lossAtX(double x) const {
    if (q == 1.0)
      return x;
    if (x > 0)
      return x + std::log(q) + std::log1p((1 - q) / q * std::exp(-x));
    return std::log1p(q * std::expm1(x));
  }

  // P[loss <= t] and P[loss > t] for ω ~ (1-q)·N(0, σ²) + q·N(1, σ²): ω <= σ²z + 1/2.
  double cdf(double t) const {
    if (!(t > lowest()))
      return 0;
    double zs = sigma * z(t), half = 0.5 / sigma;
    return q * normCdf(zs - half) + (1 - q) * normCdf(zs + half);
  }
  double sf(double t) const {
    if (!(t > lowest()))
      return 1;
    double zs = sigma * z(t), half = 0.5 / sigma;
    return q * normCdf(half - zs) + (1 - q) * normCdf(-zs - half);
  }
};

// ∫_a^b f by globally adaptive Gauss-Kronrod (7/15 points), to a relative tolerance of 1e-13 of the
// integral or 1e-17 of ∫|f|, whichever is looser.
template <typename F> double integrate(F f, double a, double b) {
  static const double xk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                               0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                               0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                               0.207784955007898467600689403773245, 0.0};
  static const double wk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                               0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                               0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                               0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
  static const double wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                               0.381830050505118944950369775488975, 0.417959183673469387755102040816327};
  struct Piece {
    double a, b, value, error, absValue;
    bool operator<(const Piece &o) const { return error < o.error; }
  };
  auto rule = [&](double lo, double hi) {
    double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    double fc = f(c);
    double kronrod = wk[7] * fc, gauss = wg[3] * fc, absSum = wk[7] * std::abs(fc);
    for (int k = 0; k < 7; ++k) {
      double f1 = f(c - h * xk[k]), f2 = f(c + h * xk[k]);
      kronrod += wk[k] * (f1 + f2);
      absSum += wk[k] * (std::abs(f1) + std::abs(f2));
      if (k % 2 == 1)
        gauss += wg[k / 2] * (f1 + f2);
    }
    return Piece{lo, hi, kronrod * h, std::abs((kronrod - gauss) * h), absSum * h};
  };
  std::priority_queue<Piece> pieces;
  double total = 0, error = 0, absTotal = 0;
  const int initial = 32;
  for (int k = 0; k < initial; ++k) {
    Piece p = rule(a + (b - a) * k / initial, k + 1 == initial ? b : a + (b - a) * (k + 1) / initial);
    total += p.value, error += p.error, absTotal += p.absValue;
    pieces.push(p);
  }
  for (int splits = 0; splits < 5000; ++splits) {
    if (error <= std::max(1e-13 * std::abs(total), 1e-17 * absTotal))
      break;
    Piece worst = pieces.top();
    pieces.pop();
    double mid = 0.5 * (worst.a + worst.b);
    Piece left = rule(worst.a, mid), right = rule(mid, worst.b);
    total += left.value + right.value - worst.value;
    error += left.error + right.error - worst.error;
    absTotal += left.absValue + right.absValue - worst.absValue;
    pieces.push(left);
    pieces.push(right);
  }
  // Sum again from the pieces: the running total has absorbed the rounding of every update.
  double sum = 0;
  while (!pieces.empty()) {
    sum += pieces.top().value;
    pieces.pop();
  }
  return sum;
}

// E[loss · 1{tMin <= loss < tMax}] for one step, integrated over ω for each of the two Gaussians
// of the mixture (the integrand is then smooth and Gaussian-weighted; 40 standard deviations leave
// out nothing a double can hold).
double truncatedFirstMoment(const SgmLoss &loss, double tMin, double tMax) {
  double sigma = loss.sigma;
  auto omega = [&](double t) {
    return t > loss.lowest() ? sigma * sigma * loss.z(t) + 0.5 : -kInf;
  };
  double omegaMin = omega(tMin), omegaMax = omega(tMax);
  double moment = 0;
  for (int component = 0; component < 2; ++component) {
    double mu = component, weight = component ? loss.q : 1 - loss.q;
    if (weight == 0)
      continue;
    double ua = std::max(-40.0, (omegaMin - mu) / sigma), ub = std::min(40.0, (omegaMax - mu) / sigma);
    if (!(ua < ub))
      continue;
    auto integrand = [&](double u) {
      double w = mu + sigma * u;
      double x = (2 * w - 1) / (2 * sigma * sigma);
      return loss.lossAtX(x) * std::exp(-0.5 * u * u) / std::sqrt(2 * M_PI);
    };
    moment += weight * integrate(integrand, ua, ub);
  }
  return moment;
}

// FFTW's planner is not thread-safe; executing plans is.
std::mutex &fftwPlannerMutex() {
  static std::mutex mutex;
  return mutex;
}

struct FftwFree {
  void operator()(void *p) const { fftw_free(p); }
};

// The T-fold self-convolution of `pmf` (length n, even) on the circle, in place.
void composeByFft(double *pmf, long long n, long long steps) {
  long long bins = n / 2 + 1;
  std::unique_ptr<fftw_complex, FftwFree> spectrum(fftw_alloc_complex(bins));
  if (!spectrum)
    throw PrvError("cannot allocate the PRV accountant's spectrum (" + std::to_string(n) + " points)");
  fftw_plan forward, backward;
  {
    std::lock_guard<std::mutex> lock(fftwPlannerMutex());
    // FFTW_ESTIMATE plans without touching the arrays.
    forward = fftw_plan_dft_r2c_1d(static_cast<int>(n), pmf, spectrum.get(), FFTW_ESTIMATE);
    backward = fftw_plan_dft_c2r_1d(static_cast<int>(n), spectrum.get(), pmf, FFTW_ESTIMATE);
  }
  fftw_execute(forward);
  auto *c = reinterpret_cast<std::complex<double> *>(spectrum.get());
  double power = static_cast<double>(steps);
  for (long long k = 0; k < bins; ++k) {
    double r = std::abs(c[k]);
    c[k] = r == 0 ? 0 : std::polar(std::pow(r, power), std::arg(c[k]) * power);
  }
  fftw_execute(backward); // unnormalized: n times the inverse
  for (long long j = 0; j < n; ++j)
    pmf[j] /= static_cast<double>(n);
  std::lock_guard<std::mutex> lock(fftwPlannerMutex());
  fftw_destroy_plan(forward);
  fftw_destroy_plan(backward);
}

} // namespace

double sgmPrvCdf(double q, double sigma, double t) { return SgmLoss{q, sigma}.cdf(t); }

PrvEpsilon prvEpsilon(double q, double sigma, long long steps, double delta,
                      const PrvOptions &options) {
  if (!(q > 0 && q <= 1) || !(sigma > 0) || steps < 1 || !(delta > 0 && delta < 1) ||
      !(options.epsError > 0))
    throw PrvError("the PRV accountant needs q in (0, 1], σ > 0, at least one step and δ in (0, 1)");
  PrvEpsilon result{};
  result.epsError = options.epsError;
  result.deltaError = options.deltaError > 0 ? options.deltaError : delta / 1000;
  double epsError = result.epsError, deltaError = result.deltaError;
  if (!(deltaError < delta))
    throw PrvError("the PRV accountant's δ error must be below δ");

  // 1. The domain: beyond L the composed PRV and each step's have negligible mass (RDP tail
  //    bounds), and the mesh that keeps the discretization error within eps_error.
  double total = static_cast<double>(steps);
  double halfWidth =
      std::max({epsilon(q, sigma, steps, deltaError / 4).epsilon,
                epsilon(q, sigma, 1, deltaError / (8 * total)).epsilon, epsError}) +
      3;
  double mesh = epsError / std::sqrt(total * std::log(12 / deltaError) / 2);
  // exp(±t) must stay finite on the grid (ε of several hundred means no privacy anyway).
  if (!(halfWidth <= 700))
    throw PrvError("ε is too large for the PRV accountant: its domain would reach ±" +
                   std::to_string(static_cast<long long>(std::ceil(halfWidth))) +
                   " (at most ±700); use the RDP accountant");
  double half = std::ceil(halfWidth / mesh); // grid points on each side of 0
  double maxPoints = std::min<double>(static_cast<double>(options.maxGridPoints),
                                     std::numeric_limits<int>::max()); // FFTW's lengths are int
  if (2 * half + 2 > maxPoints)
    throw PrvError("the PRV accountant would need a grid of " +
                   std::to_string(static_cast<long long>(2 * half + 2)) + " points (at most " +
                   std::to_string(options.maxGridPoints) +
                   "); allow a larger ε error, or use the RDP accountant");
  long long n = 2 * static_cast<long long>(half) + 2;
  double tMin = -half * mesh, tMax = half * mesh + mesh;
  double dt = (tMax - tMin) / static_cast<double>(n - 1);
  result.halfWidth = halfWidth;
  result.mesh = dt;
  result.gridPoints = n;
  if (std::numeric_limits<long double>::epsilon() * static_cast<double>(n) > delta - deltaError)
    throw PrvError("δ is too small for the PRV accountant: rounding errors on a grid of " +
                   std::to_string(n) + " points would dominate it");

  // 2. Discretize the truncated PRV: the mass of each cell [t_i - Δt/2, t_i + Δt/2), edges clamped
  //    to [tMin, tMax]. Differences of the CDF below t = 0 and of the survival function above keep
  //    the tails' tiny masses accurate.
  SgmLoss loss{q, sigma};
  double mass = 1 - (loss.cdf(tMin) + loss.sf(tMax));
  std::unique_ptr<double, FftwFree> pmf(fftw_alloc_real(n));
  if (!pmf)
    throw PrvError("cannot allocate the PRV accountant's grid (" + std::to_string(n) + " points)");
  double *p = pmf.get();
  auto gridPoint = [&](long long i) { return tMin + static_cast<double>(i) * dt; };
  double previous = loss.cdf(tMin); // the left edge of cell 0, clamped
  bool previousUpper = false;
  long double discreteMean = 0;
  for (long long i = 0; i < n; ++i) {
    double right = std::clamp(gridPoint(i) + dt / 2, tMin, tMax);
    bool upper = right > 0;
    if (upper && !previousUpper)
      previous = 1 - previous; // one switch, near the median: no cancellation
    double value = upper ? loss.sf(right) : loss.cdf(right);
    p[i] = (upper ? previous - value : value - previous) / mass;
    previous = value;
    previousUpper = upper;
    discreteMean += static_cast<long double>(gridPoint(i)) * p[i];
  }
  double continuousMean = truncatedFirstMoment(loss, tMin, tMax) / mass;
  double shift = continuousMean - static_cast<double>(discreteMean);
  if (!(std::abs(shift) < dt / 2))
    throw PrvError("the PRV accountant's discretization cannot keep the mean of the privacy loss "
                   "(shift " + std::to_string(shift) + " against a mesh of " + std::to_string(dt) +
                   ")");

  // 3. Compose. Sums of T grid indices land at index Σi - (T-1)(n/2 - 1) of a grid that starts at
  //    tMin again; on the circle of length n that is a rotation by (T-1) (+ n/2 when T is even).
  if (steps > 1)
    composeByFft(p, n, steps);
  long long rotation = (steps - 1) % n;
  if (steps % 2 == 0)
    rotation = (rotation + n / 2) % n;
  std::rotate(p, p + (n - rotation) % n, p + n);
  double start = tMin + total * shift; // the composed grid: start + j·dt

  // 4. ε. δ(t_j) = Σ_{k >= j} p_k - e^(t_j) Σ_{k >= j} p_k e^(-t_k) grows as j goes down; for each
  //    target δ' the answer comes from the lowest j with δ(t_j) <= δ', where δ(ε) = δ' is solved
  //    exactly with that tail: ε = log((Σp - δ') / Σ p·e^(-t)).
  const double targets[3] = {delta - deltaError, delta, delta + deltaError};
  double found[3];
  int next = 0;
  double tailMass = 0, tailWeighted = 0;
  for (long long j = n - 1; j >= 0 && next < 3; --j) {
    double t = start + static_cast<double>(j) * dt;
    double newMass = tailMass + p[j], newWeighted = tailWeighted + p[j] * std::exp(-t);
    double deltaHere = newMass - std::exp(t) * newWeighted;
    while (next < 3 && deltaHere > targets[next]) {
      if (j == n - 1)
        throw PrvError("the PRV accountant cannot compute ε: δ is too small for its domain");
      found[next] = std::log((tailMass - targets[next]) / tailWeighted);
      ++next;
    }
    tailMass = newMass;
    tailWeighted = newWeighted;
  }
  if (next < 3)
    throw PrvError("the PRV accountant cannot compute ε: δ is so large that even the lowest "
                   "point of its domain meets it; use the RDP accountant");
  result.upper = found[0] + epsError;
  result.estimate = found[1];
  result.lower = found[2] - epsError;
  return result;
}

std::optional<double> prvCalibrateNoise(double q, long long steps, double delta,
                                        double targetEpsilon, double tolerance, double maxSigma,
                                        const PrvOptions &options) {
  auto meets = [&](double sigma) {
    return prvEpsilon(q, sigma, steps, delta, options).upper <= targetEpsilon;
  };
  // Far below the answer, ε is large and the grid may be too; that only means "does not meet".
  auto meetsOrFails = [&](double sigma) {
    try {
      return meets(sigma);
    } catch (const PrvError &) {
      return false;
    }
  };
  // PRV is tighter than RDP: RDP's calibrated σ almost always meets the target already.
  double high = calibrateNoise(q, steps, delta, targetEpsilon, tolerance, maxSigma).value_or(maxSigma);
  while (!meets(high)) {
    if (high >= maxSigma)
      return std::nullopt;
    high = std::min(2 * high, maxSigma);
  }
  double low = high / 2;
  while (meetsOrFails(low)) {
    high = low;
    low /= 2;
    if (low < 1e-3)
      return high;
  }
  while ((high - low) > tolerance * high) {
    double mid = 0.5 * (low + high);
    if (meetsOrFails(mid))
      high = mid;
    else
      low = mid;
  }
  return high; // always meets the target
}

} // namespace ftp::privacy
