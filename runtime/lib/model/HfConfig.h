//===- HfConfig.h - the parts of a HuggingFace config.json that ftpc uses ------===//
//
// One struct for every supported architecture (BERT and GPT-2 name the same quantities
// differently: hidden_size/n_embd, num_hidden_layers/n_layer, ...), so the layers read one
// spelling. Anything that would change the computation and that ftpc does not implement
// (relative position embeddings, other activations, ...) is an error rather than silently ignored.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace ftp::model {

/// The activation of the feed-forward blocks.
enum class Activation {
  GeluErf,  ///< "gelu": exact, 0.5 x (1 + erf(x / sqrt 2))
  GeluTanh, ///< "gelu_new", "gelu_pytorch_tanh": GPT-2's tanh approximation
  Relu,
};

struct HfConfig {
  std::filesystem::path path; ///< the config.json it came from (for messages)
  std::string modelType;      ///< "bert", "roberta" or "gpt2"
  int64_t vocabSize = 0;
  int64_t hiddenSize = 0;
  int64_t numLayers = 0;
  int64_t numHeads = 0;
  int64_t intermediateSize = 0;
  int64_t maxPositions = 0;
  int64_t typeVocabSize = 0; ///< BERT only
  double layerNormEps = 1e-12;
  Activation activation = Activation::GeluErf;
  double hiddenDropout = 0.1;
  double attentionDropout = 0.1;
  double embeddingDropout = 0.1;
  int64_t padTokenId = -1; ///< -1 when the config has none (GPT-2); RoBERTa's position offset
  nlohmann::json raw;      ///< the whole file, kept so exports preserve every field

  /// BERT and RoBERTa share the encoder; RoBERTa differs in positions and its classifier head.
  bool isBert() const { return modelType == "bert" || modelType == "roberta"; }
  bool isRoberta() const { return modelType == "roberta"; }
  bool isGpt2() const { return modelType == "gpt2"; }
};

/// Model types parseHfConfig accepts, for messages: "`bert`, `gpt2`, `roberta`".
const char *supportedModelTypes();

/// Parses `<dir>/config.json` (or the file itself when `path` names a file); throws ModelError
/// naming the file for unreadable JSON, an unsupported model_type, a missing or mistyped field.
HfConfig parseHfConfig(const std::filesystem::path &path);
/// The same from an already parsed object; `path` is only used in messages.
HfConfig parseHfConfig(const nlohmann::json &json, const std::filesystem::path &path);

} // namespace ftp::model
