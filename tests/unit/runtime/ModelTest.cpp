//===- ModelTest.cpp - models against transformers, LoRA, export ----------------===//
//
// Goldens come from tests/golden/make_model_goldens.py (transformers 4.57.1, eager attention,
// float32): all-MiniLM-L6-v2 (the fixture), a tiny random GPT-2 and a tiny random BERT classifier
// stored under data/models/.
//
//===----------------------------------------------------------------------------------------===//

#include "model/Layers.h"
#include "model/TransformerModel.h"

#include "../Fixtures.h"
#include "ftp/runtime/Checkpoint.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;
using namespace ftp::model;

namespace {

const fs::path kData = FTPC_MODEL_DATA_DIR;

ftp::runtime::TensorMap goldens(const std::string &name) {
  std::string error;
  auto tensors = ftp::runtime::loadSafetensors((kData / name).string(), &error);
  EXPECT_TRUE(tensors) << error;
  return tensors ? *tensors : ftp::runtime::TensorMap{};
}

double maxAbsDiff(const torch::Tensor &a, const torch::Tensor &b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  return (a - b).abs().max().item<double>();
}

/// maxAbsDiff, recorded in the test's XML output (--gtest_output=xml) as `property`.
double recordDiff(const char *property, const torch::Tensor &a, const torch::Tensor &b) {
  double diff = maxAbsDiff(a, b);
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", diff);
  ::testing::Test::RecordProperty(property, text);
  return diff;
}

/// With $FTPC_KEEP_MODEL_EXPORTS set, copies the export `dir` there with the inputs and ftpc's
/// logits, for `tests/golden/make_model_goldens.py --check-export` (transformers loads it).
void keepForTransformers(const fs::path &dir, const torch::Tensor &ids, const torch::Tensor &mask,
                         const torch::Tensor &logits) {
  const char *keep = std::getenv("FTPC_KEEP_MODEL_EXPORTS");
  if (!keep)
    return;
  fs::path out = fs::path(keep) / dir.filename();
  fs::remove_all(out);
  fs::create_directories(out.parent_path());
  fs::copy(dir, out, fs::copy_options::recursive);
  ASSERT_TRUE(ftp::runtime::saveSafetensors(
      (fs::path(keep) / (dir.filename().string() + "-logits.safetensors")).string(),
      {{"input_ids", ids}, {"attention_mask", mask}, {"logits", logits}}));
}

/// The message of the ModelError `f` throws ("" when it throws none).
template <typename F> std::string errorOf(F &&f) {
  try {
    f();
  } catch (const ModelError &e) {
    return e.what();
  }
  return "";
}

class ModelTest : public ::testing::Test {
protected:
  void SetUp() override {
    at::set_num_threads(2);
    tmp_ = fs::temp_directory_path() /
           ("ftpc-model-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }

  /// A copy of data/models/<name> in the test's temporary folder.
  fs::path copyModel(const std::string &name) {
    fs::path dir = tmp_ / name;
    fs::copy(kData / name, dir, fs::copy_options::recursive);
    return dir;
  }

  fs::path tmp_;
};

std::vector<std::string> names(const std::vector<std::pair<std::string, torch::Tensor>> &params) {
  std::vector<std::string> out;
  for (const auto &p : params)
    out.push_back(p.first);
  return out;
}

} // namespace

// --- parity with transformers ----------------------------------------------------------------

TEST_F(ModelTest, MiniLmLastHiddenStateMatchesTransformers) {
  FTPC_REQUIRE_FIXTURE("all-MiniLM-L6-v2");
  auto g = goldens("minilm_goldens.safetensors");
  auto model = loadSequenceClassifier(ftp::testing::fixturesDir() + "/all-MiniLM-L6-v2",
                                      {"neg", "pos"}, Pooling::Mean, 0.1, 0);
  torch::NoGradGuard noGrad;
  torch::Tensor h = model->lastHiddenState(g["input_ids"], g["attention_mask"]);
  EXPECT_LT(recordDiff("max_abs_diff_hidden", h, g["last_hidden_state"]), 1e-4);
  EXPECT_EQ(model->forward(g["input_ids"], g["attention_mask"]).sizes().vec(),
            (std::vector<int64_t>{3, 2}));
}

TEST_F(ModelTest, TinyGpt2LogitsMatchTransformers) {
  auto g = goldens("gpt2_tiny_goldens.safetensors");
  auto model = loadCausalLm(kData / "gpt2-tiny-random");
  EXPECT_TRUE(model->isCausalLm());
  torch::NoGradGuard noGrad;
  EXPECT_LT(recordDiff("max_abs_diff_logits", model->forward(g["input_ids"], g["attention_mask"]),
                       g["logits"]),
            1e-4);
  EXPECT_LT(recordDiff("max_abs_diff_hidden", model->lastHiddenState(g["input_ids"], g["attention_mask"]),
                       g["last_hidden_state"]),
            1e-4);
}

// HF's BertForSequenceClassification (pooler + tanh + classifier) loads as an export.
TEST_F(ModelTest, TinyBertClassifierMatchesTransformers) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  auto model = loadExported(kData / "bert-tiny-cls");
  EXPECT_FALSE(model->isCausalLm());
  torch::NoGradGuard noGrad;
  EXPECT_LT(recordDiff("max_abs_diff_logits", model->forward(g["input_ids"], g["attention_mask"]),
                       g["logits"]),
            1e-4);
  EXPECT_LT(maxAbsDiff(model->lastHiddenState(g["input_ids"], g["attention_mask"]),
                       g["last_hidden_state"]),
            1e-4);
}

// RoBERTa: positions after the padding index, RobertaClassificationHead; an export reloads and
// (checked by hand with --check-export) loads in transformers.
TEST_F(ModelTest, TinyRobertaClassifierMatchesTransformers) {
  auto g = goldens("roberta_tiny_goldens.safetensors");
  auto model = loadExported(kData / "roberta-tiny-cls");
  torch::NoGradGuard noGrad;
  torch::Tensor logits = model->forward(g["input_ids"], g["attention_mask"]);
  EXPECT_LT(recordDiff("max_abs_diff_logits", logits, g["logits"]), 1e-4);
  EXPECT_LT(recordDiff("max_abs_diff_hidden",
                       model->lastHiddenState(g["input_ids"], g["attention_mask"]),
                       g["last_hidden_state"]),
            1e-4);
  exportHf(*model, kData / "roberta-tiny-cls", tmp_ / "roberta-export", false);
  EXPECT_TRUE(loadExported(tmp_ / "roberta-export")->forward(g["input_ids"], g["attention_mask"]).equal(logits));
  keepForTransformers(tmp_ / "roberta-export", g["input_ids"], g["attention_mask"], logits);
}

// An export replaces its folder as a whole: again over its own earlier export, never over a folder
// it did not write (the source model here), which is left as it was.
TEST_F(ModelTest, ExportReplacesOnlyItsOwnFolder) {
  auto model = loadExported(kData / "roberta-tiny-cls");
  exportHf(*model, kData / "roberta-tiny-cls", tmp_ / "again", false);
  EXPECT_NO_THROW(exportHf(*model, kData / "roberta-tiny-cls", tmp_ / "again", false));
  std::filesystem::copy(kData / "roberta-tiny-cls", tmp_ / "source");
  auto before = std::filesystem::file_size(tmp_ / "source" / "config.json");
  try {
    exportHf(*model, kData / "roberta-tiny-cls", tmp_ / "source", false);
    FAIL() << "the export replaced a folder it did not write";
  } catch (const ModelError &e) {
    EXPECT_NE(std::string(e.what()).find("no `ftpc` section"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::filesystem::file_size(tmp_ / "source" / "config.json"), before);
}

// pytorch_model.bin through the restricted pickle loader, names without the `bert.` prefix.
TEST_F(ModelTest, LoadsPytorchModelBin) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  auto model = loadSequenceClassifier(kData / "bert-tiny-bin", {"a", "b", "c"}, Pooling::Cls, 0.1, 1);
  torch::NoGradGuard noGrad;
  EXPECT_LT(maxAbsDiff(model->lastHiddenState(g["input_ids"], g["attention_mask"]),
                       g["last_hidden_state"]),
            1e-4);
}

// --- errors ------------------------------------------------------------------------------------

TEST_F(ModelTest, UnsupportedModelTypeListsSupportedOnes) {
  std::ofstream(tmp_ / "config.json") << R"({"model_type": "t5", "d_model": 8})";
  std::string message = errorOf([&] { loadSequenceClassifier(tmp_, {"a", "b"}, Pooling::Cls, 0, 0); });
  EXPECT_NE(message.find((tmp_ / "config.json").string()), std::string::npos) << message;
  EXPECT_NE(message.find("unsupported model_type `t5`"), std::string::npos) << message;
  EXPECT_NE(message.find("(supported: `bert`, `gpt2`, `roberta`)"), std::string::npos) << message;
}

TEST_F(ModelTest, MissingConfigFieldNamesFileAndField) {
  std::ofstream(tmp_ / "config.json") << R"({"model_type": "gpt2", "n_embd": 32})";
  std::string message = errorOf([&] { loadCausalLm(tmp_); });
  EXPECT_NE(message.find("config.json: missing `vocab_size`"), std::string::npos) << message;

  std::ofstream(tmp_ / "config.json") << R"({"model_type": "gpt2", "vocab_size": 10, "n_embd": 8,
      "n_layer": 1, "n_head": 2, "n_positions": 8, "scale_attn_weights": "yes"})";
  message = errorOf([&] { loadCausalLm(tmp_); });
  EXPECT_EQ(message.rfind((tmp_ / "config.json").string() + ": ", 0), 0u) << message;
}

