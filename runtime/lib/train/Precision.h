//===- Precision.h - bf16 mixed precision on the CPU (`precision bf16`) ---------===//
//
// `precision bf16` runs a training step's forward pass under LibTorch's CPU autocast with bfloat16:
// the matrix products (linear, matmul, bmm, scaled-dot-product attention) in bf16 through
// oneDNN (AMX and AVX512-BF16 where the CPU has them), while the ops autocast keeps in fp32 stay
// there: LayerNorm, softmax-cross-entropy (the loss), and everything outside the forward pass —
// master weights, gradients, the optimizer state and its fused update kernel are fp32. The backward
// pass runs outside the guard, as PyTorch's own autocast recommends; autograd follows the casts.
//
// DP-SGD is not combined with bf16 (the checker refuses it at `precision`): its per-example norms
// would be taken from bf16 activations and output gradients.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <ATen/autocast_mode.h>
#include <ATen/cpu/Utils.h>

namespace ftp::train {

/// Whether this CPU multiplies bf16 matrices in hardware (AMX-BF16 or AVX512-BF16). Without, oneDNN
/// emulates them: on an AVX2-only machine a MiniLM training step took 13x as long in bf16 as in
/// fp32 (bench-precision, docs/benchmarks.md), so the run warns.
inline bool cpuHasNativeBf16() {
  auto capabilities = at::cpu::get_cpu_capabilities();
  for (const char *flag : {"amx_bf16", "avx512_bf16"}) {
    auto it = capabilities.find(flag);
    if (it != capabilities.end() && it->second.isBool() && it->second.toBool())
      return true;
  }
  return false;
}

/// Enables CPU bf16 autocast for its lifetime when `enabled`; restores the previous state (and
/// frees autocast's cast cache at the outermost guard, as torch.autocast's exit does).
class CpuAutocast {
public:
  explicit CpuAutocast(bool enabled) : enabled_(enabled) {
    if (!enabled_)
      return;
    previousEnabled_ = at::autocast::is_autocast_enabled(at::kCPU);
    previousType_ = at::autocast::get_autocast_dtype(at::kCPU);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCPU, true);
    at::autocast::increment_nesting();
  }
  ~CpuAutocast() {
    if (!enabled_)
      return;
    if (at::autocast::decrement_nesting() == 0)
      at::autocast::clear_cache();
    at::autocast::set_autocast_enabled(at::kCPU, previousEnabled_);
    at::autocast::set_autocast_dtype(at::kCPU, previousType_);
  }
  CpuAutocast(const CpuAutocast &) = delete;
  CpuAutocast &operator=(const CpuAutocast &) = delete;

private:
  bool enabled_;
  bool previousEnabled_ = false;
  at::ScalarType previousType_ = at::kBFloat16;
};

} // namespace ftp::train
