//===- PrivateTrainingTest.cpp - DP-SGD in the training loop, its ledger and the MIA audit ---===//
//
// The ledger's ε must be the accountant's for the same (q, σ, steps, δ) however it composes them;
// the loop must stop before a step that would exceed the budget, log ε with every step, and refuse
// to resume a checkpoint written under another mechanism. The membership audit's AUC is checked
// against hand-computed values and against the classification AUC of Metrics.h (an independent
// implementation: members are the positives, scored by minus their loss).
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/privacy/RdpAccountant.h"
#include "ftp/runtime/StepKernels.h"
#include "model/TransformerModel.h"
#include "train/MembershipAudit.h"
#include "train/Metrics.h"
#include "train/PrivacyLedger.h"
#include "train/Random.h"
#include "train/TrainState.h"
#include "train/Trainer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace ftp;
using namespace ftp::train;

namespace {

const fs::path kData = FTPC_MODEL_DATA_DIR;

TEST(MembershipAuditTest, HandComputedAucAndAdvantage) {
  // Member < non-member in 3 of the 4 pairs; thresholds after 0.1 and after 0.2 give TPR - FPR 1/2.
  MembershipResult r = lossThresholdAttack({0.1, 0.2}, {0.15, 0.3});
  EXPECT_DOUBLE_EQ(r.auc, 0.75);
  EXPECT_DOUBLE_EQ(r.advantage, 0.5);
  EXPECT_EQ(r.members, 2u);
  EXPECT_EQ(r.nonMembers, 2u);
  // All tied: chance, and no threshold separates anything.
  MembershipResult tied = lossThresholdAttack({1.0, 1.0}, {1.0});
  EXPECT_DOUBLE_EQ(tied.auc, 0.5);
  EXPECT_DOUBLE_EQ(tied.advantage, 0.0);
  // Perfect separation.
  EXPECT_DOUBLE_EQ(lossThresholdAttack({0.01, 0.02, 0.03}, {0.5, 0.6}).auc, 1.0);
  EXPECT_DOUBLE_EQ(lossThresholdAttack({0.01, 0.02, 0.03}, {0.5, 0.6}).advantage, 1.0);
  EXPECT_DOUBLE_EQ(lossThresholdAttack({0.7}, {0.5, 0.6}).auc, 0.0);
  EXPECT_DOUBLE_EQ(lossThresholdAttack({}, {0.5}).auc, 0.5);
}

TEST(MembershipAuditTest, AgreesWithTheClassificationAuc) {
  SplitMix64 rng(11);
  std::vector<double> members, nonMembers;
  ClassificationMetrics metrics(2);
  for (int i = 0; i < 300; ++i) {
    // Rounded so that ties occur, shifted so that members tend to have lower losses.
    double member = std::round(rng.uniform() * 20) / 20, non = std::round((rng.uniform() + 0.2) * 20) / 20;
    members.push_back(member);
    metrics.add(1, 1, -member, 0);
    if (i % 3) {
      nonMembers.push_back(non);
      metrics.add(0, 0, -non, 0);
    }
  }
  MembershipResult r = lossThresholdAttack(members, nonMembers);
  EXPECT_NEAR(r.auc, metrics.auc(), 1e-12);
  EXPECT_GT(r.auc, 0.55);
}

DpSgd dpConfig() {
  DpSgd dp;
  dp.sampleRate = 0.25;
  dp.noiseMultiplier = 1.1;
  dp.clip = 1.0;
  dp.delta = 1e-3;
  dp.expectedBatch = 4;
  dp.steps = 6;
  return dp;
}

TEST(PrivacyLedgerTest, ComposesAsTheAccountantDoes) {
  DpSgd dp = dpConfig();
  dp.epsilon = privacy::epsilon(dp.sampleRate, dp.noiseMultiplier, dp.steps, dp.delta).epsilon;
  PrivacyLedger ledger(dp);
  EXPECT_EQ(ledger.epsilonAfter(0), 0.0);
  double previous = 0;
  for (int64_t steps : {1, 2, 5, 6, 7, 100}) {
    double expected = privacy::epsilon(dp.sampleRate, dp.noiseMultiplier, steps, dp.delta).epsilon;
    EXPECT_NEAR(ledger.epsilonAfter(steps), expected, 1e-9 * expected) << steps;
    EXPECT_GT(ledger.epsilonAfter(steps), previous);
    previous = ledger.epsilonAfter(steps);
  }
  EXPECT_TRUE(ledger.fits(6));
  EXPECT_FALSE(ledger.fits(7));
  nlohmann::json entry = ledger.entry(3);
  EXPECT_EQ(entry["steps"], 3);
  EXPECT_EQ(entry["accountant"], "rdp");
  EXPECT_NO_THROW(ledger.checkContinues(entry, 3));
  EXPECT_THROW(ledger.checkContinues(entry, 4), std::runtime_error);
  entry["noise_multiplier"] = 1.2;
  EXPECT_THROW(ledger.checkContinues(entry, 3), std::runtime_error);
  EXPECT_THROW(ledger.checkContinues(nlohmann::json(), 3), std::runtime_error);
}

// `accountant: prv`: ε after each step count is the PRV accountant's upper bound, which for one of
// Opacus's published PRV test vectors (σ 1.5, q 0.001, 100 steps, δ 1e-6: 0.0393694193) must come out
// within the accountant's 5e-5, the same for every call (memoized), and the entry names it.
TEST(PrivacyLedgerTest, PrvAccountant) {
  DpSgd dp;
  dp.sampleRate = 0.001;
  dp.noiseMultiplier = 1.5;
  dp.delta = 1e-6;
  dp.steps = 100;
  dp.accountant = "prv";
  dp.epsilon = 0.0394;
  PrivacyLedger ledger(dp);
  EXPECT_NEAR(ledger.epsilonAfter(100), 0.0393694193095203, 5e-5);
  EXPECT_EQ(ledger.epsilonAfter(100), ledger.epsilonAfter(100));
  EXPECT_LT(ledger.epsilonAfter(50), ledger.epsilonAfter(100));
  EXPECT_TRUE(ledger.fits(100));
  EXPECT_FALSE(ledger.fits(200));
  // Tighter than RDP for the same mechanism.
  EXPECT_LT(ledger.epsilonAfter(100), privacy::epsilon(0.001, 1.5, 100, 1e-6).epsilon);
  nlohmann::json entry = ledger.entry(100);
  EXPECT_EQ(entry["accountant"], "prv");
  // A checkpoint accounted by RDP is not continued by PRV.
  DpSgd rdp = dp;
  rdp.accountant = "rdp";
  EXPECT_THROW(ledger.checkContinues(PrivacyLedger(rdp).entry(100), 100), std::runtime_error);
}

struct RecordingSink : EventSink {
  std::vector<nlohmann::json> events;
  std::vector<std::string> messages;
  void event(const nlohmann::json &record) override { events.push_back(record); }
  void message(const std::string &line) override { messages.push_back(line); }
  void progress(const std::string &, int64_t, int64_t, double, double) override {}
  void progressDone() override {}
};

TokenizedSet randomSet(int64_t count, int64_t vocab) {
  SplitMix64 rng(3);
  TokenizedSet set;
  for (int64_t i = 0; i < count; ++i) {
    std::vector<int32_t> ids{2};
    for (uint64_t t = 0, n = 3 + rng.below(8); t < n; ++t)
      ids.push_back(static_cast<int32_t>(5 + rng.below(static_cast<uint64_t>(vocab - 5))));
    ids.push_back(3);
    set.ids.push_back(ids);
    set.labels.push_back(static_cast<int32_t>(i % 2));
  }
  return set;
}

TrainConfig privateConfig(const DpSgd &dp) {
  TrainConfig c;
  c.optimizer.lr = 1e-3f;
  c.scheduleSpec = {{"fn", "constant"}};
  c.batch = dp.expectedBatch;
  c.privacy = dp;
  return c;
}

TEST(PrivateTrainingTest, StopsBeforeTheStepThatWouldExceedTheBudget) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  TokenizedSet set = randomSet(16, 256);
  auto kernels = runtime::makeEagerStepKernels();
  DpSgd dp = dpConfig();
  // A budget that two steps fit and a third does not, while six steps are planned.
  dp.epsilon = PrivacyLedger(dp).epsilonAfter(2) * 1.0001;
  TrainConfig config = privateConfig(dp);
  RecordingSink sink;
  TrainContext ctx{*m, set, nullptr, 2, *kernels, sink, "finetune test", fs::path(), 5, nlohmann::json::object(), false};
  TrainResult result = ftp::train::train(config, ctx);
  EXPECT_EQ(result.steps, 2);
  EXPECT_TRUE(result.stoppedByBudget);
  EXPECT_EQ(result.privacy["steps"], 2);
  EXPECT_LE(result.privacy["epsilon"].get<double>(), dp.epsilon);
  std::vector<double> logged;
  for (const auto &e : sink.events)
    if (e["event"] == "train")
      logged.push_back(e.at("epsilon").get<double>());
  ASSERT_EQ(logged.size(), 2u);
  EXPECT_LT(logged[0], logged[1]);
  bool said = false;
  for (const auto &line : sink.messages) {
    said = said || line.find("stopping before step 3") != std::string::npos;
    // BERT has a ghost-norm rule for every trainable tensor: no fallback, whatever the batch size.
    EXPECT_EQ(line.find("materialized"), std::string::npos) << line;
  }
  EXPECT_TRUE(said);
}

