//===- GhostClipping.h - DP-SGD per-example clipping without per-example gradients ---===//
//
// DP-SGD clips every example's gradient to norm C before summing. Materializing per-example
// gradients (one backward per example) costs B backward passes; ghost clipping (Li et al. 2021)
// gets every example's gradient norm from what one batched backward already has: each layer's
// input a and output gradient g. For a Linear, example i's weight gradient is sum_t g_t a_t^T, whose
// squared norm is sum_{t,t'} (a_t.a_t')(g_t.g_t') (the "ghost norm", O(T^2 (d_in + d_out))) or,
// when T^2 > d_in d_out, the norm of the gradient itself; a bias gives ||sum_t g_t||^2; an
// Embedding sum_{t,t'} [id_t == id_t'] g_t.g_t'; a LayerNorm ||sum_t g_t * xhat_t||^2. The layers
// report (input, output) through model::setCaptureSink while the loss is built; gradient hooks on
// the outputs are registered only afterwards, so they see the two passes here and never the
// adversarial attack's own torch::autograd::grad calls inside the loss.
//
//  - flat clipping: pass 1 gives the norms, pass 2 backpropagates sum_i clip_i * loss_i;
//  - per-layer clipping (C_t = C / sqrt(#tensors)): pass 2 builds each tensor's clipped sum
//    sum_i clip_{i,t} grad_{i,t} from (a, g) in the hooks ("book-keeping", Bu et al. 2023).
//
// Every use of a layer (adversarial training runs the model twice) is concatenated along the token
// axis. A trainable tensor reached by the loss other than through a layer's recorded uses (GPT-2's
// LM head tied to wte, a parameter outside layersOf()) has no rule: the call then falls back to
// materializing per-example gradients, one example at a time, and says why in `fallbackReason`.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "Batches.h"
#include "model/TransformerModel.h"

#include <torch/torch.h>

#include <functional>
#include <string>

namespace ftp::train {

struct ClippedBatch {
  torch::Tensor norms;  // [B] float64: every example's total gradient norm (over all trainable tensors)
  torch::Tensor losses; // [B] per-example losses (detached)
  bool ghost = true;    // false: fell back to materialized per-example gradients
  std::string fallbackReason; // why it fell back (empty when ghost)
};

/// Per-example losses [B] of a batch (e.g. trainingLoss(..., perExample = true)). Called once on
/// `batch` for ghost clipping; the fallback calls it once per example on a batch of one, trimmed
/// of its (right) padding.
using PerExampleLoss = std::function<torch::Tensor(const Batch &)>;

/// Leaves in every trainable parameter's .grad() (overwritten, defined for all of them) the sum
/// over the batch's examples of clip_i * grad_i, clip_i = min(1, C / (norm_i + 1e-6)) with the
/// total norm (flat), or per tensor with C / sqrt(#trainable tensors) and the tensor's own norm
/// (perLayer). Examples must not interact in the forward (no batch norm), as in every model here.
ClippedBatch ghostClippedGradients(model::TransformerModel &model, const Batch &batch,
                                   const PerExampleLoss &lossFn, double clip, bool perLayer);

/// The reference (and the fallback): one forward and backward per example, same contract.
ClippedBatch materializedClippedGradients(model::TransformerModel &model, const Batch &batch,
                                          const PerExampleLoss &lossFn, double clip, bool perLayer);

/// Example `i` of `batch` alone, without its padding (padding is on the right).
Batch exampleOf(const Batch &batch, int64_t i);

} // namespace ftp::train
