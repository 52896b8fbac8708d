//===- FtpLowerToLinalg.cpp - ftp step-math ops to linalg.generic ---------------===//
//
// Each step-math op becomes one elementwise linalg.generic on tensors that computes all of its
// results in a single pass over memory; fusion, bufferization and vectorization start from there.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Dialect/Ftp/IR/FtpOps.h"
#include "ftp/Dialect/Ftp/Transforms/Passes.h"
#include "ftp/Dialect/Ftp/Transforms/Philox.h"

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

// One elementwise linalg.generic over `inputs` (all shaped like the first) with `results`
// outputs of the same type; `body` gets the input elements and returns the yielded values.
using Body = llvm::function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>;
ValueRange elementwise(PatternRewriter &rewriter, Location loc, ArrayRef<Value> inputs, unsigned results,
                       Body body) {
  auto type = cast<RankedTensorType>(inputs.front().getType());
  SmallVector<Value> outs;
  for (unsigned i = 0; i < results; ++i)
    outs.push_back(emptyLike(rewriter, loc, inputs.front()));
  SmallVector<AffineMap> maps(inputs.size() + results,
                              rewriter.getMultiDimIdentityMap(type.getRank()));
  SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
  auto generic = rewriter.create<linalg::GenericOp>(
      loc, SmallVector<Type>(results, type), inputs, outs, maps, iterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        b.create<linalg::YieldOp>(l, body(b, l, args.take_front(inputs.size())));
      });
  return generic.getResults();
}

Type elementOf(Value tensor) { return cast<RankedTensorType>(tensor.getType()).getElementType(); }

// 1 - beta^step (step as f64), computed once per call in f64 (PyTorch computes it in double too), then rounded.
Value biasCorrection(PatternRewriter &b, Location loc, Value beta, Value step, Type element) {
  Type f64 = b.getF64Type();
  Value power = b.create<math::PowFOp>(loc, b.create<arith::ExtFOp>(loc, f64, beta), step);
  Value oneMinus = b.create<arith::SubFOp>(loc, floatConstant(b, loc, f64, 1.0), power);
  return castFloat(b, loc, oneMinus, element);
}

// ftp.adamw_update and ftp.adam_update: the new parameter and both moments in one generic.
template <typename AdamOp, bool Decoupled>
struct LowerAdam : OpRewritePattern<AdamOp> {
  using OpRewritePattern<AdamOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(AdamOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type element = elementOf(op.getParam());
    auto e = [&](Value scalar) { return castFloat(rewriter, loc, scalar, element); };
    Value step = rewriter.create<arith::SIToFPOp>(loc, rewriter.getF64Type(), op.getStep());
    Value correction1 = biasCorrection(rewriter, loc, op.getBeta1(), step, element);
    Value correction2 = biasCorrection(rewriter, loc, op.getBeta2(), step, element);
    Value one = floatConstant(rewriter, loc, rewriter.getF32Type(), 1.0);
    Value b1 = e(op.getBeta1()), b2 = e(op.getBeta2());
    Value oneMinusB1 = e(rewriter.create<arith::SubFOp>(loc, one, op.getBeta1()));
    Value oneMinusB2 = e(rewriter.create<arith::SubFOp>(loc, one, op.getBeta2()));
    Value lr = e(op.getLr()), eps = e(op.getEps()), wd = e(op.getWeightDecay());
    Value decay = e(rewriter.create<arith::SubFOp>(
        loc, one, rewriter.create<arith::MulFOp>(loc, op.getLr(), op.getWeightDecay())));
    ValueRange results = elementwise(
        rewriter, loc, {op.getParam(), op.getGrad(), op.getM(), op.getV()}, 3,
        [&](OpBuilder &b, Location l, ValueRange args) -> SmallVector<Value> {
          Value p = args[0], g = args[1], m = args[2], v = args[3];
          if (!Decoupled) // Adam's L2 term
            g = b.create<arith::AddFOp>(l, g, b.create<arith::MulFOp>(l, wd, p));
          Value m1 = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, b1, m),
                                             b.create<arith::MulFOp>(l, oneMinusB1, g));
          Value g2 = b.create<arith::MulFOp>(l, g, g);
          Value v1 = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, b2, v),
                                             b.create<arith::MulFOp>(l, oneMinusB2, g2));
          Value mHat = b.create<arith::DivFOp>(l, m1, correction1);
          Value vHat = b.create<arith::DivFOp>(l, v1, correction2);
          Value denominator = b.create<arith::AddFOp>(l, b.create<math::SqrtOp>(l, vHat), eps);
          Value update =
              b.create<arith::DivFOp>(l, b.create<arith::MulFOp>(l, lr, mHat), denominator);
          Value decayed = Decoupled ? b.create<arith::MulFOp>(l, p, decay).getResult() : p;
          return {b.create<arith::SubFOp>(l, decayed, update), m1, v1};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

