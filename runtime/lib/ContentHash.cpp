//===- ContentHash.cpp - SHA-256 content hashes for run manifests ---------------===//
//
// The implementation is ftp_record's (Files.h), which ftpc and the driver share without LibTorch.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/runtime/ContentHash.h"

#include "ftp/record/Files.h"

namespace ftp::runtime {

std::string sha256Hex(std::string_view bytes) { return record::sha256Hex(bytes); }

std::optional<std::string> sha256FileHex(const std::string &path, std::string *error) {
  return record::sha256FileHex(path, error);
}

} // namespace ftp::runtime
