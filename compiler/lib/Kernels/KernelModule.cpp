//===- KernelModule.cpp - the step kernels as an MLIR module, and their pipelines --===//

#include "ftp/Kernels/KernelModule.h"

#include "ftp/Dialect/Ftp/IR/FtpOps.h"
#include "ftp/InitAll.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace ftp::kernels {

const char *optimizerName(Optimizer optimizer) {
  switch (optimizer) {
  case Optimizer::AdamW: return "adamw";
  case Optimizer::Adam: return "adam";
  case Optimizer::Sgd: return "sgd";
  }
  return "?";
}

std::string updateKernelName(Optimizer optimizer, bool noise) {
  return std::string("ftp_update_") + optimizerName(optimizer) + (noise ? "_noise" : "");
}

std::unique_ptr<MLIRContext> makeKernelContext() {
  DialectRegistry registry;
  ftp::registerAllDialects(registry);
  ftp::registerAllPasses();
  auto context = std::make_unique<MLIRContext>(registry);
  context->loadAllAvailableDialects();
  return context;
}

namespace {

// Builds one kernel function: arguments, then the body from `build`, then `return`.
struct KernelBuilder {
  ModuleOp module;
  OpBuilder b;
  Location loc;
  MemRefType buffer;
  RankedTensorType tensor;

  explicit KernelBuilder(ModuleOp module)
      : module(module), b(module.getContext()), loc(module.getLoc()),
        buffer(MemRefType::get({ShapedType::kDynamic}, b.getF32Type())),
        tensor(RankedTensorType::get({ShapedType::kDynamic}, b.getF32Type())) {}

  func::FuncOp function(const std::string &name, ArrayRef<Type> arguments) {
    b.setInsertionPointToEnd(module.getBody());
    auto fn = b.create<func::FuncOp>(loc, name, b.getFunctionType(arguments, {}));
    fn->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
    b.setInsertionPointToStart(fn.addEntryBlock());
    return fn;
  }
  // The caller's buffer as a tensor the kernel may update in place.
  Value read(Value memref) {
    auto op = b.create<bufferization::ToTensorOp>(loc, tensor, memref);
    op.setRestrict(true);
    op.setWritable(true);
    return op;
  }
  void write(Value result, Value memref) {
    auto op = b.create<bufferization::MaterializeInDestinationOp>(loc, result, memref);
    op.setRestrict(true);
    op.setWritable(true);
  }
  void finish() { b.create<func::ReturnOp>(loc); }
};

void buildUpdate(KernelBuilder &k, Optimizer optimizer, bool noise) {
  Type f32 = k.b.getF32Type(), i64 = k.b.getI64Type(), i32 = k.b.getI32Type();
  Type buf = k.buffer;
  auto fn = k.function(updateKernelName(optimizer, noise),
                       {buf, buf, buf, buf, f32, f32, i64, i64, i32, i64, i64, f32, f32, f32, f32,
                        f32, f32});
  auto a = fn.getArguments();
  Value P = a[0], G = a[1], M = a[2], V = a[3], gradScale = a[4], noiseStd = a[5], seed = a[6],
        noiseStep = a[7], tensorId = a[8], offset = a[9], step = a[10], lr = a[11], beta1 = a[12],
        beta2 = a[13], eps = a[14], weightDecay = a[15], momentum = a[16];
  Value p = k.read(P), grad = k.read(G), m = k.read(M);
  Value g = noise ? k.b.create<ftp::GaussianNoiseOp>(k.loc, k.tensor, grad, gradScale, noiseStd, seed,
                                                     noiseStep, tensorId, offset)
                        .getResult()
                  : k.b.create<ftp::ScaleOp>(k.loc, k.tensor, grad, gradScale).getResult();
  Type t = k.tensor;
  if (optimizer == Optimizer::Sgd) {
    auto op = k.b.create<ftp::SgdUpdateOp>(k.loc, t, t, p, g, m, lr, momentum, weightDecay);
    k.write(op.getNewParam(), P);
    k.write(op.getNewMomentumBuffer(), M);
  } else {
    Value v = k.read(V);
    Operation *op =
        optimizer == Optimizer::AdamW
            ? k.b.create<ftp::AdamWUpdateOp>(k.loc, t, t, t, p, g, m, v, step, lr, beta1, beta2,
                                             eps, weightDecay)
                  .getOperation()
            : k.b.create<ftp::AdamUpdateOp>(k.loc, t, t, t, p, g, m, v, step, lr, beta1, beta2, eps,
                                            weightDecay)
                  .getOperation();
    k.write(op->getResult(0), P);
    k.write(op->getResult(1), M);
    k.write(op->getResult(2), V);
  }
  k.write(g, G); // the gradient buffer ends up holding the (noisy) gradient that was applied
  k.finish();
}

} // namespace

