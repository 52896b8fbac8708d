//===- StepKernels.h - the per-step numeric work the compiler fuses -------------===//
//
// Model forward and backward run on LibTorch's GEMMs; what happens around them every step — adding
// DP noise to the summed clipped gradients, the optimizer update, perturbing input embeddings — is
// a chain of small memory-bound operations. The compiler lowers each to one fused kernel (MLIR ->
// LLVM JIT on the CPU); the runtime calls them through this interface on LibTorch tensors' memory.
// `--kernels=eager` selects the implementation made of composed LibTorch operations instead, for
// A/B checks: both must agree within float tolerance.
//
// Noise comes from a counter-based generator (Philox-4x32-10) keyed by (seed, step, tensor id,
// element index), so it is the same whichever implementation or thread count produces it.
//
// The keying, exactly (every implementation must reproduce u1 and u2 bit for bit):
//   key     = (seed & 0xffffffff, seed >> 32)
//   counter = (index & 0xffffffff, index >> 32, step & 0xffffffff, tensorId)
//   (w0, w1, w2, w3) = Philox-4x32-10(counter, key)          (Random123's philox4x32_R(10, ...))
//   u1 = ((w0 >> 8) + 1) * 2^-24   in (0, 1]   (never 0, so the logarithm is finite)
//   u2 =  (w1 >> 8)      * 2^-24   in [0, 1)
//   z  = sqrt(-2 ln u1) * cos(2 pi u2)           (Box-Muller, float32; w2 and w3 are unused)
// One block per element keeps element i's sample independent of how the tensor is split into
// chunks or vector lanes. Steps are taken modulo 2^32. The JIT evaluates ln and cos with
// polynomial approximations (a few ulp), so its samples agree with philoxNormal() to about 1e-6
// absolute, not bit for bit.
//
// This header is free of LibTorch and MLIR: both sides include it.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace ftp::runtime {

struct OptimizerStep {
  enum class Kind { AdamW, Adam, Sgd } kind = Kind::AdamW;
  float lr = 0;
  float beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  float weightDecay = 0; // AdamW: decoupled; Adam and SGD: L2 added to the gradient
  float momentum = 0;    // SGD (dampening 0, no Nesterov); m must be non-null even when 0
  int64_t step = 1;      // 1-based optimizer step, for Adam's bias correction
};

/// Where a tensor's noise comes from: Philox keyed by seed, counter = (index, step, tensorId).
struct NoiseKey {
  uint64_t seed = 0;
  uint64_t step = 0;
  uint32_t tensorId = 0;
};

class StepKernels {
public:
  virtual ~StepKernels() = default;
  /// "jit" or "eager".
  virtual std::string name() const = 0;

  /// One parameter tensor's optimizer step, fused with the privacy noise:
  ///   g   := grad * gradScale + noiseStd * N(0, 1)        (noise only when noiseStd > 0)
  ///   then the optimizer update of `param` with g; `m` and `v` are its state (SGD: m is the
  ///   momentum buffer, v unused and may be null). All buffers are contiguous float32 of n
  ///   elements; `grad` is overwritten with g (without Adam's or SGD's L2 term).
  ///   AdamW: m' = b1 m + (1-b1) g;  v' = b2 v + (1-b2) g^2;
  ///          p' = p (1 - lr wd) - lr (m' / (1 - b1^step)) / (sqrt(v' / (1 - b2^step)) + eps)
  ///   Adam:  the same with g + wd p in place of g and no decoupled decay.
  ///   SGD:   m' = momentum m + (g + wd p);  p' = p - lr m'   (torch.optim.SGD, dampening 0)
  virtual void update(float *param, float *grad, float *m, float *v, int64_t n, float gradScale,
                      float noiseStd, const NoiseKey &noise, const OptimizerStep &opt) = 0;

  /// acc += scale * g (the per-sample clipping scale applied while accumulating).
  virtual void clipAccumulate(float *acc, const float *g, int64_t n, float scale) = 0;

  /// out += std * N(0, 1) (embedding noise injection).
  virtual void addGaussianNoise(float *out, int64_t n, float std, const NoiseKey &noise) = 0;

  /// One FGSM/PGD step on an embedding perturbation: delta := clamp(delta + alpha * sign(g),
  /// -eps, eps) elementwise (L-infinity ball).
  virtual void perturbStep(float *delta, const float *g, int64_t n, float alpha, float eps) = 0;

  /// One FreeLB ascent step for `rows` examples of `rowSize` elements each (row-major), every
  /// example in its own L2 ball:
  ///   d_r := d_r + alpha * g_r / max(|g_r|, 1e-12);  d_r := d_r * min(1, eps / max(|d_r|, 1e-12)).
  virtual void l2AscentStep(float *delta, const float *g, int64_t rows, int64_t rowSize, float alpha,
                            float eps) = 0;
};

/// The reference: the same math composed of LibTorch operations (and the same Philox stream).
std::unique_ptr<StepKernels> makeEagerStepKernels();

/// Philox-4x32-10 standard normal sample for (key, index); the reference every implementation of
/// the noise must reproduce (Box-Muller on two 32-bit uniforms of one Philox block).
float philoxNormal(const NoiseKey &key, uint64_t index);

/// The Philox-4x32-10 block function of Random123 (philox4x32_R with 10 rounds), exposed so that
/// tests can check it against the published known-answer vectors.
void philox4x32x10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/// A seed for the secure mode: 64 bits from the operating system (getrandom). Noise drawn with it
/// is not reproducible, by design: nobody, including whoever reads the run record, can replay it.
uint64_t osRandomSeed();

} // namespace ftp::runtime
