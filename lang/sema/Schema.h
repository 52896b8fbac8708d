//===- Schema.h - every option and function of the language, with types ---------===//
//
// The single place where the language's vocabulary is defined: which options each block accepts,
// which functions (data sources, transforms, optimizers, attacks, ...) exist, their parameters with
// type, unit, default and valid range. The checker validates programs against it, `ftpc --emit=sema`
// prints defaults from it, and docs/language.md's reference tables are generated from it
// (`ftpc --emit=schema`), so the documentation cannot drift from the checker.
//
// Defaults are written in .ftp syntax ("adamw(lr: 5e-5)", "32", "epoch") and checked by the same
// code as user input; a unit test checks that every default is valid.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace ftp::lang {

/// What a parameter's value must be.
enum class ValueType {
  Integer,      // 32
  Number,       // 5e-5, 3 (integers are numbers too)
  Bool,         // true | false
  String,       // "text"
  Path,         // "relative/or/absolute/path" (checked to exist where it is an input)
  Word,         // one identifier from `choices` (an enum)
  Label,        // a class label: identifier or string
  LabelList,    // [ham, spam]
  LabelMap,     // {"glob": label, ...}
  WordList,     // [query, value] (choices checked if given)
  Interval,     // epoch | 2 epochs | 500 steps
  Fraction,     // warmup: 0.1 (of all steps) or 100 steps
  DatasetRef,   // mail.train | mail
  PresetRef,    // privacy.strong | strong
  Call,         // a function of `family`, e.g. adamw(lr: 5e-5); a bare name calls it with defaults
};

/// Function families: which functions may appear where.
enum class Family {
  None,
  Source,       // textfolder, csv, jsonl
  Transform,    // email_text, deidentify, filter, sample, split
  ModelBase,    // encoder, decoder
  ModelLayer,   // classifier, lora
  Optimizer,    // adamw, adam, sgd
  Schedule,     // constant, linear, cosine
  Privacy,      // dp_sgd
  Adversarial,  // fgsm, pgd, freelb
  Noise,        // gaussian, uniform
  Perturbation, // typos, word_dropout, fgsm, pgd (evaluation)
  EarlyStop,    // the `early_stop` option's arguments
};

struct NumericRange {
  std::optional<double> min, max;
  bool minInclusive = true, maxInclusive = true;
  bool contains(double v) const;
  /// "> 0", "in [0, 1)", ">= 1" for messages and docs.
  std::string describe() const;
};

struct ParamSpec {
  std::string name;
  ValueType type;
  bool required = false;
  bool variadic = false;            // takes the remaining positional arguments (deidentify's kinds)
  bool positional = true;           // may be given without its label
  std::string defaultText;          // in .ftp syntax; empty: no default
  NumericRange range;               // Integer, Number
  std::vector<std::string> choices; // Word, WordList
  Family family = Family::None;     // Call
  std::string unit;                 // for docs: "learning rate", "fraction of steps"
  std::string doc;
};

struct FunctionSpec {
  std::string name;
  Family family;
  std::vector<ParamSpec> params;
  std::string doc;
  /// Groups of parameters of which exactly one must be given (dp_sgd: epsilon | noise_multiplier).
  std::vector<std::vector<std::string>> exactlyOneOf;
};

/// Where an option may appear: the blocks of the language.
enum class Context { Pipeline, Finetune, Robustness, Validate, Checkpoint, Evaluate, Export };

/// An option is written like a call without parentheses (`early_stop f1, patience: 2`), so its
/// arguments are described by the same ParamSpec list; it may open a block of another context.
struct OptionSpec {
  std::string name;
  Context context;
  std::vector<ParamSpec> params;
  std::optional<Context> block; // `robustness { ... }`
  bool blockRequired = false;
  bool repeatable = false;
  bool inDefaults = true;       // printed with its default when absent (emit=sema)
  std::string doc;
  std::vector<std::vector<std::string>> exactlyOneOf;
};

class Schema {
public:
  static const Schema &get();

  const OptionSpec *option(Context context, std::string_view name) const;
  std::vector<std::string> optionNames(Context context) const;
  const std::vector<OptionSpec> &options() const { return options_; }

  const FunctionSpec *function(Family family, std::string_view name) const;
  std::vector<std::string> functionNames(Family family) const;
  const std::vector<FunctionSpec> &functions() const { return functions_; }

  /// Options that are mutually exclusive within one block, with the hint to show.
  struct Conflict {
    Context context;
    std::string a, b, hint;
  };
  const std::vector<Conflict> &conflicts() const { return conflicts_; }

  /// Hints for option names users bring from other tools (HF Trainer, Axolotl, Opacus), e.g.
  /// `learning_rate` -> "the learning rate is `lr` in the optimizer: ...". Empty when unknown.
  std::string foreignNameHint(std::string_view name) const;

private:
  Schema();
  std::vector<OptionSpec> options_;
  std::vector<FunctionSpec> functions_;
  std::vector<Conflict> conflicts_;
};

const char *contextName(Context context);    // "finetune", "robustness", ...
const char *familyName(Family family);       // "data source", "optimizer", ...
const char *valueTypeName(ValueType type);   // "an integer", "a list of labels", ...

} // namespace ftp::lang