// ftp.sgd_update: buf' = momentum buf + (g + wd p); p' = p - lr buf'.
struct LowerSgdUpdate : OpRewritePattern<ftp::SgdUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::SgdUpdateOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type element = elementOf(op.getParam());
    auto e = [&](Value scalar) { return castFloat(rewriter, loc, scalar, element); };
    Value lr = e(op.getLr()), momentum = e(op.getMomentum()), wd = e(op.getWeightDecay());
    ValueRange results = elementwise(
        rewriter, loc, {op.getParam(), op.getGrad(), op.getMomentumBuffer()}, 2,
        [&](OpBuilder &b, Location l, ValueRange args) -> SmallVector<Value> {
          Value p = args[0], g = args[1], buf = args[2];
          Value d = b.create<arith::AddFOp>(l, g, b.create<arith::MulFOp>(l, wd, p));
          Value buf1 = b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, momentum, buf), d);
          Value p1 = b.create<arith::SubFOp>(l, p, b.create<arith::MulFOp>(l, lr, buf1));
          return {p1, buf1};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

// ftp.scale: factor x.
struct LowerScale : OpRewritePattern<ftp::ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::ScaleOp op, PatternRewriter &rewriter) const override {
    Value factor = castFloat(rewriter, op.getLoc(), op.getFactor(), elementOf(op.getInput()));
    ValueRange results = elementwise(
        rewriter, op.getLoc(), {op.getInput()}, 1,
        [&](OpBuilder &b, Location l, ValueRange args) -> SmallVector<Value> {
          return {b.create<arith::MulFOp>(l, factor, args[0])};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

// ftp.clip_accumulate: acc + scale g.
struct LowerClipAccumulate : OpRewritePattern<ftp::ClipAccumulateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::ClipAccumulateOp op, PatternRewriter &rewriter) const override {
    Value scale = castFloat(rewriter, op.getLoc(), op.getScale(), elementOf(op.getAcc()));
    ValueRange results = elementwise(
        rewriter, op.getLoc(), {op.getAcc(), op.getGrad()}, 1,
        [&](OpBuilder &b, Location l, ValueRange args) -> SmallVector<Value> {
          return {b.create<arith::AddFOp>(l, args[0], b.create<arith::MulFOp>(l, scale, args[1]))};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

// ftp.gaussian_noise: scale x + std z, z from Philox at counter index offset + i.
struct LowerGaussianNoise : OpRewritePattern<ftp::GaussianNoiseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::GaussianNoiseOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type element = elementOf(op.getInput());
    Value scale = castFloat(rewriter, loc, op.getScale(), element);
    Value std = castFloat(rewriter, loc, op.getStd(), element);
    ftp::PhiloxKeySchedule schedule =
        ftp::buildPhiloxKeySchedule(rewriter, loc, op.getSeed(), op.getStep(), op.getTensorId());
    Value offset = op.getOffset();
    ValueRange results = elementwise(
        rewriter, loc, {op.getInput()}, 1,
        [&](OpBuilder &b, Location l, ValueRange args) -> SmallVector<Value> {
          Value i = b.create<arith::IndexCastOp>(l, b.getI64Type(), b.create<linalg::IndexOp>(l, 0));
          Value index = b.create<arith::AddIOp>(l, offset, i);
          Value z = castFloat(b, l, ftp::buildPhiloxNormal(b, l, schedule, index), element);
          return {b.create<arith::AddFOp>(l, b.create<arith::MulFOp>(l, scale, args[0]),
                                          b.create<arith::MulFOp>(l, std, z))};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

// ftp.perturb_step: clamp(delta + alpha sign(g), -eps, eps), with sign(0) = 0.
struct LowerPerturbStep : OpRewritePattern<ftp::PerturbStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::PerturbStepOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type element = elementOf(op.getDelta());
    Value alpha = castFloat(rewriter, loc, op.getAlpha(), element);
    Value eps = castFloat(rewriter, loc, op.getEps(), element);
    Value negEps = rewriter.create<arith::NegFOp>(loc, eps);
    Value zero = floatConstant(rewriter, loc, element, 0.0);
    Value one = floatConstant(rewriter, loc, element, 1.0);
    Value minusOne = floatConstant(rewriter, loc, element, -1.0);
    ValueRange results = elementwise(
        rewriter, loc, {op.getDelta(), op.getGrad()}, 1,
        [&](OpBuilder &b, Location l, ValueRange args) -> SmallVector<Value> {
          Value g = args[1];
          Value positive = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OGT, g, zero);
          Value negative = b.create<arith::CmpFOp>(l, arith::CmpFPredicate::OLT, g, zero);
          Value sign = b.create<arith::SelectOp>(
              l, positive, one, b.create<arith::SelectOp>(l, negative, minusOne, zero));
          Value stepped = b.create<arith::AddFOp>(l, args[0], b.create<arith::MulFOp>(l, alpha, sign));
          Value clamped = b.create<arith::MinimumFOp>(
              l, b.create<arith::MaximumFOp>(l, stepped, negEps), eps);
          return {clamped};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

// sum(x^2) as a rank-0 tensor: a reduction generic into a zero-filled scalar. Rank 0 and static,
// its buffer is promoted to the stack on the CPU (no malloc per call).
Value sumOfSquares(PatternRewriter &rewriter, Location loc, Value x) {
  MLIRContext *context = rewriter.getContext();
  Type element = elementOf(x);
  auto scalarType = RankedTensorType::get({}, element);
  Value init = rewriter.create<tensor::EmptyOp>(loc, ArrayRef<int64_t>{}, element);
  Value zero = floatConstant(rewriter, loc, element, 0.0);
  Value filled = rewriter.create<linalg::FillOp>(loc, zero, init).getResult(0);
  SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(1), AffineMap::get(1, 0, context)};
  auto generic = rewriter.create<linalg::GenericOp>(
      loc, TypeRange{scalarType}, ValueRange{x}, ValueRange{filled}, maps,
      SmallVector<utils::IteratorType>{utils::IteratorType::reduction},
      [&](OpBuilder &b, Location l, ValueRange args) {
        Value square = b.create<arith::MulFOp>(l, args[0], args[0]);
        b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, args[1], square)});
      });
  return generic.getResult(0);
}

// ftp.l2_ascent_step: ‖g‖² (reduction); delta + alpha g / ‖g‖ written over delta; ‖stepped‖²
// (reduction, fused with the step); the projection, again in place. Each elementwise generic uses
// its input perturbation as its init, so bufferization updates the caller's buffer in place.
struct LowerL2AscentStep : OpRewritePattern<ftp::L2AscentStepOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ftp::L2AscentStepOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Type element = elementOf(op.getDelta());
    auto type = cast<RankedTensorType>(op.getDelta().getType());
    Value alpha = castFloat(rewriter, loc, op.getAlpha(), element);
    Value eps = castFloat(rewriter, loc, op.getEps(), element);
    Value tiny = floatConstant(rewriter, loc, element, 1e-12);
    Value one = floatConstant(rewriter, loc, element, 1.0);
    SmallVector<AffineMap> withScalar = {AffineMap::get(1, 0, rewriter.getContext()),
                                         rewriter.getMultiDimIdentityMap(1)};
    auto parallel = SmallVector<utils::IteratorType>{utils::IteratorType::parallel};
    auto norm = [&](OpBuilder &b, Location l, Value sumSquares) {
      return b.create<arith::MaximumFOp>(l, b.create<math::SqrtOp>(l, sumSquares), tiny);
    };

    Value gradSquares = sumOfSquares(rewriter, loc, op.getGrad());
    SmallVector<AffineMap> stepMaps = {rewriter.getMultiDimIdentityMap(1), withScalar[0], withScalar[1]};
    Value stepped =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{type}, ValueRange{op.getGrad(), gradSquares}, ValueRange{op.getDelta()},
                stepMaps, parallel,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value factor = b.create<arith::DivFOp>(l, alpha, norm(b, l, args[1]));
                  Value step = b.create<arith::MulFOp>(l, factor, args[0]);
                  b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::AddFOp>(l, args[2], step)});
                })
            .getResult(0);
    Value steppedSquares = sumOfSquares(rewriter, loc, stepped);
    Value projected =
        rewriter
            .create<linalg::GenericOp>(
                loc, TypeRange{type}, ValueRange{steppedSquares}, ValueRange{stepped}, withScalar,
                parallel,
                [&](OpBuilder &b, Location l, ValueRange args) {
                  Value ratio = b.create<arith::DivFOp>(l, eps, norm(b, l, args[0]));
                  Value factor = b.create<arith::MinimumFOp>(l, ratio, one);
                  b.create<linalg::YieldOp>(l, ValueRange{b.create<arith::MulFOp>(l, args[1], factor)});
                })
            .getResult(0);
    rewriter.replaceOp(op, projected);
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
  patterns.add<LowerClipScale, LowerAdam<ftp::AdamWUpdateOp, true>,
               LowerAdam<ftp::AdamUpdateOp, false>, LowerSgdUpdate, LowerScale, LowerClipAccumulate,
               LowerGaussianNoise, LowerPerturbStep, LowerL2AscentStep>(patterns.getContext());
}
