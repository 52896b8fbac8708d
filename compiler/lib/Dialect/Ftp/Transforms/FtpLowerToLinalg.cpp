//===- FtpLowerToLinalg.cpp - ftp step-math ops to linalg.generic ---------------===//
//
// Each step-math op becomes one elementwise linalg.generic on tensors that computes all of its
// results in a single pass over memory; fusion, bufferization and vectorization start from there.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Dialect/Ftp/IR/FtpOps.h"
#include "ftp/Dialect/Ftp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace ftp {
#define GEN_PASS_DEF_FTPLOWERTOLINALG
#include "ftp/Dialect/Ftp/Transforms/Passes.h.inc"
} // namespace ftp

using namespace mlir;

namespace {

// An empty tensor shaped like `like` (dynamic sizes read from it), for a generic's output.
Value emptyLike(OpBuilder &b, Location loc, Value like) {
  auto type = cast<RankedTensorType>(like.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t i = 0; i < type.getRank(); ++i)
    if (type.isDynamicDim(i))
      dynamicSizes.push_back(b.create<tensor::DimOp>(loc, like, i));
  return b.create<tensor::EmptyOp>(loc, type, dynamicSizes);
}

Value floatConstant(OpBuilder &b, Location loc, Type type, double value) {
  return b.create<arith::ConstantOp>(loc, b.getFloatAttr(type, value));
}

// Converts a scalar between float types (the bias corrections are computed in f32).
Value castFloat(OpBuilder &b, Location loc, Value value, Type to) {
  auto from = cast<FloatType>(value.getType());
  auto target = cast<FloatType>(to);
  if (from == target)
    return value;
  if (from.getWidth() > target.getWidth())
    return b.create<arith::TruncFOp>(loc, target, value);
  return b.create<arith::ExtFOp>(loc, target, value);
}

// ftp.clip_scale: min(1, clip_norm / (norm + eps)) per sample.
struct LowerClipScale : OpRewritePattern<ftp::ClipScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::ClipScaleOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    Value clip = floatConstant(rewriter, loc, element, op.getClipNorm().convertToDouble());
    Value eps = floatConstant(rewriter, loc, element, op.getEps().convertToDouble());
    Value one = floatConstant(rewriter, loc, element, 1.0);
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(type.getRank()));
    SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{op.getNorms()},
        ValueRange{emptyLike(rewriter, loc, op.getNorms())}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value denominator = b.create<arith::AddFOp>(l, args[0], eps);
          Value ratio = b.create<arith::DivFOp>(l, clip, denominator);
          b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::MinimumFOp>(l, ratio, one)});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

// ftp.adamw_update: the new parameter and both moments in one generic with three results.
struct LowerAdamWUpdate : OpRewritePattern<ftp::AdamWUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::AdamWUpdateOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getParam().getType());
    Type element = type.getElementType();
    auto c = [&](double value) { return floatConstant(rewriter, loc, element, value); };
    double lr = op.getLr().convertToDouble(), beta1 = op.getBeta1().convertToDouble();
    double beta2 = op.getBeta2().convertToDouble(), wd = op.getWeightDecay().convertToDouble();

    // Bias corrections 1 - beta^step, once per call, in f32.
    Type f32 = rewriter.getF32Type();
    Value step = rewriter.create<arith::SIToFPOp>(loc, f32, op.getStep());
    auto correction = [&](double beta) {
      Value power = rewriter.create<math::PowFOp>(loc, floatConstant(rewriter, loc, f32, beta), step);
      Value oneMinus = rewriter.create<arith::SubFOp>(loc, floatConstant(rewriter, loc, f32, 1.0), power);
      return castFloat(rewriter, loc, oneMinus, element);
    };
    Value correction1 = correction(beta1), correction2 = correction(beta2);
    Value b1 = c(beta1), oneMinusB1 = c(1 - beta1), b2 = c(beta2), oneMinusB2 = c(1 - beta2);
    Value lrValue = c(lr), decay = c(1 - lr * wd), eps = c(op.getEps().convertToDouble());

    SmallVector<AffineMap> maps(7, rewriter.getMultiDimIdentityMap(type.getRank()));
    SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
    Value param = op.getParam();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type, type, type}, ValueRange{param, op.getGrad(), op.getM(), op.getV()},
        ValueRange{emptyLike(rewriter, loc, param), emptyLike(rewriter, loc, param),
                   emptyLike(rewriter, loc, param)},
        maps, iterators, [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = args[0], g = args[1], m = args[2], v = args[3];
          Value m1 = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, b1, m),
                                             b.create<arith::MulFOp>(l, oneMinusB1, g));
          Value g2 = b.create<arith::MulFOp>(l, g, g);
          Value v1 = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, b2, v),
                                             b.create<arith::MulFOp>(l, oneMinusB2, g2));
          Value mHat = b.create<arith::DivFOp>(l, m1, correction1);
          Value vHat = b.create<arith::DivFOp>(l, v1, correction2);
          Value denominator = b.create<arith::AddFOp>(l, b.create<math::SqrtOp>(l, vHat), eps);
          Value update = b.create<arith::DivFOp>(l, b.create<arith::MulFOp>(l, lrValue, mHat),
                                                 denominator);
          Value p1 = b.create<arith::SubFOp>(l, b.create<arith::MulFOp>(l, p, decay), update);
          b.create<linalg::YieldOp>(l, ValueRange{p1, m1, v1});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct FtpLowerToLinalgPass : ftp::impl::FtpLowerToLinalgBase<FtpLowerToLinalgPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    ftp::populateFtpToLinalgPatterns(patterns);
    if (failed(applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void ftp::populateFtpToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerClipScale, LowerAdamWUpdate>(patterns.getContext());
}
