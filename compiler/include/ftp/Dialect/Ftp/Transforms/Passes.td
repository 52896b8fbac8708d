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

def FtpFuseElementwise : Pass<"ftp-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg.generic ops, also producers with several uses";
  let description = [{
    Upstream `linalg-fuse-elementwise-ops` fuses a producer only into its single user. A step
    kernel's noisy gradient has two: the optimizer update reads it and it is written back to the
    gradient buffer. Fusing anyway makes the fused generic also yield the producer's result, so
    the noise is drawn once and memory is traversed once.
  }];
  let dependentDialects = ["mlir::affine::AffineDialect", "mlir::arith::ArithDialect",
                           "mlir::linalg::LinalgDialect", "mlir::tensor::TensorDialect"];
}

def FtpApproximateMath : Pass<"ftp-approximate-math"> {
  let summary = "Replace math.log/cos/sin/exp by polynomial approximations (CPU)";
  let description = [{
    On the CPU, `math.log` and `math.cos` become calls to libm, which stop LLVM's loop vectorizer:
    the Box–Muller transform of the noise then runs one element at a time. MLIR's polynomial
    approximations (a few ulp in f32) are plain arithmetic and vectorize. The GPU path keeps
    libdevice's functions instead.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def FtpMaterializeStepKernels : Pass<"ftp-materialize-step-kernels", "mlir::ModuleOp"> {
  let summary = "Add the step kernels every ftp.finetune runs, and name them in its `kernels`";
  let description = [{
    A pipeline lowered from the checked program (`ftp.pipeline`) says what each fine-tuning does
    (optimizer, DP-SGD, adversarial training) but holds no numeric code. This pass adds to the
    module, once each, the step-kernel functions the stages run (ftp/Kernels/KernelModule.h: the
    optimizer's update, with Philox noise fused in for a private stage, the clipped accumulation,
    the FGSM/PGD or FreeLB perturbation step) and records them in each stage's `kernels`, which
    the stage's verifier then checks. A stage no kernel exists for (SGD with Nesterov momentum)
    is an error at that stage. Functions already in the module are kept.
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::bufferization::BufferizationDialect",
                           "mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

#endif // FTP_DIALECT_FTP_TRANSFORMS_PASSES_TD
