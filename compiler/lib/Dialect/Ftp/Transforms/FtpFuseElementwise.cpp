//===- FtpFuseElementwise.cpp - fuse elementwise generics, multi-use producers too ---===//

#include "ftp/Dialect/Ftp/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ftp {
#define GEN_PASS_DEF_FTPFUSEELEMENTWISE
#include "ftp/Dialect/Ftp/Transforms/Passes.h.inc"
} // namespace ftp

using namespace mlir;

namespace {

// Fuses one producer into `consumer` through its first fusable input; false when there is none.
bool fuseOne(RewriterBase &rewriter, DominanceInfo &dominance, linalg::GenericOp consumer) {
  for (OpOperand *operand : consumer.getDpsInputOperands()) {
    if (!linalg::areElementwiseOpsFusable(operand))
      continue;
    Operation *producer = operand->get().getDefiningOp();
    rewriter.setInsertionPoint(consumer);
    FailureOr<linalg::ElementwiseOpFusionResult> fused =
        linalg::fuseElementwiseOps(rewriter, operand);
    if (failed(fused))
      continue;
    // The fused op yields the producer's results that have other users (upstream keeps them),
    // then the consumer's. Upstream's pattern only rewires the consumer's, so that with a
    // multi-use producer the producer stayed alive and its work ran twice.
    // Only uses after the fused op can move to it; any other use keeps the producer alive.
    Operation *fusedOp = fused->fusedOp;
    for (auto [original, replacement] : fused->replacements)
      rewriter.replaceUsesWithIf(original, replacement, [&](OpOperand &use) {
        return use.getOwner() == consumer.getOperation() ||
               dominance.properlyDominates(fusedOp, use.getOwner());
      });
    ValueRange consumerResults = consumer->getResults();
    rewriter.replaceAllUsesWith(consumerResults, fused->fusedOp->getResults().take_back(
                                                     consumerResults.size()));
    rewriter.eraseOp(consumer);
    if (producer->use_empty())
      rewriter.eraseOp(producer);
    return true;
  }
  return false;
}

struct FtpFuseElementwisePass : ftp::impl::FtpFuseElementwiseBase<FtpFuseElementwisePass> {
  void runOnOperation() override {
    // tensor.dim of a generic's result becomes the dim of its init: such a dim (the lowering
    // sizes each output like its first input) would otherwise be a second user of a producer,
    // placed before the fused op, and keep the producer alive.
    RewritePatternSet dims(&getContext());
    memref::populateResolveRankedShapedTypeResultDimsPatterns(dims);
    tensor::DimOp::getCanonicalizationPatterns(dims, &getContext());
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(dims))))
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    DominanceInfo dominance(getOperation());
    bool changed = true;
    while (changed) {
      changed = false;
      getOperation()->walk([&](linalg::GenericOp consumer) {
        if (!fuseOne(rewriter, dominance, consumer))
          return WalkResult::advance();
        changed = true;
        return WalkResult::interrupt(); // the walk's ops changed; start again
      });
    }
  }
};
} // namespace
