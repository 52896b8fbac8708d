//===- Environment.h - what the runtime runs on ---------------------------------===//
//
// Facts about the LibTorch installation the runtime was built against and runs with. Free of
// LibTorch headers so that the ftpc driver can include it cheaply.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <string>

namespace ftp::runtime {

/// The LibTorch version the runtime was compiled against, e.g. "2.11.0+cu130".
const char *libtorchVersion();

/// Sets the number of intra-op threads LibTorch uses. Every run sets it explicitly (LibTorch's own
/// default depends on the build and on OMP_NUM_THREADS); 0 means "all hardware threads".
void setThreads(int threads);

/// The number of intra-op threads LibTorch currently uses.
int threads();

/// The BLAS library LibTorch's matrix products resolve to in this process, as a real path
/// (e.g. ".../openblas-pthread/libblas.so.3"), or, when LibTorch carries its own (MKL and oneDNN
/// in PyTorch's x86 builds), their versions from LibTorch's build summary, e.g. "MKL 2024.2,
/// oneDNN v3.7.1 (built into LibTorch), CPU kernels AVX2". A reference (netlib) BLAS here makes
/// training 12-17x slower.
std::string blasLibrary();

/// True when blasLibrary() is the unoptimized reference BLAS.
bool blasIsReference();

} // namespace ftp::runtime
