//===- Safetensors.h - reading and writing the safetensors format ---------------===//
//
// The safetensors format (HuggingFace): 8 bytes of little-endian header length N, N bytes of a JSON
// object `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
// "__metadata__": {"key": "value"}}`, then the data section; offsets are relative to its start.
//
// The reader validates everything before it hands out a view (lengths, JSON, fields, dtypes,
// element counts, offsets, overlaps, gaps, duplicate names) and reports the first problem as a
// message that names the file and the tensor. Nothing here throws or aborts; failures come back as
// std::nullopt or false with `error` set. The writer follows the reference implementation's layout:
// tensors sorted by descending dtype alignment then by name, the header padded with spaces to a
// multiple of 8 bytes, so files round-trip bit-exactly.
//
// Free of LibTorch (library ftp_checkpoint, which the fuzzers link); the conversion to and from
// torch::Tensor is in Checkpoint.h.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/runtime/MappedFile.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::runtime {

/// Element types of checkpoint tensors. Declared in the reference implementation's order of
/// increasing alignment, which the writer sorts by.
enum class Dtype : uint8_t { BOOL, U8, I8, I16, F16, BF16, I32, F32, F64, I64 };

/// "F32", "BF16", ... as the format spells them.
const char *dtypeName(Dtype dtype);
/// The dtype the format spells `name`, or std::nullopt for one we do not know or support.
std::optional<Dtype> parseDtype(std::string_view name);
/// Bytes per element.
size_t dtypeSize(Dtype dtype);

/// One tensor of a checkpoint: a view of bytes that stay valid as long as `owner` (or the reader it
/// came from) lives. `data` may be unaligned when the file's header length is not a multiple of 8.
struct TensorView {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;
  const void *data = nullptr;
  size_t byteSize = 0;
  std::shared_ptr<const Bytes> owner;

  int64_t numel() const;
};

/// A validated safetensors file, memory-mapped (or held in memory). Tensors are listed in the order
/// of their data offsets.
class SafetensorsFile {
public:
  /// Maps and validates the file at `path`.
  static std::optional<SafetensorsFile> open(const std::string &path, std::string *error = nullptr);
  /// Validates the whole file given as bytes (kept alive by `bytes`); `displayName` names it in
  /// errors.
  static std::optional<SafetensorsFile> fromBytes(std::shared_ptr<const Bytes> bytes,
                                                  const std::string &displayName,
                                                  std::string *error = nullptr);

  const std::vector<TensorView> &tensors() const { return tensors_; }
  /// The tensor called `name`, or nullptr.
  const TensorView *find(std::string_view name) const;
  /// The free-form `__metadata__` entries (empty when the file has none).
  const std::map<std::string, std::string> &metadata() const { return metadata_; }
  /// The header length N and the offset of the data section (8 + N).
  uint64_t headerSize() const { return headerSize_; }
  const std::string &path() const { return path_; }

private:
  std::shared_ptr<const Bytes> bytes_;
  std::string path_;
  uint64_t headerSize_ = 0;
  std::vector<TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// A tensor to write: contiguous little-endian bytes in row-major order.
struct TensorToWrite {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<int64_t> shape;
  const void *data = nullptr;
  size_t byteSize = 0;
};

/// The complete file the reference implementation would write for these tensors and metadata
/// (a metadata map that is empty is left out, as the reference does for "no metadata").
std::optional<std::string> serializeSafetensors(const std::vector<TensorToWrite> &tensors,
                                                const std::map<std::string, std::string> &metadata,
                                                std::string *error = nullptr);

/// Writes the file atomically: a temporary file in the same folder, fsync, rename over `path`, and
/// fsync of the folder. On failure nothing is left behind and `path` is untouched.
bool writeSafetensors(const std::string &path, const std::vector<TensorToWrite> &tensors,
                      const std::map<std::string, std::string> &metadata = {},
                      std::string *error = nullptr);

} // namespace ftp::runtime
