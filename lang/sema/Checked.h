//===- Checked.h - the checked pipeline the compiler lowers ---------------------===//
//
// What `ftpc check` proves and the compiler consumes: every option resolved against the schema,
// defaults filled in (and marked as such), names resolved to stages, paths resolved to real files.
// A resolved option or call is a Value record whose fields follow the schema's parameter order.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/SourceManager.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace ftp::lang {

struct Value {
  enum class Kind { Integer, Number, Bool, String, Word, List, Map, Record, Quantity, Ref };
  Kind kind = Kind::Record;
  int64_t integer = 0;
  double number = 0;           // Number, Quantity (also set for Integer)
  bool boolean = false;
  std::string text;            // String, Word, Ref ("mail.train"), Record: function/option name,
                               // Quantity: unit ("steps", "epochs", "%")
  std::vector<std::pair<std::string, Value>> fields; // Record: named fields; List: unnamed; Map: keyed
  SourceRange range;           // where it was written; invalid for defaults
  bool fromDefault = false;
  bool derived = false;        // computed by the checker (e.g. the calibrated noise multiplier)

  const Value *field(std::string_view name) const {
    for (const auto &f : fields)
      if (f.first == name)
        return &f.second;
    return nullptr;
  }
  double asNumber() const { return kind == Kind::Integer ? static_cast<double>(integer) : number; }
};

/// A dataset: its source, its transforms, its labels and splits.
struct CheckedDataset {
  std::string name;
  SourceRange range;
  Value source;                    // Record: textfolder / csv / jsonl
  std::string resolvedPath;        // the source file or folder
  std::vector<Value> transforms;   // Records, in order (split included)
  std::vector<std::string> labels; // sorted; empty when not known statically
  SourceRange labelsRange;         // where the labels were declared
  std::vector<std::pair<std::string, double>> splits; // in declaration order

  // The number of examples, when the checker can know it without running anything: counted from
  // the source (files of a text folder, records of a CSV, lines of a JSONL file), then followed
  // through the transforms by the rules in DatasetSize.cpp, which the runtime applies too.
  std::optional<int64_t> size;
  std::map<std::string, int64_t> labelCounts;               // when known
  std::vector<std::pair<std::string, int64_t>> splitSizes;  // examples per split part
  std::string sizeUnknownBecause;                           // when size is not known

  // textfolder label patterns that match no subfolder: an error for data a model trains or
  // validates on, a warning for data only evaluated on (reported once all stages are known).
  struct UnmatchedPattern {
    std::string pattern, label;
    SourceRange range;
    bool labelEmpty = false; // no other pattern gives its label any folder
  };
  std::vector<UnmatchedPattern> unmatchedPatterns;
};

/// The classification head a model folder already holds: an ftpc export (config.json's `ftpc`
/// section says `sequence_classification`) or a HF `*ForSequenceClassification` folder.
struct SavedHead {
  std::vector<std::string> labels; // id2label, in output order
  std::string pooling = "cls";     // the `ftpc` section's; HF's own classifiers pool [CLS]
  bool unmergedLora = false;       // the export keeps LoRA adapters beside the base weights
  int64_t maxLen = 0;              // the `max_len` it was fine-tuned with (ftpc exports), 0 if unknown
};

struct CheckedModel {
  std::string name;
  SourceRange range;
  Value base;                      // Record: encoder / decoder
  std::string resolvedPath;
  bool isDecoder = false;
  std::optional<Value> classifier; // Record
  std::optional<Value> lora;       // Record
  std::vector<std::string> labels; // the classifier's, in output order
  int64_t maxPositions = 0;        // from config.json, 0 if unknown
  std::string modelType;           // from config.json ("bert", "gpt2", ...)
  std::optional<SavedHead> savedHead; // from config.json, when the folder holds a classifier
  std::string whyNoSavedHead;         // when it holds none: what config.json lacks
};

/// `data.split`, resolved.
struct DatasetUse {
  std::string dataset;
  std::string split; // empty: the whole dataset
  SourceRange range;
};

/// finetune / evaluate / export: the model, the data or path, and the block's options (with
/// defaults) as a Record whose fields are the options in schema order.
/// DP-SGD's budget, derived by the checker: sample rate and steps from the data, noise
/// calibrated for the requested ε (or ε computed for the given noise).
struct PrivacyBudget {
  int64_t examples = 0;  // N, training examples
  int64_t batch = 0;     // expected examples per step under Poisson sampling
  double sampleRate = 0; // q = batch / N
  int64_t steps = 0;     // T
  double noiseMultiplier = 0;
  double epsilon = 0;
  double delta = 0;
  bool calibrated = false; // σ derived from ε (else ε derived from σ)
  std::string accountant = "rdp"; // "rdp" or "prv" (ε is then the PRV accountant's upper bound)
};

struct CheckedStage {
  enum class Kind { Finetune, Evaluate, Export } kind;
  std::string model;
  SourceRange range;
  DatasetUse data;            // Finetune, Evaluate
  std::string exportPath;     // Export, resolved
  Value options;              // Record
  std::optional<PrivacyBudget> privacy; // Finetune with `privacy`, when derivable at check time
};

struct CheckedPipeline {
  std::string name;
  std::string file;
  SourceRange range;
  Value options; // pipeline-level options (seed)
  std::vector<CheckedDataset> datasets;
  std::vector<CheckedModel> models;
  std::vector<CheckedStage> stages; // in program order
};

struct CheckedProgram {
  std::vector<CheckedPipeline> pipelines;
};

} // namespace ftp::lang
