//===- BackendBench.cpp - `ftpc bench update` in the back end ----------------------===//
//
// The fused clip+noise+AdamW update (JIT) against the same math as LibTorch eager operations in
// their best form (temporaries preallocated, noise from torch's generator into a preallocated
// buffer) and against torch::optim::AdamW, with two bandwidth probes measured in the same run:
// STREAM triad a = b + s c and an in-place read-modify-write a += s b.
//
// Bytes counted per element: triad 12 (two reads, one write), in-place 12 (two reads, one write),
// update 32 (param, grad, m and v each read and written); write-allocate traffic is not counted,
// as STREAM does not. Times are medians over the repetitions, after one warm-up.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Kernels/JitStepKernels.h"
#include "ftp/runtime/StepKernels.h"

#include <nlohmann/json.hpp>
#include <omp.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <iostream>
#include <vector>

using ftp::runtime::NoiseKey;
using ftp::runtime::OptimizerStep;

namespace {

double medianSeconds(int repeats, const std::function<void()> &fn) {
  fn(); // warm-up: first touch of pages, caches, thread pools
  std::vector<double> times;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

struct Row {
  int64_t n;
  double triad, inplace, fused, fusedNoNoise, eager, optim; // seconds
};

Row measure(int64_t n, int repeats, ftp::runtime::StepKernels &jit) {
  Row row{n};
  auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  torch::Tensor a = torch::rand({n}, opts), b = torch::rand({n}, opts), c = torch::rand({n}, opts);
  float *pa = a.data_ptr<float>(), *pb = b.data_ptr<float>(), *pc = c.data_ptr<float>();
  const float s = 0.5f;
  row.triad = medianSeconds(repeats, [&] {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      pa[i] = pb[i] + s * pc[i];
  });
  row.inplace = medianSeconds(repeats, [&] {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < n; ++i)
      pa[i] += s * pb[i];
  });

  torch::Tensor p = torch::randn({n}, opts), g = torch::randn({n}, opts);
  torch::Tensor m = torch::zeros({n}, opts), v = torch::zeros({n}, opts);
  OptimizerStep opt{OptimizerStep::Kind::AdamW, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f};
  const float gradScale = 1.0f / 256, noiseStd = 1.1f / 256;
  int64_t step = 0;
  // The gradient buffer is overwritten by each update; its values do not change the work done.
  row.fused = medianSeconds(repeats, [&] {
    opt.step = ++step;
    jit.update(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(),
               n, gradScale, noiseStd, NoiseKey{1, uint64_t(step), 0}, opt);
  });
  row.fusedNoNoise = medianSeconds(repeats, [&] {
    opt.step = ++step;
    jit.update(p.data_ptr<float>(), g.data_ptr<float>(), m.data_ptr<float>(), v.data_ptr<float>(),
               n, gradScale, 0.0f, NoiseKey{}, opt);
  });

  // Eager, best form: every temporary preallocated, in-place operations.
  torch::Tensor z = torch::empty({n}, opts), mHat = torch::empty({n}, opts),
                denominator = torch::empty({n}, opts);
  torch::NoGradGuard noGrad;
  row.eager = medianSeconds(repeats, [&] {
    double t = double(++step);
    float c1 = float(1 - std::pow(0.9, t)), c2 = float(1 - std::pow(0.999, t));
    z.normal_();
    g.mul_(gradScale).add_(z, noiseStd);
    m.mul_(opt.beta1).add_(g, 1 - opt.beta1);
    v.mul_(opt.beta2).addcmul_(g, g, 1 - opt.beta2);
    torch::div_out(mHat, m, c1);
    torch::div_out(denominator, v, c2);
    denominator.sqrt_().add_(opt.eps);
    mHat.div_(denominator);
    p.mul_(1 - opt.lr * opt.weightDecay).sub_(mHat, opt.lr);
  });

  // torch::optim::AdamW, with the noise added to the gradient first as Opacus does.
  torch::Tensor param = p.clone();
  param.mutable_grad() = g.clone();
  torch::optim::AdamW adamw({param},
                            torch::optim::AdamWOptions(1e-3).betas({0.9, 0.999}).weight_decay(0.01));
  row.optim = medianSeconds(repeats, [&] {
    z.normal_();
    param.mutable_grad().mul_(gradScale).add_(z, noiseStd);
    adamw.step();
  });
  return row;
}

} // namespace