OwningOpRef<ModuleOp> buildStepKernelModule(MLIRContext &context, const KernelSetSpec &spec) {
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  KernelBuilder k(*module);
  Type f32 = k.b.getF32Type(), i64 = k.b.getI64Type(), i32 = k.b.getI32Type();
  Type buf = k.buffer, t = k.tensor;
  for (Optimizer optimizer : spec.optimizers) {
    if (spec.plainUpdates)
      buildUpdate(k, optimizer, false);
    if (spec.noisyUpdates)
      buildUpdate(k, optimizer, true);
  }
  if (spec.clipAccumulate) {
    auto fn = k.function("ftp_clip_accumulate", {buf, buf, f32});
    auto a = fn.getArguments();
    Value acc = k.read(a[0]), g = k.read(a[1]);
    k.write(k.b.create<ftp::ClipAccumulateOp>(k.loc, t, acc, g, a[2]), a[0]);
    k.finish();
  }
  if (spec.addNoise) {
    auto fn = k.function("ftp_add_noise", {buf, f32, i64, i64, i32, i64});
    auto a = fn.getArguments();
    Value one = k.b.create<arith::ConstantOp>(k.loc, k.b.getF32FloatAttr(1.0f));
    k.write(k.b.create<ftp::GaussianNoiseOp>(k.loc, t, k.read(a[0]), one, a[1], a[2], a[3], a[4],
                                             a[5]),
            a[0]);
    k.finish();
  }
  if (spec.perturbStep) {
    auto fn = k.function("ftp_perturb_step", {buf, buf, f32, f32});
    auto a = fn.getArguments();
    Value delta = k.read(a[0]), g = k.read(a[1]);
    k.write(k.b.create<ftp::PerturbStepOp>(k.loc, t, delta, g, a[2], a[3]), a[0]);
    k.finish();
  }
  if (spec.l2AscentStep) {
    auto fn = k.function("ftp_l2_ascent_step", {buf, buf, f32, f32});
    auto a = fn.getArguments();
    Value delta = k.read(a[0]), g = k.read(a[1]);
    k.write(k.b.create<ftp::L2AscentStepOp>(k.loc, t, delta, g, a[2], a[3]), a[0]);
    k.finish();
  }
  return module;
}

std::string toLinalgPipeline() {
  return "ftp-lower-to-linalg,ftp-fuse-elementwise,eliminate-empty-tensors,canonicalize,cse";
}

// Bufferization happens in place: empty-tensor elimination makes each generic write straight into
// the buffer its result is materialized in, and linalg's elementwise access lets an input and an
// output share a buffer. The only buffers a kernel allocates are the scalar accumulators of
// reductions (FreeLB's norms); ownership-based deallocation frees them before the kernel returns.
// The loops are left to LLVM's vectorizer (-O3 in the JIT), which the
// toolchain notes measured at full AVX-512 width and twice as fast as affine-super-vectorize.
std::string cpuToLLVMPipeline() {
  return "ftp-approximate-math,eliminate-empty-tensors,one-shot-bufferize,canonicalize,"
         "ownership-based-buffer-deallocation,canonicalize,buffer-deallocation-simplification,"
         "convert-bufferization-to-memref,canonicalize,"
         "func.func(convert-linalg-to-loops),lower-affine,convert-scf-to-cf,"
         "expand-strided-metadata,convert-math-to-llvm,convert-arith-to-llvm,"
         "finalize-memref-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,"
         "reconcile-unrealized-casts";
}

// MLIR's gpu-lower-to-nvvm-pipeline spelled out, with the loops tiled by 256 and mapped to blocks
// and threads. toolkit= matters: without it libdevice is silently not linked and ptxas fails on
// __nv_* functions (toolchain notes).
std::string gpuToPtxPipeline(const std::string &chip, const std::string &cudaToolkit) {
  return "eliminate-empty-tensors,one-shot-bufferize,canonicalize,"
         "func.func(convert-linalg-to-parallel-loops,"
         "scf-parallel-loop-tiling{parallel-loop-tile-sizes=256 no-min-max-bounds=true},gpu-map-parallel-loops),"
         "convert-parallel-loops-to-gpu,canonicalize,gpu-kernel-outlining,lower-affine,"
         "nvvm-attach-target{chip=" +
         chip + " features=+ptx80 O=3}," +
         "gpu.module(convert-gpu-to-nvvm,canonicalize,cse,reconcile-unrealized-casts),"
         "expand-strided-metadata,lower-affine,convert-scf-to-cf,convert-math-to-llvm,"
         "convert-arith-to-llvm,finalize-memref-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,"
         "gpu-to-llvm,reconcile-unrealized-casts,"
         "gpu-module-to-binary{format=isa toolkit=" +
         cudaToolkit + "}";
}

