// RUN: ftp-opt %s | FileCheck %s
// RUN: ftp-opt %s | ftp-opt | FileCheck %s

// The structure of a private, adversarially trained pipeline round-trips; its finetune names
// the kernels it runs, which the module defines.

// CHECK-LABEL: ftp.pipeline @spam attributes {seed = 1234 : i64} {
// CHECK-NEXT:    ftp.dataset @mail = "textfolder"("spam-assassin") {checked_size = 2000 : i64, fractions = array<f64: 5.000000e-01, 2.500000e-01, 2.500000e-01>, splits = ["train", "val", "test"], transforms = ["email_text", "deidentify", "sample", "split"]}
// CHECK-NEXT:    ftp.model @clf = "encoder"("all-MiniLM-L6-v2") {init = "pretrained", labels = ["ham", "spam"], lora = {alpha = 8 : i64, rank = 4 : i64, targets = ["query", "value"]}}
// CHECK-NEXT:    ftp.finetune @clf on @mail["train"] {adversarial = "fgsm", kernels = [@ftp_update_adamw_noise, @ftp_clip_accumulate, @ftp_perturb_step], optimizer = "adamw", options = {epochs = 3 : i64}, privacy = {clip = 1.000000e+00 : f64, noise_multiplier = 7.500000e-01 : f64}}
// CHECK-NEXT:    ftp.evaluate @clf on @mail["test"] {metrics = ["accuracy", "f1"]}
// CHECK-NEXT:    ftp.export @clf to "out/spam-filter"
// CHECK-NEXT:  }
module {
  ftp.pipeline @spam attributes {seed = 1234 : i64} {
    ftp.dataset @mail = "textfolder"("spam-assassin") {checked_size = 2000 : i64, fractions = array<f64: 0.5, 0.25, 0.25>, splits = ["train", "val", "test"], transforms = ["email_text", "deidentify", "sample", "split"]}
    ftp.model @clf = "encoder"("all-MiniLM-L6-v2") {init = "pretrained", labels = ["ham", "spam"], lora = {alpha = 8 : i64, rank = 4 : i64, targets = ["query", "value"]}}
    ftp.finetune @clf on @mail["train"] {adversarial = "fgsm", kernels = [@ftp_update_adamw_noise, @ftp_clip_accumulate, @ftp_perturb_step], optimizer = "adamw", options = {epochs = 3 : i64}, privacy = {clip = 1.0 : f64, noise_multiplier = 0.75 : f64}}
    ftp.evaluate @clf on @mail["test"] {metrics = ["accuracy", "f1"]}
    ftp.export @clf to "out/spam-filter"
  }
  func.func private @ftp_update_adamw_noise()
  func.func private @ftp_clip_accumulate()
  func.func private @ftp_perturb_step()
}
