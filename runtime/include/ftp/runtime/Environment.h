//===- Environment.h - what the runtime runs on ---------------------------------===//
//
// Facts about the LibTorch installation the runtime was built against and runs with. Free of
// LibTorch headers so that the ftpc driver can include it cheaply.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <string>

namespace ftp::runtime {

/// The LibTorch version the runtime was compiled against, e.g. "1.13.0".
const char *libtorchVersion();

/// Sets the number of intra-op threads LibTorch uses. Debian's LibTorch starts with one thread
/// whatever the machine has, so every run sets this explicitly; 0 means "all hardware threads".
void setThreads(int threads);

/// The number of intra-op threads LibTorch currently uses.
int threads();

/// The BLAS library LibTorch's matrix products resolve to in this process, as a real path
/// (e.g. ".../openblas-pthread/libblas.so.3"), or a description when LibTorch carries its own
/// (MKL in PyTorch's builds). A reference (netlib) BLAS here makes training 12-17x slower.
std::string blasLibrary();

/// True when blasLibrary() is the unoptimized reference BLAS.
bool blasIsReference();

} // namespace ftp::runtime
