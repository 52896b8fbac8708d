//===- PrvAccountant.h - numerical composition of the sampled Gaussian mechanism ---===//
//
// The PRV accountant of Gopi, Lee & Wutschitz, "Numerical Composition of Differential Privacy"
// (NeurIPS 2021), for DP-SGD with Poisson sampling: T steps of the sampled Gaussian mechanism at
// rate q and noise multiplier σ. The privacy loss random variable (PRV) of one step has a closed
// form CDF (the paper's Appendix B); it is truncated to a domain [-L, L], discretized on a grid of
// mesh Δt with its mean preserved, composed T times by FFT, and ε is read off the composed
// distribution. The paper's error analysis bounds the result: ε lies in [lower, upper], and
// `upper` is the (ε, δ) guarantee. It is tighter than the RDP accountant's bound.
//
// The parameters follow Opacus (opacus/accountants/prv.py), so the two agree to about 1e-5:
//   eps_error   0.01 (ε error allowed by the discretization; `upper` = estimate at δ - δ_error,
//               plus eps_error), delta_error δ/1000;
//   L           max(RDP ε of T steps at δ_error/4, RDP ε of one step at δ_error/(8T), eps_error)
//               + 3, with RdpAccountant's default orders (the paper's Remark 5.6, as Opacus);
//   Δt          eps_error / sqrt(T · log(12/δ_error) / 2), the grid aligned on 0 with an even
//               number of points.
//
// Like RdpAccountant, plain C++ without LibTorch; the FFT is FFTW's (libfftw3-dev).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <stdexcept>
#include <string>

namespace ftp::privacy {

struct PrvOptions {
  /// Error allowed in ε; also sets the mesh. Opacus's default.
  double epsError = 0.01;
  /// Error allowed in δ; 0 means δ/1000, Opacus's default.
  double deltaError = 0;
  /// The largest grid accepted (points). A grid takes 16 bytes a point at its peak (the
  /// distribution and its spectrum), so the default bounds memory at about 2 GiB; only very large
  /// ε (hundreds) or very many steps come near it.
  long long maxGridPoints = 1LL << 27;
};

/// ε of one (q, σ, T, δ) under the PRV accountant, with the bounds of the paper and the grid used.
struct PrvEpsilon {
  double upper;    // the guarantee: the mechanism is (upper, δ)-DP; what Opacus's get_epsilon returns
  double estimate; // ε of the discretized composition at δ, without error terms
  double lower;    // the true ε is at least this
  double epsError;
  double deltaError;
  double halfWidth;      // L: the domain is [-L, L], aligned on the grid
  double mesh;           // Δt
  long long gridPoints;  // points of the grid (even)
};

/// Raised when the accountant cannot give a bound: a grid over PrvOptions::maxGridPoints, a δ so
/// small that rounding errors dominate, or a discretization that cannot keep the mean. The message
/// says which, in words fit for a diagnostic.
class PrvError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// The CDF of the privacy loss random variable of one step of the sampled Gaussian mechanism:
/// P[log(P(ω)/Q(ω)) <= t] for ω ~ P = (1-q)·N(0, σ²) + q·N(1, σ²), Q = N(0, σ²).
double sgmPrvCdf(double q, double sigma, double t);

/// ε after `steps` steps of DP-SGD with Poisson sampling rate q in (0, 1] and noise multiplier
/// sigma > 0, at δ in (0, 1). Throws PrvError when no bound can be computed (see above).
PrvEpsilon prvEpsilon(double q, double sigma, long long steps, double delta,
                      const PrvOptions &options = {});

/// The smallest noise multiplier (within `tolerance`, relative) whose PRV ε (upper bound) is at
/// most `targetEpsilon`, or std::nullopt when even `maxSigma` cannot meet it. Brackets with the
/// RDP accountant's calibration, then bisects on prvEpsilon(...).upper (about 15 evaluations);
/// a σ below the answer whose grid is too large counts as not meeting the target. Throws PrvError
/// when the σ that RDP calibrates (or a larger one) cannot be accounted.
std::optional<double> prvCalibrateNoise(double q, long long steps, double delta,
                                        double targetEpsilon, double tolerance = 1e-4,
                                        double maxSigma = 1e4, const PrvOptions &options = {});

} // namespace ftp::privacy
