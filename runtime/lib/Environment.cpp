//===- Environment.cpp - what the runtime runs on -------------------------------===//

#include "ftp/runtime/Environment.h"

#include <ATen/Parallel.h>
#include <torch/version.h>

#include <link.h>

#include <climits>
#include <cstdlib>
#include <string_view>
#include <thread>

namespace ftp::runtime {

const char *libtorchVersion() { return TORCH_VERSION; }

void setThreads(int requested) {
  int n = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(n > 0 ? n : 1);
}

int threads() { return at::get_num_threads(); }

namespace {
int findBlas(dl_phdr_info *info, size_t, void *out) {
  std::string_view name = info->dlpi_name ? info->dlpi_name : "";
  auto slash = name.rfind('/');
  std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
  if (base.rfind("libblas.so", 0) == 0 || base.rfind("libopenblas", 0) == 0 ||
      base.rfind("libmkl_rt", 0) == 0) {
    *static_cast<std::string *>(out) = std::string(name);
    return 1;
  }
  return 0;
}
} // namespace

std::string blasLibrary() {
  std::string path;
  dl_iterate_phdr(findBlas, &path);
  if (path.empty())
    return "built into LibTorch";
  // Debian's alternatives make libblas.so.3 a chain of symlinks; the real path names the provider.
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved))
    return resolved;
  return path;
}

bool blasIsReference() {
  std::string lib = blasLibrary();
  return lib.find("/blas/libblas.so") != std::string::npos ||
         lib.find("/libblas.so.3.") != std::string::npos;
}

} // namespace ftp::runtime
