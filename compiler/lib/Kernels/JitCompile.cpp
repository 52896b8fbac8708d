//===- JitCompile.cpp - compile or load the step kernels ------------------------===//
//
// Cold start: the module is lowered to the LLVM dialect, compiled by MLIR's ExecutionEngine with
// LLVM -O3 for the host CPU, and the object it produced is written to the cache. Warm start: the
// same lowering (a few ms) gives the same hash, and the cached object is linked with ORC's LLJIT;
// LLVM's optimizer and code generator do not run. Both paths then run the code from an object
// loaded by LLJIT, so the cache path is the one every run exercises.
//
//===----------------------------------------------------------------------------------------===//

#include "JitCompile.h"

#include "ftp/Kernels/KernelModule.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <unistd.h>

namespace ftp::compiler {

std::string defaultKernelCacheDir() {
  if (const char *dir = std::getenv("FTPC_CACHE_DIR"); dir && *dir)
    return std::string(dir) + "/kernels";
  if (const char *dir = std::getenv("XDG_CACHE_HOME"); dir && *dir)
    return std::string(dir) + "/ftpc/kernels";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/ftpc/kernels";
  return "";
}

namespace detail {
namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Everything the object depends on besides the module: the ABI, LLVM and the exact target.
std::string targetDescription() {
  std::vector<std::string> enabled;
  for (auto &feature : llvm::sys::getHostCPUFeatures())
    if (feature.second)
      enabled.push_back(feature.first().str());
  std::sort(enabled.begin(), enabled.end());
  std::string features;
  for (const std::string &feature : enabled)
    features += "+" + feature + ",";
  return std::string(kernels::kKernelAbi) + "\nLLVM " LLVM_VERSION_STRING "\n" +
         llvm::sys::getProcessTriple() + "\n" + llvm::sys::getHostCPUName().str() + "\n" + features;
}

std::string sha256Hex(const std::string &text) {
  llvm::SHA256 hash;
  hash.update(text);
  std::array<uint8_t, 32> digest = hash.final();
  static const char *hex = "0123456789abcdef";
  std::string out;
  for (uint8_t byte : digest)
    out += {hex[byte >> 4], hex[byte & 15]};
  return out;
}

// LLVM -O3 for the host CPU via MLIR's ExecutionEngine; the object lands at `objectPath`.
void compileObject(mlir::ModuleOp module, const std::string &objectPath) {
  auto machineBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!machineBuilder)
    throw std::runtime_error("no JIT target for this host: " + llvm::toString(machineBuilder.takeError()));
  auto machine = machineBuilder->createTargetMachine();
  if (!machine)
    throw std::runtime_error("no JIT target machine: " + llvm::toString(machine.takeError()));
  // ExecutionEngineOptions::transformer is a non-owning function_ref: the transformer must outlive
  // the engine, or the engine calls a dangling reference (toolchain notes).
  auto transformer = mlir::makeOptimizingTransformer(3, 0, machine->get());
  mlir::ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  options.enableObjectDump = true;
  auto engine = mlir::ExecutionEngine::create(module, options);
  if (!engine)
    throw std::runtime_error("cannot JIT-compile the step kernels: " + llvm::toString(engine.takeError()));
  // Code is generated on the first lookup; one module gives one object holding every kernel.
  if (auto symbol = (*engine)->lookup("_mlir_ciface_ftp_clip_accumulate"); !symbol)
    throw std::runtime_error("cannot JIT-compile the step kernels: " + llvm::toString(symbol.takeError()));
  (*engine)->dumpToObjectFile(objectPath);
  if (!llvm::sys::fs::exists(objectPath))
    throw std::runtime_error("the JIT did not produce an object file at " + objectPath);
}

} // namespace

