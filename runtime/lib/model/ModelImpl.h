//===- ModelImpl.h - what the model files share behind TransformerModel --------===//
//
// HfModel is the base of every concrete model: it keeps what exportHf needs to write a
// HuggingFace folder again (the parsed config, the labels, the pooling, the head's dropout) and
// names the backbone's module ("bert", "transformer"), whose parameters a checkpoint may store
// with or without that prefix.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "model/HfConfig.h"
#include "model/TransformerModel.h"

#include <ATen/ATen.h>

#include <limits>
#include <map>
#include <string>
#include <vector>

namespace ftp::model {

class HfModel : public TransformerModel {
public:
  explicit HfModel(HfConfig config) : config(std::move(config)) {}

  /// The backbone's module name and checkpoint prefix: "bert" or "transformer".
  virtual std::string backboneName() const = 0;
  /// HF class names written to config.json `architectures`.
  virtual std::string architecture() const = 0;
  /// Dotted prefixes of the parameters a fresh classifier draws instead of loading.
  virtual std::vector<std::string> headPrefixes() const { return {}; }
  /// Prefixes of head parameters taken from the checkpoint when it has them, else drawn (BERT's
  /// pooler: pretrained checkpoints usually have one, sentence-transformers ones may not).
  virtual std::vector<std::string> optionalHeadPrefixes() const { return {}; }
  /// Draws every head parameter (both lists above) from a generator seeded with `seed`: weights
  /// N(0, 0.02), biases zero, as HF's _init_weights.
  void initHead(uint64_t seed);
  /// Draws every parameter from a generator seeded with `seed`, as HF's _init_weights for a
  /// model trained from scratch: Linear and Embedding weights N(0, initializer_range) (default
  /// 0.02), biases zero, LayerNorm weight 1 and bias 0; GPT-2's residual projections (`c_proj`)
  /// N(0, initializer_range / sqrt(2 n_layer)) as its paper and HF do; BERT's padding-token
  /// embedding row zero.
  void initAll(uint64_t seed);

  HfConfig config;
  std::vector<std::string> labels; ///< empty for a language model
  Pooling pooling = Pooling::Cls;
  double headDropout = 0.1;
  /// Set by applyLora (exports without merging record it).
  bool hasLora = false;
  LoraSpec lora;
};

/// Builders; the weights are still zero.
std::shared_ptr<HfModel> makeBertClassifier(const HfConfig &config, size_t numLabels,
                                            Pooling pooling, double dropout);
std::shared_ptr<HfModel> makeGpt2Classifier(const HfConfig &config, size_t numLabels,
                                            Pooling pooling, double dropout);
std::shared_ptr<HfModel> makeGpt2LmHead(const HfConfig &config);

/// How loadWeights treats the head: a fresh classifier draws it, a reload reads it.
enum class HeadSource { Initialise, Checkpoint };

/// Copies `checkpoint` (read from `file`) into the model's parameters by HF name, accepting the
/// backbone's names with or without its prefix and legacy LayerNorm `gamma`/`beta`. Missing,
/// unexpected (apart from known unused ones: position_ids, GPT-2's attention-mask buffers,
/// pretraining heads, an unused pooler, a tied lm_head) and mis-shaped tensors throw ModelError
/// naming them.
void loadWeights(HfModel &model, const std::map<std::string, at::Tensor> &checkpoint,
                 const std::string &file, HeadSource head);

/// The tensors of `<dir>/model.safetensors`, else `<dir>/pytorch_model.bin`.
std::map<std::string, at::Tensor> readCheckpoint(const std::filesystem::path &dir);

/// The parameters as HF names them, for exportHf: LoRA adapters folded in (`mergeLora`) or
/// listed as `<layer>.lora_A.weight` / `.lora_B.weight`.
std::map<std::string, at::Tensor> exportTensors(HfModel &model, bool mergeLora);

/// Where a padding mask (1 = token) must not be attended: the bool mask [B,1,1,L].
inline torch::Tensor paddingBlocked(const torch::Tensor &mask) {
  return mask.eq(0).unsqueeze(1).unsqueeze(2);
}

/// The additive attention bias [B,1,1|L,L] for attend(): 0 where attention is allowed, the lowest
/// float where `blocked`. Additive rather than a bool mask so that a row blocked everywhere (a
/// GPT-2 padding query before any token) gets a uniform softmax, as with HF's min-value masks; a
/// bool mask gives NaN or zeros there depending on which SDPA kernel runs.
inline torch::Tensor attentionBias(const torch::Tensor &blocked, c10::ScalarType dtype) {
  return torch::zeros(blocked.sizes(), blocked.options().dtype(dtype))
      .masked_fill(blocked, std::numeric_limits<float>::lowest());
}

/// softmax(q k^T / sqrt(headDim) + bias) v, dropout on the probabilities while training, for q, k,
/// v [B,heads,L,headDim]: ATen's scaled_dot_product_attention, which picks a fused kernel (flash
/// attention on CPU and GPU) where the inputs allow and the composed math otherwise (CPU with
/// dropout). Attention has no parameters, so DP-SGD's per-layer norms (taken at the Linear layers
/// around it) do not depend on which kernel ran.
inline torch::Tensor attend(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                            const torch::Tensor &bias, double dropout, bool training) {
  return at::scaled_dot_product_attention(q, k, v, bias, training ? dropout : 0.0);
}

/// Mean over the non-padding positions of h [B,L,H] (as sentence-transformers).
inline torch::Tensor meanPool(const torch::Tensor &h, const torch::Tensor &mask) {
  torch::Tensor m = mask.unsqueeze(-1).to(h.scalar_type());
  return (h * m).sum(1) / m.sum(1).clamp_min(1e-9);
}

} // namespace ftp::model
