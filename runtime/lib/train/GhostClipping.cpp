//===- GhostClipping.cpp - DP-SGD per-example clipping without per-example gradients -===//

#include "GhostClipping.h"

#include "model/Layers.h"

#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <unordered_map>
#include <unordered_set>

namespace ftp::train {
namespace {

using model::Layer;
using model::LayerKind;
using torch::autograd::Node;

enum class Phase { Off, Norms, Clip };

/// One forward use of a layer: its input (token ids for an Embedding) and output.
struct Use {
  Layer *layer;
  torch::Tensor input, output;
  // The output has no batch dimension (BERT's and GPT-2's position embeddings, [L, H], broadcast
  // over the batch by an add): its per-example gradient is the add's output gradient.
  bool broadcast = false;
  torch::Tensor grad; // pass 1: kept until every use of the layer has arrived
  bool arrived = false; // in the current pass
};

struct LayerState {
  Layer *layer;
  std::vector<size_t> uses;                          // live uses (reached by the loss)
  std::vector<std::pair<size_t, std::string>> params; // trainable: index into State::params, name
  size_t arrived = 0;
};

struct State {
  Phase phase = Phase::Off;
  int64_t batch = 0;
  std::vector<Use> uses;
  std::vector<LayerState> layers;
  std::vector<size_t> layerOfUse;
  // The uses below which no other use lies: the passes ask autograd for their output gradients
  // only, so that it skips every parameter's gradient and runs exactly the nodes above them.
  std::vector<size_t> lowest;
  std::vector<torch::Tensor> params;
  std::vector<torch::Tensor> squared;     // [B] float64 per parameter: squared per-example norms
  std::vector<torch::Tensor> clipFactors; // [B] float32 per parameter (per-layer pass 2)
  // Flat clipping by book-keeping: pass 1 keeps every use's output gradient, so that the clipped
  // sum is built from them once the norms are known, without a second backward pass.
  bool keepOutputGradients = false;
  std::string failure;
};

class Recorder : public model::CaptureSink {
public:
  explicit Recorder(State &state) : state_(state) { previous_ = model::setCaptureSink(this); }
  ~Recorder() override { model::setCaptureSink(previous_); }
  void record(Layer &layer, const torch::Tensor &input, const torch::Tensor &output) override {
    if (!output.requires_grad())
      return;
    for (const auto &param : layer.parameters(/*recurse=*/false))
      if (param.requires_grad()) {
        state_.uses.push_back({&layer, input.detach(), output, false, torch::Tensor()});
        return;
      }
  }

private:
  State &state_;
  model::CaptureSink *previous_ = nullptr;
};

// [B, T, d] views of a use's input and output gradient (T = 1 for [B, d]).
torch::Tensor tokens(const torch::Tensor &t, int64_t batch) { return t.reshape({batch, -1, t.size(-1)}); }

torch::Tensor idsOf(const Use &use, int64_t batch) {
  return use.broadcast ? use.input.reshape({1, -1}).expand({batch, -1}) : use.input.reshape({batch, -1});
}

torch::Tensor normalized(const torch::Tensor &x, double eps) {
  torch::Tensor centred = x - x.mean(-1, true);
  return centred * torch::rsqrt(centred.square().mean(-1, true) + eps);
}

/// Pass 1: adds every trainable tensor's squared per-example norms for a layer whose live uses
/// have all arrived, the uses concatenated along the token axis.
void addSquaredNorms(State &s, LayerState &layer) {
  torch::NoGradGuard noGrad;
  int64_t B = s.batch;
  std::vector<torch::Tensor> inputs, grads;
  for (size_t u : layer.uses) {
    const Use &use = s.uses[u];
    inputs.push_back(use.layer->kind() == LayerKind::Embedding ? idsOf(use, B) : tokens(use.input, B));
    grads.push_back(tokens(use.grad, B));
  }
  torch::Tensor a = torch::cat(inputs, 1), g = torch::cat(grads, 1);
  torch::Tensor gSum = g.sum(1); // [B, d_out]: the bias's per-example gradient
  torch::Tensor xhat;
  if (layer.layer->kind() == LayerKind::LayerNorm)
    xhat = normalized(a, static_cast<model::LayerNorm *>(layer.layer)->eps);
  for (const auto &[index, name] : layer.params) {
    torch::Tensor sq;
    if (name == "bias") {
      sq = gSum.square().sum(1);
    } else if (layer.layer->kind() == LayerKind::Linear) {
      int64_t T = a.size(1), in = a.size(2), out = g.size(2);
      if (T * T > in * out) // the per-example gradient is smaller than the Gram matrices
        sq = torch::bmm(g.transpose(1, 2), a).square().flatten(1).sum(1);
      else
        sq = (torch::bmm(a, a.transpose(1, 2)) * torch::bmm(g, g.transpose(1, 2))).flatten(1).sum(1);
    } else if (layer.layer->kind() == LayerKind::Embedding) {
      torch::Tensor same = a.unsqueeze(2) == a.unsqueeze(1);
      sq = (torch::bmm(g, g.transpose(1, 2)) * same).flatten(1).sum(1);
    } else {
      sq = (g * xhat).sum(1).square().sum(1);
    }
    s.squared[index] += sq.to(torch::kFloat64).clamp_min(0);
  }
  if (!s.keepOutputGradients)
    for (size_t u : layer.uses)
      s.uses[u].grad = torch::Tensor();
}

/// Per-layer pass 2: adds sum_i clip_{i,t} grad_{i,t} of one use to every trainable tensor's
/// .grad() ("book-keeping": the clipped sum straight from the use's input and output gradient).
void addClippedGradient(State &s, LayerState &layer, const Use &use, const torch::Tensor &gradOut) {
  torch::NoGradGuard noGrad;
  int64_t B = s.batch;
  torch::Tensor g = tokens(gradOut, B);
  for (const auto &[index, name] : layer.params) {
    torch::Tensor cg = g * s.clipFactors[index].view({B, 1, 1});
    torch::Tensor flatG = cg.reshape({-1, cg.size(2)});
    torch::Tensor grad = s.params[index].mutable_grad();
    if (name == "bias") {
      grad.add_(flatG.sum(0));
    } else if (layer.layer->kind() == LayerKind::Linear) {
      torch::Tensor a = tokens(use.input, B);
      torch::Tensor flatA = a.reshape({-1, a.size(2)});
      auto *linear = static_cast<model::Linear *>(layer.layer);
      if (linear->layout == model::Linear::Layout::OutIn)
        grad.add_(torch::mm(flatG.t(), flatA));
      else
        grad.add_(torch::mm(flatA.t(), flatG));
    } else if (layer.layer->kind() == LayerKind::Embedding) {
      grad.index_add_(0, idsOf(use, B).reshape({-1}), flatG);
    } else {
      torch::Tensor xhat = normalized(tokens(use.input, B), static_cast<model::LayerNorm *>(layer.layer)->eps);
      grad.add_((cg * xhat).flatten(0, 1).sum(0));
    }
  }
}

void onGradient(State &s, size_t u, const torch::Tensor &grad) {
  if (s.phase == Phase::Off || !s.failure.empty())
    return;
  Use &use = s.uses[u];
  if (use.arrived)
    return;
  use.arrived = true;
  LayerState &layer = s.layers[s.layerOfUse[u]];
  int64_t expected = use.broadcast ? s.batch * use.output.numel() : use.output.numel();
  if (grad.numel() != expected || grad.size(0) != s.batch) {
    s.failure = "layer output gradient of unexpected shape";
    return;
  }
  if (s.phase == Phase::Clip) {
    addClippedGradient(s, layer, use, grad);
    return;
  }
  use.grad = grad;
  if (++layer.arrived == layer.uses.size())
    addSquaredNorms(s, layer);
}

struct BroadcastHook : torch::autograd::FunctionPreHook {
  BroadcastHook(std::weak_ptr<State> state, size_t use) : state(std::move(state)), use(use) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list &grads) override {
    if (auto s = state.lock(); s && !grads.empty() && grads[0].defined())
      onGradient(*s, use, grads[0]);
    return grads;
  }
  std::weak_ptr<State> state;
  size_t use;
};

bool startsWith(const std::string &s, const char *prefix) { return s.rfind(prefix, 0) == 0; }

/// Walks the loss's graph, keeps the uses it reaches, checks that every trainable tensor is
/// reached only through them (else returns why not) and registers the gradient hooks.
std::string prepare(const std::shared_ptr<State> &state, const torch::Tensor &losses,
                    const std::vector<std::pair<std::string, torch::Tensor>> &named) {
  State &s = *state;
  std::unordered_map<Node *, std::vector<Node *>> parents;
  std::unordered_set<Node *> seen{losses.grad_fn().get()};
  std::vector<Node *> stack{losses.grad_fn().get()};
  while (!stack.empty()) {
    Node *node = stack.back();
    stack.pop_back();
    for (const auto &edge : node->next_edges()) {
      Node *next = edge.function.get();
      if (!next)
        continue;
      parents[next].push_back(node);
      if (seen.insert(next).second)
        stack.push_back(next);
    }
  }
  std::unordered_map<const void *, size_t> paramIndex;
  for (size_t i = 0; i < named.size(); ++i)
    paramIndex[named[i].second.unsafeGetTensorImpl()] = i;
  std::unordered_map<Layer *, size_t> layerIndex;
  std::vector<Use> live;
  for (Use &use : s.uses) {
    if (!seen.count(use.output.grad_fn().get()))
      continue; // e.g. the adversarial attack's own forwards
    auto [it, added] = layerIndex.try_emplace(use.layer, s.layers.size());
    if (added) {
      LayerState layer{use.layer, {}, {}, 0};
      for (const auto &param : use.layer->named_parameters(/*recurse=*/false))
        if (auto p = paramIndex.find(param.value().unsafeGetTensorImpl()); p != paramIndex.end())
          layer.params.emplace_back(p->second, param.key());
      s.layers.push_back(std::move(layer));
    }
    s.layers[it->second].uses.push_back(live.size());
    s.layerOfUse.push_back(it->second);
    live.push_back(std::move(use));
  }
  s.uses = std::move(live);

  std::unordered_set<Node *> useNodes;
  for (const Use &use : s.uses)
    useNodes.insert(use.output.grad_fn().get());
  for (size_t u = 0; u < s.uses.size(); ++u) {
    Node *start = s.uses[u].output.grad_fn().get();
    std::unordered_set<Node *> below{start};
    std::vector<Node *> todo{start};
    bool found = false;
    while (!todo.empty() && !found) {
      Node *node = todo.back();
      todo.pop_back();
      for (const auto &edge : node->next_edges()) {
        Node *next = edge.function.get();
        if (!next || !below.insert(next).second)
          continue;
        if (useNodes.count(next)) {
          found = true;
          break;
        }
        todo.push_back(next);
      }
    }
    if (!found)
      s.lowest.push_back(u);
  }

  // Every edge into a trainable tensor's accumulator must be one of a live use's.
  std::vector<size_t> ruled(named.size(), 0);
  for (const LayerState &layer : s.layers)
    for (const auto &param : layer.params)
      ruled[param.first] += layer.uses.size();
  for (size_t i = 0; i < named.size(); ++i) {
    auto accumulator = torch::autograd::impl::grad_accumulator(named[i].second);
    auto it = parents.find(accumulator.get());
    size_t edges = it == parents.end() ? 0 : it->second.size();
    if (edges != ruled[i])
      return "`" + named[i].first + "` is used " + std::to_string(edges) + " time(s) by the loss but only " +
             std::to_string(ruled[i]) + " through a Linear, Embedding or LayerNorm layer";
  }

  for (size_t u = 0; u < s.uses.size(); ++u) {
    Use &use = s.uses[u];
    const char *what = model::layerKindName(use.layer->kind());
    bool embedding = use.layer->kind() == LayerKind::Embedding;
    // Ids without a batch dimension ([L], as position ids are) broadcast over the batch, even a
    // batch of one; [1, L] ids do in a larger batch.
    if (embedding && (use.input.dim() < 2 || (s.batch > 1 && use.input.size(0) == 1)))
      use.broadcast = true;
    if (!use.broadcast) {
      if (use.input.dim() < (embedding ? 1 : 2) || use.input.size(0) != s.batch ||
          use.output.size(0) != s.batch)
        return std::string("a ") + what + " layer's input has no batch dimension";
      std::weak_ptr<State> weak = state;
      use.output.register_hook([weak, u](const torch::Tensor &grad) {
        if (auto locked = weak.lock())
          onGradient(*locked, u, grad);
      });
      continue;
    }
    // Up through shape-only nodes to the add that broadcasts the output over the batch.
    Node *node = use.output.grad_fn().get();
    for (int step = 0;; ++step) {
      auto it = parents.find(node);
      if (step == 4 || it == parents.end() || it->second.size() != 1)
        return "an embedding without a batch dimension is not added straight to the batch's embeddings";
      node = it->second.front();
      std::string name = node->name();
      if (name == "AddBackward0")
        break;
      if (!startsWith(name, "Unsqueeze") && !startsWith(name, "View") && !startsWith(name, "Expand") &&
          !startsWith(name, "Reshape"))
        return "an embedding without a batch dimension is not added straight to the batch's embeddings";
    }
    node->add_pre_hook(std::make_unique<BroadcastHook>(state, u));
  }
  return "";
}

/// One backward pass from `total` that runs the hooks: autograd computes the gradients of the
/// lowest uses' outputs (handed to the hooks here; a broadcast output's is the wrong one, its add's
/// pre-hook has it) and with them every node above, but no parameter gradient.
void runPass(State &s, Phase phase, const torch::Tensor &total, bool retainGraph) {
  for (Use &use : s.uses)
    use.arrived = false;
  std::vector<torch::Tensor> outputs;
  for (size_t u : s.lowest)
    outputs.push_back(s.uses[u].output);
  s.phase = phase;
  auto grads = torch::autograd::grad({total}, outputs, {}, retainGraph, false, /*allow_unused=*/true);
  for (size_t k = 0; k < s.lowest.size(); ++k)
    if (!s.uses[s.lowest[k]].broadcast && grads[k].defined())
      onGradient(s, s.lowest[k], grads[k]);
  s.phase = Phase::Off;
}

void setGrads(const std::vector<torch::Tensor> &params, const std::vector<torch::Tensor> &grads) {
  torch::NoGradGuard noGrad;
  for (size_t i = 0; i < params.size(); ++i) {
    torch::Tensor p = params[i];
    if (i < grads.size() && grads[i].defined())
      p.mutable_grad() = grads[i].detach();
    else if (p.grad().defined())
      p.mutable_grad().zero_();
    else
      p.mutable_grad() = torch::zeros_like(p);
  }
}

} // namespace