TEST(PrivateTrainingTest, ResumeRefusesACheckpointOfAnotherMechanism) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  TokenizedSet set = randomSet(16, 256);
  auto kernels = runtime::makeEagerStepKernels();
  fs::path dir = fs::temp_directory_path() / ("ftpc-private-resume-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  DpSgd dp = dpConfig();
  dp.steps = 2;
  dp.epsilon = PrivacyLedger(dp).epsilonAfter(2) * 1.0001;
  TrainConfig config = privateConfig(dp);
  config.checkpoint = true;
  config.checkpointEvery.epochs = 0;
  config.checkpointEvery.steps = 1;
  RecordingSink sink;
  TrainContext ctx{*m, set, nullptr, 2, *kernels, sink, "finetune test", dir, 5, nlohmann::json::object(), false};
  ftp::train::train(config, ctx);
  auto latest = latestCheckpoint(dir);
  ASSERT_TRUE(latest);
  TrainState saved = loadCheckpoint(*latest, nlohmann::json::object());
  EXPECT_EQ(saved.privacy["steps"], 2);
  EXPECT_EQ(saved.privacy["noise_multiplier"], dp.noiseMultiplier);

  // Same pipeline with more steps resumes; another noise multiplier must not.
  DpSgd more = dp;
  more.steps = 3;
  more.epsilon = PrivacyLedger(more).epsilonAfter(3) * 1.0001;
  TrainConfig resumed = privateConfig(more);
  TrainContext again{*m, set, nullptr, 2, *kernels, sink, "finetune test", dir, 5, nlohmann::json::object(), true};
  EXPECT_EQ(ftp::train::train(resumed, again).steps, 3);
  DpSgd other = more;
  other.noiseMultiplier = 2.0;
  other.steps = 4;
  other.epsilon = 1e9;
  TrainConfig changed = privateConfig(other);
  TrainContext third{*m, set, nullptr, 2, *kernels, sink, "finetune test", dir, 5, nlohmann::json::object(), true};
  EXPECT_THROW(ftp::train::train(changed, third), CheckpointError);
  fs::remove_all(dir);
}

