//===- BackendLibrary.cpp - libftpc-backend.so: the C ABI over compiler and runtime ---===//

#include "Backend.h"

#include "ftp/Support/Versions.h"
#include "ftp/runtime/Environment.h"

#include <cstring>

namespace {

int blasLibrary(char *out, unsigned long size) {
  std::string blas = ftp::runtime::blasLibrary();
  if (size > 0) {
    std::strncpy(out, blas.c_str(), size - 1);
    out[size - 1] = '\0';
  }
  return ftp::runtime::blasIsReference() ? 1 : 0;
}

const FtpcBackendApi kApi = {
    FTPC_BACKEND_ABI_VERSION,
    ftp::compiler::mlirVersion,
    ftp::runtime::libtorchVersion,
    blasLibrary,
};

} // namespace

extern "C" __attribute__((visibility("default"))) const FtpcBackendApi *ftpc_backend_api() {
  return &kApi;
}
