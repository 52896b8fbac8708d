//===- StepKernelsEager.cpp - the step kernels as composed LibTorch operations ------===//
//
// The reference implementation of StepKernels (`--kernels=eager`): the same math as the fused
// kernels, written as LibTorch in-place operations on tensors that wrap the caller's memory, and
// the reference Philox generator every implementation of the noise must reproduce.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/StepKernels.h"

#include <torch/torch.h>

#include <sys/random.h>

#include <cmath>
#include <stdexcept>

namespace ftp::runtime {

void philox4x32x10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]) {
  // Constants from Random123's philox.h: the two multipliers and the Weyl key increments.
  constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
  constexpr uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;
  uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { // the key is bumped before every round but the first
      k0 += kW0;
      k1 += kW1;
    }
    uint64_t p0 = uint64_t(kM0) * c0, p1 = uint64_t(kM1) * c2;
    uint32_t hi0 = uint32_t(p0 >> 32), lo0 = uint32_t(p0);
    uint32_t hi1 = uint32_t(p1 >> 32), lo1 = uint32_t(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
  }
  out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

float philoxNormal(const NoiseKey &key, uint64_t index) {
  // The keying documented in StepKernels.h.
  const uint32_t k[2] = {uint32_t(key.seed), uint32_t(key.seed >> 32)};
  const uint32_t c[4] = {uint32_t(index), uint32_t(index >> 32), uint32_t(key.step), key.tensorId};
  uint32_t w[4];
  philox4x32x10(c, k, w);
  constexpr float kTwoToMinus24 = 1.0f / 16777216.0f;
  float u1 = float((w[0] >> 8) + 1) * kTwoToMinus24;
  float u2 = float(w[1] >> 8) * kTwoToMinus24;
  constexpr float kTwoPi = 6.28318530717958647692f;
  return std::sqrt(-2.0f * std::log(u1)) * std::cos(kTwoPi * u2);
}

uint64_t osRandomSeed() {
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), 0) != static_cast<ssize_t>(sizeof(seed)))
    throw std::runtime_error("cannot read a seed from the operating system (getrandom)");
  return seed;
}

namespace {

torch::Tensor wrap(float *data, int64_t n) {
  return torch::from_blob(data, {n}, torch::TensorOptions().dtype(torch::kFloat32));
}
torch::Tensor wrap(const float *data, int64_t n) { return wrap(const_cast<float *>(data), n); }

// N(0, 1) samples for elements [0, n) of the tensor keyed by `key`, from philoxNormal itself.
torch::Tensor philoxTensor(int64_t n, const NoiseKey &key) {
  torch::Tensor z = torch::empty({n}, torch::kFloat32);
  float *out = z.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i)
    out[i] = philoxNormal(key, static_cast<uint64_t>(i));
  return z;
}

class EagerStepKernels final : public StepKernels {
public:
  std::string name() const override { return "eager"; }

  void update(float *param, float *grad, float *m, float *v, int64_t n, float gradScale,
              float noiseStd, const NoiseKey &noise, const OptimizerStep &opt) override {
    if (n <= 0)
      return;
    torch::NoGradGuard noGrad;
    torch::Tensor p = wrap(param, n), g = wrap(grad, n), mt = wrap(m, n);
    g.mul_(gradScale);
    if (noiseStd > 0)
      g.add_(philoxTensor(n, noise), noiseStd);
    // Adam and SGD add the L2 term to a copy: `grad` keeps the (noisy) gradient itself.
    torch::Tensor effective = g;
    if (opt.kind != OptimizerStep::Kind::AdamW && opt.weightDecay != 0)
      effective = g.add(p, opt.weightDecay);
    if (opt.kind == OptimizerStep::Kind::Sgd) {
      mt.mul_(opt.momentum).add_(effective);
      p.sub_(mt, opt.lr);
      return;
    }
    torch::Tensor vt = wrap(v, n);
    mt.mul_(opt.beta1).add_(effective, 1 - opt.beta1);
    vt.mul_(opt.beta2).addcmul_(effective, effective, 1 - opt.beta2);
    // Bias corrections as the fused kernel computes them: in double, rounded to float.
    auto step = static_cast<double>(opt.step);
    float correction1 = static_cast<float>(1 - std::pow(double(opt.beta1), step));
    float correction2 = static_cast<float>(1 - std::pow(double(opt.beta2), step));
    torch::Tensor denominator = (vt / correction2).sqrt_().add_(opt.eps);
    torch::Tensor update = (mt / correction1).mul_(opt.lr).div_(denominator);
    if (opt.kind == OptimizerStep::Kind::AdamW)
      p.mul_(1 - opt.lr * opt.weightDecay);
    p.sub_(update);
  }

  void clipAccumulate(float *acc, const float *g, int64_t n, float scale) override {
    if (n <= 0)
      return;
    torch::NoGradGuard noGrad;
    wrap(acc, n).add_(wrap(g, n), scale);
  }

  void addGaussianNoise(float *out, int64_t n, float std, const NoiseKey &noise) override {
    if (n <= 0)
      return;
    torch::NoGradGuard noGrad;
    wrap(out, n).add_(philoxTensor(n, noise), std);
  }

  void perturbStep(float *delta, const float *g, int64_t n, float alpha, float eps) override {
    if (n <= 0)
      return;
    torch::NoGradGuard noGrad;
    wrap(delta, n).add_(wrap(g, n).sign(), alpha).clamp_(-eps, eps);
  }

  void l2AscentStep(float *delta, const float *g, int64_t rows, int64_t rowSize, float alpha,
                    float eps) override {
    if (rows <= 0 || rowSize <= 0)
      return;
    torch::NoGradGuard noGrad;
    torch::Tensor d = wrap(delta, rows * rowSize).view({rows, rowSize});
    torch::Tensor grad = wrap(const_cast<float *>(g), rows * rowSize).view({rows, rowSize});
    torch::Tensor gradNorms = grad.norm(2, 1, /*keepdim=*/true).clamp_min(1e-12);
    d.add_(grad / gradNorms * alpha);
    torch::Tensor norms = d.norm(2, 1, /*keepdim=*/true).clamp_min(1e-12);
    d.mul_((eps / norms).clamp_max(1.0));
  }
};

} // namespace

std::unique_ptr<StepKernels> makeEagerStepKernels() { return std::make_unique<EagerStepKernels>(); }

} // namespace ftp::runtime
