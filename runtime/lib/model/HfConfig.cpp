//===- HfConfig.cpp - parsing config.json ---------------------------------------===//

#include "model/HfConfig.h"

#include "model/ModelError.h"

#include <fstream>

namespace ftp::model {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path &path, const std::string &message) {
  throw ModelError(path.string() + ": " + message);
}

/// Reads an integer field; `fallback` < 0 means the field is required.
int64_t intField(const json &j, const std::filesystem::path &path, const char *key,
                 int64_t fallback = -1) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (fallback < 0)
      fail(path, std::string("missing `") + key + "` (model_type `" +
                     j.value("model_type", std::string()) + "`)");
    return fallback;
  }
  if (!it->is_number_integer())
    fail(path, std::string("`") + key + "` must be an integer, not " + it->dump());
  return it->get<int64_t>();
}

double numberField(const json &j, const std::filesystem::path &path, const char *key,
                   double fallback) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null())
    return fallback;
  if (!it->is_number())
    fail(path, std::string("`") + key + "` must be a number, not " + it->dump());
  return it->get<double>();
}

Activation activationField(const json &j, const std::filesystem::path &path, const char *key,
                           const char *fallback) {
  std::string name = fallback;
  if (auto it = j.find(key); it != j.end() && !it->is_null()) {
    if (!it->is_string())
      fail(path, std::string("`") + key + "` must be a string, not " + it->dump());
    name = it->get<std::string>();
  }
  if (name == "gelu")
    return Activation::GeluErf;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast")
    return Activation::GeluTanh;
  if (name == "relu")
    return Activation::Relu;
  fail(path, std::string("`") + key + "` is `" + name +
                 "`, which ftpc does not implement (supported: `gelu`, `gelu_new`, "
                 "`gelu_pytorch_tanh`, `relu`)");
}

void parseBert(const json &j, HfConfig &c) {
  c.vocabSize = intField(j, c.path, "vocab_size");
  c.hiddenSize = intField(j, c.path, "hidden_size");
  c.numLayers = intField(j, c.path, "num_hidden_layers");
  c.numHeads = intField(j, c.path, "num_attention_heads");
  c.intermediateSize = intField(j, c.path, "intermediate_size");
  c.maxPositions = intField(j, c.path, "max_position_embeddings");
  c.typeVocabSize = intField(j, c.path, "type_vocab_size", 2);
  c.padTokenId = intField(j, c.path, "pad_token_id", c.isRoberta() ? 1 : 0);
  c.layerNormEps = numberField(j, c.path, "layer_norm_eps", 1e-12);
  c.activation = activationField(j, c.path, "hidden_act", "gelu");
  c.hiddenDropout = numberField(j, c.path, "hidden_dropout_prob", 0.1);
  c.attentionDropout = numberField(j, c.path, "attention_probs_dropout_prob", 0.1);
  c.embeddingDropout = c.hiddenDropout;
  std::string positions = j.value("position_embedding_type", std::string("absolute"));
  if (positions != "absolute")
    fail(c.path, "`position_embedding_type` is `" + positions +
                     "`; ftpc implements only `absolute` position embeddings");
}

void parseGpt2(const json &j, HfConfig &c) {
  c.vocabSize = intField(j, c.path, "vocab_size");
  c.hiddenSize = intField(j, c.path, "n_embd");
  c.numLayers = intField(j, c.path, "n_layer");
  c.numHeads = intField(j, c.path, "n_head");
  c.intermediateSize = intField(j, c.path, "n_inner", 4 * c.hiddenSize); // null means 4 H
  c.maxPositions = intField(j, c.path, "n_positions");
  c.layerNormEps = numberField(j, c.path, "layer_norm_epsilon", 1e-5);
  c.activation = activationField(j, c.path, "activation_function", "gelu_new");
  c.hiddenDropout = numberField(j, c.path, "resid_pdrop", 0.1);
  c.attentionDropout = numberField(j, c.path, "attn_pdrop", 0.1);
  c.embeddingDropout = numberField(j, c.path, "embd_pdrop", 0.1);
  // Variants that change the attention arithmetic.
  if (!j.value("scale_attn_weights", true))
    fail(c.path, "`scale_attn_weights: false` is not supported");
  if (j.value("scale_attn_by_inverse_layer_idx", false))
    fail(c.path, "`scale_attn_by_inverse_layer_idx: true` is not supported");
}

} // namespace

const char *supportedModelTypes() { return "`bert`, `gpt2`, `roberta`"; }

HfConfig parseHfConfig(const json &j, const std::filesystem::path &path) {
  if (!j.is_object())
    fail(path, "expected a JSON object");
  HfConfig c;
  c.path = path;
  c.raw = j;
  auto type = j.find("model_type");
  if (type == j.end() || !type->is_string())
    fail(path, std::string("missing `model_type` (supported: ") + supportedModelTypes() + ")");
  c.modelType = type->get<std::string>();
  try {
    if (c.isBert())
      parseBert(j, c);
    else if (c.isGpt2())
      parseGpt2(j, c);
    else
      fail(path, "unsupported model_type `" + c.modelType + "` (supported: " +
                     supportedModelTypes() + ")");
  } catch (const json::exception &e) { // a field of the wrong JSON type (j.value(...))
    fail(path, e.what());
  }
  if (c.hiddenSize <= 0 || c.numHeads <= 0 || c.hiddenSize % c.numHeads != 0)
    fail(path, "hidden size " + std::to_string(c.hiddenSize) +
                   " is not a positive multiple of the number of heads " +
                   std::to_string(c.numHeads));
  if (c.vocabSize <= 0 || c.numLayers <= 0 || c.intermediateSize <= 0 || c.maxPositions <= 0)
    fail(path, "vocabulary size, layers, intermediate size and positions must be positive");
  return c;
}

HfConfig parseHfConfig(const std::filesystem::path &path) {
  std::filesystem::path file = path;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    file = path / "config.json";
  std::ifstream in(file);
  if (!in)
    throw ModelError(file.string() + ": cannot open the model's configuration");
  json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    fail(file, "not valid JSON");
  return parseHfConfig(j, file);
}

} // namespace ftp::model