TEST_F(ModelTest, MissingAndUnexpectedTensorsAreNamed) {
  fs::path dir = copyModel("gpt2-tiny-random");
  std::string file = (dir / "model.safetensors").string();
  auto tensors = *ftp::runtime::loadSafetensors(file);
  tensors.erase("transformer.h.1.mlp.c_fc.weight");
  ASSERT_TRUE(ftp::runtime::saveSafetensors(file, tensors));
  std::string message = errorOf([&] { loadCausalLm(dir); });
  EXPECT_NE(message.find(file + ": missing 1 tensor the model needs: "
                                "`transformer.h.1.mlp.c_fc.weight`"),
            std::string::npos)
      << message;

  tensors = *ftp::runtime::loadSafetensors((kData / "gpt2-tiny-random/model.safetensors").string());
  tensors["transformer.h.0.attn.rotary"] = torch::zeros({2});
  ASSERT_TRUE(ftp::runtime::saveSafetensors(file, tensors));
  message = errorOf([&] { loadCausalLm(dir); });
  EXPECT_NE(message.find("unexpected tensor `transformer.h.0.attn.rotary`"), std::string::npos)
      << message;
}

TEST_F(ModelTest, MisshapedTensorIsNamed) {
  fs::path dir = copyModel("gpt2-tiny-random");
  std::string file = (dir / "model.safetensors").string();
  auto tensors = *ftp::runtime::loadSafetensors(file);
  tensors["transformer.ln_f.weight"] = torch::ones({31});
  ASSERT_TRUE(ftp::runtime::saveSafetensors(file, tensors));
  std::string message = errorOf([&] { loadCausalLm(dir); });
  EXPECT_NE(message.find("tensor `transformer.ln_f.weight` has shape [31]"), std::string::npos)
      << message;
}

