//===- Files.cpp - SHA-256, tree hashes, listings and atomic writes ------------===//

#include "ftp/record/Files.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <set>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace ftp::record {
namespace {

struct DigestContext {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), EVP_MD_CTX_free};
  DigestContext() { EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr); }
  void update(const void *data, size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
  std::string finishHex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    static const char digits[] = "0123456789abcdef";
    std::string hex(2 * length, '0');
    for (unsigned i = 0; i < length; ++i) {
      hex[2 * i] = digits[digest[i] >> 4];
      hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
    return hex;
  }
};

/// Closes a file descriptor on every path out of a function.
struct Fd {
  int fd;
  explicit Fd(int fd) : fd(fd) {}
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

bool hidden(const fs::path &name) {
  std::string s = name.filename().string();
  return !s.empty() && s[0] == '.';
}

} // namespace

std::string sha256Hex(std::string_view bytes) {
  DigestContext digest;
  digest.update(bytes.data(), bytes.size());
  return digest.finishHex();
}

std::optional<std::string> sha256FileHex(const std::string &path, std::string *error,
                                         uint64_t *bytes) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) {
    if (error)
      *error = std::strerror(errno);
    return std::nullopt;
  }
  // Sequential reads of 1 MiB: the kernel's read-ahead keeps the disk busy while we hash.
  posix_fadvise(file.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  DigestContext digest;
  // One buffer per thread: a fresh 1 MiB allocation per file (mmap, page faults, munmap) cost
  // as much as hashing a typical 5 KB mail.
  constexpr size_t kBlock = 1 << 20;
  thread_local std::unique_ptr<char[]> block(new char[kBlock]);
  uint64_t total = 0;
  for (;;) {
    ssize_t n = ::read(file.fd, block.get(), kBlock);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      if (error)
        *error = errno == EISDIR ? "is a folder" : std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0)
      break;
    digest.update(block.get(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  if (bytes)
    *bytes = total;
  return digest.finishHex();
}

std::vector<FileDigest> hashFiles(const std::vector<std::string> &paths, unsigned threads) {
  std::vector<FileDigest> results(paths.size());
  if (threads == 0)
    threads = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(paths.size())));
  // Workers take the next index from a shared counter: mail folders mix 1 KB and 1 MB files, so a
  // static partition would leave one worker idle.
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < paths.size();) {
      FileDigest &result = results[i];
      result.path = paths[i];
      if (auto digest = sha256FileHex(paths[i], &result.error, &result.bytes))
        result.sha256 = std::move(*digest);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(work);
  work();
  for (std::thread &thread : pool)
    thread.join();
  return results;
}

bool isModelFile(std::string_view name) {
  if (name.empty() || name[0] == '.')
    return false;
  for (std::string_view ext : {".json", ".txt", ".safetensors", ".bin", ".model"})
    if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext)
      return true;
  return false;
}

std::optional<std::vector<std::string>> listInputFiles(const std::string &path,
                                                       std::string_view role,
                                                       std::string *error) {
  std::error_code ec;
  fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) {
    if (error)
      *error = ec ? ec.message() : "No such file or directory";
    return std::nullopt;
  }
  std::vector<std::string> names;
  if (!fs::is_directory(status)) {
    names.push_back(fs::path(path).filename().string());
    return names;
  }
  if (role == "model") {
    for (fs::directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file(ec) && isModelFile(it->path().filename().string()))
        names.push_back(it->path().filename().string());
  } else {
    fs::recursive_directory_iterator it(path, fs::directory_options::follow_directory_symlink, ec);
    for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
      if (hidden(it->path())) {
        if (it->is_directory(ec))
          it.disable_recursion_pending();
        continue;
      }
      if (it->is_regular_file(ec))
        names.push_back(it->path().lexically_relative(path).generic_string());
    }
  }
  if (ec) {
    if (error)
      *error = ec.message();
    return std::nullopt;
  }
  std::sort(names.begin(), names.end()); // byte order, as `LC_ALL=C sort`
  return names;
}

std::string inputBase(const std::string &path) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    return path;
  fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

std::string treeHash(const std::vector<std::string> &names, const std::vector<std::string> &sha256) {
  DigestContext digest;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string line = sha256[i] + "  " + names[i] + "\n";
    digest.update(line.data(), line.size());
  }
  return digest.finishHex();
}

const std::vector<std::string> &tokenizerFileNames() {
  static const std::vector<std::string> names = {
      "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
      "vocab.json",     "merges.txt",            "added_tokens.json"};
  return names;
}

