//===- Layers.cpp - Linear, Embedding, LayerNorm --------------------------------===//

#include "model/Layers.h"

#include <cmath>
#include <utility>

namespace ftp::model {

namespace {
thread_local CaptureSink *captureSink = nullptr;
} // namespace

CaptureSink *setCaptureSink(CaptureSink *sink) { return std::exchange(captureSink, sink); }

const char *layerKindName(LayerKind kind) {
  switch (kind) {
  case LayerKind::Linear:
    return "linear";
  case LayerKind::Embedding:
    return "embedding";
  case LayerKind::LayerNorm:
    return "layer_norm";
  }
  return "?";
}

// Parameters start as zeros: every model is either loaded from a checkpoint or, for new heads,
// initialised explicitly from a seeded generator, so no default initialisation draws from the
// global generator (which would make runs depend on construction order).
Linear::Linear(int64_t in, int64_t out, bool hasBias, Layout layout)
    : in(in), out(out), layout(layout) {
  weight = register_parameter(
      "weight", layout == Layout::OutIn ? torch::zeros({out, in}) : torch::zeros({in, out}));
  if (hasBias)
    bias = register_parameter("bias", torch::zeros({out}));
}

torch::Tensor Linear::forward(const torch::Tensor &x) {
  torch::Tensor y;
  if (layout == Layout::OutIn) {
    y = torch::linear(x, weight, bias);
  } else {
    // As HF's Conv1D: addmm on the flattened batch, for bit-compatible results.
    auto sizes = x.sizes().vec();
    torch::Tensor flat = x.reshape({-1, in});
    y = bias.defined() ? torch::addmm(bias, flat, weight) : torch::mm(flat, weight);
    sizes.back() = out;
    y = y.view(sizes);
  }
  if (loraA_) {
    torch::Tensor h = loraDropout > 0 ? torch::dropout(x, loraDropout, is_training()) : x;
    y = y + loraB_->forward(loraA_->forward(h)) * loraScale;
  }
  if (captureSink)
    captureSink->record(*this, x, y);
  return y;
}

void Linear::enableLora(int64_t rank, double alpha, double dropout, at::Generator generator) {
  loraRank = rank;
  loraScale = alpha / static_cast<double>(rank);
  loraDropout = dropout;
  loraA_ = register_module("lora_A", std::make_shared<Linear>(in, rank, /*bias=*/false));
  loraB_ = register_module("lora_B", std::make_shared<Linear>(rank, out, /*bias=*/false));
  torch::NoGradGuard noGrad;
  // kaiming_uniform_(a = sqrt(5)) on [rank, in]: bound = gain * sqrt(3 / fan_in) = 1 / sqrt(in).
  double bound = 1.0 / std::sqrt(static_cast<double>(in));
  loraA_->weight.uniform_(-bound, bound, generator);
  weight.set_requires_grad(false);
  if (bias.defined())
    bias.set_requires_grad(false);
}

torch::Tensor Linear::mergedWeight() const {
  if (!loraA_)
    return weight.detach();
  torch::NoGradGuard noGrad;
  torch::Tensor delta = torch::mm(loraB_->weight, loraA_->weight) * loraScale; // [out, in]
  return weight.detach() + (layout == Layout::OutIn ? delta : delta.t());
}

Embedding::Embedding(int64_t count, int64_t dim) {
  weight = register_parameter("weight", torch::zeros({count, dim}));
}

torch::Tensor Embedding::forward(const torch::Tensor &ids) {
  torch::Tensor y = torch::embedding(weight, ids);
  if (captureSink)
    captureSink->record(*this, ids, y);
  return y;
}

LayerNorm::LayerNorm(int64_t dim, double eps) : eps(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
  bias = register_parameter("bias", torch::zeros({dim}));
}

torch::Tensor LayerNorm::forward(const torch::Tensor &x) {
  torch::Tensor y = torch::layer_norm(x, {weight.size(0)}, weight, bias, eps);
  if (captureSink)
    captureSink->record(*this, x, y);
  return y;
}

std::vector<LayerRef> layersOf(torch::nn::Module &root) {
  std::vector<LayerRef> layers;
  for (const auto &item : root.named_modules("", /*include_self=*/true)) {
    auto *layer = dynamic_cast<Layer *>(item.value().get());
    if (!layer)
      continue;
    LayerRef ref{item.key(), layer->kind(), layer, {}};
    for (const auto &param : layer->named_parameters(/*recurse=*/false))
      ref.params.emplace_back(param.key(), param.value());
    layers.push_back(std::move(ref));
  }
  return layers;
}

torch::Tensor geluErf(const torch::Tensor &x) { return torch::gelu(x); }
torch::Tensor geluTanh(const torch::Tensor &x) { return torch::gelu(x, "tanh"); }

} // namespace ftp::model