TEST_F(ModelTest, EncoderIsNotACausalLm) {
  std::string message = errorOf([&] { loadCausalLm(kData / "bert-tiny-cls"); });
  EXPECT_NE(message.find("`bert` is not a causal language model"), std::string::npos) << message;
}

// --- heads, parameters, layers -----------------------------------------------------------------

TEST_F(ModelTest, HeadIsDeterministicFromSeed) {
  auto head = [&](uint64_t seed) {
    auto model = loadSequenceClassifier(kData / "bert-tiny-cls", {"x", "y"}, Pooling::Cls, 0.1, seed);
    for (const auto &[name, param] : model->trainableParameters())
      if (name == "classifier.weight")
        return param.clone();
    return torch::Tensor();
  };
  torch::Tensor a = head(5), b = head(5), c = head(6);
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(c));
  EXPECT_NEAR(a.std().item<double>(), 0.02, 0.01);
}

// Issue 22: a folder with a saved head loads with that head, whatever the seed; the same folder
// loaded as a plain encoder gets a head drawn from the seed, which is what the run driver did.
TEST_F(ModelTest, SavedClassifierLoadsWithItsHeadAndItsLabels) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  torch::Tensor ids = g["input_ids"], mask = g["attention_mask"];
  auto trained = loadSequenceClassifier(kData / "bert-tiny-cls", {"neg", "pos"}, Pooling::Mean, 0.1, 7);
  torch::NoGradGuard noGrad;
  torch::Tensor logits = trained->forward(ids, mask);
  exportHf(*trained, kData / "bert-tiny-cls", tmp_ / "export", false, /*maxLen=*/24);

  auto saved = loadSavedClassifier(tmp_ / "export", {"neg", "pos"}, Pooling::Mean, 0.2);
  EXPECT_TRUE(saved->forward(ids, mask).equal(logits));
  auto redrawn = loadSequenceClassifier(tmp_ / "export", {"neg", "pos"}, Pooling::Mean, 0.1, 8);
  EXPECT_GT(maxAbsDiff(redrawn->forward(ids, mask), logits), 1e-3);

  std::ifstream in(tmp_ / "export" / "config.json");
  nlohmann::json config = nlohmann::json::parse(in);
  EXPECT_EQ(config["ftpc"]["max_len"], 24);
  EXPECT_EQ(config["ftpc"]["pooling"], "mean");
  EXPECT_EQ(config["id2label"]["0"], "neg");

  std::string swapped = errorOf([&] { loadSavedClassifier(tmp_ / "export", {"pos", "neg"}, Pooling::Mean, 0.1); });
  EXPECT_NE(swapped.find("labels are [neg, pos], the program's [pos, neg]"), std::string::npos) << swapped;
  std::string pooled = errorOf([&] { loadSavedClassifier(tmp_ / "export", {"neg", "pos"}, Pooling::Cls, 0.1); });
  EXPECT_NE(pooled.find("pools differently"), std::string::npos) << pooled;
}

