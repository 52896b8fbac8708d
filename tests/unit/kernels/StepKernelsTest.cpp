//===- StepKernelsTest.cpp - JIT'd step kernels against the eager reference --------===//
//
// The JIT kernels must agree with the composed LibTorch operations (and with torch::optim where
// the math is PyTorch's) within float tolerance, the Philox generator must match Random123's
// known answers, and its normals must pass mean, variance and Kolmogorov-Smirnov tests.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Kernels/JitStepKernels.h"
#include "ftp/runtime/StepKernels.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <vector>

using ftp::runtime::NoiseKey;
using ftp::runtime::OptimizerStep;
using ftp::runtime::StepKernels;

namespace {

// One JIT instance for the whole binary: compiling it is the slow part, tested separately below.
StepKernels &jit() {
  static std::unique_ptr<StepKernels> kernels = [] {
    auto dir = std::filesystem::temp_directory_path() / "ftpc-kernels-unit-tests";
    return ftp::compiler::createJitStepKernels(dir.string());
  }();
  return *kernels;
}
StepKernels &eager() {
  static std::unique_ptr<StepKernels> kernels = ftp::runtime::makeEagerStepKernels();
  return *kernels;
}

std::vector<float> randomVector(int64_t n, uint64_t seed, float scale = 1.0f) {
  torch::manual_seed(seed);
  torch::Tensor t = torch::randn({n}) * scale;
  return std::vector<float>(t.data_ptr<float>(), t.data_ptr<float>() + n);
}

// Largest |a - b| / max(1, |b|): relative for large values, absolute near zero.
double maxError(const std::vector<float> &a, const std::vector<float> &b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - b[i]) / std::max(1.0, std::abs(double(b[i]))));
  return worst;
}

const int64_t kSizes[] = {1, 7, 1000003};

// ----- Philox ---------------------------------------------------------------------------------

