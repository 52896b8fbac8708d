//===- ContentHash.h - SHA-256 content hashes for run manifests -----------------===//
//
// Every run manifest pins its inputs and outputs by SHA-256 (pipeline text, data files, model
// weights, tokenizer, checkpoints). Hex digests are lowercase, as sha256sum prints them.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ftp::runtime {

/// SHA-256 of a byte string, as 64 lowercase hex digits.
std::string sha256Hex(std::string_view bytes);

/// SHA-256 of a file's contents, streamed in blocks; std::nullopt (and `error` set to the reason)
/// when the file cannot be read completely.
std::optional<std::string> sha256FileHex(const std::string &path, std::string *error = nullptr);

} // namespace ftp::runtime