std::string whyExportWouldReplace(const std::string &path) {
  std::error_code ec;
  fs::file_status status = fs::symlink_status(path, ec);
  if (!fs::exists(status))
    return "";
  if (!fs::is_directory(status))
    return "it is not a folder";
  std::set<std::string> exported(tokenizerFileNames().begin(), tokenizerFileNames().end());
  exported.insert({"config.json", "model.safetensors"});
  std::vector<std::pair<std::string, bool>> entries; // name, regular file; sorted for one answer
  for (const auto &entry : fs::directory_iterator(path, ec))
    entries.emplace_back(entry.path().filename().string(), entry.is_regular_file());
  if (ec)
    return "it cannot be listed: " + ec.message();
  std::sort(entries.begin(), entries.end());
  for (const auto &[name, regular] : entries)
    if (!exported.count(name) || !regular)
      return "it holds `" + name + "`, which no export writes";
  if (entries.empty())
    return "";
  std::string error;
  auto text = readFile((fs::path(path) / "config.json").string(), &error);
  nlohmann::json config = text ? nlohmann::json::parse(*text, nullptr, false) : nlohmann::json();
  if (!config.is_object() || !config.contains("ftpc"))
    return "its config.json was not written by an ftpc export (no `ftpc` section): it may be a model "
           "of its own";
  return "";
}

std::optional<uint64_t> freeBytesAt(const std::string &path) {
  // The nearest existing folder: the file, or the folder it goes in, may not exist (any more).
  std::error_code ec;
  fs::path folder = fs::path(path);
  while (!folder.empty() && !fs::is_directory(folder, ec))
    folder = folder.parent_path();
  fs::space_info space = fs::space(folder.empty() ? fs::path(".") : folder, ec);
  if (ec)
    return std::nullopt;
  return static_cast<uint64_t>(space.available);
}

std::string formatBytes(uint64_t bytes) {
  double n = static_cast<double>(bytes);
  if (n >= 1e9)
    return fmt::format("{:.2f} GB", n / 1e9);
  return fmt::format("{:.1f} MB", n / 1e6);
}

std::string describeWriteFailure(const std::string &path, int errnum, uint64_t bytes) {
  std::string why = std::strerror(errnum);
  if (errnum != ENOSPC && errnum != EDQUOT)
    return why;
  std::optional<uint64_t> available = freeBytesAt(fs::path(path).parent_path().string());
  if (!available)
    return fmt::format("{} ({} to write)", why, formatBytes(bytes));
  return fmt::format("{} ({} to write, {} free there)", why, formatBytes(bytes), formatBytes(*available));
}

bool writeFileAtomically(const std::string &path, std::string_view contents, std::string *error) {
  auto fail = [&](const std::string &why) {
    if (error)
      *error = why;
    return false;
  };
  std::string temp = path + ".tmp.XXXXXX";
  Fd file(mkstemp(temp.data()));
  if (file.fd < 0)
    return fail(std::strerror(errno));
  // The temporary file goes when anything fails before the rename.
  bool renamed = false;
  struct Cleanup {
    const std::string &temp;
    bool &renamed;
    ~Cleanup() {
      if (!renamed)
        ::unlink(temp.c_str());
    }
  } cleanup{temp, renamed};
  // The free space is measured once the partial file is gone, so that it is what a retry has.
  auto failWriting = [&](int errnum) {
    (void)::ftruncate(file.fd, 0); // its blocks are freed only when it is empty or closed
    ::unlink(temp.c_str());
    return fail(describeWriteFailure(path, errnum, contents.size()));
  };
  ::fchmod(file.fd, 0644); // mkstemp creates 0600; records are for everyone to read
  for (size_t done = 0; done < contents.size();) {
    ssize_t n = ::write(file.fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return failWriting(errno);
    done += static_cast<size_t>(n);
  }
  if (::fsync(file.fd) != 0)
    return failWriting(errno);
  if (::rename(temp.c_str(), path.c_str()) != 0)
    return fail(std::strerror(errno));
  renamed = true;
  // The rename itself is durable only once the folder's entry is on disk.
  std::string dir = fs::path(path).parent_path().string();
  Fd folder(::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (folder.fd >= 0)
    ::fsync(folder.fd);
  return true;
}

std::optional<std::string> readFile(const std::string &path, std::string *error) {
  Fd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (file.fd < 0) {
    if (error)
      *error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char block[65536];
  for (;;) {
    ssize_t n = ::read(file.fd, block, sizeof block);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      if (error)
        *error = std::strerror(errno);
      return std::nullopt;
    }
    if (n == 0)
      return text;
    text.append(block, static_cast<size_t>(n));
  }
}

} // namespace ftp::record
