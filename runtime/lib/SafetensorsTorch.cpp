//===- SafetensorsTorch.cpp - checkpoints as LibTorch tensors -------------------===//

#include "ftp/runtime/Checkpoint.h"

#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>

namespace ftp::runtime {
namespace {

std::vector<int64_t> sizesOf(const std::vector<int64_t> &shape) { return shape; }

template <typename T> std::optional<T> failWith(std::string *error, const std::string &message) {
  if (error)
    *error = message;
  return std::nullopt;
}

} // namespace

at::ScalarType toScalarType(Dtype dtype) {
  switch (dtype) {
  case Dtype::BOOL:
    return at::kBool;
  case Dtype::U8:
    return at::kByte;
  case Dtype::I8:
    return at::kChar;
  case Dtype::I16:
    return at::kShort;
  case Dtype::F16:
    return at::kHalf;
  case Dtype::BF16:
    return at::kBFloat16;
  case Dtype::I32:
    return at::kInt;
  case Dtype::F32:
    return at::kFloat;
  case Dtype::F64:
    return at::kDouble;
  case Dtype::I64:
    return at::kLong;
  }
  return at::kFloat;
}

std::optional<Dtype> fromScalarType(at::ScalarType type) {
  switch (type) {
  case at::kBool:
    return Dtype::BOOL;
  case at::kByte:
    return Dtype::U8;
  case at::kChar:
    return Dtype::I8;
  case at::kShort:
    return Dtype::I16;
  case at::kHalf:
    return Dtype::F16;
  case at::kBFloat16:
    return Dtype::BF16;
  case at::kInt:
    return Dtype::I32;
  case at::kFloat:
    return Dtype::F32;
  case at::kDouble:
    return Dtype::F64;
  case at::kLong:
    return Dtype::I64;
  default:
    return std::nullopt;
  }
}

at::Tensor toTensor(const TensorView &view, TensorMemory memory) {
  auto options = at::TensorOptions().dtype(toScalarType(view.dtype)).device(at::kCPU);
  auto address = reinterpret_cast<std::uintptr_t>(view.data);
  bool aligned = address % dtypeSize(view.dtype) == 0;
  if (memory == TensorMemory::Borrow && aligned && view.data && view.owner &&
      view.owner->privatelyWritable()) {
    std::shared_ptr<const Bytes> owner = view.owner;
    return at::from_blob(
        const_cast<void *>(view.data), sizesOf(view.shape),
        [owner](void *) mutable { owner.reset(); }, options);
  }
  at::Tensor tensor = at::empty(sizesOf(view.shape), options);
  if (view.byteSize)
    std::memcpy(tensor.data_ptr(), view.data, view.byteSize);
  return tensor;
}

std::optional<TensorMap> loadSafetensors(const std::string &path, std::string *error,
                                         TensorMemory memory) {
  auto file = SafetensorsFile::open(path, error);
  if (!file)
    return std::nullopt;
  try {
    TensorMap tensors;
    for (const TensorView &view : file->tensors())
      tensors.emplace(view.name, toTensor(view, memory));
    return tensors;
  } catch (const std::exception &e) {
    return failWith<TensorMap>(error, path + ": " + e.what());
  }
}

bool saveSafetensors(const std::string &path, const TensorMap &tensors,
                     const std::map<std::string, std::string> &metadata, std::string *error) {
  try {
    std::vector<at::Tensor> keep; // the contiguous CPU copies the views point into
    std::vector<TensorToWrite> views;
    keep.reserve(tensors.size());
    for (const auto &[name, tensor] : tensors) {
      auto dtype = fromScalarType(tensor.scalar_type());
      if (!dtype) {
        if (error)
          *error = path + ": tensor `" + name + "` has dtype " +
                   std::string(c10::toString(tensor.scalar_type())) +
                   ", which safetensors (as ftpc writes it) cannot hold";
        return false;
      }
      keep.push_back(tensor.detach().to(at::kCPU).contiguous());
      const at::Tensor &cpu = keep.back();
      TensorToWrite view;
      view.name = name;
      view.dtype = *dtype;
      view.shape.assign(cpu.sizes().begin(), cpu.sizes().end());
      view.data = cpu.data_ptr();
      view.byteSize = cpu.numel() * cpu.element_size();
      views.push_back(std::move(view));
    }
    return writeSafetensors(path, views, metadata, error);
  } catch (const std::exception &e) {
    if (error)
      *error = path + ": " + e.what();
    return false;
  }
}

std::optional<TensorMap> loadTorchPickle(const std::string &path, std::string *error) {
  auto file = TorchPickleFile::open(path, error);
  if (!file)
    return std::nullopt;
  try {
    TensorMap tensors;
    for (const PickledTensor &pickled : file->tensors()) {
      const StorageView *storage = file->storage(pickled.storageKey);
      auto options = at::TensorOptions().dtype(toScalarType(storage->dtype)).device(at::kCPU);
      int64_t elements = static_cast<int64_t>(storage->byteSize / dtypeSize(storage->dtype));
      at::Tensor whole;
      if (reinterpret_cast<std::uintptr_t>(storage->data) % dtypeSize(storage->dtype) == 0) {
        whole = at::from_blob(const_cast<void *>(storage->data), {elements}, options);
      } else {
        whole = at::empty({elements}, options);
        std::memcpy(whole.data_ptr(), storage->data, elements * dtypeSize(storage->dtype));
      }
      // The loader checked that every reachable element lies inside the storage.
      at::Tensor tensor = whole.as_strided(pickled.shape, pickled.stride, pickled.storageOffset)
                              .clone(at::MemoryFormat::Contiguous);
      tensors.insert_or_assign(pickled.name, std::move(tensor));
    }
    return tensors;
  } catch (const std::exception &e) {
    return failWith<TensorMap>(error, path + ": " + e.what());
  }
}

std::optional<TensorMap> loadCheckpoint(const std::string &folder, std::string *error) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path safetensors = fs::path(folder) / "model.safetensors";
  if (fs::exists(safetensors, ec))
    return loadSafetensors(safetensors.string(), error);
  fs::path pickle = fs::path(folder) / "pytorch_model.bin";
  if (fs::exists(pickle, ec))
    return loadTorchPickle(pickle.string(), error);
  return failWith<TensorMap>(
      error, "`" + folder + "` has neither `model.safetensors` nor `pytorch_model.bin`");
}

} // namespace ftp::runtime
