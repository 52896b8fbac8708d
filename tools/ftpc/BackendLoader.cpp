//===- BackendLoader.cpp - dlopen() the back end on first use -------------------===//

#include "Backend.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <iostream>

namespace ftp::driver {

const FtpcBackendApi *loadBackend() {
  static const FtpcBackendApi *api = nullptr;
  if (api)
    return api;
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::filesystem::path dir =
      n > 0 ? std::filesystem::path(std::string(self, n)).parent_path() : std::filesystem::path(".");
  std::string errors;
  for (const auto &candidate : {dir / "libftpc-backend.so", dir / ".." / "lib" / "libftpc-backend.so"}) {
    if (!std::filesystem::exists(candidate))
      continue;
    void *handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      errors += std::string("\n  ") + dlerror();
      continue;
    }
    auto entry = reinterpret_cast<const FtpcBackendApi *(*)()>(dlsym(handle, "ftpc_backend_api"));
    if (!entry || entry()->abiVersion != FTPC_BACKEND_ABI_VERSION) {
      errors += "\n  " + candidate.string() + ": not a matching ftpc back end";
      continue;
    }
    api = entry();
    return api;
  }
  std::cerr << "ftpc: internal error: cannot load ftpc's back end (libftpc-backend.so) from "
            << dir.string() << " or " << (dir / ".." / "lib").string() << errors << "\n";
  return nullptr;
}

} // namespace ftp::driver
