//===- FtpDialect.td - the ftp dialect ---------------------------*- tablegen -*-===//
//
// The `ftp` dialect carries a fine-tuning pipeline from the .ftp front end down to fused kernels:
// pipeline structure (stages and their wiring) and the per-step numeric work around the model's
// forward and backward passes (clipping, noise, optimizer updates, embedding perturbations).
//
//===----------------------------------------------------------------------------------------===//

#ifndef FTP_DIALECT_FTP_IR_FTPDIALECT_TD
#define FTP_DIALECT_FTP_IR_FTPDIALECT_TD

include "mlir/IR/OpBase.td"

def Ftp_Dialect : Dialect {
  let name = "ftp";
  let cppNamespace = "::ftp";
  let summary = "Fine-tuning pipelines and their fused per-step numeric kernels";
  let description = [{
    The `ftp` dialect is what the ftpc compiler lowers a `.ftp` pipeline to. Its structure ops
    (`ftp.pipeline`, `ftp.dataset`, `ftp.model`, `ftp.finetune`, `ftp.evaluate`, `ftp.export`)
    hold the checked program: what is trained on what, in which order, with which resolved
    options; `ftp-materialize-step-kernels` gives every fine-tuning the kernels it runs. Its step-math ops
    describe the memory-bound work that eager frameworks run as many small kernels (per-sample
    gradient clipping, Gaussian noise, optimizer updates, embedding perturbations); ftpc's passes
    fuse them per parameter group and lower them through `linalg` to LLVM (CPU) or NVVM (GPU).
  }];
}

class Ftp_Op<string mnemonic, list<Trait> traits = []> :
    Op<Ftp_Dialect, mnemonic, traits>;

#endif // FTP_DIALECT_FTP_IR_FTPDIALECT_TD
