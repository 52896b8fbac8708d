//===- Gpt2.cpp - GPT-2 decoders: language model and sequence classifier --------===//
//
// The module tree mirrors HF's GPT2Model: wte, wpe, h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2,
// mlp.c_fc, mlp.c_proj}, ln_f. GPT-2's Conv1D layers store their weight [in, out] (Linear's
// InOut layout), so checkpoints load without transposes. The LM head is tied to wte: it has no
// parameter of its own (a DP mode must count wte's gradient from both uses).
//
//===----------------------------------------------------------------------------------------===//

#include "model/Layers.h"
#include "model/ModelImpl.h"

#include <cmath>
#include <limits>

namespace ftp::model {
namespace {

using Layout = Linear::Layout;

struct Gpt2Attention : torch::nn::Module {
  explicit Gpt2Attention(const HfConfig &c)
      : heads(c.numHeads), headDim(c.hiddenSize / c.numHeads), attnDropout(c.attentionDropout),
        residDropout(c.hiddenDropout) {
    cAttn = register_module("c_attn", std::make_shared<Linear>(c.hiddenSize, 3 * c.hiddenSize,
                                                               true, Layout::InOut));
    cProj = register_module("c_proj", std::make_shared<Linear>(c.hiddenSize, c.hiddenSize, true,
                                                               Layout::InOut));
  }
  torch::Tensor split(const torch::Tensor &x) { // [B,L,H] -> [B,heads,L,headDim]
    return x.view({x.size(0), x.size(1), heads, headDim}).transpose(1, 2);
  }
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &bias) {
    auto qkv = cAttn->forward(x).split(heads * headDim, -1);
    torch::Tensor q = split(qkv[0]), k = split(qkv[1]), v = split(qkv[2]);
    torch::Tensor context = attend(q, k, v, bias, attnDropout, is_training()).transpose(1, 2).contiguous();
    context = context.view({x.size(0), x.size(1), heads * headDim});
    return torch::dropout(cProj->forward(context), residDropout, is_training());
  }
  std::shared_ptr<Linear> cAttn, cProj;
  int64_t heads, headDim;
  double attnDropout, residDropout;
};

struct Gpt2Mlp : torch::nn::Module {
  explicit Gpt2Mlp(const HfConfig &c) : activation(c.activation), dropout(c.hiddenDropout) {
    cFc = register_module("c_fc", std::make_shared<Linear>(c.hiddenSize, c.intermediateSize, true,
                                                           Layout::InOut));
    cProj = register_module("c_proj", std::make_shared<Linear>(c.intermediateSize, c.hiddenSize,
                                                               true, Layout::InOut));
  }
  torch::Tensor forward(const torch::Tensor &x) {
    torch::Tensor h = cFc->forward(x);
    h = activation == Activation::GeluTanh ? geluTanh(h)
        : activation == Activation::GeluErf ? geluErf(h)
                                            : torch::relu(h);
    return torch::dropout(cProj->forward(h), dropout, is_training());
  }
  std::shared_ptr<Linear> cFc, cProj;
  Activation activation;
  double dropout;
};

struct Gpt2Block : torch::nn::Module {
  explicit Gpt2Block(const HfConfig &c) {
    ln1 = register_module("ln_1", std::make_shared<LayerNorm>(c.hiddenSize, c.layerNormEps));
    attn = register_module("attn", std::make_shared<Gpt2Attention>(c));
    ln2 = register_module("ln_2", std::make_shared<LayerNorm>(c.hiddenSize, c.layerNormEps));
    mlp = register_module("mlp", std::make_shared<Gpt2Mlp>(c));
  }
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &bias) {
    torch::Tensor a = x + attn->forward(ln1->forward(x), bias);
    return a + mlp->forward(ln2->forward(a));
  }
  std::shared_ptr<LayerNorm> ln1, ln2;
  std::shared_ptr<Gpt2Attention> attn;
  std::shared_ptr<Gpt2Mlp> mlp;
};

