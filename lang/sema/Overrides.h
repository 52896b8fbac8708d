//===- Overrides.h - `--set path.to.option=value` on a parsed program -----------===//
#pragma once

#include "lang/ast/AST.h"
#include "lang/diag/Diagnostic.h"

#include <string_view>

namespace ftp::lang {

/// Applies one `--set PATH=VALUE` to the parsed file, before checking. The argument becomes a
/// buffer named `--set`, so the checker's errors about the new value point into it. PATH is
/// `[pipeline.]statement{.block}.option`, where statement is a pipeline-level option (`seed`) or
/// `finetune`, `evaluate`, `export`, optionally followed by the model's name when several exist
/// (`finetune.clf.epochs`); blocks that do not exist yet are created. Returns false after
/// reporting an error.
bool applyOverride(File &file, std::string_view argument, SourceManager &sources,
                   DiagnosticEngine &diagnostics);

} // namespace ftp::lang
