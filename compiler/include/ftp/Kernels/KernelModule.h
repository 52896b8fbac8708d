//===- KernelModule.h - the step kernels as an MLIR module, and their pipelines ----===//
//
// One func per kernel over memref<?xf32> buffers and scalar arguments, written with `ftp` ops on
// tensors wrapping the buffers (bufferization.to_tensor ... restrict writable, results written
// back with bufferization.materialize_in_destination), so one-shot bufferization updates the
// caller's memory in place. Every function carries llvm.emit_c_interface: the JIT calls the
// `_mlir_ciface_<name>` wrappers, whose memref arguments are pointers to descriptors.
//
// Kernel ABI (shared with JitStepKernels; change kKernelAbi when it changes):
//   ftp_update_<adamw|adam|sgd>[_noise](P, G, M, V, gradScale f32, noiseStd f32, seed i64,
//       noiseStep i64, tensorId i32, offset i64, step i64, lr, beta1, beta2, eps, weightDecay,
//       momentum f32)                      (V is unused by SGD; the noise scalars by plain kernels)
//   ftp_clip_accumulate(Acc, G, scale f32)
//   ftp_add_noise(Out, std f32, seed i64, noiseStep i64, tensorId i32, offset i64)
//   ftp_perturb_step(Delta, G, alpha f32, eps f32)
//   ftp_l2_ascent_step(Delta, G, alpha f32, eps f32)   (one example's flat perturbation per call)
// `offset` is the flat index of the buffer's first element in its tensor, so that a tensor split
// into chunks (one per thread) draws exactly the noise it would draw in one piece.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
}

namespace ftp::kernels {

inline constexpr const char *kKernelAbi = "ftp-step-kernels-2";

enum class Optimizer { AdamW, Adam, Sgd };

/// Which kernels a module holds. The JIT builds all of them; `ftpc --emit` only those a
/// pipeline uses.
struct KernelSetSpec {
  std::vector<Optimizer> optimizers{Optimizer::AdamW, Optimizer::Adam, Optimizer::Sgd};
  bool plainUpdates = true;  // without privacy noise
  bool noisyUpdates = true;  // with Philox noise fused into the gradient
  bool clipAccumulate = true;
  bool addNoise = true;
  bool perturbStep = true;
  bool l2AscentStep = true; // FreeLB; CPU only (its reductions have no GPU lowering yet)
};

const char *optimizerName(Optimizer optimizer);
std::string updateKernelName(Optimizer optimizer, bool noise);

/// Registers what the kernel pipelines need (dialects, interfaces, translations, passes) and
/// returns a context ready for them.
std::unique_ptr<mlir::MLIRContext> makeKernelContext();

mlir::OwningOpRef<mlir::ModuleOp> buildStepKernelModule(mlir::MLIRContext &context,
                                                        const KernelSetSpec &spec);

/// The pipelines, as pass-pipeline text so that `ftp-opt --pass-pipeline=...` and the lit tests
/// run exactly what the compiler runs. Stage 1: ftp -> fused linalg on tensors.
std::string toLinalgPipeline();
/// Stage 2 (CPU): fused linalg on tensors -> bufferized loops -> LLVM dialect.
std::string cpuToLLVMPipeline();
/// Stage 2 (GPU): fused linalg on tensors -> gpu kernels -> NVVM -> PTX in a gpu.binary.
std::string gpuToPtxPipeline(const std::string &chip, const std::string &cudaToolkit);

/// Runs `pipeline` on `module`; on failure returns false and the diagnostics in `error`.
bool runPipeline(mlir::ModuleOp module, const std::string &pipeline, std::string &error);

/// The PTX text of every gpu.binary in a module lowered with gpuToPtxPipeline (the trailing NUL
/// MLIR leaves in the object is stripped), each module after a line `//--- <kernel>.ptx`: one PTX
/// module per kernel, which `split-file` separates for ptxas.
std::string extractPtx(mlir::ModuleOp module);

/// `ftpc --emit=STAGE` for the step kernels: STAGE is mlir (ftp ops), linalg, llvm (LLVM IR for
/// this CPU) or ptx (with `chip`, e.g. sm_90). Returns false with the reason in `out`.
bool emitStage(const KernelSetSpec &spec, const std::string &stage, const std::string &chip,
               std::string &out);

/// The same for a module that already holds step kernels (and no other ops that need lowering):
/// `mlir` prints it as it is; the other stages lower it in place.
bool emitKernelModule(mlir::ModuleOp module, const std::string &stage, const std::string &chip,
                      std::string &out);

} // namespace ftp::kernels
