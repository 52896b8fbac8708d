//===- Check.cpp - `ftpc check` and `ftpc --emit=sema` ---------------------------===//

#include "lang/plan/Plan.h"
#include "Driver.h"

#include "lang/config/ProjectConfig.h"
#include "lang/parse/Parser.h"
#include "lang/sema/Checker.h"
#include "lang/sema/Overrides.h"
#include "lang/sema/SemaDump.h"

#include <fmt/format.h>

#include <iostream>
#include <memory>

namespace ftp::driver {

std::optional<lang::CheckedProgram> checkProgram(Session &session, const std::string &path,
                                                 const std::vector<std::string> &overrides,
                                                 LoadedConfig *configOut) {
  auto file = session.load(path);
  if (!file)
    return std::nullopt;
  // ftp.toml and the `--set` arguments that are settings; the rest override pipeline options.
  auto loaded = std::make_shared<LoadedConfig>(loadProjectConfig(session, path, overrides));
  lang::Parser parser(*file, session.sources(), session.diagnostics());
  lang::File ast = parser.parseFile();
  for (const std::string &override : loaded->optionOverrides)
    lang::applyOverride(ast, override, session.sources(), session.diagnostics());
  lang::CheckOptions options;
  options.stdlibDirs = {FTPC_STDLIB_DIR};
  // Inputs resolve against data_root / model_root and must stay inside the project or the
  // folders ftp.toml allows; exports resolve against the pipeline's folder, likewise confined.
  options.resolvePath = [loaded](std::string_view written, lang::PathRoot root, uint32_t,
                                 std::string *whyNot) {
    lang::InputRoot base = root == lang::PathRoot::Data    ? lang::InputRoot::Data
                           : root == lang::PathRoot::Model ? lang::InputRoot::Model
                                                           : lang::InputRoot::PipelineDir;
    return lang::resolveInputPath(loaded->config, written, base, whyNot);
  };
  lang::Checker checker(session.sources(), session.diagnostics(), options);
  lang::CheckedProgram program = checker.check(ast);
  if (session.diagnostics().hasErrors())
    return std::nullopt;
  if (configOut)
    *configOut = *loaded;
  return program;
}

int checkFiles(Session &session, const std::vector<std::string> &paths,
               const std::vector<std::string> &overrides) {
  // A program that trains privately gets its budget printed: what `check` proved is worth seeing.
  std::vector<std::string> budgets;
  for (const std::string &path : paths)
    if (auto program = checkProgram(session, path, overrides))
      for (const lang::CheckedPipeline &pipeline : program->pipelines)
        for (const lang::CheckedStage &stage : pipeline.stages)
          if (stage.privacy)
            budgets.push_back(fmt::format(
                "{}: finetune {} on {}: {}", pipeline.name, stage.model,
                stage.data.split.empty() ? stage.data.dataset
                                         : stage.data.dataset + "." + stage.data.split,
                lang::formatPrivacyBudget(*stage.privacy)));
  int status = session.finish();
  if (!session.verifying())
    for (const std::string &line : budgets)
      std::cout << line << "\n";
  return status;
}

int emitSema(Session &session, const std::string &path, const std::vector<std::string> &overrides) {
  auto program = checkProgram(session, path, overrides);
  if (program)
    lang::dumpChecked(*program, std::cout);
  return session.finish();
}

int emitPlan(Session &session, const std::string &path, const std::vector<std::string> &overrides) {
  LoadedConfig loaded;
  auto program = checkProgram(session, path, overrides, &loaded);
  if (program)
    for (const lang::CheckedPipeline &pipeline : program->pipelines)
      std::cout << lang::makePlan(pipeline, loaded.config).dump(2) << "\n";
  return session.finish();
}

} // namespace ftp::driver
