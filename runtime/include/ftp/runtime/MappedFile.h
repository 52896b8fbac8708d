//===- MappedFile.h - read-only bytes of a file or a buffer --------------------===//
//
// Checkpoint readers hand out views into the bytes of the file they read. Those bytes live in a
// `Bytes` object shared by every view: a read-only memory mapping of the file, or an in-memory copy
// (tests, fuzzers). Free of LibTorch.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ftp::runtime {

/// An immutable run of bytes that stays put for the object's lifetime.
class Bytes {
public:
  virtual ~Bytes() = default;
  virtual const uint8_t *data() const = 0;
  virtual size_t size() const = 0;
  /// True when the bytes may be written in place through a const_cast, privately: a copy-on-write
  /// mapping, whose writes never reach the file or any other reader of it.
  virtual bool privatelyWritable() const { return false; }

  /// Maps the file at `path` (an empty file gives empty bytes): copy-on-write where the system
  /// lets us reserve that much memory, read-only otherwise. nullptr and `error` set
  /// ("cannot open `path`: reason") on failure.
  static std::shared_ptr<const Bytes> mapFile(const std::string &path,
                                              std::string *error = nullptr);
  /// An in-memory copy of `contents`.
  static std::shared_ptr<const Bytes> copyOf(std::string contents);
};

} // namespace ftp::runtime
