//===- Environment.cpp - what the runtime runs on -------------------------------===//

#include "ftp/runtime/Environment.h"

#include <ATen/Parallel.h>
#include <ATen/Version.h>
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

// The word after `marker` in LibTorch's build summary (at::show_config(), one "  - item" per line),
// cut at the first of `stops`: "...Library Version 2024.2-Product Build..." gives "2024.2".
std::string configWord(const std::string &config, std::string_view marker, std::string_view stops) {
  auto at = config.find(marker);
  if (at == std::string::npos)
    return {};
  at += marker.size();
  auto end = config.find_first_of(stops, at);
  return config.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

// PyTorch's x86 builds link MKL and oneDNN statically into libtorch_cpu.so, so no BLAS library
// shows up among the loaded objects; the build summary names their versions instead.
std::string builtInMathLibraries() {
  std::string config = at::show_config();
  std::string mkl = configWord(config, "Math Kernel Library Version ", "- \n");
  std::string dnn = configWord(config, "MKL-DNN ", " \n");
  std::string isa = configWord(config, "CPU capability usage: ", " \n");
  std::string text;
  if (!mkl.empty())
    text = "MKL " + mkl;
  if (!dnn.empty())
    text += (text.empty() ? "oneDNN " : ", oneDNN ") + dnn;
  text = text.empty() ? std::string("built into LibTorch") : text + " (built into LibTorch)";
  if (!isa.empty())
    text += ", CPU kernels " + isa;
  return text;
}
} // namespace

std::string blasLibrary() {
  std::string path;
  dl_iterate_phdr(findBlas, &path);
  if (path.empty())
    return builtInMathLibraries();
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
