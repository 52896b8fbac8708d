//===- PlanToFtp.h - a checked pipeline as `ftp` dialect IR ------------------------===//
//
// The front end's output is the checked program, serialized as the plan (lang/plan/Plan.h); the
// back end lowers it to one `ftp.pipeline` op (datasets, models, stages in program order, with
// the options the checker resolved: calibrated noise, derived sample rate, defaults).
// `ftp-materialize-step-kernels` then adds the step kernels the stages run, and the kernel
// pipelines of KernelModule.h lower those.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace ftp::kernels {

/// The module holding the plan's `ftp.pipeline`; null with the reason in `error` when the plan is
/// not JSON or lacks what a pipeline needs. The module is verified.
mlir::OwningOpRef<mlir::ModuleOp> lowerPlanToFtp(mlir::MLIRContext &context,
                                                 const std::string &planJson, std::string &error);

/// lowerPlanToFtp, then ftp-materialize-step-kernels: the pipeline and the step kernels its
/// stages run. Null with the reason in `error`, e.g. a stage no step kernel exists for.
mlir::OwningOpRef<mlir::ModuleOp> compilePlanToFtp(mlir::MLIRContext &context,
                                                   const std::string &planJson, std::string &error);

/// `ftpc --emit=STAGE` for a plan: `mlir` prints the pipeline with its step kernels (after
/// ftp-materialize-step-kernels); `linalg`, `llvm` and `ptx` lower the kernels as emitStage does.
bool emitPlanStage(const std::string &planJson, const std::string &stage, const std::string &chip,
                   std::string &out);

} // namespace ftp::kernels
