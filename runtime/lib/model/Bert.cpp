//===- Bert.cpp - BERT encoders and their classification heads ------------------===//
//
// The module tree mirrors HF's BertModel so that parameter names are the checkpoint's:
// embeddings.{word,position,token_type}_embeddings, embeddings.LayerNorm,
// encoder.layer.N.attention.self.{query,key,value}, encoder.layer.N.attention.output.{dense,LayerNorm},
// encoder.layer.N.intermediate.dense, encoder.layer.N.output.{dense,LayerNorm}, pooler.dense.
// Attention runs through ATen's scaled_dot_product_attention (attend()); per-sample gradient norms
// are taken at the Linear layers around it, whose inputs and output gradients SDPA leaves as they are.
//
// RoBERTa is the same encoder under `roberta.` with two differences: positions count only real
// tokens and start after the padding index (HF's create_position_ids_from_input_ids, computed here
// from the attention mask), and RobertaForSequenceClassification's head (`classifier.dense`, tanh,
// `classifier.out_proj` on the first token) replaces BERT's pooler + `classifier`.
//
//===----------------------------------------------------------------------------------------===//

#include "model/Layers.h"
#include "model/ModelImpl.h"

#include <cmath>
#include <limits>

namespace ftp::model {
namespace {

torch::Tensor activate(Activation a, const torch::Tensor &x) {
  switch (a) {
  case Activation::GeluErf:
    return geluErf(x);
  case Activation::GeluTanh:
    return geluTanh(x);
  case Activation::Relu:
    return torch::relu(x);
  }
  return x;
}

struct BertEmbeddings : torch::nn::Module {
  explicit BertEmbeddings(const HfConfig &c)
      : dropout(c.embeddingDropout), roberta(c.isRoberta()), padIndex(c.padTokenId) {
    word = register_module("word_embeddings", std::make_shared<Embedding>(c.vocabSize, c.hiddenSize));
    position = register_module("position_embeddings",
                               std::make_shared<Embedding>(c.maxPositions, c.hiddenSize));
    tokenType = register_module("token_type_embeddings",
                                std::make_shared<Embedding>(c.typeVocabSize, c.hiddenSize));
    norm = register_module("LayerNorm", std::make_shared<LayerNorm>(c.hiddenSize, c.layerNormEps));
  }
  // BERT: positions 0..L-1 and token type 0 for every token, as HF does without explicit ids.
  // RoBERTa: padIndex + 1, + 2, ... over real tokens, padIndex on padding.
  torch::Tensor forward(const torch::Tensor &tokenEmbeds, const torch::Tensor &mask) {
    int64_t length = tokenEmbeds.size(1);
    auto ids = torch::arange(length, torch::TensorOptions().dtype(torch::kLong).device(tokenEmbeds.device()));
    torch::Tensor positions;
    if (roberta) {
      torch::Tensor real = mask.ne(0).to(torch::kLong);
      positions = position->forward(real.cumsum(1) * real + padIndex);
    } else {
      positions = position->forward(ids).unsqueeze(0);
    }
    torch::Tensor h = tokenEmbeds + positions + tokenType->forward(torch::zeros_like(ids)).unsqueeze(0);
    return torch::dropout(norm->forward(h), dropout, is_training());
  }
  std::shared_ptr<Embedding> word, position, tokenType;
  std::shared_ptr<LayerNorm> norm;
  double dropout;
  bool roberta;
  int64_t padIndex;
};

struct BertSelfAttention : torch::nn::Module {
  explicit BertSelfAttention(const HfConfig &c)
      : heads(c.numHeads), headDim(c.hiddenSize / c.numHeads), dropout(c.attentionDropout) {
    query = register_module("query", std::make_shared<Linear>(c.hiddenSize, c.hiddenSize));
    key = register_module("key", std::make_shared<Linear>(c.hiddenSize, c.hiddenSize));
    value = register_module("value", std::make_shared<Linear>(c.hiddenSize, c.hiddenSize));
  }
  torch::Tensor split(const torch::Tensor &x) { // [B,L,H] -> [B,heads,L,headDim]
    return x.view({x.size(0), x.size(1), heads, headDim}).transpose(1, 2);
  }
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &bias) {
    torch::Tensor q = split(query->forward(x)), k = split(key->forward(x)), v = split(value->forward(x));
    torch::Tensor context = attend(q, k, v, bias, dropout, is_training()).transpose(1, 2).contiguous();
    return context.view({x.size(0), x.size(1), heads * headDim});
  }
  std::shared_ptr<Linear> query, key, value;
  int64_t heads, headDim;
  double dropout;
};

/// dense -> dropout -> LayerNorm(. + residual): BertSelfOutput and BertOutput alike.
struct BertResidualOutput : torch::nn::Module {
  BertResidualOutput(const HfConfig &c, int64_t in) : dropout(c.hiddenDropout) {
    dense = register_module("dense", std::make_shared<Linear>(in, c.hiddenSize));
    norm = register_module("LayerNorm", std::make_shared<LayerNorm>(c.hiddenSize, c.layerNormEps));
  }
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &residual) {
    return norm->forward(torch::dropout(dense->forward(x), dropout, is_training()) + residual);
  }
  std::shared_ptr<Linear> dense;
  std::shared_ptr<LayerNorm> norm;
  double dropout;
};

