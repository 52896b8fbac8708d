// RUN: ftp-opt --ftp-materialize-step-kernels --split-input-file --verify-diagnostics %s | FileCheck %s

// Each stage gets the kernels it runs, each function is added once, and a function the module
// already has is kept.

// CHECK-LABEL: ftp.pipeline @two_stages
// CHECK:         ftp.finetune @m on @d["train"] {kernels = [@ftp_update_adamw_noise, @ftp_clip_accumulate]
// CHECK:         ftp.finetune @m on @d["train"] {adversarial = "freelb", kernels = [@ftp_update_sgd, @ftp_l2_ascent_step]
// CHECK:       func.func private @ftp_update_sgd()
// CHECK-NOT:   func.func @ftp_update_sgd(
// CHECK:       func.func @ftp_update_adamw_noise(%{{.*}}: memref<?xf32>
// CHECK:         ftp.gaussian_noise
// CHECK:         ftp.adamw_update
// CHECK:       func.func @ftp_clip_accumulate(
// CHECK:         ftp.clip_accumulate
// CHECK:       func.func @ftp_l2_ascent_step(
// CHECK:         ftp.l2_ascent_step
// CHECK-NOT:   func.func @ftp_update_adamw(
// CHECK-NOT:   func.func @ftp_update_sgd_noise(
// CHECK-NOT:   func.func @ftp_perturb_step(
module {
  ftp.pipeline @two_stages attributes {seed = 0 : i64} {
    ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
    ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
    ftp.finetune @m on @d["train"] {optimizer = "adamw", options = {}, privacy = {clip = 1.0 : f64, noise_multiplier = 1.1 : f64}}
    ftp.finetune @m on @d["train"] {adversarial = "freelb", optimizer = "sgd", options = {}}
  }
  func.func private @ftp_update_sgd()
}

// -----

ftp.pipeline @nesterov attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.finetune' op no step kernel for SGD with Nesterov momentum yet}}
  ftp.finetune @m on @d["train"] {nesterov, optimizer = "sgd", options = {}}
}
