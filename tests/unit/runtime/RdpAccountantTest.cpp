#include "ftp/privacy/RdpAccountant.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>

using namespace ftp::privacy;

// The vector quoted from Opacus's test suite: σ = 1.5, q = 0.04, 2250 steps, δ = 1e-5, RDP with
// its default orders gives ε = 7.32911117143 (tightest at order 3.9).
TEST(RdpAccountant, OpacusPublishedVector) {
  PrivacySpent spent = epsilon(0.04, 1.5, 2250, 1e-5);
  EXPECT_NEAR(spent.epsilon, 7.32911117143, 7.32911117143 * 1e-9);
  EXPECT_DOUBLE_EQ(spent.order, 3.9);
}

// TF Privacy's rdp_accountant_test (test_compute_rdp_sequence): q = 0.01, σ = 2.5, 50 steps, at
// orders 1.5, 2.5, 5, 50, 100 and ∞ (published to about 4 significant digits).
TEST(RdpAccountant, TfPrivacyPublishedSequence) {
  const double orders[] = {1.5, 2.5, 5, 50, 100};
  const double expected[] = {0.00065, 0.001085, 0.00218075, 0.023846, 167.416307};
  for (int k = 0; k < 5; ++k)
    EXPECT_NEAR(sgmRdp(0.01, 2.5, orders[k]) * 50, expected[k], expected[k] * 1e-2)
        << "order " << orders[k];
  EXPECT_TRUE(std::isinf(sgmRdp(0.01, 2.5, std::numeric_limits<double>::infinity())));
}

TEST(RdpAccountant, LimitCases) {
  EXPECT_EQ(sgmRdp(0, 1.0, 2), 0);                                // nothing sampled
  EXPECT_TRUE(std::isinf(sgmRdp(0.1, 0, 2)));                      // no noise
  EXPECT_DOUBLE_EQ(sgmRdp(1.0, 2.0, 3), 3 / (2 * 2.0 * 2.0));     // full batch: α / 2σ²
  EXPECT_TRUE(std::isinf(epsilon(0.1, 0, 10, 1e-5).epsilon));
}

// A grid of 336 cases (q, σ, steps, δ) and per-order values computed by Opacus itself
// (tests/golden/make_privacy_goldens.py), matched to 1e-6 relative.
TEST(RdpAccountant, MatchesOpacusOnAGrid) {
  std::ifstream in(FTPC_PRIVACY_GOLDENS);
  ASSERT_TRUE(in) << FTPC_PRIVACY_GOLDENS;
  auto goldens = nlohmann::json::parse(in);
  ASSERT_EQ(goldens["orders"].get<std::vector<double>>(), defaultOrders());
  int checked = 0;
  for (const auto &c : goldens["cases"]) {
    PrivacySpent spent = epsilon(c["q"], c["sigma"], c["steps"], c["delta"]);
    double want = c["epsilon"];
    EXPECT_NEAR(spent.epsilon, want, std::abs(want) * 1e-6 + 1e-9)
        << "q=" << c["q"] << " sigma=" << c["sigma"] << " steps=" << c["steps"];
    EXPECT_DOUBLE_EQ(spent.order, c["order"].get<double>());
    ++checked;
  }
  for (const auto &c : goldens["per_order"]) {
    double want = c["rdp"];
    EXPECT_NEAR(sgmRdp(c["q"], c["sigma"], c["order"]), want, std::abs(want) * 1e-6 + 1e-12)
        << "q=" << c["q"] << " sigma=" << c["sigma"] << " order=" << c["order"];
  }
  EXPECT_EQ(checked, 336);
}

TEST(RdpAccountant, CalibrationMeetsTheTargetTightly) {
  for (double target : {0.5, 1.0, 3.0, 8.0}) {
    auto sigma = calibrateNoise(0.004, 30000, 1e-5, target);
    ASSERT_TRUE(sigma) << target;
    EXPECT_LE(epsilon(0.004, *sigma, 30000, 1e-5).epsilon, target);
    // A little less noise would overshoot: the calibration is tight.
    EXPECT_GT(epsilon(0.004, *sigma * (1 - 1e-3), 30000, 1e-5).epsilon, target);
  }
  // ε = 1e-4 with q = 1 over a million steps cannot be met with any sensible noise.
  EXPECT_FALSE(calibrateNoise(1.0, 1000000, 1e-5, 1e-4, 1e-4, 1e3));
}