// Issue 31: the reload check done when exporting passes on a faithful export and stops with an
// error on one whose weights differ from the model's (a classifier bias changed after writing).
TEST_F(ModelTest, VerifyExportRefusesAnExportThatDoesNotReproduceTheModel) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  torch::Tensor ids = g["input_ids"], mask = g["attention_mask"];
  auto trained = loadSequenceClassifier(kData / "bert-tiny-cls", {"neg", "pos"}, Pooling::Cls, 0.1, 7);
  trained->train();
  exportHf(*trained, kData / "bert-tiny-cls", tmp_ / "export", false);
  EXPECT_EQ(verifyExport(*trained, tmp_ / "export", ids, mask, 1e-4), 0.0);
  EXPECT_TRUE(trained->is_training()); // left as it was

  std::string file = (tmp_ / "export" / "model.safetensors").string(), error;
  auto tensors = ftp::runtime::loadSafetensors(file, &error);
  ASSERT_TRUE(tensors) << error;
  (*tensors)["classifier.bias"] = (*tensors)["classifier.bias"] + 0.5;
  ASSERT_TRUE(ftp::runtime::saveSafetensors(file, *tensors, {{"format", "pt"}}, &error)) << error;
  std::string message = errorOf([&] { verifyExport(*trained, tmp_ / "export", ids, mask, 1e-4); });
  EXPECT_NE(message.find("the export does not reproduce the trained model: its logits differ by up to 0.5"),
            std::string::npos)
      << message;
}

