//===- SafetensorsFuzzer.cpp - libFuzzer target over the safetensors reader ------===//
//
// Any byte string is either rejected with a message or accepted as a file whose tensors tile its
// data section exactly; an accepted file written again by the writer reads back the same.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/Safetensors.h"

#include <cstdlib>
#include <cstring>

using namespace ftp::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  auto bytes = Bytes::copyOf(std::string(reinterpret_cast<const char *>(data), size));
  std::string error;
  auto file = SafetensorsFile::fromBytes(bytes, "fuzz.safetensors", &error);
  if (!file) {
    if (error.rfind("fuzz.safetensors: ", 0) != 0)
      std::abort(); // every error names the file
    return 0;
  }
  const uint8_t *begin = bytes->data() + 8 + file->headerSize(), *end = bytes->data() + size;
  size_t covered = 0;
  std::vector<TensorToWrite> again;
  for (const TensorView &view : file->tensors()) {
    auto at = static_cast<const uint8_t *>(view.data);
    if (at < begin || at > end || view.byteSize > size_t(end - at) ||
        view.byteSize != size_t(view.numel()) * dtypeSize(view.dtype))
      std::abort();
    covered += view.byteSize;
    again.push_back({view.name, view.dtype, view.shape, view.data, view.byteSize});
  }
  if (covered != size_t(end - begin))
    std::abort();

  auto written = serializeSafetensors(again, file->metadata(), &error);
  if (!written)
    std::abort();
  auto reread = SafetensorsFile::fromBytes(Bytes::copyOf(*written), "again.safetensors", &error);
  if (!reread || reread->tensors().size() != file->tensors().size() ||
      reread->metadata() != file->metadata())
    std::abort();
  for (const TensorView &view : reread->tensors()) {
    const TensorView *original = file->find(view.name);
    if (!original || original->dtype != view.dtype || original->shape != view.shape ||
        original->byteSize != view.byteSize ||
        (view.byteSize && std::memcmp(original->data, view.data, view.byteSize) != 0))
      std::abort();
  }
  return 0;
}
