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
#define FTPC_BACKEND_ABI_VERSION 3

struct FtpcBackendApi {
  int abiVersion;
  const char *(*mlirVersion)();
  const char *(*libtorchVersion)();
  /// Writes the BLAS library LibTorch resolves to into `out` (at most `size` bytes, NUL-terminated);
  /// returns 1 when it is the slow reference BLAS.
  int (*blasLibrary)(char *out, unsigned long size);
  /// `ftpc run`: executes a plan (lang/plan/Plan.h) with the run options as JSON
  /// ({"out", "resume", "threads", "quiet", "allow_drift", "kernels": "jit"|"eager", "cache_dir",
  /// "versions"}); prints its own messages; returns ftpc's exit code.
  int (*runPipeline)(const char *planJson, const char *optionsJson);
  /// `ftpc --emit=mlir|linalg|llvm|ptx`: the step kernels of a plan at one stage. The input is a
  /// plan (the kernels its finetune stages use: their optimizers, noise under `privacy`, the
  /// perturbation step under `robustness.adversarial`) or a small request
  /// {"optimizers": ["adamw"|"adam"|"sgd", ...], "noise": bool, "perturb": bool}; both may carry
  /// "chip" (default "sm_90") for ptx. Returns 0 with the text in *out, or non-zero with the
  /// reason in *out; *out is freed with freeString.
  int (*emitKernels)(const char *planJson, const char *stage, char **out);
  void (*freeString)(char *text);
  /// `ftpc bench update`: options {"json": bool, "sizes": [n, ...], "threads": n, "cache_dir"};
  /// prints a table (and with json, one JSON object as the last line); returns the exit code.
  int (*benchUpdate)(const char *optionsJson);
};

/// The one symbol the back-end library exports.
const FtpcBackendApi *ftpc_backend_api();
}

namespace ftp::driver {

/// Loads libftpc-backend.so from next to the executable (or ../lib); std::nullptr after printing
/// why it could not be loaded.
const FtpcBackendApi *loadBackend();

} // namespace ftp::driver