TEST_F(ModelTest, MeanPoolingAveragesNonPaddingTokens) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  auto model = loadSequenceClassifier(kData / "bert-tiny-cls", {"x", "y"}, Pooling::Mean, 0.1, 3);
  torch::NoGradGuard noGrad;
  torch::Tensor ids = g["input_ids"], mask = g["attention_mask"];
  torch::Tensor h = model->lastHiddenState(ids, mask);
  std::map<std::string, torch::Tensor> params;
  for (const auto &[name, param] : model->trainableParameters())
    params[name] = param;
  EXPECT_EQ(params.count("bert.pooler.dense.weight"), 0u); // mean pooling has no pooler
  for (int64_t i = 0; i < ids.size(0); ++i) {
    int64_t n = mask[i].sum().item<int64_t>();
    torch::Tensor pooled = h[i].slice(0, 0, n).mean(0);
    torch::Tensor expected = torch::linear(pooled, params["classifier.weight"], params["classifier.bias"]);
    EXPECT_LT(maxAbsDiff(model->forward(ids, mask)[i], expected), 1e-5);
  }
}

TEST_F(ModelTest, TrainableParametersHaveHfNamesInAFixedOrder) {
  auto a = loadSequenceClassifier(kData / "bert-tiny-cls", {"x", "y"}, Pooling::Cls, 0.1, 0);
  auto b = loadSequenceClassifier(kData / "bert-tiny-cls", {"x", "y"}, Pooling::Cls, 0.1, 0);
  std::vector<std::string> n = names(a->trainableParameters());
  EXPECT_EQ(n, names(b->trainableParameters()));
  ASSERT_EQ(n.size(), 3u + 2u + 2u * 16u + 2u + 2u); // embeddings, LayerNorm, 2 layers, pooler, head
  EXPECT_EQ(n.front(), "bert.embeddings.word_embeddings.weight");
  EXPECT_EQ(n[5], "bert.encoder.layer.0.attention.self.query.weight");
  EXPECT_EQ(n.back(), "classifier.bias");
}

// Every parameter belongs to exactly one layer, which is what per-layer clipping needs.
TEST_F(ModelTest, LayersCoverEveryParameter) {
  for (const fs::path &dir : {kData / "bert-tiny-cls", kData / "gpt2-tiny-random"}) {
    std::shared_ptr<TransformerModel> model =
        dir.filename() == "gpt2-tiny-random" ? loadCausalLm(dir)
                                             : loadSequenceClassifier(dir, {"x", "y"}, Pooling::Cls, 0, 0);
    applyLora(*model, {4, 8, 0, {dir.filename() == "gpt2-tiny-random" ? "c_attn" : "query"}}, 0);
    std::multiset<const void *> inLayers;
    std::map<LayerKind, int> kinds;
    for (const LayerRef &ref : layersOf(*model)) {
      ++kinds[ref.kind];
      for (const auto &p : ref.params)
        inLayers.insert(p.second.unsafeGetTensorImpl());
    }
    auto all = model->parameters();
    EXPECT_EQ(inLayers.size(), all.size()) << dir;
    for (const auto &p : all)
      EXPECT_EQ(inLayers.count(p.unsafeGetTensorImpl()), 1u) << dir;
    EXPECT_GT(kinds[LayerKind::Embedding], 0);
    EXPECT_GT(kinds[LayerKind::LayerNorm], 0);
  }
}

// --- LoRA --------------------------------------------------------------------------------------

TEST_F(ModelTest, LoraUnknownTargetSuggestsTheClosest) {
  auto model = loadSequenceClassifier(kData / "bert-tiny-cls", {"x", "y"}, Pooling::Cls, 0.1, 0);
  std::string message = errorOf([&] { applyLora(*model, {8, 16, 0.05, {"qurey"}}, 0); });
  EXPECT_NE(message.find("unknown LoRA target `qurey`; did you mean `query`?"), std::string::npos)
      << message;
  message = errorOf([&] { applyLora(*model, {8, 16, 0.05, {"classifier"}}, 0); });
  EXPECT_NE(message.find("unknown LoRA target `classifier`"), std::string::npos) << message;
}

