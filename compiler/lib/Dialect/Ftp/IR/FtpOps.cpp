//===- FtpOps.cpp - operations of the ftp dialect -------------------------------===//

#include "ftp/Dialect/Ftp/IR/FtpOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

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

LogicalResult AdamWUpdateOp::verify() {
  auto positive = [](llvm::APFloat value) { return value.convertToFloat() > 0.0f; };
  auto unitInterval = [](llvm::APFloat value) {
    float v = value.convertToFloat();
    return v >= 0.0f && v < 1.0f;
  };
  // Written so that NaN fails every check.
  if (!positive(getLr()))
    return emitOpError("expects `lr` > 0, got ") << getLr().convertToFloat();
  if (!unitInterval(getBeta1()) || !unitInterval(getBeta2()))
    return emitOpError("expects `beta1` and `beta2` in [0, 1)");
  if (!positive(getEps()))
    return emitOpError("expects `eps` > 0, got ") << getEps().convertToFloat();
  if (!(getWeightDecay().convertToFloat() >= 0.0f))
    return emitOpError("expects `weight_decay` >= 0, got ") << getWeightDecay().convertToFloat();
  return success();
}

#define GET_OP_CLASSES
#include "ftp/Dialect/Ftp/IR/FtpOps.cpp.inc"
