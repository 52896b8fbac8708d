//===- ContentHash.cpp - SHA-256 content hashes for run manifests ---------------===//

#include "ftp/runtime/ContentHash.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace ftp::runtime {
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

} // namespace

std::string sha256Hex(std::string_view bytes) {
  DigestContext digest;
  digest.update(bytes.data(), bytes.size());
  return digest.finishHex();
}

std::optional<std::string> sha256FileHex(const std::string &path, std::string *error) {
  std::unique_ptr<FILE, decltype(&fclose)> file(fopen(path.c_str(), "rb"), fclose);
  if (!file) {
    if (error)
      *error = std::strerror(errno);
    return std::nullopt;
  }
  DigestContext digest;
  std::vector<char> block(1 << 20);
  size_t n;
  while ((n = fread(block.data(), 1, block.size(), file.get())) > 0)
    digest.update(block.data(), n);
  if (ferror(file.get())) {
    if (error)
      *error = "read error";
    return std::nullopt;
  }
  return digest.finishHex();
}

} // namespace ftp::runtime
