//===- Passes.td - passes of the ftp dialect ---------------------*- tablegen -*-===//

#ifndef FTP_DIALECT_FTP_TRANSFORMS_PASSES_TD
#define FTP_DIALECT_FTP_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FtpLowerToLinalg : Pass<"ftp-lower-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower the ftp step-math ops to elementwise linalg.generic on tensors";
  let description = [{
    Each step-math op becomes one `linalg.generic` whose body computes all of its outputs at once:
    a single pass over memory per parameter tensor, which is what later fusion, bufferization and
    vectorization build on. `ftp.clip_scale` becomes min(1, clip_norm / (norm + eps));
    `ftp.adamw_update` computes the new parameter and both moments in one generic with three
    results.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect", "mlir::math::MathDialect"];
}

#endif // FTP_DIALECT_FTP_TRANSFORMS_PASSES_TD