// Weight noise (issue 9): the loss is taken at noisy weights, drawn from (seed, step), and the
// update lands on the clean ones: with lr 0 the weights come back bit for bit.
TEST(TrainingLoopTest, WeightNoiseChangesTheLossButNotTheCleanWeights) {
  auto m = model::loadExported(kData / "bert-tiny-cls");
  m->eval(); // the loop sets train mode; dropout is reseeded per step either way
  TokenizedSet set = randomSet(16, 256);
  auto kernels = runtime::makeEagerStepKernels();
  auto before = m->trainableParameters();
  std::vector<torch::Tensor> copies;
  for (auto &[name, p] : before)
    copies.push_back(p.detach().clone());
  auto lossWith = [&](double noise, uint64_t seed) {
    TrainConfig c;
    c.optimizer.lr = 0;
    c.optimizer.weightDecay = 0;
    c.scheduleSpec = {{"fn", "constant"}};
    c.batch = 8;
    c.steps = 2;
    c.weightNoise = noise;
    RecordingSink sink;
    TrainContext ctx{*m, set, nullptr, 2, *kernels, sink, "finetune test", fs::path(), seed, nlohmann::json::object(), false};
    return ftp::train::train(c, ctx).finalTrainLoss;
  };
  double clean = lossWith(0, 5), noisy = lossWith(0.05, 5), again = lossWith(0.05, 5);
  EXPECT_NE(noisy, clean);
  EXPECT_EQ(noisy, again);
  size_t i = 0;
  for (auto &[name, p] : m->trainableParameters())
    EXPECT_TRUE(torch::equal(p.detach(), copies[i++])) << name;
}

} // namespace
