//===- GradientReducer.h - all-reduce of gradients, overlapped with the backward pass ---===//
//
// What PyTorch's DDP does, on the parameters' gradient hooks: parameters are grouped into buckets
// of about 25 MiB in reverse order of registration (the order backward produces their gradients
// in), and during the last backward pass of a step each bucket starts its all-reduce as soon as
// all of its gradients are complete, while backward goes on with the layers below. After the
// backward pass, the buckets still waiting (parameters this rank's graph did not reach) start
// too, and finish() waits for all of them and writes the sums into the gradients.
//
// LibTorch 1.13 has no post-accumulation hook: a leaf's hook sees the gradient before it is added
// to .grad(). So the hook adds it to what earlier micro-batches accumulated into a copy of its own
// (the bucket's buffer), and autograd's accumulation into .grad() goes on as usual; finish()
// overwrites .grad() with the sum.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "dist/Collective.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace ftp::train {

class GradientReducer {
public:
  GradientReducer(std::vector<torch::Tensor> params, dist::Collective &collective,
                  int64_t bucketBytes = dist::Collective::kBucketBytes);
  ~GradientReducer(); // removes the hooks: the model outlives the training loop
  GradientReducer(const GradientReducer &) = delete;
  GradientReducer &operator=(const GradientReducer &) = delete;

  /// The next backward pass is the step's last on this rank: its hooks start the buckets.
  void arm();
  /// Starts the buckets the backward pass did not complete (all of them when this rank had no
  /// micro-batch), waits for every sum and writes it into the gradients. A parameter with no
  /// gradient on any rank keeps none (as in one process, the optimizer then skips it).
  void finish();

  int64_t buckets() const { return static_cast<int64_t>(buckets_.size()); }

private:
  torch::Tensor onGradient(size_t param, const torch::Tensor &grad);
  void start(size_t bucket);

  struct Bucket {
    std::vector<size_t> params;
    size_t ready = 0;
    bool started = false;
    torch::Tensor flat;
    std::function<void()> wait;
  };
  std::vector<torch::Tensor> params_;
  dist::Collective &collective_;
  std::vector<Bucket> buckets_;
  std::vector<size_t> bucketOf_;
  std::vector<unsigned> hooks_;
  std::vector<torch::Tensor> complete_; // per parameter: its gradient, once the hook has seen it,
                                        // until its bucket starts
  std::vector<bool> seen_;              // the hook has seen it in this step's last backward
  bool armed_ = false;
};

} // namespace ftp::train