Batch exampleOf(const Batch &batch, int64_t i) {
  int64_t length = std::max<int64_t>(1, batch.attentionMask[i].sum().item<int64_t>());
  Batch one;
  one.inputIds = batch.inputIds.slice(0, i, i + 1).slice(1, 0, length);
  one.attentionMask = batch.attentionMask.slice(0, i, i + 1).slice(1, 0, length);
  one.labels = batch.labels.slice(0, i, i + 1);
  if (one.labels.dim() == 2)
    one.labels = one.labels.slice(1, 0, length);
  return one;
}

ClippedBatch materializedClippedGradients(model::TransformerModel &model, const Batch &batch,
                                          const PerExampleLoss &lossFn, double clip, bool perLayer) {
  auto named = model.trainableParameters();
  std::vector<torch::Tensor> params, acc;
  for (const auto &[name, p] : named) {
    params.push_back(p);
    acc.push_back(torch::zeros_like(p));
  }
  int64_t B = batch.size();
  double perTensorClip = perLayer ? clip / std::sqrt(static_cast<double>(params.size())) : clip;
  ClippedBatch out{torch::zeros({B}, torch::kFloat64), torch::zeros({B}), false, ""};
  for (int64_t i = 0; i < B; ++i) {
    torch::Tensor loss = lossFn(exampleOf(batch, i));
    auto grads = torch::autograd::grad({loss.sum()}, params, {}, false, false, /*allow_unused=*/true);
    out.losses[i].copy_(loss.detach().sum());
    std::vector<double> norms(params.size(), 0.0);
    double squared = 0;
    for (size_t t = 0; t < params.size(); ++t)
      if (grads[t].defined()) {
        norms[t] = grads[t].norm().item<double>();
        squared += norms[t] * norms[t];
      }
    double total = std::sqrt(squared);
    out.norms[i].fill_(total);
    torch::NoGradGuard noGrad;
    for (size_t t = 0; t < params.size(); ++t) {
      if (!grads[t].defined())
        continue;
      double norm = perLayer ? norms[t] : total, c = perLayer ? perTensorClip : clip;
      acc[t].add_(grads[t], static_cast<float>(std::min(1.0, c / (norm + 1e-6))));
    }
  }
  setGrads(params, acc);
  return out;
}

