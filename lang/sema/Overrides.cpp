//===- Overrides.cpp - `--set path.to.option=value` on a parsed program ---------===//

#include "lang/sema/Overrides.h"

#include "lang/diag/Suggest.h"
#include "lang/parse/Parser.h"

#include <fmt/format.h>

namespace ftp::lang {
namespace {

StmtKind stageKind(std::string_view word, bool *isStage) {
  *isStage = true;
  if (word == "finetune")
    return StmtKind::Finetune;
  if (word == "evaluate")
    return StmtKind::Evaluate;
  if (word == "export")
    return StmtKind::Export;
  *isStage = false;
  return StmtKind::Option;
}

} // namespace

bool applyOverride(File &file, std::string_view argument, SourceManager &sources,
                   DiagnosticEngine &diagnostics) {
  uint32_t buffer = sources.addBuffer("--set", std::string(argument));
  Parser parser(buffer, sources, diagnostics);
  std::vector<Name> path;
  std::vector<Arg> args;
  if (!parser.parseOverride(path, args))
    return false;
  SourceRange whole(SourceLoc{buffer, 0}, SourceLoc{buffer, static_cast<uint32_t>(argument.size())});
  auto fail = [&](SourceRange range, const std::string &why) {
    diagnostics.report(range, DiagKind::OverrideTarget, why);
    return false;
  };

  // [pipeline.] — optional when the file has one pipeline.
  size_t i = 0;
  Section *pipeline = nullptr;
  for (Section &section : file.pipelines)
    if (section.name.text == path[0].text && path.size() > 1) {
      pipeline = &section;
      i = 1;
    }
  if (!pipeline) {
    if (file.pipelines.size() != 1) {
      std::vector<std::string> names;
      for (const Section &section : file.pipelines)
        names.push_back(section.name.text);
      return fail(path[0].range,
                  file.pipelines.empty()
                      ? "the file defines no pipeline"
                      : fmt::format("the file defines several pipelines; start the path with one of "
                                    "their names{}",
                                    didYouMean(path[0].text, names)));
    }
    pipeline = &file.pipelines[0];
  }
  if (i >= path.size())
    return fail(whole, "the path names a pipeline but no option");

  // statement: a stage keyword (with the model's name if needed) or a pipeline-level option.
  Block *block = &pipeline->body;
  bool isStage = false;
  StmtKind kind = stageKind(path[i].text, &isStage);
  if (isStage) {
    std::vector<Stmt *> stages;
    for (StmtPtr &stmt : pipeline->body.stmts)
      if (stmt->kind == kind)
        stages.push_back(stmt.get());
    const Name &keyword = path[i++];
    Stmt *chosen = nullptr;
    if (i < path.size())
      for (Stmt *stage : stages)
        if (stage->name.text == path[i].text)
          chosen = stage;
    if (chosen) {
      ++i;
    } else if (stages.size() == 1) {
      chosen = stages[0];
    } else {
      return fail(keyword.range,
                  stages.empty()
                      ? fmt::format("pipeline `{}` has no `{}` statement", pipeline->name.text,
                                    keyword.text)
                      : fmt::format("pipeline `{}` has several `{}` statements; name the model, as "
                                    "in `{}.{}.option`",
                                    pipeline->name.text, keyword.text, keyword.text,
                                    stages[0]->name.text));
    }
    if (!chosen->block)
      chosen->block = std::make_unique<Block>();
    block = chosen->block.get();
  }
  if (i >= path.size())
    return fail(whole, "the path names a statement but no option");

  // {block.} option — create blocks on the way; the checker validates every name.
  for (; i + 1 < path.size(); ++i) {
    Stmt *inner = nullptr;
    for (StmtPtr &stmt : block->stmts)
      if (stmt->kind == StmtKind::Option && stmt->keyword.text == path[i].text)
        inner = stmt.get();
    if (!inner) {
      auto created = std::make_unique<Stmt>(StmtKind::Option, path[i].range);
      created->keyword = path[i];
      inner = created.get();
      block->stmts.push_back(std::move(created));
    }
    if (!inner->block)
      inner->block = std::make_unique<Block>();
    block = inner->block.get();
  }
  const Name &option = path.back();
  Stmt *target = nullptr;
  for (StmtPtr &stmt : block->stmts)
    if (stmt->kind == StmtKind::Option && stmt->keyword.text == option.text)
      target = stmt.get();
  if (!target) {
    auto created = std::make_unique<Stmt>(StmtKind::Option, whole);
    created->keyword = option;
    target = created.get();
    block->stmts.push_back(std::move(created));
  }
  // The new value replaces the old one; a block the option had is kept.
  target->args = std::move(args);
  target->keyword.range = option.range;
  target->range = whole;
  return true;
}

} // namespace ftp::lang
