//===- TorchPickleFuzzer.cpp - libFuzzer target over the pytorch_model.bin loader -===//
//
// Any byte string, read both as a whole checkpoint (zip + pickle) and as a bare data.pkl, is
// rejected with a message naming the file or accepted; in an accepted checkpoint every element a
// tensor can reach lies inside its storage (touched here so that ASan would see a stray read).
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/TorchPickle.h"

#include <cstdlib>

using namespace ftp::runtime;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  std::string error;
  if (!parseTorchPickle(text, "fuzz.pkl", &error) && error.rfind("fuzz.pkl: ", 0) != 0)
    std::abort();

  auto file = TorchPickleFile::fromBytes(Bytes::copyOf(text), "fuzz.bin", &error);
  if (!file) {
    if (error.rfind("fuzz.bin: ", 0) != 0)
      std::abort();
    return 0;
  }
  volatile uint8_t sink = 0;
  for (const PickledTensor &tensor : file->tensors()) {
    const StorageView *storage = file->storage(tensor.storageKey);
    if (!storage || tensor.shape.size() != tensor.stride.size())
      std::abort();
    bool empty = false;
    uint64_t last = tensor.storageOffset;
    for (size_t d = 0; d < tensor.shape.size(); ++d) {
      empty |= tensor.shape[d] == 0;
      if (tensor.shape[d] > 0)
        last += uint64_t(tensor.shape[d] - 1) * uint64_t(tensor.stride[d]);
    }
    if (empty)
      continue;
    size_t elementSize = dtypeSize(storage->dtype);
    // The last byte of the farthest element.
    sink = sink + static_cast<const uint8_t *>(storage->data)[last * elementSize + elementSize - 1];
  }
  (void)sink;
  return 0;
}
