//===- FtpMaterializeStepKernels.cpp - the kernels a pipeline's stages run -------===//

#include "ftp/Dialect/Ftp/IR/FtpOps.h"
#include "ftp/Dialect/Ftp/Transforms/Passes.h"
#include "ftp/Kernels/KernelModule.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

namespace ftp {
#define GEN_PASS_DEF_FTPMATERIALIZESTEPKERNELS
#include "ftp/Dialect/Ftp/Transforms/Passes.h.inc"
} // namespace ftp

using namespace mlir;

namespace {

struct FtpMaterializeStepKernelsPass
    : ftp::impl::FtpMaterializeStepKernelsBase<FtpMaterializeStepKernelsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<ftp::FinetuneOp> stages;
    module.walk([&](ftp::FinetuneOp op) { stages.push_back(op); });
    if (stages.empty())
      return;

    // Every kernel some stage runs, and a kernel set that builds them all (the builder makes
    // optimizers x {plain, noisy}; only the needed functions are kept).
    llvm::StringSet<> needed;
    ftp::kernels::KernelSetSpec spec;
    spec.optimizers.clear();
    spec.plainUpdates = spec.noisyUpdates = spec.clipAccumulate = spec.addNoise =
        spec.perturbStep = spec.l2AscentStep = false;
    for (ftp::FinetuneOp stage : stages) {
      std::string why;
      auto kernels = stage.requiredKernels(&why);
      if (kernels.empty()) {
        stage.emitOpError(why);
        return signalPassFailure();
      }
      StringRef optimizer = stage.getOptimizer();
      auto kind = optimizer == "adamw" ? ftp::kernels::Optimizer::AdamW
                  : optimizer == "adam" ? ftp::kernels::Optimizer::Adam
                                        : ftp::kernels::Optimizer::Sgd;
      if (!llvm::is_contained(spec.optimizers, kind))
        spec.optimizers.push_back(kind);
      (stage.getPrivacy() ? spec.noisyUpdates : spec.plainUpdates) = true;
      for (const std::string &name : kernels) {
        needed.insert(name);
        spec.clipAccumulate |= name == "ftp_clip_accumulate";
        spec.perturbStep |= name == "ftp_perturb_step";
        spec.l2AscentStep |= name == "ftp_l2_ascent_step";
      }
    }

    OwningOpRef<ModuleOp> built = ftp::kernels::buildStepKernelModule(getContext(), spec);
    SymbolTable symbols(module);
    for (func::FuncOp fn : llvm::make_early_inc_range(built->getOps<func::FuncOp>())) {
      if (!needed.contains(fn.getName()) || symbols.lookup(fn.getName()))
        continue;
      fn->remove();
      symbols.insert(fn);
    }

    OpBuilder b(module.getContext());
    for (ftp::FinetuneOp stage : stages) {
      SmallVector<Attribute> refs;
      for (const std::string &name : stage.requiredKernels())
        refs.push_back(FlatSymbolRefAttr::get(b.getStringAttr(name)));
      stage.setKernelsAttr(b.getArrayAttr(refs));
    }
  }
};

} // namespace
