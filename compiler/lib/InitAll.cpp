//===- InitAll.cpp - register ftpc's dialects and passes ------------------------===//

#include "ftp/InitAll.h"

#include "ftp/Dialect/Ftp/IR/FtpDialect.h"
#include "ftp/Dialect/Ftp/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Transforms/Passes.h"

void ftp::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<ftp::FtpDialect, mlir::arith::ArithDialect, mlir::func::FuncDialect,
                  mlir::linalg::LinalgDialect, mlir::math::MathDialect,
                  mlir::memref::MemRefDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect>();
}

void ftp::registerAllPasses() {
  // Upstream: canonicalize, cse, inline, symbol-dce, ... (the generic transforms).
  mlir::registerTransformsPasses();
  // ftpc's own, declared in Passes.td.
  ftp::registerFtpPasses();
}