LoadedKernels compileStepKernels(const std::string &requestedCacheDir) {
  static const bool nativeTarget = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)nativeTarget;
  LoadedKernels loaded;
  auto start = Clock::now();
  auto context = kernels::makeKernelContext();
  auto module = kernels::buildStepKernelModule(*context, kernels::KernelSetSpec{});
  std::string error;
  if (!kernels::runPipeline(*module, kernels::toLinalgPipeline(), error) ||
      !kernels::runPipeline(*module, kernels::cpuToLLVMPipeline(), error))
    throw std::runtime_error(error);
  std::string text;
  llvm::raw_string_ostream os(text);
  module->print(os);
  os.flush();
  loaded.stats.cacheKey = sha256Hex(text + "\n" + targetDescription());
  loaded.stats.lowerMs = msSince(start);

  // The cache folder, or a private temporary one when it cannot be created.
  std::string cacheDir = requestedCacheDir.empty() ? defaultKernelCacheDir() : requestedCacheDir;
  bool cacheUsable = !cacheDir.empty() && !llvm::sys::fs::create_directories(cacheDir);
  llvm::SmallString<256> objectPath;
  if (cacheUsable) {
    objectPath = cacheDir;
    llvm::sys::path::append(objectPath, loaded.stats.cacheKey + ".o");
  }
  loaded.stats.cacheHit = cacheUsable && llvm::sys::fs::exists(objectPath);
  if (!loaded.stats.cacheHit) {
    start = Clock::now();
    // Written under a unique name and renamed, so a concurrent ftpc never reads half an object.
    llvm::SmallString<256> temporary;
    if (cacheUsable)
      temporary = (objectPath + ".tmp" + std::to_string(getpid())).str();
    else if (std::error_code ec = llvm::sys::fs::createTemporaryFile("ftpc-kernels", "o", temporary))
      throw std::runtime_error("cannot create a temporary object file: " + ec.message());
    compileObject(*module, temporary.str().str());
    if (cacheUsable) {
      if (llvm::sys::fs::rename(temporary, objectPath))
        objectPath = temporary; // keep going with the private copy
    } else {
      objectPath = temporary;
    }
    loaded.stats.compileMs = msSince(start);
  }
  loaded.stats.objectPath = cacheUsable ? objectPath.str().str() : "";

  start = Clock::now();
  auto buffer = llvm::MemoryBuffer::getFile(objectPath);
  if (!buffer)
    throw std::runtime_error("cannot read " + objectPath.str().str() + ": " +
                             buffer.getError().message());
  if (!cacheUsable)
    llvm::sys::fs::remove(objectPath);
  auto jit = llvm::orc::LLJITBuilder().create();
  if (!jit)
    throw std::runtime_error("cannot create the JIT: " + llvm::toString(jit.takeError()));
  // The kernels call libm (pow for Adam's bias corrections) and memref helpers from the process.
  auto generator = llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      (*jit)->getDataLayout().getGlobalPrefix());
  if (!generator)
    throw std::runtime_error("cannot resolve process symbols: " + llvm::toString(generator.takeError()));
  (*jit)->getMainJITDylib().addGenerator(std::move(*generator));
  if (llvm::Error e = (*jit)->addObjectFile(std::move(*buffer)))
    throw std::runtime_error("cannot load the step kernels' object: " + llvm::toString(std::move(e)));
  std::vector<std::string> names = {"ftp_clip_accumulate", "ftp_add_noise", "ftp_perturb_step",
                                    "ftp_l2_ascent_step"};
  for (auto optimizer : {kernels::Optimizer::AdamW, kernels::Optimizer::Adam, kernels::Optimizer::Sgd})
    for (bool noise : {false, true})
      names.push_back(kernels::updateKernelName(optimizer, noise));
  for (const std::string &name : names) {
    auto address = (*jit)->lookup("_mlir_ciface_" + name);
    if (!address)
      throw std::runtime_error("step kernel " + name + " missing: " + llvm::toString(address.takeError()));
    loaded.symbols[name] = address->toPtr<void *>();
  }
  loaded.jit = std::shared_ptr<llvm::orc::LLJIT>(std::move(*jit));
  loaded.stats.loadMs = msSince(start);
  return loaded;
}

} // namespace detail
} // namespace ftp::compiler
