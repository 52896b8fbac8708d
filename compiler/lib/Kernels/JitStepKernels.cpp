//===- JitStepKernels.cpp - call the JIT'd step kernels, one chunk per thread ----===//
//
// Compiled with OpenMP (LibTorch's libgomp), without MLIR headers. Each kernel is called through
// its _mlir_ciface_ wrapper with memref descriptors built over the caller's buffers.
//
//===----------------------------------------------------------------------------------------===//

#include "JitCompile.h"

#include <omp.h>

#include <algorithm>
#include <stdexcept>

namespace ftp::compiler {
namespace {

// memref<?xf32> as the C interface passes it.
struct Buffer {
  float *allocated;
  float *aligned;
  int64_t offset, size, stride;
};
Buffer view(const float *data, int64_t begin, int64_t size) {
  float *at = data ? const_cast<float *>(data) + begin : nullptr;
  return {at, at, 0, size, 1};
}

using UpdateFn = void (*)(Buffer *, Buffer *, Buffer *, Buffer *, float, float, int64_t, int64_t,
                          int32_t, int64_t, int64_t, float, float, float, float, float, float);
using ClipAccumulateFn = void (*)(Buffer *, Buffer *, float);
using AddNoiseFn = void (*)(Buffer *, float, int64_t, int64_t, int32_t, int64_t);
using PerturbFn = void (*)(Buffer *, Buffer *, float, float);
using L2AscentFn = void (*)(Buffer *, Buffer *, float, float);

// Runs fn(begin, size) over [0, n) in one contiguous chunk per thread. Below the threshold the
// fork costs more than the work (a few microseconds against ~1 ns per element).
template <typename Fn> void forChunks(int64_t n, Fn fn) {
  constexpr int64_t kParallelThreshold = 1 << 15;
  int threads = n >= kParallelThreshold ? omp_get_max_threads() : 1;
  if (threads <= 1) {
    fn(int64_t(0), n);
    return;
  }
  // Chunks are multiples of 16 floats (a cache line), so threads never share one.
  int64_t chunk = ((n + threads - 1) / threads + 15) / 16 * 16;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    int64_t begin = int64_t(t) * chunk, end = std::min(n, begin + chunk);
    if (begin < end)
      fn(begin, end - begin);
  }
}

class JitStepKernels final : public ftp::runtime::StepKernels {
public:
  explicit JitStepKernels(detail::LoadedKernels loaded) : loaded_(std::move(loaded)) {
    auto &s = loaded_.symbols;
    update_[0][0] = reinterpret_cast<UpdateFn>(s.at("ftp_update_adamw"));
    update_[0][1] = reinterpret_cast<UpdateFn>(s.at("ftp_update_adamw_noise"));
    update_[1][0] = reinterpret_cast<UpdateFn>(s.at("ftp_update_adam"));
    update_[1][1] = reinterpret_cast<UpdateFn>(s.at("ftp_update_adam_noise"));
    update_[2][0] = reinterpret_cast<UpdateFn>(s.at("ftp_update_sgd"));
    update_[2][1] = reinterpret_cast<UpdateFn>(s.at("ftp_update_sgd_noise"));
    clipAccumulate_ = reinterpret_cast<ClipAccumulateFn>(s.at("ftp_clip_accumulate"));
    addNoise_ = reinterpret_cast<AddNoiseFn>(s.at("ftp_add_noise"));
    perturb_ = reinterpret_cast<PerturbFn>(s.at("ftp_perturb_step"));
    l2Ascent_ = reinterpret_cast<L2AscentFn>(s.at("ftp_l2_ascent_step"));
  }

  std::string name() const override { return "jit"; }
  const JitStats &stats() const { return loaded_.stats; }

  void update(float *param, float *grad, float *m, float *v, int64_t n, float gradScale,
              float noiseStd, const ftp::runtime::NoiseKey &noise,
              const ftp::runtime::OptimizerStep &opt) override {
    using Kind = ftp::runtime::OptimizerStep::Kind;
    int kind = opt.kind == Kind::AdamW ? 0 : opt.kind == Kind::Adam ? 1 : 2;
    if (kind != 2 && !v)
      throw std::invalid_argument("Adam and AdamW need the second-moment buffer");
    if (!m)
      throw std::invalid_argument("the optimizer needs its first-moment/momentum buffer");
    UpdateFn fn = update_[kind][noiseStd > 0 ? 1 : 0];
    forChunks(n, [&](int64_t begin, int64_t size) {
      Buffer p = view(param, begin, size), g = view(grad, begin, size), mb = view(m, begin, size),
             vb = view(v, begin, size);
      fn(&p, &g, &mb, &vb, gradScale, noiseStd, static_cast<int64_t>(noise.seed),
         static_cast<int64_t>(noise.step), static_cast<int32_t>(noise.tensorId), begin, opt.step,
         opt.lr, opt.beta1, opt.beta2, opt.eps, opt.weightDecay, opt.momentum);
    });
  }

  void clipAccumulate(float *acc, const float *g, int64_t n, float scale) override {
    forChunks(n, [&](int64_t begin, int64_t size) {
      Buffer a = view(acc, begin, size), b = view(g, begin, size);
      clipAccumulate_(&a, &b, scale);
    });
  }

  void addGaussianNoise(float *out, int64_t n, float std,
                        const ftp::runtime::NoiseKey &noise) override {
    forChunks(n, [&](int64_t begin, int64_t size) {
      Buffer o = view(out, begin, size);
      addNoise_(&o, std, static_cast<int64_t>(noise.seed), static_cast<int64_t>(noise.step),
                static_cast<int32_t>(noise.tensorId), begin);
    });
  }

  void perturbStep(float *delta, const float *g, int64_t n, float alpha, float eps) override {
    forChunks(n, [&](int64_t begin, int64_t size) {
      Buffer d = view(delta, begin, size), b = view(g, begin, size);
      perturb_(&d, &b, alpha, eps);
    });
  }

  // One call per example (each has its own ball); examples are spread over the threads.
  void l2AscentStep(float *delta, const float *g, int64_t rows, int64_t rowSize, float alpha,
                    float eps) override {
    if (rows <= 0 || rowSize <= 0)
      return;
    int threads = rows * rowSize >= (1 << 15) ? std::min<int64_t>(omp_get_max_threads(), rows) : 1;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
      Buffer d = view(delta, r * rowSize, rowSize), b = view(g, r * rowSize, rowSize);
      l2Ascent_(&d, &b, alpha, eps);
    }
  }

private:
  detail::LoadedKernels loaded_;
  UpdateFn update_[3][2];
  ClipAccumulateFn clipAccumulate_;
  AddNoiseFn addNoise_;
  PerturbFn perturb_;
  L2AscentFn l2Ascent_;
};

} // namespace

std::unique_ptr<ftp::runtime::StepKernels> createJitStepKernels(const std::string &cacheDir) {
  return std::make_unique<JitStepKernels>(detail::compileStepKernels(cacheDir));
}

const JitStats *jitStats(const ftp::runtime::StepKernels &kernels) {
  auto *jit = dynamic_cast<const JitStepKernels *>(&kernels);
  return jit ? &jit->stats() : nullptr;
}

} // namespace ftp::compiler
