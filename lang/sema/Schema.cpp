//===- Schema.cpp - the tables of options and functions -------------------------===//
//
// Read this file as the language reference: every entry says what it means. docs/language.md's
// reference section is generated from it (`ftpc --emit=schema`).
//
//===----------------------------------------------------------------------------------------===//

#include "lang/sema/Schema.h"

#include "lang/diag/Suggest.h"

#include <fmt/format.h>

#include <cmath>

namespace ftp::lang {
namespace {

// A fluent builder for ParamSpec, so that the tables below read like a reference.
struct P {
  ParamSpec spec;
  P(std::string name, ValueType type) {
    spec.name = std::move(name);
    spec.type = type;
  }
  P &required() { spec.required = true; return *this; }
  P &variadic() { spec.variadic = true; return *this; }
  P &named() { spec.positional = false; return *this; }
  P &def(std::string text) { spec.defaultText = std::move(text); return *this; }
  P &gt(double v) { spec.range.min = v; spec.range.minInclusive = false; return *this; }
  P &ge(double v) { spec.range.min = v; spec.range.minInclusive = true; return *this; }
  P &lt(double v) { spec.range.max = v; spec.range.maxInclusive = false; return *this; }
  P &le(double v) { spec.range.max = v; spec.range.maxInclusive = true; return *this; }
  P &oneOf(std::vector<std::string> c) { spec.choices = std::move(c); return *this; }
  P &of(Family f) { spec.family = f; return *this; }
  P &unit(std::string u) { spec.unit = std::move(u); return *this; }
  P &doc(std::string d) { spec.doc = std::move(d); return *this; }
  operator ParamSpec() const { return spec; }
};

using T = ValueType;

const std::vector<std::string> kMetrics = {"accuracy", "precision", "recall", "f1",
                                           "macro_f1", "auc",       "false_positive_rate",
                                           "loss",     "perplexity"};
const std::vector<std::string> kPiiKinds = {"email", "phone",       "ip",  "url",   "person",
                                            "credit_card", "ssn",   "iban", "cn_id", "all"};
// The kinds an operator can be chosen for (`all` is not one).
const std::vector<std::string> kPiiTypes(kPiiKinds.begin(), kPiiKinds.end() - 1);

// Data sources: what a record that cannot be read does (ftp_data counts skipped ones by reason).
P onError() {
  return P("on_error", T::Word).named().oneOf({"fail", "skip"}).def("fail")
      .doc("a record that cannot be read (malformed row or line, undecodable e-mail, invalid UTF-8): "
           "`fail` stops the run naming the file and line; `skip` leaves it out and counts it in the "
           "run's data report");
}
// Model bases: where the starting weights come from.
P modelInit() {
  return P("init", T::Word).named().oneOf({"pretrained", "random"}).def("pretrained")
      .doc("`pretrained`: the folder's weights; `random`: a fresh model of the folder's config.json "
           "and tokenizer, initialized as HuggingFace does (normal(0, initializer_range), GPT-2's "
           "residual projections scaled by 1/sqrt(2 n_layer)) from the pipeline's seed, to train "
           "from scratch");
}
P on() { return P("on", T::Word).named().oneOf({"embeddings"}).def("embeddings").doc("where the perturbation is applied"); }
P weight() {
  return P("weight", T::Number).named().ge(0).le(1).def("0.5")
      .doc("share of the adversarial loss in the training loss (the clean loss gets 1 - weight)");
}

} // namespace

bool NumericRange::contains(double v) const {
  if (std::isnan(v))
    return false;
  if (min && (minInclusive ? v < *min : v <= *min))
    return false;
  if (max && (maxInclusive ? v > *max : v >= *max))
    return false;
  return true;
}

std::string NumericRange::describe() const {
  auto num = [](double v) { return fmt::format("{}", v); };
  if (min && max)
    return fmt::format("in {}{}, {}{}", minInclusive ? "[" : "(", num(*min), num(*max),
                       maxInclusive ? "]" : ")");
  if (min)
    return fmt::format("{} {}", minInclusive ? ">=" : ">", num(*min));
  if (max)
    return fmt::format("{} {}", maxInclusive ? "<=" : "<", num(*max));
  return "any number";
}

Schema::Schema() {
  // ----------------------------------------------------------------------------------------------
  // Functions
  // ----------------------------------------------------------------------------------------------
  functions_ = {
      // --- data sources ---
      {"textfolder", Family::Source,
       {P("path", T::Path).required().doc("folder with one subfolder per group of text files"),
        P("labels", T::LabelMap).required().named()
            .doc("maps subfolder-name patterns (`*` and `?` wildcards) to labels; every subfolder must match exactly one pattern"),
        P("files", T::String).named().def("\"*\"").doc("pattern of the file names to read inside each subfolder"),
        onError()},
       "a folder of text files, one example per file, labelled by the name of the subfolder it is in"},
      {"csv", Family::Source,
       {P("path", T::Path).required().doc("CSV file (RFC 4180 quoting) with a header row"),
        P("text", T::String).required().named().doc("the column holding the text"),
        P("label", T::String).named().doc("the column holding the label (none for language modelling)"),
        P("labels", T::LabelList).named().doc("the labels the column may hold; rows with others are errors"),
        P("delimiter", T::String).named().def("\",\"").doc("the field separator, one character"),
        onError()},
       "a CSV file, one example per row"},
      {"jsonl", Family::Source,
       {P("path", T::Path).required().doc("JSON Lines file, one object per line"),
        P("text", T::String).required().named().doc("the field holding the text"),
        P("label", T::String).named().doc("the field holding the label (none for language modelling)"),
        P("labels", T::LabelList).named().doc("the labels the field may hold; rows with others are errors"),
        onError()},
       "a JSON Lines file, one example per line"},
      // --- transforms ---
      {"email_text", Family::Transform,
       {P("subject", T::Bool).named().def("true").doc("keep the Subject header"),
        P("body", T::Bool).named().def("true").doc("keep the decoded body (quoted-printable, base64, HTML stripped)")},
       "turns raw RFC 822 e-mails into the text a classifier should see; other headers are dropped"},
      {"deidentify", Family::Transform,
       {P("kinds", T::Word).variadic().oneOf(kPiiKinds).def("all")
            .doc("kinds of personal data to detect"),
        P("mode", T::Word).named().oneOf({"mask", "redact", "hash", "keep"}).def("mask")
            .doc("`mask`: replace with a type tag such as `<EMAIL>`; `redact`: remove; `hash`: "
                 "`<EMAIL:3f2a9c1b>`, a keyed hash (HMAC-SHA256) consistent within a run; `keep`: "
                 "detect and count only"),
        P("names", T::Path).named()
            .doc("first-name lists for `person` (one name per line): a file, or a folder whose "
                 "`*.txt` files are read; under `data_root`. Required by `person`; `all` includes "
                 "`person` only when it is given"),
        P("mask", T::WordList).named().oneOf(kPiiTypes).doc("kinds masked whatever `mode` says"),
        P("redact", T::WordList).named().oneOf(kPiiTypes).doc("kinds removed whatever `mode` says"),
        P("hash", T::WordList).named().oneOf(kPiiTypes).doc("kinds replaced by their keyed hash whatever `mode` says"),
        P("keep", T::WordList).named().oneOf(kPiiTypes).doc("kinds detected and counted but left in the text")},
       "detects personal data in the text and anonymizes it before anything else sees the text"},
      {"allow_pii", Family::Transform,
       {P("reason", T::String).required().doc("why raw personal data may reach private training; recorded in the run's manifest")},
       "waives the rule that data reaching private training (`privacy`) must pass `deidentify` first"},
      {"filter", Family::Transform,
       {P("min_chars", T::Integer).named().ge(0).def("1").unit("characters").doc("drop examples shorter than this"),
        P("max_chars", T::Integer).named().ge(1).unit("characters").doc("drop examples longer than this"),
        P("labels", T::LabelList).named().doc("keep only these labels")},
       "drops examples by length or label; the run record counts what was dropped"},
      {"sample", Family::Transform,
       {P("n", T::Integer).named().ge(1).doc("keep this many examples"),
        P("fraction", T::Number).named().gt(0).le(1).doc("keep this fraction of the examples"),
        P("stratify", T::Word).named().oneOf({"label", "none"}).def("label").doc("keep label proportions")},
       "keeps a random subset (seeded by the pipeline's seed)",
       {{"n", "fraction"}}},
      {"split", Family::Transform,
       {P("stratify", T::Word).named().oneOf({"label", "none"}).def("label")
            .doc("keep label proportions in every split")},
       "splits the data into named parts, e.g. `split(train: 0.8, val: 0.1, test: 0.1)`; the fractions "
       "are in (0, 1) and sum to 1; parts are used as `data.train`"},
      // --- models ---
      {"encoder", Family::ModelBase,
       {P("path", T::Path).required().doc("local HuggingFace folder: config.json, tokenizer, weights"),
        modelInit()},
       "a pretrained BERT-style encoder (BERT, MiniLM, ...)"},
      {"decoder", Family::ModelBase,
       {P("path", T::Path).required().doc("local HuggingFace folder: config.json, tokenizer, weights"),
        modelInit()},
       "a pretrained GPT-2-style decoder, fine-tuned as a language model"},
      {"classifier", Family::ModelLayer,
       {P("labels", T::LabelList).required().doc("the classes, in output order; must equal the data's labels"),
        P("pooling", T::Word).named().oneOf({"cls", "mean"}).def("cls").doc("how token states become one vector"),
        P("dropout", T::Number).named().ge(0).lt(1).def("0.1").doc("dropout before the classification layer"),
        P("head", T::Word).named().oneOf({"auto", "saved", "new"}).def("auto")
            .doc("`saved`: the head the model folder holds (an ftpc export or a HF *ForSequenceClassification), "
                 "which must match `labels` and `pooling`; `new`: a new head drawn from the seed; "
                 "`auto`: `saved` when the folder holds one")},
       "a classification head on an encoder"},
      {"lora", Family::ModelLayer,
       {P("rank", T::Integer).named().ge(1).le(1024).def("8").doc("rank of the low-rank update"),
        P("alpha", T::Number).named().gt(0).def("16").doc("scale: the update is multiplied by alpha / rank"),
        P("dropout", T::Number).named().ge(0).lt(1).def("0.05").doc("dropout on the LoRA input"),
        P("targets", T::WordList).required().named()
            .doc("module names to adapt, e.g. [query, value]; each must name modules of the checkpoint")},
       "low-rank adapters: only the adapters (and the head) are trained"},
      // --- optimizers ---
      {"adamw", Family::Optimizer,
       {P("lr", T::Number).required().gt(0).lt(1).unit("learning rate").doc("peak learning rate"),
        P("weight_decay", T::Number).named().ge(0).lt(1).def("0.01").doc("decoupled weight decay"),
        P("beta1", T::Number).named().ge(0).lt(1).def("0.9"),
        P("beta2", T::Number).named().ge(0).lt(1).def("0.999"),
        P("eps", T::Number).named().gt(0).lt(1).def("1e-8")},
       "Adam with decoupled weight decay (Loshchilov & Hutter)"},
      {"adam", Family::Optimizer,
       {P("lr", T::Number).required().gt(0).lt(1).unit("learning rate"),
        P("beta1", T::Number).named().ge(0).lt(1).def("0.9"),
        P("beta2", T::Number).named().ge(0).lt(1).def("0.999"),
        P("eps", T::Number).named().gt(0).lt(1).def("1e-8")},
       "Adam"},
      {"sgd", Family::Optimizer,
       {P("lr", T::Number).required().gt(0).lt(10).unit("learning rate"),
        P("momentum", T::Number).named().ge(0).lt(1).def("0"),
        P("weight_decay", T::Number).named().ge(0).lt(1).def("0"),
        P("nesterov", T::Bool).named().def("false")},
       "stochastic gradient descent"},
      // --- schedules ---
      {"constant", Family::Schedule,
       {P("warmup", T::Fraction).named().def("0").doc("linear warmup: a fraction of all steps, or `N steps`")},
       "the peak learning rate throughout, after the warmup"},
      {"linear", Family::Schedule,
       {P("warmup", T::Fraction).named().def("0").doc("linear warmup: a fraction of all steps, or `N steps`")},
       "warmup, then linear decay to 0"},
      {"cosine", Family::Schedule,
       {P("warmup", T::Fraction).named().def("0"),
        P("min_lr_ratio", T::Number).named().ge(0).le(1).def("0").doc("final learning rate / peak")},
       "warmup, then cosine decay"},
      // --- privacy ---
      {"dp_sgd", Family::Privacy,
       {P("epsilon", T::Number).named().gt(0).le(1000).unit("ε").doc("privacy budget; ftpc calibrates the noise to meet it"),
        P("noise_multiplier", T::Number).named().gt(0).le(1000).unit("σ").doc("fixed noise; ftpc computes the ε it gives"),
        P("delta", T::Number).required().named().gt(0).lt(1).unit("δ").doc("should be below 1 / number of training examples"),
        P("clip", T::Number).required().named().gt(0).unit("L2 norm").doc("per-example gradient norm bound C"),
        P("accountant", T::Word).named().oneOf({"rdp", "prv"}).def("rdp")
            .doc("privacy accountant: `rdp` (Rényi DP of the sampled Gaussian mechanism) or `prv` "
                 "(numerical composition, Gopi et al. 2021: a tighter ε, whose upper bound is the "
                 "guarantee)"),
        P("sampling", T::Word).named().oneOf({"poisson"}).def("poisson")
            .doc("batch sampling; the accountant's guarantee assumes Poisson sampling"),
        P("clipping", T::Word).named().oneOf({"flat", "per_layer"}).def("flat"),
        P("secure_rng", T::Bool).named().def("false")
            .doc("key the noise and the Poisson sample with 64 bits from the operating system "
                 "(getrandom) instead of the pipeline's seed: nobody can replay them, and the run "
                 "is not reproducible")},
       "differentially private SGD: per-example clipping, Gaussian noise, exact accounting",
       {{"epsilon", "noise_multiplier"}}},
      // --- robustness in training ---
      {"fgsm", Family::Adversarial,
       {P("eps", T::Number).required().gt(0).le(10).unit("L∞ on embeddings"), on(), weight()},
       "fast gradient sign method on the input embeddings"},
      {"pgd", Family::Adversarial,
       {P("eps", T::Number).required().gt(0).le(10).unit("L∞ radius"),
        P("steps", T::Integer).named().ge(1).le(100).def("3"),
        P("step_size", T::Number).named().gt(0).doc("default: eps / steps"),
        P("random_start", T::Bool).named().def("true"), on(), weight()},
       "projected gradient descent on the input embeddings"},
      {"freelb", Family::Adversarial,
       {P("eps", T::Number).required().gt(0).le(10).unit("L2 radius"),
        P("steps", T::Integer).named().ge(1).le(100).def("3"),
        P("step_size", T::Number).named().gt(0).doc("default: eps / steps"),
        P("random_start", T::Bool).named().def("true"), on(), weight()},
       "FreeLB: accumulated adversarial gradients over several ascent steps"},
      {"gaussian", Family::Noise,
       {P("std", T::Number).required().gt(0).le(10).unit("standard deviation"), on()},
       "Gaussian noise added to the input embeddings while training"},
      {"uniform", Family::Noise,
       {P("alpha", T::Number).required().gt(0).le(100).doc("NEFTune scale: noise in ±alpha / sqrt(length · hidden)"), on()},
       "NEFTune-style uniform noise on the input embeddings"},
      // --- robustness in evaluation ---
      {"typos", Family::Perturbation,
       {P("rate", T::Number).required().gt(0).le(1).doc("probability that a word gets a typo")},
       "character typos (swap, drop, insert, replace) in the evaluation text"},
      {"word_dropout", Family::Perturbation,
       {P("rate", T::Number).required().gt(0).lt(1).doc("probability that a word is dropped")},
       "words dropped from the evaluation text"},
      {"word_swap", Family::Perturbation,
       {P("rate", T::Number).required().gt(0).le(1).doc("probability that a word swaps places with the next")},
       "neighbouring words swapped in the evaluation text"},
      {"synonyms", Family::Perturbation,
       {P("rate", T::Number).required().gt(0).le(1).doc("probability that a listed word is replaced")},
       "words replaced by a synonym from ftpc's shipped list (about 100 groups of common English words)"},
      {"fgsm", Family::Perturbation,
       {P("eps", T::Number).required().gt(0).le(10).unit("L∞ on embeddings")},
       "FGSM attack on the embeddings of each evaluation example"},
      {"pgd", Family::Perturbation,
       {P("eps", T::Number).required().gt(0).le(10),
        P("steps", T::Integer).named().ge(1).le(100).def("10"),
        P("step_size", T::Number).named().gt(0).doc("default: 2.5 · eps / steps")},
       "PGD attack on the embeddings of each evaluation example"},
      // --- early stopping (the arguments of the `early_stop` option) ---
  };

  // ----------------------------------------------------------------------------------------------
  // Options, by the block they appear in
  // ----------------------------------------------------------------------------------------------
  using C = Context;
  options_ = {
      {"seed", C::Pipeline, {P("value", T::Integer).required().ge(0).le(4294967295.0).def("0")}, {}, false, false, true,
       "seed of every random choice in the pipeline (sampling, splits, initialization, noise)"},

      {"epochs", C::Finetune, {P("value", T::Integer).required().ge(1).le(100000)}, {}, false, false, false,
       "passes over the training data (give `epochs` or `steps`)"},
      {"steps", C::Finetune, {P("value", T::Integer).required().ge(1)}, {}, false, false, false,
       "optimizer steps to train for (give `epochs` or `steps`)"},
      {"batch", C::Finetune, {P("value", T::Integer).required().ge(1).le(65536).def("32")}, {}, false, false, true,
       "examples per optimizer step (the expected batch size under Poisson sampling)"},
      {"max_len", C::Finetune, {P("value", T::Integer).required().ge(1).def("128")}, {}, false, false, true,
       "tokens per example after truncation; at most the model's position embeddings"},
      {"accumulate", C::Finetune, {P("value", T::Integer).required().ge(1).le(4096).def("1")}, {}, false, false, true,
       "micro-batches accumulated into one optimizer step"},
      {"optimizer", C::Finetune, {P("value", T::Call).required().of(Family::Optimizer).def("adamw(lr: 5e-5)")}, {}, false, false, true,
       "the optimizer"},
      {"schedule", C::Finetune, {P("value", T::Call).required().of(Family::Schedule).def("linear")}, {}, false, false, true,
       "the learning-rate schedule"},
      {"clip_grad", C::Finetune, {P("value", T::Number).required().gt(0)}, {}, false, false, false,
       "clip the batch gradient's L2 norm (not with `privacy`, which clips every example)"},
      {"precision", C::Finetune, {P("value", T::Word).required().oneOf({"fp32", "bf16"}).def("fp32")}, {}, false, false, true,
       "number format of the forward and backward passes"},
      {"privacy", C::Finetune, {P("value", T::Call).required().of(Family::Privacy)}, {}, false, false, false,
       "differential privacy for the training data"},
      {"robustness", C::Finetune, {}, C::Robustness, true, false, false,
       "adversarial training and noise injection"},
      {"validate", C::Finetune, {P("data", T::DatasetRef).required()}, C::Validate, false, false, false,
       "evaluate on held-out data while training"},
      {"checkpoint", C::Finetune, {}, C::Checkpoint, false, false, false,
       "save resumable checkpoints (atomically) while training"},
      {"use", C::Finetune, {P("preset", T::PresetRef).required()}, {}, false, true, false,
       "apply a preset's options here; options written in the block itself take precedence"},

      {"adversarial", C::Robustness, {P("value", T::Call).required().of(Family::Adversarial)}, {}, false, false, false,
       "adversarial training on the input embeddings"},
      {"noise", C::Robustness, {P("value", T::Call).required().of(Family::Noise)}, {}, false, false, false,
       "noise injection on the input embeddings"},
      {"weight_noise", C::Robustness, {P("value", T::Number).required().gt(0).le(1).unit("standard deviation")}, {}, false, false, false,
       "Gaussian noise added to every trainable weight for each step's forward and backward (the update applies to the clean weights)"},

      {"every", C::Validate, {P("value", T::Interval).required().def("epoch")}, {}, false, false, true,
       "how often to validate: `epoch`, `N epochs` or `N steps`"},
      {"metrics", C::Validate, {P("value", T::Word).required().variadic().oneOf(kMetrics).def("loss")}, {}, false, false, true,
       "metrics computed at each validation"},
      {"early_stop", C::Validate,
       {P("metric", T::Word).required().oneOf(kMetrics).doc("the metric to watch"),
        P("patience", T::Integer).named().ge(1).def("2").doc("validations without improvement before stopping"),
        P("min_delta", T::Number).named().ge(0).def("0").doc("smallest change that counts as improvement")},
       {}, false, false, false, "stop when the metric stops improving; the best checkpoint is kept"},

      {"every", C::Checkpoint, {P("value", T::Interval).required().def("epoch")}, {}, false, false, true,
       "how often to save: `epoch`, `N epochs` or `N steps`"},
      {"keep", C::Checkpoint, {P("value", T::Integer).required().ge(1).def("2")}, {}, false, false, true,
       "how many recent checkpoints to keep"},

      {"metrics", C::Evaluate, {P("value", T::Word).required().variadic().oneOf(kMetrics).def("accuracy, f1")}, {}, false, false, true,
       "metrics to report"},
      {"under", C::Evaluate, {P("value", T::Call).required().variadic().of(Family::Perturbation)}, {}, false, false, false,
       "also evaluate under these perturbations and attacks, each reported separately"},
      {"batch", C::Evaluate, {P("value", T::Integer).required().ge(1).le(65536).def("64")}, {}, false, false, true,
       "examples per evaluation batch"},

      {"format", C::Export, {P("value", T::Word).required().oneOf({"safetensors"}).def("safetensors")}, {}, false, false, true,
       "weights format"},
      {"merge_lora", C::Export, {P("value", T::Bool).required().def("true")}, {}, false, false, true,
       "fold LoRA adapters into the base weights"},
  };

  conflicts_ = {
      {C::Finetune, "epochs", "steps", "train for either a number of epochs or a number of steps"},
      {C::Finetune, "clip_grad", "privacy",
       "DP-SGD already clips every example's gradient to `clip`; remove `clip_grad`"},
  };
}

std::string Schema::foreignNameHint(std::string_view name) const {
  static const std::vector<std::pair<std::vector<std::string>, std::string>> hints = {
      {{"learning_rate", "lr"}, "the learning rate is `lr` in the optimizer, as in `optimizer adamw(lr: 5e-5)`"},
      {{"weight_decay", "adam_beta1", "adam_beta2", "adam_epsilon"},
       "optimizer settings are arguments of the optimizer, as in `optimizer adamw(lr: 5e-5, weight_decay: 0.01)`"},
      {{"num_train_epochs", "num_epochs", "n_epochs"}, "write `epochs N`"},
      {{"batch_size", "per_device_train_batch_size", "micro_batch_size"}, "write `batch N`"},
      {{"max_length", "max_seq_length", "sequence_len", "max_seq_len"}, "write `max_len N`"},
      {{"gradient_accumulation_steps"}, "write `accumulate N`"},
      {{"max_grad_norm"}, "write `clip_grad N` (or use `privacy dp_sgd(clip: C)` for per-example clipping)"},
      {{"warmup_ratio", "warmup_steps", "lr_scheduler_type", "scheduler"},
       "the schedule is one option, as in `schedule linear(warmup: 0.1)` or `schedule cosine(warmup: 100 steps)`"},
      {{"target_epsilon", "epsilon", "noise_multiplier", "max_grad_norm_dp", "target_delta", "delta"},
       "privacy settings are arguments of `privacy dp_sgd(epsilon: 8, delta: 1e-5, clip: 1.0)`"},
      {{"eval_steps", "evaluation_strategy", "eval_strategy"},
       "validation is a block: `validate data.val { every 500 steps }`"},
      {{"save_steps", "save_strategy", "save_total_limit"},
       "checkpoints are a block: `checkpoint { every 500 steps; keep 2 }`"},
      {{"fp16", "bf16", "mixed_precision"}, "write `precision bf16`"},
  };
  // Exact names first, then near misses of them (`lerning_rate`).
  for (const auto &[names, hint] : hints)
    for (const std::string &candidate : names)
      if (candidate == name)
        return hint;
  for (const auto &[names, hint] : hints)
    if (!closestMatch(name, names).empty())
      return hint;
  return {};
}

const Schema &Schema::get() {
  static const Schema schema;
  return schema;
}

const OptionSpec *Schema::option(Context context, std::string_view name) const {
  for (const OptionSpec &o : options_)
    if (o.context == context && o.name == name)
      return &o;
  return nullptr;
}

std::vector<std::string> Schema::optionNames(Context context) const {
  std::vector<std::string> names;
  for (const OptionSpec &o : options_)
    if (o.context == context)
      names.push_back(o.name);
  return names;
}

const FunctionSpec *Schema::function(Family family, std::string_view name) const {
  for (const FunctionSpec &f : functions_)
    if (f.family == family && f.name == name)
      return &f;
  return nullptr;
}

std::vector<std::string> Schema::functionNames(Family family) const {
  std::vector<std::string> names;
  for (const FunctionSpec &f : functions_)
    if (f.family == family)
      names.push_back(f.name);
  return names;
}

const char *contextName(Context context) {
  switch (context) {
  case Context::Pipeline: return "pipeline";
  case Context::Finetune: return "finetune";
  case Context::Robustness: return "robustness";
  case Context::Validate: return "validate";
  case Context::Checkpoint: return "checkpoint";
  case Context::Evaluate: return "evaluate";
  case Context::Export: return "export";
  }
  return "block";
}

const char *familyName(Family family) {
  switch (family) {
  case Family::None: return "function";
  case Family::Source: return "data source";
  case Family::Transform: return "data transform";
  case Family::ModelBase: return "model";
  case Family::ModelLayer: return "model layer";
  case Family::Optimizer: return "optimizer";
  case Family::Schedule: return "schedule";
  case Family::Privacy: return "privacy mechanism";
  case Family::Adversarial: return "adversarial training method";
  case Family::Noise: return "noise";
  case Family::Perturbation: return "perturbation";
  case Family::EarlyStop: return "early stopping";
  }
  return "function";
}

const char *valueTypeName(ValueType type) {
  switch (type) {
  case ValueType::Integer: return "an integer";
  case ValueType::Number: return "a number";
  case ValueType::Bool: return "`true` or `false`";
  case ValueType::String: return "a string";
  case ValueType::Path: return "a path string";
  case ValueType::Word: return "a name";
  case ValueType::Label: return "a label";
  case ValueType::LabelList: return "a list of labels such as `[ham, spam]`";
  case ValueType::LabelMap: return "a map such as `{\"*ham*\": ham}`";
  case ValueType::WordList: return "a list of names such as `[query, value]`";
  case ValueType::Interval: return "`epoch`, `N epochs` or `N steps`";
  case ValueType::Fraction: return "a fraction in [0, 1) or `N steps`";
  case ValueType::DatasetRef: return "a dataset such as `mail.val`";
  case ValueType::PresetRef: return "a preset such as `privacy.strong`";
  case ValueType::Call: return "a call";
  }
  return "a value";
}

} // namespace ftp::lang