struct BertAttention : torch::nn::Module {
  explicit BertAttention(const HfConfig &c) {
    self = register_module("self", std::make_shared<BertSelfAttention>(c));
    output = register_module("output", std::make_shared<BertResidualOutput>(c, c.hiddenSize));
  }
  std::shared_ptr<BertSelfAttention> self;
  std::shared_ptr<BertResidualOutput> output;
};

struct BertIntermediate : torch::nn::Module {
  explicit BertIntermediate(const HfConfig &c) : activation(c.activation) {
    dense = register_module("dense", std::make_shared<Linear>(c.hiddenSize, c.intermediateSize));
  }
  std::shared_ptr<Linear> dense;
  Activation activation;
};

struct BertLayer : torch::nn::Module {
  explicit BertLayer(const HfConfig &c) {
    attention = register_module("attention", std::make_shared<BertAttention>(c));
    intermediate = register_module("intermediate", std::make_shared<BertIntermediate>(c));
    output = register_module("output", std::make_shared<BertResidualOutput>(c, c.intermediateSize));
  }
  torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &bias) {
    torch::Tensor a = attention->output->forward(attention->self->forward(x, bias), x);
    torch::Tensor i = activate(intermediate->activation, intermediate->dense->forward(a));
    return output->forward(i, a);
  }
  std::shared_ptr<BertAttention> attention;
  std::shared_ptr<BertIntermediate> intermediate;
  std::shared_ptr<BertResidualOutput> output;
};

struct BertEncoder : torch::nn::Module {
  explicit BertEncoder(const HfConfig &c) {
    layers = register_module("layer", torch::nn::ModuleList());
    for (int64_t i = 0; i < c.numLayers; ++i)
      layers->push_back(std::make_shared<BertLayer>(c));
  }
  torch::Tensor forward(torch::Tensor h, const torch::Tensor &bias) {
    for (const auto &layer : *layers)
      h = layer->as<BertLayer>()->forward(h, bias);
    return h;
  }
  torch::nn::ModuleList layers;
};

struct BertPooler : torch::nn::Module {
  explicit BertPooler(const HfConfig &c) {
    dense = register_module("dense", std::make_shared<Linear>(c.hiddenSize, c.hiddenSize));
  }
  torch::Tensor forward(const torch::Tensor &h) { // tanh(dense(h[:, 0]))
    return torch::tanh(dense->forward(h.select(1, 0)));
  }
  std::shared_ptr<Linear> dense;
};

