//===- Files.h - hashing and atomic writes for run records -----------------------===//
//
// Run records pin files by SHA-256 (lowercase hex, as sha256sum prints it). A folder is pinned by
// its *tree hash*: the SHA-256 of the lines `<sha256>  <relative path>\n` of its files in byte order
// of their paths, which is what this prints:
//
//   cd FOLDER && find . -type f ! -path '*/.*' -printf '%P\n' | LC_ALL=C sort | xargs -d '\n' sha256sum | sha256sum
//
// Hidden files and folders (a name starting with `.`, such as the fixtures' `.ready` marker) are
// not inputs: the data readers skip them too.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ftp::record {

/// SHA-256 of a byte string, as 64 lowercase hex digits.
std::string sha256Hex(std::string_view bytes);

/// SHA-256 of a file's contents, streamed in blocks; std::nullopt (and `error` set to the reason)
/// when the file cannot be read completely. `bytes`, when given, receives the file's size.
std::optional<std::string> sha256FileHex(const std::string &path, std::string *error = nullptr,
                                         uint64_t *bytes = nullptr);

struct FileDigest {
  std::string path;
  std::string sha256; // empty when the file could not be read
  uint64_t bytes = 0;
  std::string error;  // why it could not be read
};

/// Hashes `paths` on `threads` workers (0: two, or fewer when the machine has fewer cores); the
/// results are in the order of `paths`. Disk reads and SHA-256 overlap across the workers.
std::vector<FileDigest> hashFiles(const std::vector<std::string> &paths, unsigned threads = 0);

/// What a model folder holds that a run reads: top-level files named *.json, *.txt (vocab.txt,
/// merges.txt), *.safetensors, *.bin, *.model (SentencePiece). READMEs and exports to other
/// frameworks (onnx/, openvino/) are not read and so are not pinned.
bool isModelFile(std::string_view fileName);

/// The tokenizer files of a HuggingFace folder that an export copies from its source model.
const std::vector<std::string> &tokenizerFileNames();

/// Why an export must not replace what is at `path` ("" when it may). An export replaces its folder
/// as a whole, so only a missing or empty folder, or one an earlier export wrote, may go: its
/// config.json has an `ftpc` section and it holds nothing but config.json, model.safetensors and
/// tokenizer files. Checked by `ftpc check` and again by the export itself.
std::string whyExportWouldReplace(const std::string &path);

/// The files an input consists of, as paths relative to `path`, sorted by byte order: a file gives
/// one entry, its own name; a folder every non-hidden regular file below it (for role `model` only
/// those isModelFile accepts, top level). std::nullopt and `error` when `path` cannot be listed.
std::optional<std::vector<std::string>> listInputFiles(const std::string &path,
                                                       std::string_view role, std::string *error);

/// The folder an input's files are relative to: `path` itself for a folder, its parent for a file.
std::string inputBase(const std::string &path);

/// The tree hash (see above) of `names` and their `sha256` digests, in the same order.
std::string treeHash(const std::vector<std::string> &names, const std::vector<std::string> &sha256);

/// A file of the run's own output could not be written: the disk is full, the folder is not
/// writable, a file is too large. Not a bug: ftpc reports it as an error of the environment (exit 1)
/// and keeps everything written before it.
struct WriteError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The bytes an unprivileged writer may still use on the file system of `path` (or of its nearest
/// existing parent folder); std::nullopt when that cannot be found out.
std::optional<uint64_t> freeBytesAt(const std::string &path);

/// "363.5 MB", "1.09 GB": decimal units, as `df -H` prints them.
std::string formatBytes(uint64_t bytes);

/// Why writing `bytes` bytes into `path` failed with `errnum`: strerror, and for a full disk or
/// quota how much was to be written against what the file system has free.
std::string describeWriteFailure(const std::string &path, int errnum, uint64_t bytes);

/// Writes `contents` to `path` atomically: a temporary file beside it, fsync, rename, fsync of the
/// folder. Readers see the old file or the new one, never a torn one, even after a crash.
bool writeFileAtomically(const std::string &path, std::string_view contents, std::string *error);

/// Reads a whole file; std::nullopt and `error` when it cannot.
std::optional<std::string> readFile(const std::string &path, std::string *error);

} // namespace ftp::record