int ftpc_bench_update(const char *optionsJson) {
  nlohmann::json options = nlohmann::json::parse(optionsJson, nullptr, false);
  if (options.is_discarded())
    options = nlohmann::json::object();
  bool json = options.value("json", false);
  auto sizes = options.value("sizes", std::vector<int64_t>{1000000, 10000000, 100000000});
  int threads = options.value("threads", 0);
  if (threads <= 0)
    threads = omp_get_max_threads();
  omp_set_num_threads(threads);
  at::set_num_threads(threads);

  std::unique_ptr<ftp::runtime::StepKernels> jit;
  try {
    jit = ftp::compiler::createJitStepKernels(options.value("cache_dir", ""));
  } catch (const std::exception &e) {
    std::cerr << "ftpc: internal error: cannot build the step kernels: " << e.what() << "\n";
    return 2;
  }
  const auto *stats = ftp::compiler::jitStats(*jit);
  std::printf("step kernels: %s (lower %.1f ms, compile %.1f ms, load %.1f ms); %d threads\n",
              stats && stats->cacheHit ? "cached object" : "compiled", stats ? stats->lowerMs : 0,
              stats ? stats->compileMs : 0, stats ? stats->loadMs : 0, threads);
  std::printf("%12s %10s %10s %12s %12s %10s %12s %8s\n", "params", "triad", "in-place",
              "fused+noise", "fused(no n)", "eager", "optim.AdamW", "vs eager");
  std::printf("%12s %10s %10s %12s %12s %10s %12s %8s\n", "", "GB/s", "GB/s", "GB/s (ms)", "GB/s",
              "GB/s (ms)", "ms", "");
  Row last{};
  for (int64_t n : sizes) {
    int repeats = n <= 1000000 ? 30 : n <= 10000000 ? 10 : 3;
    Row r = measure(n, repeats, *jit);
    auto gbps = [&](double bytesPerElement, double seconds) {
      return bytesPerElement * double(n) / seconds / 1e9;
    };
    std::printf("%12lld %10.1f %10.1f %6.1f (%4.1f) %12.1f %4.1f (%5.1f) %12.1f %7.1fx\n",
                (long long)n, gbps(12, r.triad), gbps(12, r.inplace), gbps(32, r.fused),
                r.fused * 1e3, gbps(32, r.fusedNoNoise), gbps(32, r.eager), r.eager * 1e3,
                r.optim * 1e3, r.eager / r.fused);
    std::fflush(stdout);
    last = r;
  }
  if (json) {
    int64_t n = last.n;
    auto gbps = [&](double bytes, double seconds) { return bytes * double(n) / seconds / 1e9; };
    nlohmann::json out = {
        {"params", n},
        {"threads", threads},
        {"stream_triad_gbps", gbps(12, last.triad)},
        {"stream_inplace_gbps", gbps(12, last.inplace)},
        {"fused_gbps", gbps(32, last.fused)},
        {"fused_no_noise_gbps", gbps(32, last.fusedNoNoise)},
        {"eager_gbps", gbps(32, last.eager)},
        {"fused_ms", last.fused * 1e3},
        {"eager_ms", last.eager * 1e3},
        {"optim_adamw_ms", last.optim * 1e3},
        {"fused_vs_eager", last.eager / last.fused},
        {"bytes_per_element", {{"triad", 12}, {"inplace", 12}, {"update", 32}}},
    };
    std::cout << out.dump() << "\n";
  }
  return 0;
}