TEST_F(ModelTest, LoraStartsAsTheBaseModelAndTrainsOnlyAdaptersAndHead) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  auto model = loadSequenceClassifier(kData / "bert-tiny-cls", {"x", "y"}, Pooling::Cls, 0.1, 0);
  torch::Tensor before = model->forward(g["input_ids"], g["attention_mask"]).detach();
  applyLora(*model, {4, 8, 0.05, {"query", "value"}}, 11);
  torch::Tensor after = model->forward(g["input_ids"], g["attention_mask"]).detach();
  EXPECT_TRUE(before.equal(after)); // lora_B is zero
  std::vector<std::string> n = names(model->trainableParameters());
  ASSERT_EQ(n.size(), 2u * 2u * 2u + 2u + 2u);
  for (const auto &name : n)
    EXPECT_TRUE(name.find(".lora_") != std::string::npos || name.rfind("classifier.", 0) == 0 ||
                name.rfind("bert.pooler.", 0) == 0)
        << name;
  EXPECT_EQ(n[0], "bert.encoder.layer.0.attention.self.query.lora_A.weight");

  // Gradients reach the adapters (lora_B first: lora_A's is zero while B is) and not the base.
  model->train();
  model->forward(g["input_ids"], g["attention_mask"]).pow(2).sum().backward();
  for (const auto &item : model->named_parameters()) {
    const std::string &name = item.key();
    const torch::Tensor &param = item.value();
    if (name.find("lora_B") != std::string::npos || name.rfind("classifier.", 0) == 0) {
      EXPECT_GT(param.grad().abs().sum().item().toDouble(), 0) << name;
    }
    if (!param.requires_grad()) {
      EXPECT_FALSE(param.grad().defined()) << name;
    }
  }
}

/// Gives every lora_B a non-zero value so that adapters change the outputs.
void perturbAdapters(TransformerModel &model) {
  torch::NoGradGuard noGrad;
  auto generator = at::detail::createCPUGenerator(99);
  for (auto &[name, param] : model.trainableParameters())
    if (name.find("lora_B") != std::string::npos)
      param.normal_(0, 0.1, generator);
}

TEST_F(ModelTest, ExportRoundTripsWithAndWithoutMergedAdapters) {
  auto g = goldens("bert_tiny_goldens.safetensors");
  fs::path source = kData / "bert-tiny-cls";
  auto model = loadSequenceClassifier(source, {"ham", "spam", "other"}, Pooling::Cls, 0.2, 4);
  applyLora(*model, {4, 8, 0.05, {"query", "value", "dense"}}, 11);
  perturbAdapters(*model);
  torch::NoGradGuard noGrad;
  torch::Tensor logits = model->forward(g["input_ids"], g["attention_mask"]);

  exportHf(*model, source, tmp_ / "adapters", /*mergeLora=*/false);
  auto reloaded = loadExported(tmp_ / "adapters");
  EXPECT_TRUE(reloaded->forward(g["input_ids"], g["attention_mask"]).equal(logits));
  EXPECT_EQ(names(reloaded->trainableParameters()), names(model->trainableParameters()));

  exportHf(*model, source, tmp_ / "merged", /*mergeLora=*/true);
  auto merged = loadExported(tmp_ / "merged");
  EXPECT_LT(maxAbsDiff(merged->forward(g["input_ids"], g["attention_mask"]), logits), 1e-5);
  keepForTransformers(tmp_ / "merged", g["input_ids"], g["attention_mask"], logits);
  for (const auto &name : names(merged->trainableParameters()))
    EXPECT_EQ(name.find("lora"), std::string::npos) << name;

  nlohmann::json config = nlohmann::json::parse(std::ifstream(tmp_ / "merged" / "config.json"));
  EXPECT_EQ(config["architectures"][0], "BertForSequenceClassification");
  EXPECT_EQ(config["id2label"]["2"], "other");
  EXPECT_EQ(config["label2id"]["spam"], 1);
  EXPECT_EQ(config["num_labels"], 3);
  EXPECT_FALSE(config["ftpc"].contains("lora"));
  // Exporting again over an existing export replaces it and leaves no temporary folders.
  exportHf(*model, source, tmp_ / "merged", /*mergeLora=*/true);
  size_t entries = std::distance(fs::directory_iterator(tmp_), fs::directory_iterator());
  EXPECT_EQ(entries, 2u);
}