bool runPipeline(ModuleOp module, const std::string &pipeline, std::string &error) {
  MLIRContext *context = module.getContext();
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    os << diag.getLocation() << ": " << diag << "\n";
    return success();
  });
  // Anchored on builtin.module and given the pipeline without a builtin.module(...) wrapper: the
  // other combination silently runs nothing (toolchain notes).
  PassManager pm(context, ModuleOp::getOperationName());
  if (failed(parsePassPipeline(pipeline, pm, os)) || failed(pm.run(module))) {
    os.flush();
    error = "step-kernel pipeline failed: " + pipeline + "\n" + diagnostics;
    return false;
  }
  return true;
}

std::string extractPtx(ModuleOp module) {
  std::string ptx;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects()) {
      StringRef text = cast<gpu::ObjectAttr>(object).getObject().getValue();
      // MLIR leaves the C string's NUL in the object; ptxas rejects it (toolchain notes).
      while (!text.empty() && text.back() == '\0')
        text = text.drop_back();
      // One PTX module per outlined kernel; the marker lines split them with LLVM's split-file.
      ptx += "//--- " + binary.getName().str() + ".ptx\n" + text.str();
      if (!text.ends_with("\n"))
        ptx += "\n";
    }
  });
  return ptx;
}

bool emitStage(const KernelSetSpec &spec, const std::string &stage, const std::string &chip,
               std::string &out) {
  auto context = makeKernelContext();
  OwningOpRef<ModuleOp> module = buildStepKernelModule(*context, spec);
  return emitKernelModule(*module, stage, chip, out);
}

bool emitKernelModule(ModuleOp module, const std::string &stage, const std::string &chip,
                      std::string &out) {
  // FreeLB's L2 step reduces over each example; the GPU lowering maps only parallel loops to
  // threads, so that kernel is left out of PTX (and said so) rather than emitted as host loops.
  bool droppedL2 = false;
  if (stage == "ptx")
    if (auto l2 = module.lookupSymbol<func::FuncOp>("ftp_l2_ascent_step")) {
      l2.erase();
      droppedL2 = true;
    }
  auto print = [&](Operation *op) {
    out.clear();
    llvm::raw_string_ostream os(out);
    op->print(os);
    os << "\n";
  };
  if (stage == "mlir") {
    print(module);
    return true;
  }
  std::string error;
  if (!runPipeline(module, toLinalgPipeline(), error)) {
    out = error;
    return false;
  }
  if (stage == "linalg") {
    print(module);
    return true;
  }
  if (stage == "llvm") {
    if (!runPipeline(module, cpuToLLVMPipeline(), error)) {
      out = error;
      return false;
    }
    llvm::LLVMContext llvmContext;
    auto llvmModule = translateModuleToLLVMIR(module, llvmContext, "ftp_step_kernels");
    if (!llvmModule) {
      out = "cannot translate the step kernels to LLVM IR";
      return false;
    }
    out.clear();
    llvm::raw_string_ostream os(out);
    llvmModule->print(os, nullptr);
    return true;
  }
  if (stage == "ptx") {
#ifdef FTPC_ENABLE_CUDA
    const char *toolkit = std::getenv("CUDA_HOME");
    if (!runPipeline(module, gpuToPtxPipeline(chip.empty() ? "sm_90" : chip,
                                               toolkit && *toolkit ? toolkit : "/usr/local/cuda"),
                     error)) {
      out = error;
      return false;
    }
    out = extractPtx(module);
    if (droppedL2)
      out = "// ftp_l2_ascent_step (FreeLB) runs on the CPU only: its per-example reductions have "
            "no GPU lowering yet\n" + out;
    return true;
#else
    out = "this ftpc was built without the GPU code path (FTPC_ENABLE_CUDA=OFF)";
    return false;
#endif
  }
  out = "unknown stage `" + stage + "`; expected mlir, linalg, llvm or ptx";
  return false;
}

} // namespace ftp::kernels
