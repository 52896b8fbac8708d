//===- FtpOps.cpp - operations of the ftp dialect -------------------------------===//

#include "ftp/Dialect/Ftp/IR/FtpOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"

#include <sstream>

using namespace mlir;
using namespace ftp;

LogicalResult ClipScaleOp::verify() {
  auto type = llvm::cast<RankedTensorType>(getNorms().getType());
  if (type.getRank() != 1)
    return emitOpError("expects a rank-1 tensor of per-sample norms, got rank ")
           << type.getRank();
  // Written so that NaN fails too: clipping to a NaN norm would silently disable privacy.
  if (!(getClipNorm().convertToFloat() > 0.0f))
    return emitOpError("expects `clip_norm` > 0, got ") << getClipNorm().convertToFloat();
  if (!(getEps().convertToFloat() >= 0.0f))
    return emitOpError("expects `eps` >= 0, got ") << getEps().convertToFloat();
  return success();
}

namespace {

// The value of a scalar operand when it is a constant; hyperparameters are SSA values so that one
// kernel serves every step, and the verifiers can only check the constant ones.
std::optional<float> constantFloat(Value value) {
  APFloat f(0.0f);
  if (matchPattern(value, m_ConstantFloat(&f)))
    return f.convertToFloat();
  return std::nullopt;
}

// Shortest form ("-1", "0.5", "nan"): the diagnostic engine prints floats as %e.
std::string str(float value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

// Each check is written so that NaN fails it: a NaN hyperparameter silently corrupts a model.
LogicalResult checkAtLeast(Operation *op, Value value, StringRef name, float bound) {
  if (auto v = constantFloat(value); v && !(*v >= bound))
    return op->emitOpError("expects `") << name << "` >= " << str(bound) << ", got " << str(*v);
  return success();
}

LogicalResult checkPositive(Operation *op, Value value, StringRef name) {
  if (auto v = constantFloat(value); v && !(*v > 0.0f))
    return op->emitOpError("expects `") << name << "` > 0, got " << str(*v);
  return success();
}

LogicalResult checkUnitInterval(Operation *op, Value value, StringRef name) {
  if (auto v = constantFloat(value); v && !(*v >= 0.0f && *v < 1.0f))
    return op->emitOpError("expects `") << name << "` in [0, 1), got " << str(*v);
  return success();
}

template <typename AdamOp> LogicalResult verifyAdam(AdamOp op) {
  Operation *o = op.getOperation();
  APInt step;
  if (matchPattern(op.getStep(), m_ConstantInt(&step)) && step.getSExtValue() < 1)
    return op.emitOpError("expects `step` >= 1 (steps count from 1), got ") << step.getSExtValue();
  return success(succeeded(checkAtLeast(o, op.getLr(), "lr", 0.0f)) &&
                 succeeded(checkUnitInterval(o, op.getBeta1(), "beta1")) &&
                 succeeded(checkUnitInterval(o, op.getBeta2(), "beta2")) &&
                 succeeded(checkPositive(o, op.getEps(), "eps")) &&
                 succeeded(checkAtLeast(o, op.getWeightDecay(), "weight_decay", 0.0f)));
}

} // namespace

LogicalResult AdamWUpdateOp::verify() { return verifyAdam(*this); }
LogicalResult AdamUpdateOp::verify() { return verifyAdam(*this); }

LogicalResult SgdUpdateOp::verify() {
  Operation *o = getOperation();
  return success(succeeded(checkAtLeast(o, getLr(), "lr", 0.0f)) &&
                 succeeded(checkAtLeast(o, getMomentum(), "momentum", 0.0f)) &&
                 succeeded(checkAtLeast(o, getWeightDecay(), "weight_decay", 0.0f)));
}

LogicalResult ClipAccumulateOp::verify() {
  // A clipping factor is min(1, C / norm): never negative, never above 1.
  if (auto v = constantFloat(getScale()); v && !(*v >= 0.0f && *v <= 1.0f))
    return emitOpError("expects the clipping `scale` in [0, 1], got ") << str(*v);
  return success();
}

LogicalResult GaussianNoiseOp::verify() {
  auto type = llvm::cast<RankedTensorType>(getInput().getType());
  if (type.getRank() != 1)
    return emitOpError("expects a rank-1 tensor (noise counters are flat element indices), got rank ")
           << type.getRank();
  return checkAtLeast(getOperation(), getStd(), "std", 0.0f);
}

LogicalResult PerturbStepOp::verify() {
  Operation *o = getOperation();
  return success(succeeded(checkAtLeast(o, getAlpha(), "alpha", 0.0f)) &&
                 succeeded(checkAtLeast(o, getEps(), "eps", 0.0f)));
}

LogicalResult L2AscentStepOp::verify() {
  auto type = llvm::cast<RankedTensorType>(getDelta().getType());
  if (type.getRank() != 1)
    return emitOpError("expects one example's flat perturbation (rank 1), got rank ") << type.getRank();
  Operation *o = getOperation();
  return success(succeeded(checkAtLeast(o, getAlpha(), "alpha", 0.0f)) &&
                 succeeded(checkAtLeast(o, getEps(), "eps", 0.0f)));
}

#define GET_OP_CLASSES
#include "ftp/Dialect/Ftp/IR/FtpOps.cpp.inc"
