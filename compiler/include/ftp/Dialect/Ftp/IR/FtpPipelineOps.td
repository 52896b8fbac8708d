//===- FtpPipelineOps.td - the structure of a pipeline ------------*- tablegen -*-===//
//
// What a checked `.ftp` pipeline becomes before any kernel exists: its datasets, models and
// stages in program order, as symbols and symbol uses, with the options the checker resolved.
// `ftp-materialize-step-kernels` then adds, for every `ftp.finetune`, the step kernels it runs
// (func.func ops of step math) and names them in the stage's `kernels`.
//
//===----------------------------------------------------------------------------------------===//

#ifndef FTP_DIALECT_FTP_IR_FTPPIPELINEOPS_TD
#define FTP_DIALECT_FTP_IR_FTPPIPELINEOPS_TD

include "ftp/Dialect/Ftp/IR/FtpDialect.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

def Ftp_PipelineOp : Ftp_Op<"pipeline", [Symbol, SymbolTable, IsolatedFromAbove, NoTerminator,
                                         SingleBlock, NoRegionArguments]> {
  let summary = "a fine-tuning pipeline: datasets, models and stages in program order";
  let description = [{
    The body holds `ftp.dataset` and `ftp.model` definitions (symbols of this table) and the
    stages `ftp.finetune`, `ftp.evaluate` and `ftp.export`, in the order the program wrote them
    and the run executes them. A stage may only use a dataset or model defined above it, as in
    the language.

    ```mlir
    ftp.pipeline @spam attributes {seed = 1234 : i64} {
      ftp.dataset @mail = textfolder("spam-assassin") {splits = ["train", "test"], ...}
      ftp.model @clf = encoder("all-MiniLM-L6-v2") {init = "pretrained", labels = ["ham", "spam"]}
      ftp.finetune @clf on @mail["train"] {optimizer = "adamw", options = {...}}
      ftp.evaluate @clf on @mail["test"] {metrics = ["accuracy", "f1"]}
    }
    ```
  }];
  let arguments = (ins SymbolNameAttr:$sym_name, I64Attr:$seed);
  let regions = (region SizedRegion<1>:$body);
  let assemblyFormat = "$sym_name attr-dict-with-keyword $body";
  let hasVerifier = 1;
}

def Ftp_DatasetOp : Ftp_Op<"dataset", [Symbol, HasParent<"PipelineOp">]> {
  let summary = "a dataset: a source, its transforms and its splits";
  let description = [{
    `transforms` names the transforms in order (their options stay in the plan the runtime
    reads); `splits` and `fractions` are the named parts. `checked_size`, when the checker could
    count the examples, is what the privacy budget was computed from.
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    StrAttr:$source,
    StrAttr:$path,
    StrArrayAttr:$transforms,
    StrArrayAttr:$splits,
    DenseF64ArrayAttr:$fractions,
    OptionalAttr<I64Attr>:$checked_size
  );
  let assemblyFormat = "$sym_name `=` $source `(` $path `)` attr-dict";
  let hasVerifier = 1;
}

def Ftp_ModelOp : Ftp_Op<"model", [Symbol, HasParent<"PipelineOp">]> {
  let summary = "a model: an encoder with a classification head, or a decoder language model";
  let description = [{
    `kind` is `encoder` (which needs `labels`, the head's classes in output order) or `decoder`
    (a language model, no labels). `init` is `pretrained` (the folder's weights) or `random`
    (trained from scratch). `lora` holds the adapters' rank, alpha and targets when there are
    some; LoRA freezes the base, so it cannot go with `init = "random"`.
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name,
    StrAttr:$kind,
    StrAttr:$path,
    StrAttr:$init,
    OptionalAttr<StrArrayAttr>:$labels,
    OptionalAttr<DictionaryAttr>:$lora
  );
  let assemblyFormat = "$sym_name `=` $kind `(` $path `)` attr-dict";
  let hasVerifier = 1;
}

class Ftp_StageOp<string mnemonic, list<Trait> traits = []> :
    Ftp_Op<mnemonic, !listconcat(traits, [HasParent<"PipelineOp">,
                                          DeclareOpInterfaceMethods<SymbolUserOpInterface>])>;

def Ftp_FinetuneOp : Ftp_StageOp<"finetune"> {
  let summary = "fine-tune a model on a dataset's split";
  let description = [{
    `optimizer` is `adamw`, `adam` or `sgd` (`nesterov` for SGD with Nesterov momentum).
    `privacy`, for DP-SGD, holds at least a positive `noise_multiplier` and `clip`: a private
    stage without noise or without a clipping bound would silently give no guarantee.
    `adversarial` names the adversarial training (`fgsm`, `pgd`, `freelb`). `options` keeps the
    rest of the stage's resolved options. `kernels`, once `ftp-materialize-step-kernels` has run,
    names the step kernels the stage calls: it must hold every one the stage needs.
  }];
  let arguments = (ins
    FlatSymbolRefAttr:$model,
    FlatSymbolRefAttr:$dataset,
    StrAttr:$split,
    StrAttr:$optimizer,
    UnitAttr:$nesterov,
    OptionalAttr<DictionaryAttr>:$privacy,
    OptionalAttr<StrAttr>:$adversarial,
    DictionaryAttr:$options,
    OptionalAttr<SymbolRefArrayAttr>:$kernels
  );
  let assemblyFormat = "$model `on` $dataset `[` $split `]` attr-dict";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The step kernels this stage runs, by name (ftp/Kernels/KernelModule.h's ABI): the
    /// optimizer's update (with noise when private), the clipped accumulation when private, the
    /// perturbation step of adversarial training. Empty when no kernel exists for the stage (SGD
    /// with Nesterov momentum); `why` then says so.
    llvm::SmallVector<std::string> requiredKernels(std::string *why = nullptr);
  }];
}

def Ftp_EvaluateOp : Ftp_StageOp<"evaluate"> {
  let summary = "evaluate a model on a dataset's split";
  let arguments = (ins
    FlatSymbolRefAttr:$model,
    FlatSymbolRefAttr:$dataset,
    StrAttr:$split,
    StrArrayAttr:$metrics
  );
  let assemblyFormat = "$model `on` $dataset `[` $split `]` attr-dict";
}

def Ftp_ExportOp : Ftp_StageOp<"export"> {
  let summary = "write a model as a HuggingFace folder";
  let arguments = (ins FlatSymbolRefAttr:$model, StrAttr:$path);
  let assemblyFormat = "$model `to` $path attr-dict";
}

#endif // FTP_DIALECT_FTP_IR_FTPPIPELINEOPS_TD