// Random123's tests/kat_vectors, the three philox4x32 10 lines: counter[4] key[2] -> out[4].
TEST(Philox, KnownAnswers) {
  struct Case {
    uint32_t counter[4], key[2], expected[4];
  } cases[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
      {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
       {0xffffffff, 0xffffffff},
       {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
      {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
       {0xa4093822, 0x299f31d0},
       {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
  };
  for (const Case &c : cases) {
    uint32_t out[4];
    ftp::runtime::philox4x32x10(c.counter, c.key, out);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(out[i], c.expected[i]) << "word " << i;
  }
}

// Mean, variance and Kolmogorov-Smirnov of n samples against N(0, 1).
void expectStandardNormal(std::vector<float> samples) {
  const double n = double(samples.size());
  double mean = 0, m2 = 0;
  for (float x : samples)
    mean += x;
  mean /= n;
  for (float x : samples)
    m2 += (x - mean) * (x - mean);
  double variance = m2 / (n - 1);
  // Five standard errors: the standard error of the mean is 1/sqrt(n), of the variance sqrt(2/n).
  EXPECT_LT(std::abs(mean), 5 / std::sqrt(n)) << "mean " << mean;
  EXPECT_LT(std::abs(variance - 1), 5 * std::sqrt(2 / n)) << "variance " << variance;
  std::sort(samples.begin(), samples.end());
  double d = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    double cdf = 0.5 * std::erfc(-samples[i] / std::sqrt(2.0));
    d = std::max({d, std::abs(cdf - i / n), std::abs((i + 1) / n - cdf)});
  }
  // Critical value at significance 0.001: 1.95 / sqrt(n).
  EXPECT_LT(d, 1.95 / std::sqrt(n)) << "KS statistic " << d;
}

TEST(Philox, ReferenceNormalsAreStandardNormal) {
  NoiseKey key{1234, 7, 3};
  std::vector<float> samples(1000000);
  for (size_t i = 0; i < samples.size(); ++i)
    samples[i] = ftp::runtime::philoxNormal(key, i);
  expectStandardNormal(std::move(samples));
}

TEST(Philox, JitNormalsAreStandardNormal) {
  std::vector<float> samples(1000000, 0.0f);
  jit().addGaussianNoise(samples.data(), samples.size(), 1.0f, NoiseKey{99, 1, 0});
  expectStandardNormal(std::move(samples));
}

TEST(Philox, ReproducibleForAKeyDifferentOtherwise) {
  auto draw = [](StepKernels &k, NoiseKey key) {
    std::vector<float> x(4096, 0.0f);
    k.addGaussianNoise(x.data(), x.size(), 1.0f, key);
    return x;
  };
  for (StepKernels *k : {&jit(), &eager()}) {
    NoiseKey key{42, 10, 5};
    EXPECT_EQ(draw(*k, key), draw(*k, key)) << k->name();
    for (NoiseKey other : {NoiseKey{43, 10, 5}, NoiseKey{42, 11, 5}, NoiseKey{42, 10, 6},
                           NoiseKey{42ull | (1ull << 40), 10, 5}}) {
      auto a = draw(*k, key), b = draw(*k, other);
      int equal = 0;
      for (size_t i = 0; i < a.size(); ++i)
        equal += a[i] == b[i];
      EXPECT_LT(equal, 3) << k->name() << ": streams for different keys coincide";
    }
  }
}

// ----- JIT against eager ----------------------------------------------------------------------

TEST(JitVsEager, AddGaussianNoise) {
  for (int64_t n : kSizes) {
    auto a = randomVector(n, 1), b = a;
    jit().addGaussianNoise(a.data(), n, 0.5f, NoiseKey{7, 3, 2});
    eager().addGaussianNoise(b.data(), n, 0.5f, NoiseKey{7, 3, 2});
    // ln and cos are polynomial approximations in the JIT (see StepKernels.h).
    EXPECT_LT(maxError(a, b), 2e-6) << "n = " << n;
  }
}

TEST(JitVsEager, ClipAccumulate) {
  for (int64_t n : kSizes) {
    auto g = randomVector(n, 2), a = randomVector(n, 3), b = a;
    jit().clipAccumulate(a.data(), g.data(), n, 0.37f);
    eager().clipAccumulate(b.data(), g.data(), n, 0.37f);
    EXPECT_LT(maxError(a, b), 1e-6) << "n = " << n;
  }
}

TEST(JitVsEager, PerturbStep) {
  for (int64_t n : kSizes) {
    auto g = randomVector(n, 4), a = randomVector(n, 5, 0.05f), b = a;
    if (n > 3)
      g[3] = 0.0f; // sign(0) = 0
    jit().perturbStep(a.data(), g.data(), n, 0.01f, 0.03f);
    eager().perturbStep(b.data(), g.data(), n, 0.01f, 0.03f);
    EXPECT_LT(maxError(a, b), 1e-6) << "n = " << n;
    for (float x : a)
      ASSERT_LE(std::abs(x), 0.03f);
  }
}

// FreeLB's step, written out in double per example: the kernels must match it, not each other only.
std::vector<float> l2AscentReference(std::vector<float> d, const std::vector<float> &g, int64_t rows,
                                     int64_t rowSize, double alpha, double eps) {
  for (int64_t r = 0; r < rows; ++r) {
    float *row = d.data() + r * rowSize;
    const float *grad = g.data() + r * rowSize;
    double gradNorm = 0, norm = 0;
    for (int64_t i = 0; i < rowSize; ++i)
      gradNorm += double(grad[i]) * grad[i];
    gradNorm = std::max(std::sqrt(gradNorm), 1e-12);
    std::vector<double> stepped(rowSize);
    for (int64_t i = 0; i < rowSize; ++i) {
      stepped[i] = row[i] + alpha * grad[i] / gradNorm;
      norm += stepped[i] * stepped[i];
    }
    double factor = std::min(1.0, eps / std::max(std::sqrt(norm), 1e-12));
    for (int64_t i = 0; i < rowSize; ++i)
      row[i] = static_cast<float>(stepped[i] * factor);
  }
  return d;
}

double rowNorm(const std::vector<float> &d, int64_t r, int64_t rowSize) {
  double sum = 0;
  for (int64_t i = 0; i < rowSize; ++i)
    sum += double(d[r * rowSize + i]) * d[r * rowSize + i];
  return std::sqrt(sum);
}

TEST(JitVsEager, L2AscentStep) {
  // (rows, row size): one tiny example, odd sizes, and a batch large enough to use every thread.
  const std::pair<int64_t, int64_t> shapes[] = {{1, 1}, {3, 7}, {16, 64 * 384}};
  for (auto [rows, rowSize] : shapes) {
    int64_t n = rows * rowSize;
    auto g = randomVector(n, 6), a = randomVector(n, 7, 0.01f);
    for (int64_t i = 0; i < rowSize && rows > 1; ++i)
      g[rowSize + i] = 0.0f; // a zero gradient: no step, no division by zero
    auto b = a;
    auto expected = l2AscentReference(a, g, rows, rowSize, 0.02, 0.05);
    jit().l2AscentStep(a.data(), g.data(), rows, rowSize, 0.02f, 0.05f);
    eager().l2AscentStep(b.data(), g.data(), rows, rowSize, 0.02f, 0.05f);
    EXPECT_LT(maxError(a, expected), 1e-6) << rows << "x" << rowSize;
    EXPECT_LT(maxError(b, expected), 1e-6) << rows << "x" << rowSize;
    for (int64_t r = 0; r < rows; ++r)
      ASSERT_LE(rowNorm(a, r, rowSize), 0.05 * (1 + 1e-5)) << "row " << r;
  }
}

// Inside the ball the step is exactly alpha long and along the gradient; a step that leaves the
// ball ends on its surface. Each example is projected on its own.
TEST(JitVsEager, L2AscentStepGeometry) {
  int64_t rows = 2, rowSize = 1000;
  std::vector<float> d(rows * rowSize, 0.0f);
  auto g = randomVector(rows * rowSize, 8);
  for (int64_t i = 0; i < rowSize; ++i)
    g[rowSize + i] *= 1000.0f; // the step length must not depend on the gradient's scale
  jit().l2AscentStep(d.data(), g.data(), rows, rowSize, 0.01f, 1.0f);
  EXPECT_NEAR(rowNorm(d, 0, rowSize), 0.01, 1e-6);
  EXPECT_NEAR(rowNorm(d, 1, rowSize), 0.01, 1e-6);
  double gradNorm = rowNorm(g, 0, rowSize);
  for (int64_t i = 0; i < rowSize; ++i)
    ASSERT_NEAR(d[i], 0.01 * g[i] / gradNorm, 1e-7);
  jit().l2AscentStep(d.data(), g.data(), rows, rowSize, 5.0f, 0.5f);
  EXPECT_NEAR(rowNorm(d, 0, rowSize), 0.5, 1e-5);
  EXPECT_NEAR(rowNorm(d, 1, rowSize), 0.5, 1e-5);
}

struct UpdateCase {
  OptimizerStep::Kind kind;
  float noiseStd;
};

class JitVsEagerUpdate : public ::testing::TestWithParam<UpdateCase> {};

TEST_P(JitVsEagerUpdate, ThreeSteps) {
  UpdateCase c = GetParam();
  for (int64_t n : kSizes) {
    auto p1 = randomVector(n, 10), m1 = std::vector<float>(n, 0.0f), v1 = m1;
    auto p2 = p1, m2 = m1, v2 = v1;
    for (int step = 1; step <= 3; ++step) {
      auto g1 = randomVector(n, 100 + step, 4.0f), g2 = g1;
      OptimizerStep opt;
      opt.kind = c.kind;
      opt.lr = 1e-2f;
      opt.weightDecay = 0.01f;
      opt.momentum = 0.9f;
      opt.step = step;
      NoiseKey key{2024, uint64_t(step), 1};
      jit().update(p1.data(), g1.data(), m1.data(), v1.data(), n, 0.25f, c.noiseStd, key, opt);
      eager().update(p2.data(), g2.data(), m2.data(), v2.data(), n, 0.25f, c.noiseStd, key, opt);
      EXPECT_LT(maxError(g1, g2), 2e-6) << "gradient, n = " << n << ", step " << step;
      EXPECT_LT(maxError(m1, m2), 2e-6) << "m, n = " << n << ", step " << step;
      if (c.kind != OptimizerStep::Kind::Sgd)
        EXPECT_LT(maxError(v1, v2), 2e-6) << "v, n = " << n << ", step " << step;
      EXPECT_LT(maxError(p1, p2), 2e-6) << "param, n = " << n << ", step " << step;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllOptimizers, JitVsEagerUpdate,
    ::testing::Values(UpdateCase{OptimizerStep::Kind::AdamW, 0.0f},
                      UpdateCase{OptimizerStep::Kind::AdamW, 0.3f},
                      UpdateCase{OptimizerStep::Kind::Adam, 0.0f},
                      UpdateCase{OptimizerStep::Kind::Adam, 0.3f},
                      UpdateCase{OptimizerStep::Kind::Sgd, 0.0f},
                      UpdateCase{OptimizerStep::Kind::Sgd, 0.3f}));

// ----- against torch::optim -------------------------------------------------------------------

// Two steps of `optimizer` on a parameter with the given gradients, and the same through `kernels`.
template <typename MakeOptimizer>
void expectMatchesTorchOptim(StepKernels &kernels, OptimizerStep opt, MakeOptimizer make) {
  const int64_t n = 100003;
  auto initial = randomVector(n, 20);
  torch::Tensor param = torch::tensor(initial).requires_grad_(true);
  auto optimizer = make(param);
  std::vector<float> p = initial, m(n, 0.0f), v(n, 0.0f);
  for (int step = 1; step <= 2; ++step) {
    auto g = randomVector(n, 30 + step);
    param.mutable_grad() = torch::tensor(g);
    optimizer->step();
    opt.step = step;
    kernels.update(p.data(), g.data(), m.data(), v.data(), n, 1.0f, 0.0f, NoiseKey{}, opt);
  }
  std::vector<float> expected(param.data_ptr<float>(), param.data_ptr<float>() + n);
  EXPECT_LT(maxError(p, expected), 1e-6) << kernels.name();
}

TEST(TorchOptim, AdamW) {
  OptimizerStep opt{OptimizerStep::Kind::AdamW, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f};
  for (StepKernels *k : {&jit(), &eager()})
    expectMatchesTorchOptim(*k, opt, [](torch::Tensor p) {
      return std::make_unique<torch::optim::AdamW>(
          std::vector<torch::Tensor>{p},
          torch::optim::AdamWOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01));
    });
}

TEST(TorchOptim, Adam) {
  OptimizerStep opt{OptimizerStep::Kind::Adam, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f};
  for (StepKernels *k : {&jit(), &eager()})
    expectMatchesTorchOptim(*k, opt, [](torch::Tensor p) {
      return std::make_unique<torch::optim::Adam>(
          std::vector<torch::Tensor>{p},
          torch::optim::AdamOptions(1e-3).betas({0.9, 0.999}).eps(1e-8).weight_decay(0.01));
    });
}

TEST(TorchOptim, SgdWithMomentum) {
  OptimizerStep opt;
  opt.kind = OptimizerStep::Kind::Sgd;
  opt.lr = 0.05f;
  opt.momentum = 0.9f;
  opt.weightDecay = 0.01f;
  for (StepKernels *k : {&jit(), &eager()})
    expectMatchesTorchOptim(*k, opt, [](torch::Tensor p) {
      return std::make_unique<torch::optim::SGD>(
          std::vector<torch::Tensor>{p},
          torch::optim::SGDOptions(0.05).momentum(0.9).weight_decay(0.01));
    });
}

// ----- the object cache -----------------------------------------------------------------------

TEST(JitCache, WarmStartLoadsTheCachedObject) {
  auto dir = std::filesystem::temp_directory_path() /
             ("ftpc-kernel-cache-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  auto cold = ftp::compiler::createJitStepKernels(dir.string());
  auto t1 = Clock::now();
  auto warm = ftp::compiler::createJitStepKernels(dir.string());
  auto t2 = Clock::now();
  const auto *coldStats = ftp::compiler::jitStats(*cold);
  const auto *warmStats = ftp::compiler::jitStats(*warm);
  ASSERT_TRUE(coldStats && warmStats);
  EXPECT_FALSE(coldStats->cacheHit);
  EXPECT_TRUE(warmStats->cacheHit);
  EXPECT_EQ(coldStats->cacheKey, warmStats->cacheKey);
  EXPECT_EQ(warmStats->compileMs, 0);
  EXPECT_TRUE(std::filesystem::exists(warmStats->objectPath));
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::cout << "[ measured ] cold create " << ms(t1 - t0) << " ms (lower " << coldStats->lowerMs
            << ", compile " << coldStats->compileMs << ", load " << coldStats->loadMs
            << "); warm create " << ms(t2 - t1) << " ms (lower " << warmStats->lowerMs << ", load "
            << warmStats->loadMs << ")\n";
  // Both work, and alike.
  std::vector<float> a(1000, 0.0f), b(1000, 0.0f);
  cold->addGaussianNoise(a.data(), 1000, 1.0f, NoiseKey{1, 2, 3});
  warm->addGaussianNoise(b.data(), 1000, 1.0f, NoiseKey{1, 2, 3});
  EXPECT_EQ(a, b);
  std::filesystem::remove_all(dir);
}

} // namespace
