//===- ZipArchive.h - the records of an uncompressed zip archive ----------------===//
//
// torch.save writes a zip whose records are stored, not compressed, so a checkpoint's storages can
// be used in place. This reads the central directory (zip64 included) and checks every record's
// bounds; compressed or encrypted records are refused. Internal to ftp_checkpoint.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ftp::runtime {

/// The unsigned little-endian integer in the `bytes` bytes at `p` (zip and pickle fields).
inline uint64_t readLE(const uint8_t *p, int bytes) {
  uint64_t value = 0;
  for (int i = bytes - 1; i >= 0; --i)
    value = (value << 8) | p[i];
  return value;
}

struct ZipEntry {
  std::string name;
  uint64_t offset = 0; ///< of the record's data in the archive
  uint64_t size = 0;
};

/// The records of the zip archive `base[0, size)`, or std::nullopt with `problem` set.
std::optional<std::vector<ZipEntry>> readStoredZip(const uint8_t *base, uint64_t size,
                                                   std::string *problem);

} // namespace ftp::runtime
