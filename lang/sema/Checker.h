//===- Checker.h - semantic analysis of .ftp programs ---------------------------===//
//
// Checks a parsed file against the schema and the world it refers to, and builds the checked
// pipeline. Everything that can be known without loading weights is checked here, before anything
// runs: names and their order, stage kinds, every option's type and range, label sets across data
// and head, split fractions, paths (existence, kind, confinement to the project), the model's
// config (max_len vs position embeddings, LoRA targets vs the checkpoint's module names).
//
// The checker is split by concern: Checker.cpp (program structure, names, stages),
// CheckValues.cpp (arguments and values against the schema), CheckWorld.cpp (files, folders,
// model configs), Modules.cpp (imports and presets).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/ast/AST.h"
#include "lang/diag/Diagnostic.h"
#include "lang/sema/Checked.h"
#include "lang/sema/Schema.h"

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace ftp::lang {

/// What a path written in a pipeline is relative to.
enum class PathRoot { Data, Model, Output };

/// Resolves a path as written in `file` to an absolute one, or returns std::nullopt with the
/// reason in `whyNot` when the project does not allow it (outside the project and every allowed
/// folder). The driver supplies one built from ftp.toml.
using PathResolver = std::function<std::optional<std::string>(
    std::string_view written, PathRoot root, uint32_t file, std::string *whyNot)>;

struct CheckOptions {
  PathResolver resolvePath;            // default: relative to the pipeline file's folder
  std::vector<std::string> stdlibDirs; // where `import "presets/x"` looks after the file's folder
  bool checkFilesystem = true;         // off for unit tests of pure language rules
};

class Checker {
public:
  Checker(SourceManager &sources, DiagnosticEngine &diagnostics, CheckOptions options);
  ~Checker();

  /// Checks a parsed file (and the modules it imports) and returns what it defines.
  CheckedProgram check(const File &file);

  /// Evaluates every default in the schema as the checker would; returns the first problem, or
  /// an empty string when all are valid (a unit test keeps the schema honest with this).
  std::string validateSchemaDefaults();

private:
  struct Symbol {
    enum class Kind { Dataset, Model } kind;
    SourceRange range;
    size_t index;  // into the pipeline's datasets or models
    size_t order;  // statement position, for use-before-definition
    bool used = false;
    bool broken = false; // its definition had a syntax error: uses are not errors of their own
  };
  struct Module;

  // --- program structure (Checker.cpp) ---
  CheckedPipeline checkPipeline(const Section &section, const File &file);
  void checkData(const Stmt &stmt, CheckedPipeline &out);
  void checkModel(const Stmt &stmt, CheckedPipeline &out);
  void checkStage(const Stmt &stmt, CheckedPipeline &out);
  void checkStageConsistency(const Stmt &stmt, CheckedStage &stage, bool dataOk,
                             CheckedPipeline &out);
  void checkPrivacy(CheckedStage &stage, const CheckedPipeline &out);
  bool accountBudget(Value &privacy, PrivacyBudget &budget, SourceRange where,
                     const std::function<double(double)> &epsilonOf);
  bool defineSymbol(const Name &name, Symbol::Kind kind, size_t index);
  const Symbol *useSymbol(const Name &name, Symbol::Kind wanted, const std::string &user);
  std::optional<DatasetUse> resolveDatasetUse(const Expr &expr, const std::string &user,
                                              const CheckedPipeline &pipeline);

  // --- blocks, arguments and values (CheckValues.cpp) ---
  Value checkBlock(Context context, const Block *block, const std::string &owner,
                   const CheckedPipeline *pipeline);
  Value checkStatements(Context context, const std::vector<const Stmt *> &stmts,
                        const std::string &owner, const CheckedPipeline *pipeline);
  std::optional<Value> checkOption(const OptionSpec &spec, const Stmt &stmt,
                                   const CheckedPipeline *pipeline);
  std::optional<Value> checkArgs(const std::string &owner, SourceRange ownerRange,
                                 const std::vector<ParamSpec> &params,
                                 const std::vector<std::vector<std::string>> &exactlyOneOf,
                                 const std::vector<Arg> &args, const CheckedPipeline *pipeline,
                                 bool extraLabelledNumbers = false);
  std::optional<Value> checkValue(const std::string &what, const ParamSpec &param, const Expr &expr,
                                  const CheckedPipeline *pipeline);
  std::optional<Value> checkCall(Family family, const std::string &what, const Expr &expr,
                                 const CheckedPipeline *pipeline);
  std::optional<Value> defaultValue(const std::string &what, const ParamSpec &param);
  std::string describe(const Expr &expr) const;

  // --- files, folders, models (CheckWorld.cpp) ---
  std::optional<std::string> resolvePath(const Value &pathValue, PathRoot root,
                                         const std::string &user, bool wantDirectory);
  void checkTextFolder(const Value &source, const std::string &folder, const Expr &call,
                       CheckedDataset &dataset);
  /// deidentify(mask: [...], redact: [...], hash: [...], keep: [...]): every kind given an
  /// operator is detected, and gets one operator.
  void checkDeidOperators(const CheckedDataset &dataset);
  void readModelConfig(const Stmt &stmt, CheckedModel &model);
  void reportUnmatchedPatterns(const CheckedPipeline &out);
  void checkSavedHead(const Expr &classifierCall, const Expr *loraCall, CheckedModel &model);
  void checkLoraTargets(const Value &lora, const Expr &loraCall, const CheckedModel &model);

  // --- modules and presets (Modules.cpp) ---
  void loadImports(const File &file);
  /// Resolves `use REF` where `*scope` is the module the `use` is written in (nullptr: the file
  /// being checked); on success `*scope` becomes the found preset's module.
  const Section *findPreset(const Expr &ref, std::string *shownName, const Module **scope);

  SourceManager &sources_;
  DiagnosticEngine *diagnostics_; // swapped while defaults are checked (Defaults.cpp)
  CheckOptions options_;
  const Schema &schema_;

  uint32_t currentFile_ = 0;
  std::map<std::string, Symbol> symbols_; // per pipeline
  size_t statementIndex_ = 0;
  std::map<std::string, const Stmt *> laterDefinitions_; // names defined later in the pipeline

  std::vector<std::unique_ptr<Module>> modules_;
  std::map<std::string, Module *> modulesByAlias_; // for the file being checked
  std::map<std::string, const Section *> localPresets_;
  std::set<std::string> lastGiven_; // option names written in the block checkStatements last saw
  bool lastBlockHadUnknown_ = false; // and whether it had an unknown or misplaced option
  const Module *presetScope_ = nullptr; // module whose presets are being checked, if any

  // Defaults are parsed from .ftp text once and kept alive here.
  std::unique_ptr<SourceManager> defaultSources_;
  std::map<std::string, std::unique_ptr<File>> defaultFiles_;
};

} // namespace ftp::lang
