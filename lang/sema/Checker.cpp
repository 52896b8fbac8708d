//===- Checker.cpp - program structure, names and stages ------------------------===//

#include "lang/sema/Checker.h"

#include "lang/diag/Suggest.h"
#include "lang/sema/DatasetSize.h"
#include "lang/sema/Module.h"

#include "ftp/record/Files.h"

#include <algorithm>
#include <iterator>
#include <filesystem>
#include <map>
#include <set>
#include <fmt/format.h>

namespace ftp::lang {

namespace {

std::string joinLabels(const std::vector<std::string> &labels) {
  std::string out = "[";
  for (size_t i = 0; i < labels.size(); ++i)
    out += (i ? ", " : "") + labels[i];
  return out + "]";
}

const char *symbolKindName(bool isModel) { return isModel ? "model" : "dataset"; }

} // namespace

Checker::Checker(SourceManager &sources, DiagnosticEngine &diagnostics, CheckOptions options)
    : sources_(sources), diagnostics_(&diagnostics), options_(std::move(options)),
      schema_(Schema::get()) {
  if (!options_.resolvePath) {
    // Without a project configuration, paths are relative to the pipeline file's folder.
    options_.resolvePath = [this](std::string_view written, PathRoot, uint32_t file,
                                  std::string *) -> std::optional<std::string> {
      std::filesystem::path p(written);
      if (p.is_relative())
        p = std::filesystem::path(sources_.name(file)).parent_path() / p;
      return p.lexically_normal().string();
    };
  }
}

Checker::~Checker() = default;

CheckedProgram Checker::check(const File &file) {
  CheckedProgram program;
  currentFile_ = file.fileId;
  loadImports(file);
  localPresets_.clear();
  for (const Section &preset : file.presets) {
    auto [it, fresh] = localPresets_.emplace(preset.name.text, &preset);
    if (!fresh)
      diagnostics_->report(preset.name.range, DiagKind::Redefinition, preset.name.text)
          .note(it->second->name.range, DiagKind::PreviousDefinition, preset.name.text);
  }
  // A preset is a bundle of fine-tuning options: check it as such where it is defined, so that a
  // module of presets is checked even when no pipeline uses it yet. All presets are known first,
  // so one may use another defined below it.
  for (const auto &[name, preset] : localPresets_)
    checkBlock(Context::Finetune, &preset->body, "preset " + name, nullptr);
  std::map<std::string, const Section *> pipelineNames;
  for (const Section &section : file.pipelines) {
    auto [it, fresh] = pipelineNames.emplace(section.name.text, &section);
    if (!fresh)
      diagnostics_->report(section.name.range, DiagKind::Redefinition, section.name.text)
          .note(it->second->name.range, DiagKind::PreviousDefinition, section.name.text);
    program.pipelines.push_back(checkPipeline(section, file));
  }
  if (file.pipelines.empty() && file.presets.empty())
    diagnostics_->report(SourceRange(SourceLoc{file.fileId, 0}), DiagKind::NoPipeline,
                        sources_.name(file.fileId));
  return program;
}

CheckedPipeline Checker::checkPipeline(const Section &section, const File &file) {
  CheckedPipeline out;
  out.name = section.name.text;
  out.file = sources_.name(file.fileId);
  out.range = section.range;
  symbols_.clear();
  laterDefinitions_.clear();
  for (const StmtPtr &stmt : section.body.stmts)
    if ((stmt->kind == StmtKind::Data || stmt->kind == StmtKind::Model) &&
        !laterDefinitions_.count(stmt->name.text))
      laterDefinitions_[stmt->name.text] = stmt.get();

  // Stages are checked one by one, in order, so that uses before definitions are caught.
  for (statementIndex_ = 0; statementIndex_ < section.body.stmts.size(); ++statementIndex_) {
    const Stmt &stmt = *section.body.stmts[statementIndex_];
    switch (stmt.kind) {
    case StmtKind::Data:
    case StmtKind::Model:
      if (stmt.broken) {
        // Define the name only; what uses it is skipped silently.
        auto kind = stmt.kind == StmtKind::Data ? Symbol::Kind::Dataset : Symbol::Kind::Model;
        if (defineSymbol(stmt.name, kind, SIZE_MAX))
          symbols_.at(stmt.name.text).broken = true;
        break;
      }
      if (stmt.kind == StmtKind::Data)
        checkData(stmt, out);
      else
        checkModel(stmt, out);
      break;
    case StmtKind::Finetune:
    case StmtKind::Evaluate:
    case StmtKind::Export:
      checkStage(stmt, out);
      break;
    case StmtKind::Option:
      break;
    }
  }
  // Options are checked together so duplicates and defaults work as in every other block.
  std::vector<const Stmt *> options;
  for (const StmtPtr &stmt : section.body.stmts)
    if (stmt->kind == StmtKind::Option)
      options.push_back(stmt.get());
  out.options = checkStatements(Context::Pipeline, options, "pipeline", &out);

  reportUnmatchedPatterns(out);
  for (const auto &[name, symbol] : symbols_)
    if (!symbol.used && !symbol.broken)
      diagnostics_->report(symbol.range, DiagKind::UnusedStage,
                          symbolKindName(symbol.kind == Symbol::Kind::Model), name);
  return out;
}

bool Checker::defineSymbol(const Name &name, Symbol::Kind kind, size_t index) {
  auto [it, fresh] = symbols_.emplace(name.text, Symbol{kind, name.range, index, statementIndex_});
  if (!fresh) {
    diagnostics_->report(name.range, DiagKind::Redefinition, name.text)
        .note(it->second.range, DiagKind::PreviousDefinition, name.text);
    return false;
  }
  return true;
}

const Checker::Symbol *Checker::useSymbol(const Name &name, Symbol::Kind wanted,
                                          const std::string &user) {
  auto it = symbols_.find(name.text);
  if (it == symbols_.end()) {
    auto later = laterDefinitions_.find(name.text);
    if (later != laterDefinitions_.end()) {
      diagnostics_->report(name.range, DiagKind::UseBeforeDefinition, name.text)
          .note(later->second->name.range, DiagKind::DefinedHere, name.text);
      return nullptr;
    }
    std::vector<std::string> candidates;
    for (const auto &[candidate, symbol] : symbols_)
      if (symbol.kind == wanted)
        candidates.push_back(candidate);
    auto report = diagnostics_->report(name.range, DiagKind::UndefinedName, name.text,
                                       didYouMean(name.text, candidates));
    if (std::string match = closestMatch(name.text, candidates); !match.empty())
      report.fixit(name.range, match);
    return nullptr;
  }
  Symbol &symbol = it->second;
  symbol.used = true;
  if (symbol.broken)
    return nullptr; // its own syntax error is reported; say nothing more
  if (symbol.kind != wanted) {
    diagnostics_
        ->report(name.range, DiagKind::WrongStageKind, name.text,
                symbolKindName(symbol.kind == Symbol::Kind::Model), user,
                symbolKindName(wanted == Symbol::Kind::Model))
        .note(symbol.range, DiagKind::DefinedHere, name.text);
    return nullptr;
  }
  return &symbol;
}

std::optional<DatasetUse> Checker::resolveDatasetUse(const Expr &expr, const std::string &user,
                                                     const CheckedPipeline &pipeline) {
  const Expr *base = &expr;
  std::string split;
  SourceRange splitRange;
  if (expr.kind == ExprKind::Member && expr.base && expr.base->kind == ExprKind::Identifier) {
    base = expr.base.get();
    split = expr.text;
    splitRange = expr.textRange;
  }
  if (base->kind != ExprKind::Identifier) {
    diagnostics_->report(expr.range, DiagKind::TypeMismatch, user, "a dataset such as `mail.train`",
                        describe(expr));
    return std::nullopt;
  }
  const Symbol *symbol = useSymbol({base->text, base->range}, Symbol::Kind::Dataset, user);
  if (!symbol)
    return std::nullopt;
  const CheckedDataset &dataset = pipeline.datasets[symbol->index];
  if (!split.empty()) {
    std::vector<std::string> names;
    for (const auto &part : dataset.splits)
      names.push_back(part.first);
    if (std::find(names.begin(), names.end(), split) == names.end()) {
      std::string hint;
      if (names.empty())
        hint = fmt::format("; `{}` is not split: add `| split(...)` to its chain", base->text);
      else if (std::string close = closestMatch(split, names); !close.empty())
        hint = fmt::format("; did you mean `{}`?", close);
      else
        hint = "; its splits are " + joinLabels(names);
      auto report = diagnostics_->report(splitRange, DiagKind::UnknownSplit, base->text, split, hint);
      if (std::string close = closestMatch(split, names); !close.empty())
        report.fixit(splitRange, close);
      return std::nullopt;
    }
  }
  return DatasetUse{base->text, split, expr.range};
}

// data NAME = source | transform | ...
void Checker::checkData(const Stmt &stmt, CheckedPipeline &out) {
  CheckedDataset dataset;
  dataset.name = stmt.name.text;
  dataset.range = stmt.range;
  bool ok = true; // the source is usable (transform errors do not stop the source's checks)
  const Expr *splitCall = nullptr;
  for (size_t i = 0; i < stmt.chain.size(); ++i) {
    const Expr &element = *stmt.chain[i];
    if (i == 0) {
      std::string callee = element.kind == ExprKind::Call || element.kind == ExprKind::Identifier
                               ? element.text
                               : "";
      if (!callee.empty() && schema_.function(Family::Transform, callee)) {
        diagnostics_->report(element.range, DiagKind::ChainStart, "data",
                            "a data source such as `textfolder(...)`, `csv(...)` or `jsonl(...)`",
                            callee);
        ok = false;
        continue;
      }
      auto source = checkCall(Family::Source, "data source", element, &out);
      if (!source) {
        ok = false;
        continue;
      }
      dataset.source = std::move(*source);
      continue;
    }
    if (element.kind == ExprKind::Call && element.text == "split") {
      if (splitCall) {
        diagnostics_->report(element.textRange, DiagKind::ChainRepeat, "split")
            .note(splitCall->textRange, DiagKind::FirstGivenHere, "split");
        continue;
      }
      splitCall = &element;
      // Labelled numbers other than `stratify` are the parts: split(train: 0.8, val: 0.2).
      auto split = checkArgs("split", element.textRange,
                             schema_.function(Family::Transform, "split")->params, {},
                             element.args, &out, /*extraLabelledNumbers=*/true);
      if (!split)
        continue;
      double sum = 0;
      for (const auto &[name, value] : split->fields)
        if (name != "stratify") {
          dataset.splits.emplace_back(name, value.number);
          sum += value.number;
        }
      if (dataset.splits.size() < 2) {
        diagnostics_->report(element.range, DiagKind::MissingArgument, "split",
                            "at least two parts", ", as in `split(train: 0.8, test: 0.2)`");
      } else if (std::abs(sum - 1.0) > 1e-9) {
        diagnostics_->report(element.range, DiagKind::SplitFractions, fmt::format("{}", sum));
      }
      split->text = "split";
      dataset.transforms.push_back(std::move(*split));
      continue;
    }
    std::string callee = element.kind == ExprKind::Call || element.kind == ExprKind::Identifier
                             ? element.text
                             : "";
    if (schema_.function(Family::Source, callee)) {
      diagnostics_->report(element.range, DiagKind::ChainRepeat, "data source");
      continue;
    }
    auto transform = checkCall(Family::Transform, "data transform", element, &out);
    if (!transform)
      continue;
    if (transform->text == "filter") {
      // filter(labels: [...]) narrows the labels the dataset can hold.
      if (const Value *keep = transform->field("labels"); keep && keep->kind == Value::Kind::List) {
        std::vector<std::string> narrowed;
        for (const auto &label : keep->fields)
          narrowed.push_back(label.second.text);
        std::sort(narrowed.begin(), narrowed.end());
        dataset.labels = narrowed;
        dataset.labelsRange = keep->range;
      }
    }
    dataset.transforms.push_back(std::move(*transform));
  }

  // The labels are those the source declares, unless a filter(labels: ...) above narrowed them.
  if (ok && dataset.source.kind == Value::Kind::Record && !dataset.source.text.empty()) {
    const Value &source = dataset.source;
    std::vector<std::string> declared;
    SourceRange declaredRange;
    if (const Value *map = source.field("labels"); map && map->kind == Value::Kind::Map) {
      for (const auto &entry : map->fields)
        if (entry.second.text != "skip")
          declared.push_back(entry.second.text);
      declaredRange = map->range;
    } else if (const Value *list = source.field("labels"); list && list->kind == Value::Kind::List) {
      for (const auto &entry : list->fields)
        declared.push_back(entry.second.text);
      declaredRange = list->range;
    }
    std::sort(declared.begin(), declared.end());
    declared.erase(std::unique(declared.begin(), declared.end()), declared.end());
    // A filter may only keep labels the source can hold: a typo there would empty the dataset.
    bool badFilter = false;
    if (!declared.empty())
      for (const Value &transform : dataset.transforms)
        if (const Value *keep = transform.field("labels");
            transform.text == "filter" && keep && keep->kind == Value::Kind::List)
          for (const auto &entry : keep->fields)
            if (!std::binary_search(declared.begin(), declared.end(), entry.second.text)) {
              auto report = diagnostics_->report(entry.second.range, DiagKind::UnknownLabel,
                                                 entry.second.text, dataset.name,
                                                 didYouMean(entry.second.text, declared));
              if (std::string match = closestMatch(entry.second.text, declared); !match.empty())
                report.fixit(entry.second.range, match);
              report.note(declaredRange, DiagKind::LabelsDeclaredHere, dataset.name);
              badFilter = true;
            }
    if (badFilter) {
      // The labels this data ends up with are unclear after that error: compare them with no
      // classifier rather than report the same typo again as a mismatch.
      dataset.labels.clear();
    } else if (dataset.labels.empty()) {
      dataset.labels = declared;
      dataset.labelsRange = declaredRange;
    }
    // Stratifying needs labels: the default quietly does without them, an explicit request is an
    // error.
    bool labelled = source.text == "textfolder" || source.field("label");
    if (!labelled)
      for (Value &transform : dataset.transforms)
        for (auto &[name, value] : transform.fields)
          if (name == "stratify" && value.text == "label") {
            if (value.fromDefault)
              value.text = "none";
            else
              diagnostics_->report(value.range, DiagKind::StratifyUnlabeled, dataset.name);
          }
    checkDeidOperators(dataset);
    if (options_.checkFilesystem) {
      bool folder = source.text == "textfolder";
      auto path = resolvePath(*source.field("path"), PathRoot::Data, source.text, folder);
      if (path) {
        dataset.resolvedPath = *path;
        if (folder)
          checkTextFolder(source, *path, *stmt.chain[0], dataset);
        computeDatasetSize(dataset);
      }
      // deidentify(names: "first-names"): resolved like a source path, so the plan carries where
      // the runtime reads the lists.
      for (Value &transform : dataset.transforms) {
        if (transform.text != "deidentify")
          continue;
        const Value *kinds = transform.field("kinds");
        std::string wantsNames;
        if (kinds)
          for (const auto &kind : kinds->fields)
            if (kind.second.text == "person")
              wantsNames = kind.second.text;
        if (!wantsNames.empty() && !transform.field("names"))
          diagnostics_->report(transform.range, DiagKind::DeidNamesMissing, wantsNames);
        for (auto &[name, value] : transform.fields) {
          if (name != "names" || value.kind != Value::Kind::String)
            continue;
          std::string whyNot;
          auto where = options_.resolvePath(value.text, PathRoot::Data, currentFile_, &whyNot);
          bool isFolder = where && std::filesystem::is_directory(*where);
          if (auto names = resolvePath(value, PathRoot::Data, "deidentify", isFolder))
            value.text = *names;
        }
      }
    }
  }
  if (!defineSymbol(stmt.name, Symbol::Kind::Dataset, out.datasets.size()))
    return;
  out.datasets.push_back(std::move(dataset));
}

// model NAME = encoder(path) | classifier(...) | lora(...)
void Checker::checkDeidOperators(const CheckedDataset &dataset) {
  for (const Value &transform : dataset.transforms) {
    if (transform.text != "deidentify")
      continue;
    bool all = true;
    std::set<std::string> detected;
    if (const Value *kinds = transform.field("kinds")) {
      all = false;
      for (const auto &kind : kinds->fields) {
        all = all || kind.second.text == "all";
        detected.insert(kind.second.text);
      }
    }
    std::map<std::string, std::pair<std::string, SourceRange>> given; // kind -> (operator, where)
    for (const char *op : {"mask", "redact", "hash", "keep"}) {
      const Value *list = transform.field(op);
      if (!list)
        continue;
      for (const auto &[unused, item] : list->fields) {
        const std::string &kind = item.text;
        if (!all && !detected.count(kind))
          diagnostics_->report(item.range, DiagKind::DeidOperatorNotDetected, kind, op);
        else if (all && kind == "person" && !transform.field("names"))
          // `all` detects names only with a list: an operator for them without one is a mistake.
          diagnostics_->report(item.range, DiagKind::DeidNamesMissing, kind);
        auto [it, fresh] = given.emplace(kind, std::make_pair(std::string(op), item.range));
        if (!fresh)
          diagnostics_->report(item.range, DiagKind::DeidOperatorTwice, kind, it->second.first, op)
              .note(it->second.second, DiagKind::FirstGivenHere, kind);
      }
    }
  }
}

void Checker::checkModel(const Stmt &stmt, CheckedPipeline &out) {
  CheckedModel model;
  model.name = stmt.name.text;
  model.range = stmt.range;
  bool ok = true;       // the base model is usable
  bool layersOk = true; // and so are the layers after it
  const Expr *classifierCall = nullptr;
  const Expr *loraCall = nullptr;
  for (size_t i = 0; i < stmt.chain.size(); ++i) {
    const Expr &element = *stmt.chain[i];
    if (i == 0) {
      if ((element.kind == ExprKind::Call || element.kind == ExprKind::Identifier) &&
          schema_.function(Family::ModelLayer, element.text)) {
        diagnostics_->report(element.range, DiagKind::ChainStart, "model",
                            "a pretrained model: `encoder(\"path\")` or `decoder(\"path\")`",
                            element.text);
        ok = false;
        continue;
      }
      auto base = checkCall(Family::ModelBase, "model", element, &out);
      if (!base) {
        ok = false;
        continue;
      }
      model.isDecoder = base->text == "decoder";
      model.base = std::move(*base);
      continue;
    }
    auto layer = checkCall(Family::ModelLayer, "model layer", element, &out);
    if (!layer) {
      layersOk = false;
      continue;
    }
    const Expr *&seen = layer->text == "classifier" ? classifierCall : loraCall;
    if (seen) {
      diagnostics_->report(element.textRange, DiagKind::ChainRepeat, layer->text)
          .note(seen->textRange, DiagKind::FirstGivenHere, layer->text);
      layersOk = false;
      continue;
    }
    seen = &element;
    if (layer->text == "classifier") {
      if (model.isDecoder) {
        diagnostics_->report(element.textRange, DiagKind::IncompatibleLayer, "classifier", "decoder",
                            "decoders are fine-tuned as language models; use an `encoder` for "
                            "classification");
        layersOk = false;
        continue;
      }
      for (const auto &label : layer->field("labels")->fields)
        model.labels.push_back(label.second.text);
      model.classifier = std::move(*layer);
    } else {
      model.lora = std::move(*layer);
    }
  }
  // LoRA freezes the base and trains only the adapters: on random weights that learns nothing useful.
  if (const Value *init = model.base.field("init"); init && init->text == "random" && loraCall) {
    diagnostics_->report(loraCall->textRange, DiagKind::IncompatibleLayer, "lora", "init: random",
                         "LoRA freezes the base model, and a random base is not worth keeping; "
                         "train all weights (drop `lora`) or start from pretrained ones");
    layersOk = false;
  }
  if (ok && layersOk && !model.base.text.empty() && !model.isDecoder && !model.classifier) {
    diagnostics_->report(stmt.chain.back()->range, DiagKind::MissingArgument, "model " + model.name,
                        "a head", ": add `| classifier(labels: [...])` to fine-tune an encoder");
  }
  if (ok && !model.base.text.empty() && options_.checkFilesystem) {
    auto path = resolvePath(*model.base.field("path"), PathRoot::Model, model.base.text, true);
    if (path) {
      model.resolvedPath = *path;
      readModelConfig(stmt, model);
      if (model.classifier && classifierCall)
        checkSavedHead(*classifierCall, loraCall, model);
      if (model.lora && loraCall)
        checkLoraTargets(*model.lora, *loraCall, model);
    }
  }
  if (!defineSymbol(stmt.name, Symbol::Kind::Model, out.models.size()))
    return;
  out.models.push_back(std::move(model));
}

// A folder that already holds a classifier (an export) is used with its head exactly as saved: a
// head drawn anew from the seed would evaluate another model than the one the program names. The
// declared head must agree with the saved one (labels in output order; pooling unless left at its
// default, which then follows the folder), or say `head: new`. `auto` is resolved here, so the plan
// says `saved` or `new`.
void Checker::checkSavedHead(const Expr &classifierCall, const Expr *loraCall, CheckedModel &model) {
  auto fieldOf = [&](std::string_view name) -> Value * {
    for (auto &[key, value] : model.classifier->fields)
      if (key == name)
        return &value;
    return nullptr;
  };
  Value *head = fieldOf("head");
  Value *pooling = fieldOf("pooling");
  if (!head || !pooling)
    return;
  const Value &path = *model.base.field("path");
  std::string mode = head->text;
  if (mode != "new" && !model.savedHead) {
    if (mode == "saved")
      diagnostics_->report(head->range, DiagKind::NoSavedHead, path.text, model.whyNoSavedHead);
    mode = "new";
  }
  if (mode == "auto")
    mode = "saved";
  if (mode == "new" && model.savedHead && model.savedHead->unmergedLora)
    diagnostics_->report(head->range.valid() ? head->range : classifierCall.textRange,
                         DiagKind::ModelConfig, path.text,
                         "it keeps unmerged LoRA adapters, which load only with the head they were "
                         "trained with; use the saved head, or export it with `merge_lora true`");
  if (mode == "saved") {
    const SavedHead &saved = *model.savedHead;
    std::vector<std::string> differences;
    SourceRange where;
    if (model.labels != saved.labels) {
      differences.push_back(fmt::format("labels {} here, {} saved", joinLabels(model.labels),
                                        joinLabels(saved.labels)));
      where = model.classifier->field("labels")->range;
    }
    if (pooling->text != saved.pooling) {
      if (pooling->fromDefault) {
        pooling->text = saved.pooling;
        pooling->derived = true;
      } else {
        differences.push_back(fmt::format("pooling `{}` here, `{}` saved", pooling->text, saved.pooling));
        if (!where.valid())
          where = pooling->range;
      }
    }
    if (!differences.empty()) {
      std::string what;
      for (const std::string &difference : differences)
        what += (what.empty() ? "" : "; ") + difference;
      diagnostics_->report(where, DiagKind::SavedHeadMismatch, model.name, path.text, what);
    }
    if (saved.unmergedLora && loraCall)
      diagnostics_->report(loraCall->textRange, DiagKind::IncompatibleLayer, "lora", path.text,
                           "that export keeps its own LoRA adapters, which are loaded and trained "
                           "as saved; drop `lora(...)`");
  }
  if (head->text != mode) {
    head->text = mode;
    head->derived = true;
  }
}

// finetune M on D { ... }    evaluate M on D { ... }    export M to "path" { ... }
void Checker::checkStage(const Stmt &stmt, CheckedPipeline &out) {
  CheckedStage stage;
  stage.kind = stmt.kind == StmtKind::Finetune   ? CheckedStage::Kind::Finetune
               : stmt.kind == StmtKind::Evaluate ? CheckedStage::Kind::Evaluate
                                                 : CheckedStage::Kind::Export;
  stage.model = stmt.name.text;
  stage.range = stmt.range;
  const std::string &keyword = stmt.keyword.text;
  const Symbol *model = useSymbol(stmt.name, Symbol::Kind::Model, keyword);
  bool dataOk = true;

  Context context = stage.kind == CheckedStage::Kind::Finetune   ? Context::Finetune
                    : stage.kind == CheckedStage::Kind::Evaluate ? Context::Evaluate
                                                                 : Context::Export;
  if (stage.kind == CheckedStage::Kind::Export) {
    if (stmt.target->kind != ExprKind::String) {
      diagnostics_->report(stmt.target->range, DiagKind::TypeMismatch, "export",
                          "a folder path string such as `\"out/model\"`", describe(*stmt.target));
    } else if (options_.checkFilesystem) {
      Value path;
      path.kind = Value::Kind::String;
      path.text = stmt.target->text;
      path.range = stmt.target->range;
      std::string whyNot;
      auto resolved = options_.resolvePath(path.text, PathRoot::Output, currentFile_, &whyNot);
      if (!resolved) {
        diagnostics_->report(path.range, DiagKind::InputPathNotAllowed, path.text, whyNot);
      } else {
        stage.exportPath = *resolved;
        // The export would replace the folder: one it did not write is refused here, not after
        // the training before it (the run checks again, and so does the export itself).
        if (std::string why = record::whyExportWouldReplace(*resolved); !why.empty())
          diagnostics_->report(path.range, DiagKind::ExportTargetTaken, path.text, why);
      }
    } else {
      stage.exportPath = stmt.target->text;
    }
  } else {
    auto use = resolveDatasetUse(*stmt.target, keyword, out);
    if (use)
      stage.data = *use;
    else
      dataOk = false;
  }
  stage.options = checkBlock(context, stmt.block.get(), keyword, &out);
  std::set<std::string> given = lastGiven_;
  bool hadUnknownOption = lastBlockHadUnknown_;
  // A language model is evaluated by its loss and perplexity unless told otherwise.
  if (model && stage.kind == CheckedStage::Kind::Evaluate && out.models[model->index].isDecoder) {
    for (auto &[name, value] : stage.options.fields)
      if (name == "metrics" && value.fromDefault) {
        value.fields.clear();
        for (const char *metric : {"loss", "perplexity"}) {
          Value word;
          word.kind = Value::Kind::Word;
          word.text = metric;
          word.fromDefault = true;
          value.fields.push_back({"", word});
        }
      }
  }
  // After an unknown option (`epoch 3`) the missing one is most likely that option: say it once.
  if (stage.kind == CheckedStage::Kind::Finetune && !given.count("epochs") &&
      !given.count("steps") && !hadUnknownOption)
    diagnostics_->report(stmt.keyword.range, DiagKind::MissingOption, "finetune",
                         "`epochs` or `steps`, e.g. `epochs 3`");
  if (model)
    checkStageConsistency(stmt, stage, dataOk, out);
  if (stage.kind == CheckedStage::Kind::Finetune && dataOk)
    checkPrivacy(stage, out);
  out.stages.push_back(std::move(stage));
}

// Checks that need the model, the data and the options together.
void Checker::checkStageConsistency(const Stmt &stmt, CheckedStage &stage, bool dataOk,
                                    CheckedPipeline &out) {
  const CheckedModel &model = out.models[symbols_.at(stage.model).index];
  const Value &options = stage.options;

  // A saved head was trained on inputs cut at the export's max_len: stages that do not say
  // otherwise use the same.
  const Value *head = model.classifier ? model.classifier->field("head") : nullptr;
  if (head && head->text == "saved" && model.savedHead && model.savedHead->maxLen > 0)
    for (auto &[name, maxLen] : stage.options.fields)
      if (name == "max_len" && maxLen.fromDefault) {
        maxLen.integer = model.savedHead->maxLen;
        maxLen.number = static_cast<double>(maxLen.integer);
        maxLen.derived = true;
      }
  for (auto &[name, maxLen] : stage.options.fields) {
    if (name != "max_len" || model.maxPositions <= 0 || maxLen.integer <= model.maxPositions)
      continue;
    if (maxLen.fromDefault) {
      // The default never exceeds what the model can take: it shrinks to the model's limit.
      maxLen.integer = model.maxPositions;
      maxLen.number = static_cast<double>(model.maxPositions);
      continue;
    }
    diagnostics_->report(maxLen.range, DiagKind::MaxLenExceeded, maxLen.integer,
                         model.maxPositions, model.name);
  }

  // bf16 autocast and DP-SGD: the per-example norms would come from bf16 activations and output
  // gradients (runtime/lib/train/Precision.h); refused here rather than at the first step.
  if (const Value *precision = options.field("precision"), *privacy = options.field("privacy");
      precision && precision->text == "bf16" && privacy && privacy->kind == Value::Kind::Record &&
      !privacy->text.empty())
    diagnostics_->report(precision->range.valid() ? precision->range : stmt.keyword.range,
                         DiagKind::ConflictingOptions, "precision bf16", "privacy",
                         "DP-SGD's per-example clipping and noise run in fp32 only; train the "
                         "private model with `precision fp32`");

  // Every dataset the stage reads must carry the classifier's labels, and only those.
  auto checkLabels = [&](const DatasetUse &use, bool isEvaluation) {
    auto symbol = symbols_.find(use.dataset);
    if (symbol == symbols_.end() || symbol->second.broken)
      return;
    const CheckedDataset &data = out.datasets[symbol->second.index];
    if (!model.classifier)
      return;
    const Value &source = data.source;
    if (source.kind == Value::Kind::Record && source.text != "textfolder" &&
        !source.field("label")) {
      diagnostics_->report(use.range, DiagKind::UnlabeledData, use.dataset, model.name,
                          fmt::format("give `label:` in `{}(...)`", source.text));
      return;
    }
    if (data.labels.empty())
      return; // labels not known statically: checked row by row at run time
    std::vector<std::string> wanted = model.labels;
    std::sort(wanted.begin(), wanted.end());
    // Evaluation data may hold only some of the labels (new mail that is all ham).
    std::vector<std::string> absent;
    std::set_difference(wanted.begin(), wanted.end(), data.labels.begin(), data.labels.end(),
                        std::back_inserter(absent));
    bool subset = std::includes(wanted.begin(), wanted.end(), data.labels.begin(), data.labels.end());
    if (!data.unmatchedPatterns.empty() && subset)
      return; // the pattern that matches nothing says it (reportUnmatchedPatterns)
    if (isEvaluation && subset && !absent.empty() && !data.labels.empty()) {
      std::string names;
      for (const std::string &label : absent)
        names += (names.empty() ? "`" : ", `") + label + "`";
      diagnostics_->report(use.range, DiagKind::LabelsAbsent, use.dataset, names, model.name,
                           absent.size() == 1 ? "it" : "them");
      return;
    }
    if (wanted != data.labels) {
      const Value *declared = model.classifier->field("labels");
      diagnostics_
          ->report(use.range, DiagKind::LabelMismatch, model.name, joinLabels(model.labels),
                   use.dataset, joinLabels(data.labels))
          .note(declared ? declared->range : model.range, DiagKind::LabelsDeclaredHere, model.name)
          .note(data.labelsRange, DiagKind::LabelsDeclaredHere, use.dataset);
    }
  };
  if (stage.kind != CheckedStage::Kind::Export && dataOk)
    checkLabels(stage.data, stage.kind == CheckedStage::Kind::Evaluate);
  if (const Value *validate = options.field("validate")) {
    if (const Value *data = validate->field("data");
        data && data->kind == Value::Kind::Ref && symbols_.count(data->text.substr(0, data->text.find('.')))) {
      auto dot = data->text.find('.');
      checkLabels({data->text.substr(0, dot), dot == std::string::npos ? "" : data->text.substr(dot + 1),
                   data->range},
                  /*isEvaluation=*/false);
    }
  }

  // Metrics must make sense for the model: classification metrics need a classifier,
  // perplexity needs a language model.
  auto checkMetrics = [&](const Value *metrics) {
    if (!metrics)
      return;
    for (const auto &entry : metrics->fields) {
      if (entry.second.fromDefault)
        continue;
      const std::string &metric = entry.second.text;
      bool lmOnly = metric == "perplexity";
      bool classifierOnly = metric != "perplexity" && metric != "loss";
      if ((lmOnly && !model.isDecoder) || (classifierOnly && model.isDecoder))
        diagnostics_->report(entry.second.range.valid() ? entry.second.range : stmt.keyword.range,
                            DiagKind::MetricNotApplicable, metric,
                            model.isDecoder ? "a language model (decoder)"
                                            : "a classifier (encoder)");
      else if (metric == "false_positive_rate" && model.classifier && model.labels.size() != 2)
        diagnostics_->report(entry.second.range, DiagKind::MetricNotApplicable, metric,
                             fmt::format("a classifier of {} labels; it needs two (negative, "
                                         "positive)",
                                         model.labels.size()));
    }
  };
  if (stage.kind == CheckedStage::Kind::Evaluate)
    checkMetrics(options.field("metrics"));
  if (const Value *validate = options.field("validate")) {
    checkMetrics(validate->field("metrics"));
    if (const Value *stop = validate->field("early_stop")) {
      Value list;
      list.fields.push_back({"", *stop->field("metric")});
      checkMetrics(&list);
    }
  }
}

} // namespace ftp::lang
