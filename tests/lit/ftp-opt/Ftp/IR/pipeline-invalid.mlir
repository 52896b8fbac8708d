// RUN: ftp-opt --split-input-file --verify-diagnostics %s

// The verifiers of the pipeline-structure ops: what a pipeline lowered from a checked program
// always satisfies, and what IR written or transformed by hand could break.

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.evaluate' op uses @d before its definition}}
  ftp.evaluate @m on @d["test"] {metrics = ["perplexity"]}
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["test"], transforms = ["split"]}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 0.5, 0.5>, splits = ["train", "test"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.evaluate' op uses split "val", which dataset @d does not have}}
  ftp.evaluate @m on @d["val"] {metrics = ["perplexity"]}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  // expected-error @+1 {{'ftp.export' op uses `d`, which is not a model of pipeline @p}}
  ftp.export @d to "out"
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  // expected-error @+1 {{'ftp.dataset' op split fractions add up to 1.2, more than 1}}
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 0.6, 0.6>, splits = ["train", "test"], transforms = ["split"]}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  // expected-error @+1 {{'ftp.dataset' op has 2 splits but 1 fractions}}
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train", "test"], transforms = ["split"]}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  // expected-error @+1 {{'ftp.model' op is an encoder: its classification head needs at least two labels}}
  ftp.model @m = "encoder"("bert") {init = "pretrained", labels = ["spam"]}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  // expected-error @+1 {{'ftp.model' op is a decoder (a language model): it takes no labels}}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained", labels = ["a", "b"]}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  // expected-error @+1 {{'ftp.model' op has LoRA adapters on a random base, which LoRA would keep frozen}}
  ftp.model @m = "decoder"("gpt2") {init = "random", lora = {rank = 4 : i64}}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  // expected-error @+1 {{'ftp.model' op expects init `pretrained` or `random`, got `zeros`}}
  ftp.model @m = "decoder"("gpt2") {init = "zeros"}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.finetune' op is private: `privacy` needs a positive, finite `noise_multiplier`}}
  ftp.finetune @m on @d["train"] {optimizer = "adamw", options = {}, privacy = {clip = 1.0 : f64, noise_multiplier = 0.0 : f64}}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.finetune' op is private: `privacy` needs a positive, finite `clip`}}
  ftp.finetune @m on @d["train"] {optimizer = "adamw", options = {}, privacy = {noise_multiplier = 1.0 : f64}}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.finetune' op expects optimizer `adamw`, `adam` or `sgd`, got `lion`}}
  ftp.finetune @m on @d["train"] {optimizer = "lion", options = {}}
}

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.finetune' op runs step kernel @ftp_clip_accumulate, which `kernels` does not name}}
  ftp.finetune @m on @d["train"] {kernels = [@ftp_update_adamw_noise], optimizer = "adamw", options = {}, privacy = {clip = 1.0 : f64, noise_multiplier = 1.0 : f64}}
}
func.func private @ftp_update_adamw_noise()

// -----

ftp.pipeline @p attributes {seed = 0 : i64} {
  ftp.dataset @d = "jsonl"("a.jsonl") {fractions = array<f64: 1.0>, splits = ["train"], transforms = ["split"]}
  ftp.model @m = "decoder"("gpt2") {init = "pretrained"}
  // expected-error @+1 {{'ftp.finetune' op names kernel @ftp_update_sgd, which is not a function of the module}}
  ftp.finetune @m on @d["train"] {kernels = [@ftp_update_sgd], optimizer = "sgd", options = {}}
}
