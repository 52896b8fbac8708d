#include "ftp/runtime/Environment.h"

#include <gtest/gtest.h>

#include <torch/torch.h>

#include <regex>

TEST(Environment, ThreadsAreSetExplicitly) {
  ftp::runtime::setThreads(2);
  EXPECT_EQ(ftp::runtime::threads(), 2);
  ftp::runtime::setThreads(1);
  EXPECT_EQ(ftp::runtime::threads(), 1);
}

// The bootstrap must install an optimized BLAS: with Debian's default reference BLAS every matrix
// product LibTorch runs is 12-17x slower. Failing here means scripts/bootstrap.sh missed it.
TEST(Environment, MatrixProductsDoNotUseTheReferenceBlas) {
  auto a = torch::ones({64, 64});
  auto c = torch::mm(a, a); // make sure the BLAS library is loaded and resolved
  EXPECT_FLOAT_EQ(c[0][0].item<float>(), 64.0f);
  std::string blas = ftp::runtime::blasLibrary();
  EXPECT_FALSE(ftp::runtime::blasIsReference()) << "LibTorch uses " << blas;
}

TEST(Environment, VersionMatchesTheHeaders) {
  EXPECT_STREQ(ftp::runtime::libtorchVersion(), TORCH_VERSION);
}

// PyTorch's x86 builds carry MKL and oneDNN inside libtorch_cpu.so: `ftpc --version` and the
// manifest must name their versions (read from LibTorch's build summary), not just "built in".
TEST(Environment, BuiltInMathLibrariesAreNamedWithTheirVersions) {
  auto a = torch::ones({8, 8});
  (void)torch::mm(a, a);
  std::string blas = ftp::runtime::blasLibrary();
  if (blas.rfind("/", 0) == 0)
    GTEST_SKIP() << "LibTorch uses a shared BLAS library: " << blas;
  if (at::hasMKL())
    EXPECT_TRUE(std::regex_search(blas, std::regex(R"(^MKL 20\d\d\.\d+)"))) << blas;
  if (at::hasMKLDNN())
    EXPECT_TRUE(std::regex_search(blas, std::regex(R"(oneDNN v\d+\.\d+)"))) << blas;
  EXPECT_NE(blas.find("CPU kernels "), std::string::npos) << blas;
}