struct Gpt2Model : torch::nn::Module {
  explicit Gpt2Model(const HfConfig &c) : dropout(c.embeddingDropout) {
    wte = register_module("wte", std::make_shared<Embedding>(c.vocabSize, c.hiddenSize));
    wpe = register_module("wpe", std::make_shared<Embedding>(c.maxPositions, c.hiddenSize));
    blocks = register_module("h", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.numLayers; ++i)
      blocks->push_back(std::make_shared<Gpt2Block>(c));
    lnF = register_module("ln_f", std::make_shared<LayerNorm>(c.hiddenSize, c.layerNormEps));
  }
  // Positions 0..L-1 whatever the padding (HF's default without position_ids): pad on the right.
  torch::Tensor forward(const torch::Tensor &tokenEmbeds, const torch::Tensor &mask) {
    int64_t length = tokenEmbeds.size(1);
    auto options = torch::TensorOptions().dtype(torch::kLong).device(tokenEmbeds.device());
    torch::Tensor positions = torch::arange(length, options);
    torch::Tensor h = tokenEmbeds + wpe->forward(positions).unsqueeze(0);
    h = torch::dropout(h, dropout, is_training());
    torch::Tensor future = torch::ones({length, length}, options.dtype(torch::kBool)).triu(1);
    // Causality and padding in one bias: a fully blocked row (a padding query before any token)
    // gets a uniform softmax instead of NaN.
    torch::Tensor blocked = paddingBlocked(mask).logical_or(future.view({1, 1, length, length}));
    torch::Tensor bias = attentionBias(blocked, h.scalar_type());
    for (const auto &block : *blocks)
      h = block->as<Gpt2Block>()->forward(h, bias);
    return lnF->forward(h);
  }
  std::shared_ptr<Embedding> wte, wpe;
  torch::nn::ModuleList blocks;
  std::shared_ptr<LayerNorm> lnF;
  double dropout;
};

/// GPT2LMHeadModel: logits = h wte^T.
class Gpt2LmHead : public HfModel {
public:
  explicit Gpt2LmHead(const HfConfig &c) : HfModel(c) {
    transformer = register_module("transformer", std::make_shared<Gpt2Model>(c));
  }
  std::string backboneName() const override { return "transformer"; }
  std::string architecture() const override { return "GPT2LMHeadModel"; }
  bool isCausalLm() const override { return true; }
  torch::Tensor embedTokens(const torch::Tensor &ids) override { return transformer->wte->forward(ids); }
  torch::Tensor forwardEmbeddings(const torch::Tensor &tokenEmbeds, const torch::Tensor &mask) override {
    return torch::linear(transformer->forward(tokenEmbeds, mask), transformer->wte->weight);
  }
  torch::Tensor lastHiddenState(const torch::Tensor &ids, const torch::Tensor &mask) override {
    return transformer->forward(embedTokens(ids), mask);
  }

private:
  std::shared_ptr<Gpt2Model> transformer;
};

/// GPT2ForSequenceClassification: `score` (no bias) on the last non-padding token, or on the mean.
class Gpt2Classifier : public HfModel {
public:
  Gpt2Classifier(const HfConfig &c, size_t numLabels, Pooling pool, double dropout) : HfModel(c) {
    pooling = pool;
    headDropout = dropout;
    transformer = register_module("transformer", std::make_shared<Gpt2Model>(c));
    score = register_module("score", std::make_shared<Linear>(c.hiddenSize, int64_t(numLabels),
                                                               /*bias=*/false));
  }
  std::string backboneName() const override { return "transformer"; }
  std::string architecture() const override {
    return pooling == Pooling::Cls ? "GPT2ForSequenceClassification" : "GPT2Model";
  }
  std::vector<std::string> headPrefixes() const override { return {"score."}; }
  bool isCausalLm() const override { return false; }
  torch::Tensor embedTokens(const torch::Tensor &ids) override { return transformer->wte->forward(ids); }
  torch::Tensor forwardEmbeddings(const torch::Tensor &tokenEmbeds, const torch::Tensor &mask) override {
    torch::Tensor h = transformer->forward(tokenEmbeds, mask);
    torch::Tensor pooled;
    if (pooling == Pooling::Cls) {
      torch::Tensor last = (mask.sum(1) - 1).clamp_min(0).to(torch::kLong);
      pooled = h.index({torch::arange(h.size(0), last.options()), last});
    } else {
      pooled = meanPool(h, mask);
    }
    return score->forward(torch::dropout(pooled, headDropout, is_training()));
  }
  torch::Tensor lastHiddenState(const torch::Tensor &ids, const torch::Tensor &mask) override {
    return transformer->forward(embedTokens(ids), mask);
  }

private:
  std::shared_ptr<Gpt2Model> transformer;
  std::shared_ptr<Linear> score;
};

} // namespace

std::shared_ptr<HfModel> makeGpt2LmHead(const HfConfig &config) {
  return std::make_shared<Gpt2LmHead>(config);
}

std::shared_ptr<HfModel> makeGpt2Classifier(const HfConfig &config, size_t numLabels,
                                            Pooling pooling, double dropout) {
  return std::make_shared<Gpt2Classifier>(config, numLabels, pooling, dropout);
}

} // namespace ftp::model
