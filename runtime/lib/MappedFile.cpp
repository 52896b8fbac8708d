//===- MappedFile.cpp - read-only bytes of a file or a buffer ------------------===//

#include "ftp/runtime/MappedFile.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ftp::runtime {
namespace {

class MappedBytes final : public Bytes {
public:
  MappedBytes(void *base, size_t size, bool writable)
      : base_(base), size_(size), writable_(writable) {}
  ~MappedBytes() override {
    if (base_)
      munmap(base_, size_);
  }
  const uint8_t *data() const override { return static_cast<const uint8_t *>(base_); }
  size_t size() const override { return size_; }
  bool privatelyWritable() const override { return writable_; }

private:
  void *base_;
  size_t size_;
  bool writable_;
};

class StringBytes final : public Bytes {
public:
  explicit StringBytes(std::string contents) : contents_(std::move(contents)) {}
  const uint8_t *data() const override {
    return reinterpret_cast<const uint8_t *>(contents_.data());
  }
  size_t size() const override { return contents_.size(); }

private:
  std::string contents_;
};

} // namespace

std::shared_ptr<const Bytes> Bytes::mapFile(const std::string &path, std::string *error) {
  auto fail = [&](const char *what) -> std::shared_ptr<const Bytes> {
    if (error)
      *error = "cannot " + std::string(what) + " `" + path + "`: " + std::strerror(errno);
    return nullptr;
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return fail("open");
  struct stat info;
  if (fstat(fd, &info) != 0) {
    int saved = errno;
    ::close(fd);
    errno = saved;
    return fail("stat");
  }
  if (!S_ISREG(info.st_mode)) {
    ::close(fd);
    if (error)
      *error = "cannot read `" + path + "`: not a regular file";
    return nullptr;
  }
  size_t size = static_cast<size_t>(info.st_size);
  if (size == 0) {
    ::close(fd);
    return std::make_shared<StringBytes>(std::string());
  }
  // Private and writable: a tensor borrowed from the mapping may be written in place, and the write
  // stays in this process (copy-on-write), never reaching the file. The kernel accounts such a
  // mapping as memory the process may need, so a file larger than memory plus swap is refused;
  // then a read-only mapping (and borrowed tensors become copies).
  bool writable = true;
  void *base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (base == MAP_FAILED) {
    writable = false;
    base = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  }
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (base == MAP_FAILED)
    return fail("map");
  return std::make_shared<MappedBytes>(base, size, writable);
}

std::shared_ptr<const Bytes> Bytes::copyOf(std::string contents) {
  return std::make_shared<StringBytes>(std::move(contents));
}

} // namespace ftp::runtime
