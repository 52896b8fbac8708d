//===- GradientReducer.cpp - all-reduce of gradients, overlapped with the backward pass -===//

#include "GradientReducer.h"

#include <algorithm>
#include <stdexcept>

namespace ftp::train {

GradientReducer::GradientReducer(std::vector<torch::Tensor> params, dist::Collective &collective,
                                 int64_t bucketBytes)
    : params_(std::move(params)), collective_(collective), bucketOf_(params_.size()),
      complete_(params_.size()), seen_(params_.size(), false) {
  // Backward reaches the last layers first: buckets in reverse order of the parameters.
  int64_t filled = 0;
  for (size_t i = params_.size(); i-- > 0;) {
    int64_t bytes = params_[i].numel() * static_cast<int64_t>(sizeof(float));
    if (buckets_.empty() || (filled > 0 && filled + bytes > bucketBytes)) {
      buckets_.emplace_back();
      filled = 0;
    }
    buckets_.back().params.push_back(i);
    bucketOf_[i] = buckets_.size() - 1;
    filled += bytes;
  }
  for (size_t i = 0; i < params_.size(); ++i)
    hooks_.push_back(
        params_[i].register_hook([this, i](torch::Tensor grad) { return onGradient(i, grad); }));
}

GradientReducer::~GradientReducer() {
  for (size_t i = 0; i < hooks_.size(); ++i)
    params_[i].remove_hook(hooks_[i]);
}

void GradientReducer::arm() { armed_ = true; }

torch::Tensor GradientReducer::onGradient(size_t param, const torch::Tensor &grad) {
  if (!armed_)
    return grad;
  torch::NoGradGuard noGrad;
  // A leaf's hook runs once per backward pass, with the sum of every use's gradient.
  if (complete_[param].defined() || seen_[param])
    throw std::logic_error("a parameter's gradient hook ran twice in one backward pass");
  const torch::Tensor &before = params_[param].grad();
  complete_[param] = before.defined() ? before + grad : grad.clone();
  Bucket &bucket = buckets_[bucketOf_[param]];
  if (++bucket.ready == bucket.params.size()) {
    // Every rank must start the same all-reduces in the same order: start buckets strictly in
    // index order, each once all before it have started.
    for (size_t b = 0; b < buckets_.size() && (buckets_[b].started ||
                                               buckets_[b].ready == buckets_[b].params.size());
         ++b)
      if (!buckets_[b].started)
        start(b);
  }
  return grad;
}

void GradientReducer::start(size_t index) {
  torch::NoGradGuard noGrad;
  Bucket &bucket = buckets_[index];
  std::vector<torch::Tensor> parts;
  for (size_t p : bucket.params) {
    const torch::Tensor &mine = complete_[p].defined() ? complete_[p] : params_[p].grad();
    parts.push_back(mine.defined() ? mine.reshape({-1}) : torch::zeros({params_[p].numel()}));
  }
  bucket.flat = torch::cat(parts);
  bucket.wait = collective_.startSum(bucket.flat, "all-reduce of gradients");
  bucket.started = true;
  for (size_t p : bucket.params) { // the bucket holds them now: one copy of the gradients, not two
    seen_[p] = seen_[p] || complete_[p].defined();
    complete_[p] = torch::Tensor();
  }
}

void GradientReducer::finish() {
  for (size_t b = 0; b < buckets_.size(); ++b)
    if (!buckets_[b].started)
      start(b);
  std::vector<double> has(params_.size());
  for (size_t i = 0; i < params_.size(); ++i)
    has[i] = seen_[i] || params_[i].grad().defined() ? 1.0 : 0.0;
  has = collective_.allReduceSum(has);
  torch::NoGradGuard noGrad;
  for (Bucket &bucket : buckets_) {
    bucket.wait();
    int64_t at = 0;
    for (size_t p : bucket.params) {
      torch::Tensor &param = params_[p];
      int64_t n = param.numel();
      if (has[p] > 0) {
        if (!param.grad().defined())
          param.mutable_grad() = torch::zeros_like(param);
        param.mutable_grad().copy_(bucket.flat.slice(0, at, at + n).view(param.sizes()));
      }
      at += n;
    }
    bucket = Bucket{std::move(bucket.params)};
  }
  std::fill(seen_.begin(), seen_.end(), false);
  armed_ = false;
}

} // namespace ftp::train
