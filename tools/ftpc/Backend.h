//===- Backend.h - the compiler and runtime, loaded only when a command needs them ----===//
//
// The front end (check, fmt, --emit=tokens|ast|sema) must answer in milliseconds, but merely
// loading LibTorch and libLLVM/libMLIR costs about 0.4 s of CPU at process start (relocations and
// static initializers). So the `ftpc` executable links only the front end, and the MLIR compiler and
// the LibTorch runtime live in libftpc-backend.so, which ftpc loads with dlopen() the first time a
// command needs it (`--version`, `run`, `--emit=mlir` and later stages).
//
// The boundary is a small C ABI (BackendApi) so the two sides need not agree on C++ types.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <string>

extern "C" {

/// Version of the C ABI below; bumped on any change.
#define FTPC_BACKEND_ABI_VERSION 1

struct FtpcBackendApi {
  int abiVersion;
  const char *(*mlirVersion)();
  const char *(*libtorchVersion)();
  /// Writes the BLAS library LibTorch resolves to into `out` (at most `size` bytes, NUL-terminated);
  /// returns 1 when it is the slow reference BLAS.
  int (*blasLibrary)(char *out, unsigned long size);
};

/// The one symbol the back-end library exports.
const FtpcBackendApi *ftpc_backend_api();
}

namespace ftp::driver {

/// Loads libftpc-backend.so from next to the executable (or ../lib); std::nullptr after printing
/// why it could not be loaded.
const FtpcBackendApi *loadBackend();

} // namespace ftp::driver
