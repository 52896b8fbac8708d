//===- FtpPipelineOps.cpp - verifiers of the pipeline-structure ops ---------------===//
//
// The rules a pipeline's structure must keep once it is IR: uses after definitions, splits that
// exist, models whose kind and head agree, private stages with a real noise and clipping bound,
// and stages whose `kernels` name every step kernel they run.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/Dialect/Ftp/IR/FtpOps.h"
#include "ftp/Kernels/KernelModule.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

#include <cmath>
#include <sstream>

using namespace mlir;
using namespace ftp;

namespace {

// A stage's model and dataset: defined in the enclosing pipeline, of the right op, and the split
// one of the dataset's.
LogicalResult verifyStageUses(Operation *op, FlatSymbolRefAttr model, FlatSymbolRefAttr dataset,
                              StringRef split, SymbolTableCollection &tables) {
  auto pipeline = op->getParentOfType<PipelineOp>();
  Operation *m = tables.lookupSymbolIn(pipeline, model);
  if (!m || !isa<ModelOp>(m))
    return op->emitOpError("uses `") << model.getValue() << "`, which is not a model of pipeline @"
                                     << pipeline.getSymName();
  if (!dataset)
    return success();
  auto d = dyn_cast_or_null<DatasetOp>(tables.lookupSymbolIn(pipeline, dataset));
  if (!d)
    return op->emitOpError("uses `") << dataset.getValue()
                                     << "`, which is not a dataset of pipeline @"
                                     << pipeline.getSymName();
  if (!split.empty() &&
      !llvm::any_of(d.getSplits().getAsValueRange<StringAttr>(),
                    [&](StringRef s) { return s == split; }))
    return op->emitOpError("uses split \"") << split << "\", which dataset @" << d.getSymName()
                                           << " does not have";
  return success();
}

} // namespace

// --- ftp.pipeline ------------------------------------------------------------------------------

LogicalResult PipelineOp::verify() {
  // Stages run in order: a stage may use only what is defined above it.
  llvm::StringSet<> defined;
  for (Operation &op : getBody().front()) {
    if (auto symbol = op.getAttrOfType<StringAttr>(mlir::SymbolTable::getSymbolAttrName())) {
      defined.insert(symbol.getValue());
      continue;
    }
    for (StringRef role : {"model", "dataset"})
      if (auto ref = op.getAttrOfType<FlatSymbolRefAttr>(role); ref && !defined.contains(ref.getValue()))
        return op.emitOpError("uses @") << ref.getValue() << " before its definition";
  }
  return success();
}

// --- ftp.dataset -------------------------------------------------------------------------------

LogicalResult DatasetOp::verify() {
  ArrayRef<double> fractions = getFractions();
  if (fractions.size() != getSplits().size())
    return emitOpError("has ") << getSplits().size() << " splits but " << fractions.size()
                               << " fractions";
  double sum = 0;
  for (double f : fractions) {
    if (!(f > 0 && f <= 1))
      return emitOpError("expects split fractions in (0, 1], got ") << f;
    sum += f;
  }
  if (sum > 1 + 1e-9) {
    std::ostringstream total; // shortest form: the diagnostic engine prints doubles as %e
    total << sum;
    return emitOpError("split fractions add up to ") << total.str() << ", more than 1";
  }
  if (auto size = getCheckedSize(); size && *size < 0)
    return emitOpError("expects `checked_size` >= 0");
  return success();
}

// --- ftp.model ---------------------------------------------------------------------------------

LogicalResult ModelOp::verify() {
  if (getKind() != "encoder" && getKind() != "decoder")
    return emitOpError("expects kind `encoder` or `decoder`, got `") << getKind() << "`";
  if (getInit() != "pretrained" && getInit() != "random")
    return emitOpError("expects init `pretrained` or `random`, got `") << getInit() << "`";
  size_t labels = getLabels() ? getLabels()->size() : 0;
  if (getKind() == "encoder" && labels < 2)
    return emitOpError("is an encoder: its classification head needs at least two labels");
  if (getKind() == "decoder" && labels != 0)
    return emitOpError("is a decoder (a language model): it takes no labels");
  if (getLora() && getInit() == "random")
    return emitOpError("has LoRA adapters on a random base, which LoRA would keep frozen");
  return success();
}

// --- stages ------------------------------------------------------------------------------------

llvm::SmallVector<std::string> FinetuneOp::requiredKernels(std::string *why) {
  llvm::SmallVector<std::string> kernels;
  if (getOptimizer() == "sgd" && getNesterov()) {
    if (why)
      *why = "no step kernel for SGD with Nesterov momentum yet";
    return kernels;
  }
  bool isPrivate = static_cast<bool>(getPrivacy());
  StringRef name = getOptimizer();
  auto optimizer = name == "adamw" ? kernels::Optimizer::AdamW
                   : name == "adam" ? kernels::Optimizer::Adam
                                    : kernels::Optimizer::Sgd;
  kernels.push_back(kernels::updateKernelName(optimizer, isPrivate));
  if (isPrivate)
    kernels.push_back("ftp_clip_accumulate");
  if (auto adversarial = getAdversarial())
    kernels.push_back(*adversarial == "freelb" ? "ftp_l2_ascent_step" : "ftp_perturb_step");
  return kernels;
}

LogicalResult FinetuneOp::verify() {
  StringRef optimizer = getOptimizer();
  if (optimizer != "adamw" && optimizer != "adam" && optimizer != "sgd")
    return emitOpError("expects optimizer `adamw`, `adam` or `sgd`, got `") << optimizer << "`";
  if (getNesterov() && optimizer != "sgd")
    return emitOpError("has `nesterov`, which only SGD takes");
  if (auto privacy = getPrivacy()) {
    // Written so that NaN fails: a private stage without noise or bound would promise nothing.
    for (StringRef key : {"noise_multiplier", "clip"}) {
      auto value = privacy->getAs<FloatAttr>(key);
      if (!value || !(value.getValueAsDouble() > 0) || std::isinf(value.getValueAsDouble()))
        return emitOpError("is private: `privacy` needs a positive, finite `") << key << "`";
    }
  }
  if (auto adversarial = getAdversarial();
      adversarial && *adversarial != "fgsm" && *adversarial != "pgd" && *adversarial != "freelb")
    return emitOpError("expects adversarial `fgsm`, `pgd` or `freelb`, got `") << *adversarial << "`";
  return success();
}

LogicalResult FinetuneOp::verifySymbolUses(SymbolTableCollection &tables) {
  if (failed(verifyStageUses(*this, getModelAttr(), getDatasetAttr(), getSplit(), tables)))
    return failure();
  auto kernels = getKernels();
  if (!kernels)
    return success(); // not materialized yet
  auto module = (*this)->getParentOfType<ModuleOp>();
  llvm::StringSet<> named;
  for (Attribute attr : *kernels) {
    auto ref = cast<SymbolRefAttr>(attr);
    if (!module || !dyn_cast_or_null<func::FuncOp>(tables.lookupSymbolIn(module, ref)))
      return emitOpError("names kernel ") << ref << ", which is not a function of the module";
    named.insert(ref.getRootReference().getValue());
  }
  for (const std::string &kernel : requiredKernels())
    if (!named.contains(kernel))
      return emitOpError("runs step kernel @") << kernel << ", which `kernels` does not name";
  return success();
}

LogicalResult EvaluateOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyStageUses(*this, getModelAttr(), getDatasetAttr(), getSplit(), tables);
}

LogicalResult ExportOp::verifySymbolUses(SymbolTableCollection &tables) {
  return verifyStageUses(*this, getModelAttr(), nullptr, "", tables);
}
