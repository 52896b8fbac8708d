//===- ZipArchive.cpp - the records of an uncompressed zip archive --------------===//

#include "ZipArchive.h"

namespace ftp::runtime {
namespace {


} // namespace

std::optional<std::vector<ZipEntry>> readStoredZip(const uint8_t *base, uint64_t size,
                                                   std::string *problem) {
  auto fail = [&](const std::string &message) -> std::optional<std::vector<ZipEntry>> {
    *problem = message;
    return std::nullopt;
  };
  if (size < 22)
    return fail("the file is too short to be a zip archive");
  // The end-of-central-directory record, within the last 64 KiB + 22 bytes (its comment).
  uint64_t eocd = size - 22;
  uint64_t lowest = size - 22 > 0xffff ? size - 22 - 0xffff : 0;
  while (readLE(base + eocd, 4) != 0x06054b50) {
    if (eocd == lowest)
      return fail("no zip end-of-central-directory record");
    --eocd;
  }
  uint64_t count = readLE(base + eocd + 10, 2);
  uint64_t directorySize = readLE(base + eocd + 12, 4);
  uint64_t directory = readLE(base + eocd + 16, 4);
  if (count == 0xffff || directorySize == 0xffffffff || directory == 0xffffffff) {
    if (eocd < 20 || readLE(base + eocd - 20, 4) != 0x07064b50)
      return fail("a zip64 archive without its zip64 locator");
    uint64_t record = readLE(base + eocd - 20 + 8, 8);
    if (record > size || size - record < 56 || readLE(base + record, 4) != 0x06064b50)
      return fail("the zip64 end-of-central-directory record is out of bounds");
    count = readLE(base + record + 32, 8);
    directorySize = readLE(base + record + 40, 8);
    directory = readLE(base + record + 48, 8);
  }
  if (directory > size || directorySize > size - directory)
    return fail("the zip central directory is out of bounds");
  if (count > directorySize / 46)
    return fail("the zip central directory is too small for " + std::to_string(count) + " entries");

  std::vector<ZipEntry> entries;
  uint64_t at = directory, end = directory + directorySize;
  for (uint64_t i = 0; i < count; ++i) {
    if (end - at < 46 || readLE(base + at, 4) != 0x02014b50)
      return fail("zip central directory entry " + std::to_string(i) + " is malformed");
    uint64_t flags = readLE(base + at + 8, 2);
    uint64_t method = readLE(base + at + 10, 2);
    uint64_t compressed = readLE(base + at + 20, 4);
    uint64_t uncompressed = readLE(base + at + 24, 4);
    uint64_t nameLength = readLE(base + at + 28, 2);
    uint64_t extraLength = readLE(base + at + 30, 2);
    uint64_t commentLength = readLE(base + at + 32, 2);
    uint64_t local = readLE(base + at + 42, 4);
    if (end - at - 46 < nameLength + extraLength + commentLength)
      return fail("zip central directory entry " + std::to_string(i) +
                  " runs out of the directory");
    ZipEntry entry;
    entry.name.assign(reinterpret_cast<const char *>(base + at + 46), nameLength);
    // Zip64: the fields that are all ones come, in this order, from extra field 0x0001.
    const uint8_t *extra = base + at + 46 + nameLength;
    for (uint64_t e = 0; e + 4 <= extraLength;) {
      uint64_t id = readLE(extra + e, 2), length = readLE(extra + e + 2, 2);
      if (e + 4 + length > extraLength)
        break;
      if (id == 0x0001) {
        uint64_t field = e + 4, fieldEnd = e + 4 + length;
        for (uint64_t *value : {&uncompressed, &compressed, &local})
          if (*value == 0xffffffff) {
            if (fieldEnd - field < 8)
              return fail("zip entry `" + entry.name + "` has a short zip64 field");
            *value = readLE(extra + field, 8);
            field += 8;
          }
      }
      e += 4 + length;
    }
    if (flags & 1)
      return fail("zip entry `" + entry.name + "` is encrypted");
    if (method != 0 || compressed != uncompressed)
      return fail("zip entry `" + entry.name + "` is compressed (method " + std::to_string(method) +
                  "); PyTorch stores entries uncompressed");
    if (local > size || size - local < 30 || readLE(base + local, 4) != 0x04034b50)
      return fail("zip entry `" + entry.name + "` has no local header at its offset");
    uint64_t start = local + 30 + readLE(base + local + 26, 2) + readLE(base + local + 28, 2);
    if (start > size || uncompressed > size - start)
      return fail("zip entry `" + entry.name + "` runs past the end of the file");
    entry.offset = start;
    entry.size = uncompressed;
    entries.push_back(std::move(entry));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

} // namespace ftp::runtime