ClippedBatch ghostClippedGradients(model::TransformerModel &model, const Batch &batch,
                                   const PerExampleLoss &lossFn, double clip, bool perLayer) {
  auto named = model.trainableParameters();
  auto state = std::make_shared<State>();
  State &s = *state;
  s.batch = batch.size();
  for (const auto &[name, p] : named) {
    s.params.push_back(p);
    s.squared.push_back(torch::zeros({s.batch}, torch::kFloat64));
  }
  torch::Tensor losses;
  {
    Recorder recorder(s);
    losses = lossFn(batch);
  }
  if (!losses.grad_fn()) { // no trainable tensor reaches the loss
    setGrads(s.params, {});
    return {torch::zeros({s.batch}, torch::kFloat64), losses.detach(), true, ""};
  }
  auto fallBack = [&](std::string reason) {
    state.reset();
    losses = torch::Tensor();
    ClippedBatch out = materializedClippedGradients(model, batch, lossFn, clip, perLayer);
    out.fallbackReason = std::move(reason);
    return out;
  };
  if (std::string reason = prepare(state, losses, named); !reason.empty())
    return fallBack(reason);

  // Pass 1: the hooks turn every layer's input and output gradient into squared norms.
  if (s.lowest.empty()) // the loss needs a gradient but reaches no trainable tensor
    return fallBack("the loss reaches no layer with a trainable tensor");
  torch::Tensor total = losses.sum();
  // Flat: one backward pass; the graph can go as it runs. Per layer: pass 2 walks it again.
  s.keepOutputGradients = !perLayer;
  runPass(s, Phase::Norms, total, /*retainGraph=*/perLayer);
  for (const LayerState &layer : s.layers)
    if (layer.arrived != layer.uses.size() && s.failure.empty())
      s.failure = "a layer's output gradient never arrived";
  if (!s.failure.empty())
    return fallBack(s.failure);
  torch::Tensor squared = torch::zeros({s.batch}, torch::kFloat64);
  for (const auto &sq : s.squared)
    squared += sq;
  ClippedBatch out{squared.sqrt(), losses.detach(), true, ""};

  if (!perLayer) {
    // Book-keeping (Bu et al. 2023): with every example's factor known, each tensor's clipped sum
    // sum_i clip_i grad_i comes from its layer's inputs and the output gradients pass 1 kept,
    // one product per tensor, instead of backpropagating sum_i clip_i loss_i a second time.
    torch::Tensor factors = (clip / (out.norms + 1e-6)).clamp_max(1.0).to(torch::kFloat32);
    setGrads(s.params, {});
    s.clipFactors.assign(s.params.size(), factors);
    for (LayerState &layer : s.layers)
      for (size_t u : layer.uses) {
        addClippedGradient(s, layer, s.uses[u], s.uses[u].grad);
        s.uses[u].grad = torch::Tensor();
      }
    return out;
  }
  // Pass 2 (per layer): the hooks add each tensor's clipped sum to its .grad().
  setGrads(s.params, {});
  double perTensorClip = clip / std::sqrt(static_cast<double>(s.params.size()));
  for (const auto &sq : s.squared)
    s.clipFactors.push_back((perTensorClip / (sq.sqrt() + 1e-6)).clamp_max(1.0).to(torch::kFloat32));
  runPass(s, Phase::Clip, total, /*retainGraph=*/false);
  for (const Use &use : s.uses)
    if (!use.arrived && s.failure.empty())
      s.failure = "a layer's output gradient never arrived";
  if (!s.failure.empty())
    return fallBack(s.failure);
  return out;
}

} // namespace ftp::train
