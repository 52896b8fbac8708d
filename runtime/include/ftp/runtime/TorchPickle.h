//===- TorchPickle.h - a restricted loader for PyTorch's pytorch_model.bin ------===//
//
// `torch.save` (PyTorch >= 1.6) writes a zip archive: `<root>/data.pkl`, a pickle of the state
// dict, and `<root>/data/<key>`, the raw little-endian bytes of each storage, stored uncompressed.
// Pickle is a program for a stack machine that may call any Python function, so this loader runs
// only a small subset of it and never executes anything: dicts (and `collections.OrderedDict`),
// lists, tuples, ints, floats, strings, bools, None, storages through `persistent_load`
// (`torch.FloatStorage`, `torch.HalfStorage`, ...) and tensors through
// `torch._utils._rebuild_tensor_v2` (and `_rebuild_parameter` around one). Any other global, and
// any opcode outside the subset, is refused with an error that names the file and the global or
// opcode. The legacy (pre-1.6, not zip) format is refused too.
//
// Free of LibTorch (library ftp_checkpoint); Checkpoint.h turns the result into torch::Tensors.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/runtime/MappedFile.h"
#include "ftp/runtime/Safetensors.h"

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::runtime {

/// A tensor of the state dict: a strided view of one storage (offset, shape and stride count
/// elements). Nested dicts are flattened with "." between the keys.
struct PickledTensor {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;
  std::vector<int64_t> stride;
  int64_t storageOffset = 0;
  std::string storageKey;
  bool requiresGrad = false;
};

/// What data.pkl says: the tensors and, per storage key, the storage's dtype.
struct PickledStateDict {
  std::vector<PickledTensor> tensors;
  std::map<std::string, Dtype> storages;
};

/// Runs the restricted pickle machine over `pickle` (the bytes of data.pkl).
std::optional<PickledStateDict> parseTorchPickle(std::string_view pickle,
                                                 const std::string &displayName,
                                                 std::string *error = nullptr);

/// A storage's bytes inside the archive.
struct StorageView {
  Dtype dtype = Dtype::F32;
  const void *data = nullptr;
  size_t byteSize = 0;
};

/// A validated pytorch_model.bin: every tensor's elements lie inside its storage.
class TorchPickleFile {
public:
  static std::optional<TorchPickleFile> open(const std::string &path, std::string *error = nullptr);
  static std::optional<TorchPickleFile> fromBytes(std::shared_ptr<const Bytes> bytes,
                                                  const std::string &displayName,
                                                  std::string *error = nullptr);

  const std::vector<PickledTensor> &tensors() const { return state_.tensors; }
  /// The storage with `key` (every tensor's storageKey has one).
  const StorageView *storage(const std::string &key) const;
  /// The bytes every storage view points into.
  const std::shared_ptr<const Bytes> &bytes() const { return bytes_; }

private:
  std::shared_ptr<const Bytes> bytes_;
  PickledStateDict state_;
  std::map<std::string, StorageView> storages_;
};

} // namespace ftp::runtime