TEST_F(ModelTest, CausalLmExportRoundTrips) {
  auto g = goldens("gpt2_tiny_goldens.safetensors");
  fs::path source = kData / "gpt2-tiny-random";
  auto model = loadCausalLm(source);
  applyLora(*model, {4, 8, 0, {"c_attn"}}, 3);
  perturbAdapters(*model);
  torch::NoGradGuard noGrad;
  torch::Tensor logits = model->forward(g["input_ids"], g["attention_mask"]);
  EXPECT_GT(maxAbsDiff(logits, g["logits"]), 1e-3); // the adapters do change the model
  exportHf(*model, source, tmp_ / "lm", /*mergeLora=*/false);
  EXPECT_TRUE(loadExported(tmp_ / "lm")->forward(g["input_ids"], g["attention_mask"]).equal(logits));
  exportHf(*model, source, tmp_ / "lm-merged", /*mergeLora=*/true);
  auto merged = loadExported(tmp_ / "lm-merged");
  EXPECT_TRUE(merged->isCausalLm());
  EXPECT_LT(maxAbsDiff(merged->forward(g["input_ids"], g["attention_mask"]), logits), 1e-5);
  keepForTransformers(tmp_ / "lm-merged", g["input_ids"], g["attention_mask"], logits);
}

TEST_F(ModelTest, Gpt2ClassifierScoresTheLastToken) {
  auto g = goldens("gpt2_tiny_goldens.safetensors");
  auto model = loadSequenceClassifier(kData / "gpt2-tiny-random", {"x", "y"}, Pooling::Cls, 0.1, 0);
  torch::NoGradGuard noGrad;
  torch::Tensor ids = g["input_ids"], mask = g["attention_mask"];
  torch::Tensor logits = model->forward(ids, mask);
  torch::Tensor weight = model->trainableParameters().back().second; // score.weight
  for (int64_t i = 0; i < ids.size(0); ++i) {
    int64_t last = mask[i].sum().item<int64_t>() - 1;
    torch::Tensor expected = torch::linear(g["last_hidden_state"][i][last], weight);
    EXPECT_LT(maxAbsDiff(logits[i], expected), 1e-4);
  }
}

// --- training from scratch (`init: random`) ----------------------------------------------------

namespace {
/// A model folder with only config.json: `base`'s config with `changes` applied.
fs::path configOnly(const fs::path &tmp, const fs::path &base, const nlohmann::json &changes) {
  nlohmann::json config = nlohmann::json::parse(std::ifstream(base / "config.json"));
  config.update(changes);
  fs::path dir = tmp / ("config-only-" + base.filename().string());
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << config.dump(2);
  return dir;
}

torch::Tensor parameterNamed(TransformerModel &model, const std::string &name) {
  for (const auto &param : model.named_parameters(/*recurse=*/true))
    if (param.key() == name)
      return param.value();
  ADD_FAILURE() << "no parameter " << name;
  return torch::zeros({1});
}
} // namespace

