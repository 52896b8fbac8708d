//===- ftp-gpu-bundle.cpp - the step kernels as objects for a GPU machine -----------===//
//
// Writes what bench/gpu/ needs to run the PTX kernels on a machine that has an NVIDIA GPU but
// none of ftpc's build (no MLIR, no LibTorch): two relocatable x86-64 objects with the same
// kernel ABI (KernelModule.h), compiled here by LLVM:
//
//   cpu_kernels.o          every step kernel lowered for the CPU (the reference), generic
//                          x86-64-v2 code so that any recent host runs it
//   gpu_kernels_<chip>.o   the same kernels, renamed gpu_<name>, lowered through gpu -> NVVM ->
//                          PTX; each _mlir_ciface_gpu_<name> is host code that loads the embedded
//                          PTX and launches it through the mgpu* functions bench/gpu/gpu_runner.cpp
//                          defines over the CUDA driver API (MLIR's runtime-wrapper ABI)
//   kernels_<chip>.ptx     the PTX text, for reading and for ptxas
//
// usage: ftp-gpu-bundle OUTDIR [--chip sm_90] [--cuda /usr/local/cuda]
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Kernels/KernelModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <iostream>
#include <string>

using namespace mlir;

namespace {

bool fail(const std::string &message) {
  std::cerr << "ftp-gpu-bundle: " << message << "\n";
  return false;
}

// LLVM -O3, then an object file for generic x86-64-v2 (the GPU machine's CPU is not this one).
bool writeObject(ModuleOp module, const std::string &path) {
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule = translateModuleToLLVMIR(module, llvmContext, "ftp");
  if (!llvmModule)
    return fail("cannot translate the kernels to LLVM IR");
  std::string triple = llvm::sys::getDefaultTargetTriple(), error;
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return fail(error);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, "x86-64-v2", "", llvm::TargetOptions(), llvm::Reloc::PIC_));
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(machine->createDataLayout());
  if (auto err = makeOptimizingTransformer(3, 0, machine.get())(llvmModule.get()))
    return fail("LLVM optimization failed: " + llvm::toString(std::move(err)));
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return fail(path + ": " + ec.message());
  llvm::legacy::PassManager pm;
  if (machine->addPassesToEmitFile(pm, out, nullptr, llvm::CodeGenFileType::ObjectFile))
    return fail("this LLVM cannot write object files for " + triple);
  pm.run(*llvmModule);
  return true;
}

bool lower(ModuleOp module, const std::string &pipeline) {
  std::string error;
  if (!ftp::kernels::runPipeline(module, ftp::kernels::toLinalgPipeline(), error) ||
      !ftp::kernels::runPipeline(module, pipeline, error))
    return fail(error);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  std::string out, chip = "sm_90", cuda = std::getenv("CUDA_HOME") ? std::getenv("CUDA_HOME") : "";
  if (cuda.empty())
    cuda = "/usr/local/cuda";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--chip" && i + 1 < argc)
      chip = argv[++i];
    else if (arg == "--cuda" && i + 1 < argc)
      cuda = argv[++i];
    else if (out.empty() && arg[0] != '-')
      out = arg;
    else {
      std::cerr << "usage: ftp-gpu-bundle OUTDIR [--chip sm_90] [--cuda /usr/local/cuda]\n";
      return 1;
    }
  }
  if (out.empty()) {
    std::cerr << "usage: ftp-gpu-bundle OUTDIR [--chip sm_90] [--cuda /usr/local/cuda]\n";
    return 1;
  }
  llvm::sys::fs::create_directories(out);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto context = ftp::kernels::makeKernelContext();

  ftp::kernels::KernelSetSpec all; // every kernel the runtime calls
  OwningOpRef<ModuleOp> cpu = ftp::kernels::buildStepKernelModule(*context, all);
  if (!lower(*cpu, ftp::kernels::cpuToLLVMPipeline()) || !writeObject(*cpu, out + "/cpu_kernels.o"))
    return 1;

  // FreeLB's L2 step has no GPU lowering (its reductions); the rest is renamed so that both
  // objects link into one program.
  ftp::kernels::KernelSetSpec gpuSpec;
  gpuSpec.l2AscentStep = false;
  OwningOpRef<ModuleOp> gpu = ftp::kernels::buildStepKernelModule(*context, gpuSpec);
  for (func::FuncOp fn : llvm::make_early_inc_range(gpu->getOps<func::FuncOp>()))
    SymbolTable::setSymbolName(fn, "gpu_" + fn.getName().str());
  if (!lower(*gpu, ftp::kernels::gpuToPtxPipeline(chip, cuda)))
    return 1;
  std::string ptx = ftp::kernels::extractPtx(*gpu);
  {
    std::error_code ec;
    llvm::raw_fd_ostream ptxOut(out + "/kernels_" + chip + ".ptx", ec, llvm::sys::fs::OF_Text);
    if (ec) {
      fail(ec.message());
      return 1;
    }
    ptxOut << ptx;
  }
  if (!writeObject(*gpu, out + "/gpu_kernels_" + chip + ".o"))
    return 1;
  std::cout << "ftp-gpu-bundle: wrote " << out << "/cpu_kernels.o, gpu_kernels_" << chip
            << ".o and kernels_" << chip << ".ptx (" << ptx.size() << " bytes of PTX)\n";
  return 0;
}