/// RobertaClassificationHead: out_proj(dropout(tanh(dense(dropout(h[:, 0]))))).
struct RobertaHead : torch::nn::Module {
  RobertaHead(const HfConfig &c, int64_t numLabels) {
    dense = register_module("dense", std::make_shared<Linear>(c.hiddenSize, c.hiddenSize));
    outProj = register_module("out_proj", std::make_shared<Linear>(c.hiddenSize, numLabels));
  }
  torch::Tensor forward(const torch::Tensor &h, double dropout) {
    torch::Tensor x = torch::dropout(h.select(1, 0), dropout, is_training());
    x = torch::dropout(torch::tanh(dense->forward(x)), dropout, is_training());
    return outProj->forward(x);
  }
  std::shared_ptr<Linear> dense, outProj;
};

struct BertModel : torch::nn::Module {
  BertModel(const HfConfig &c, bool withPooler) {
    embeddings = register_module("embeddings", std::make_shared<BertEmbeddings>(c));
    encoder = register_module("encoder", std::make_shared<BertEncoder>(c));
    if (withPooler)
      pooler = register_module("pooler", std::make_shared<BertPooler>(c));
  }
  std::shared_ptr<BertEmbeddings> embeddings;
  std::shared_ptr<BertEncoder> encoder;
  std::shared_ptr<BertPooler> pooler;
};

/// BertForSequenceClassification / RobertaForSequenceClassification (Pooling::Cls), or mean
/// pooling + `classifier` (Pooling::Mean).
class BertClassifier : public HfModel {
public:
  BertClassifier(const HfConfig &c, size_t numLabels, Pooling pool, double dropout) : HfModel(c) {
    pooling = pool;
    headDropout = dropout;
    bool roberta = c.isRoberta() && pool == Pooling::Cls;
    bool pooler = !c.isRoberta() && pool == Pooling::Cls;
    bert = register_module(c.modelType, std::make_shared<BertModel>(c, pooler));
    if (roberta)
      robertaHead = register_module("classifier", std::make_shared<RobertaHead>(c, int64_t(numLabels)));
    else
      classifier = register_module("classifier",
                                   std::make_shared<Linear>(c.hiddenSize, int64_t(numLabels)));
  }
  std::string backboneName() const override { return config.modelType; }
  // Mean pooling has no transformers class; the export then loads there as the encoder alone.
  std::string architecture() const override {
    const char *name = config.isRoberta() ? "Roberta" : "Bert";
    return name + std::string(pooling == Pooling::Cls ? "ForSequenceClassification" : "Model");
  }
  std::vector<std::string> headPrefixes() const override { return {"classifier."}; }
  std::vector<std::string> optionalHeadPrefixes() const override {
    if (bert->pooler)
      return {"bert.pooler."};
    return {};
  }
  bool isCausalLm() const override { return false; }
  torch::Tensor embedTokens(const torch::Tensor &ids) override {
    return bert->embeddings->word->forward(ids);
  }
  torch::Tensor encode(const torch::Tensor &tokenEmbeds, const torch::Tensor &mask) {
    torch::Tensor h = bert->embeddings->forward(tokenEmbeds, mask);
    return bert->encoder->forward(h, attentionBias(paddingBlocked(mask), h.scalar_type()));
  }
  torch::Tensor forwardEmbeddings(const torch::Tensor &tokenEmbeds, const torch::Tensor &mask) override {
    torch::Tensor h = encode(tokenEmbeds, mask);
    if (robertaHead)
      return robertaHead->forward(h, headDropout);
    torch::Tensor pooled = pooling == Pooling::Cls ? bert->pooler->forward(h) : meanPool(h, mask);
    return classifier->forward(torch::dropout(pooled, headDropout, is_training()));
  }
  torch::Tensor lastHiddenState(const torch::Tensor &ids, const torch::Tensor &mask) override {
    return encode(embedTokens(ids), mask);
  }

private:
  std::shared_ptr<BertModel> bert; // registered as `bert` or `roberta`
  std::shared_ptr<Linear> classifier;
  std::shared_ptr<RobertaHead> robertaHead;
};

} // namespace

std::shared_ptr<HfModel> makeBertClassifier(const HfConfig &config, size_t numLabels,
                                            Pooling pooling, double dropout) {
  return std::make_shared<BertClassifier>(config, numLabels, pooling, dropout);
}

} // namespace ftp::model