TEST_F(ModelTest, RandomGpt2FollowsHfInitialisation) {
  // 4 layers, 64 wide, 2000 tokens: enough entries per tensor to pin each standard deviation.
  fs::path dir = configOnly(tmp_, kData / "gpt2-tiny-random",
                            {{"n_layer", 4}, {"n_embd", 64}, {"n_head", 4}});
  auto model = loadCausalLm(dir, StartFrom::Random, 7); // no weights file: none is read
  auto stdOf = [&](const std::string &name) { return parameterNamed(*model, name).std().item<double>(); };
  double residual = 0.02 / std::sqrt(2.0 * 4);
  EXPECT_NEAR(stdOf("transformer.wte.weight"), 0.02, 0.02 * 0.02);
  EXPECT_NEAR(stdOf("transformer.wpe.weight"), 0.02, 0.02 * 0.05);
  EXPECT_NEAR(stdOf("transformer.h.0.attn.c_attn.weight"), 0.02, 0.02 * 0.05);
  EXPECT_NEAR(stdOf("transformer.h.3.mlp.c_fc.weight"), 0.02, 0.02 * 0.05);
  EXPECT_NEAR(stdOf("transformer.h.0.attn.c_proj.weight"), residual, residual * 0.05);
  EXPECT_NEAR(stdOf("transformer.h.3.mlp.c_proj.weight"), residual, residual * 0.05);
  EXPECT_NEAR(parameterNamed(*model, "transformer.wte.weight").mean().item<double>(), 0.0, 1e-3);
  for (const auto &param : model->named_parameters(/*recurse=*/true)) {
    const std::string &name = param.key();
    bool layerNorm = name.find(".ln_") != std::string::npos;
    if (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0) {
      EXPECT_EQ(param.value().abs().max().item<float>(), 0.0f) << name;
    } else if (layerNorm) {
      EXPECT_TRUE(param.value().eq(1.0f).all().item<bool>()) << name;
    }
  }
  // An untrained LM guesses nearly uniformly: its loss on any text is about ln(vocabulary).
  torch::NoGradGuard noGrad;
  torch::Tensor ids = torch::randint(0, 2000, {4, 32}, torch::kLong);
  torch::Tensor mask = torch::ones({4, 32}, torch::kLong);
  torch::Tensor logits = model->forward(ids, mask);
  double loss = torch::nn::functional::cross_entropy(
                    logits.slice(1, 0, 31).reshape({-1, 2000}), ids.slice(1, 1).reshape({-1}))
                    .item<double>();
  EXPECT_NEAR(loss, std::log(2000.0), 0.1);
}

TEST_F(ModelTest, RandomInitialisationIsSeededAndReadsInitializerRange) {
  fs::path dir = configOnly(tmp_, kData / "gpt2-tiny-random", {{"initializer_range", 0.05}});
  auto wte = [&](uint64_t seed) {
    return parameterNamed(*loadCausalLm(dir, StartFrom::Random, seed), "transformer.wte.weight").clone();
  };
  torch::Tensor a = wte(1), b = wte(1), c = wte(2);
  EXPECT_TRUE(a.equal(b));
  EXPECT_FALSE(a.equal(c));
  EXPECT_NEAR(a.std().item<double>(), 0.05, 0.05 * 0.05);
  // Pretrained (the default) needs the weights the folder lacks.
  EXPECT_NE(errorOf([&] { loadCausalLm(dir); }), "");
}

TEST_F(ModelTest, RandomBertClassifierZeroesThePaddingEmbedding) {
  fs::path dir = configOnly(tmp_, kData / "bert-tiny-cls", {{"pad_token_id", 0}});
  auto model = loadSequenceClassifier(dir, {"x", "y"}, Pooling::Cls, 0.1, 3, StartFrom::Random);
  torch::Tensor words = parameterNamed(*model, "bert.embeddings.word_embeddings.weight");
  EXPECT_EQ(words[0].abs().max().item<float>(), 0.0f);
  EXPECT_GT(words[1].abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(parameterNamed(*model, "bert.embeddings.LayerNorm.weight").eq(1.0f).all().item<bool>());
  EXPECT_NEAR(parameterNamed(*model, "bert.encoder.layer.0.attention.self.query.weight").std().item<double>(),
              0.02, 0.02 * 0.2);
}
