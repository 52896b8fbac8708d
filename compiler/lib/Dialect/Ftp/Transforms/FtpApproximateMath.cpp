//===- FtpApproximateMath.cpp - vectorizable math.log/cos on the CPU ------------===//

#include "ftp/Dialect/Ftp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ftp {
#define GEN_PASS_DEF_FTPAPPROXIMATEMATH
#include "ftp/Dialect/Ftp/Transforms/Passes.h.inc"
} // namespace ftp

using namespace mlir;

namespace {
struct FtpApproximateMathPass : ftp::impl::FtpApproximateMathBase<FtpApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
