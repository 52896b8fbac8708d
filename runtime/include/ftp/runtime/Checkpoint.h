//===- Checkpoint.h - checkpoints as LibTorch tensors ---------------------------===//
//
// Loads HuggingFace checkpoints (model.safetensors, pytorch_model.bin) into LibTorch tensors and
// writes tensors as safetensors. Unlike the runtime's other public headers this one includes
// LibTorch (at::Tensor is torch::Tensor): include it only from code that links torch itself.
// No function here throws; failures come back as std::nullopt or false with `error` set.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/runtime/Safetensors.h"
#include "ftp/runtime/TorchPickle.h"

#include <ATen/ATen.h>

#include <map>
#include <optional>
#include <string>

namespace ftp::runtime {

using TensorMap = std::map<std::string, at::Tensor>;

at::ScalarType toScalarType(Dtype dtype);
/// The checkpoint dtype of a LibTorch scalar type, or std::nullopt (complex, quantized, ...).
std::optional<Dtype> fromScalarType(at::ScalarType type);

/// How a tensor gets its elements from a mapped file.
enum class TensorMemory {
  Copy,   ///< its own memory
  Borrow, ///< points into the mapping, which it keeps alive; in-place writes stay private to the
          ///< process (copy-on-write). A copy instead when the data is misaligned or the mapping
          ///< is not writable (in-memory bytes, or a file too large for a copy-on-write mapping).
};

/// A CPU tensor with the view's dtype, shape and bytes.
at::Tensor toTensor(const TensorView &view, TensorMemory memory = TensorMemory::Copy);

/// Every tensor of a safetensors file.
std::optional<TensorMap> loadSafetensors(const std::string &path, std::string *error = nullptr,
                                         TensorMemory memory = TensorMemory::Copy);

/// Writes `tensors` (any device, any layout; made contiguous on the CPU) as a safetensors file,
/// atomically, laid out as the reference implementation does.
bool saveSafetensors(const std::string &path, const TensorMap &tensors,
                     const std::map<std::string, std::string> &metadata = {},
                     std::string *error = nullptr);

/// Every tensor of a pytorch_model.bin (contiguous copies), through the restricted pickle loader.
std::optional<TensorMap> loadTorchPickle(const std::string &path, std::string *error = nullptr);

/// The weights of a HuggingFace model folder: `model.safetensors` when it is there (preferred),
/// otherwise `pytorch_model.bin`.
std::optional<TensorMap> loadCheckpoint(const std::string &folder, std::string *error = nullptr);

} // namespace ftp::runtime
