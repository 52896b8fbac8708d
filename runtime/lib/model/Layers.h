//===- Layers.h - the parameterised layers of every model ----------------------===//
//
// Three small modules over torch::linear / torch::embedding / torch::layer_norm whose parameters
// carry HuggingFace's names (`weight`, `bias`), so a module tree built from them has exactly the
// checkpoint's state-dict names. Every parameter of a model lives in one of these, which is what a
// DP mode needs: per-sample gradient norms are computed per layer from the layer's input and
// output gradient, and layersOf() lists them all with their kind.
//
// Linear also carries GPT-2's Conv1D (weight stored [in, out]) and, after enableLora(), two child
// Linears `lora_A` and `lora_B` (themselves layers, so they are listed and clipped like any other).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>
#include <vector>

namespace ftp::model {

enum class LayerKind { Linear, Embedding, LayerNorm };
const char *layerKindName(LayerKind kind);

/// What every parameterised layer has in common.
class Layer : public torch::nn::Module {
public:
  virtual LayerKind kind() const = 0;
};

/// y = x W^T + b (nn.Linear, weight [out, in]) or y = x W + b (GPT-2's Conv1D, weight [in, out]).
class Linear : public Layer {
public:
  enum class Layout { OutIn, InOut };
  Linear(int64_t in, int64_t out, bool bias = true, Layout layout = Layout::OutIn);
  LayerKind kind() const override { return LayerKind::Linear; }
  torch::Tensor forward(const torch::Tensor &x);

  /// Adds LoRA adapters: lora_A [rank, in] Kaiming-uniform (a = sqrt 5, as PEFT) from `generator`,
  /// lora_B [out, rank] zero; freezes weight and bias.
  void enableLora(int64_t rank, double alpha, double dropout, at::Generator generator);
  bool hasLora() const { return loraA_ != nullptr; }
  /// The weight with the adapters folded in (same layout as weight); the weight itself without.
  torch::Tensor mergedWeight() const;

  int64_t in, out;
  Layout layout;
  torch::Tensor weight, bias; // bias undefined when the layer has none
  int64_t loraRank = 0;
  double loraScale = 0, loraDropout = 0;

private:
  std::shared_ptr<Linear> loraA_, loraB_;
};

class Embedding : public Layer {
public:
  Embedding(int64_t count, int64_t dim);
  LayerKind kind() const override { return LayerKind::Embedding; }
  torch::Tensor forward(const torch::Tensor &ids);
  torch::Tensor weight;
};

class LayerNorm : public Layer {
public:
  LayerNorm(int64_t dim, double eps);
  LayerKind kind() const override { return LayerKind::LayerNorm; }
  torch::Tensor forward(const torch::Tensor &x);
  torch::Tensor weight, bias;
  double eps;
};

/// One layer of a model: its dotted name ("bert.encoder.layer.0.attention.self.query"), its kind,
/// the layer itself and its own parameters (not its children's) with their short names.
struct LayerRef {
  std::string name;
  LayerKind kind;
  Layer *layer;
  std::vector<std::pair<std::string, torch::Tensor>> params;
};

/// Capture for DP-SGD's per-example gradient norms (train/GhostClipping.cpp): while a sink is
/// installed on the calling thread, every layer's forward reports itself, its input (token ids for
/// Embedding) and its output. With no sink installed (the default) forward is unchanged.
class CaptureSink {
public:
  virtual ~CaptureSink() = default;
  virtual void record(Layer &layer, const torch::Tensor &input, const torch::Tensor &output) = 0;
};
/// Installs `sink` on this thread (nullptr removes it) and returns the one it replaces.
CaptureSink *setCaptureSink(CaptureSink *sink);

/// Every layer under `root`, in registration order (the same every run).
std::vector<LayerRef> layersOf(torch::nn::Module &root);

/// The activations of HfConfig.
torch::Tensor geluErf(const torch::Tensor &x);
torch::Tensor geluTanh(const torch::Tensor &x);

} // namespace ftp::model
