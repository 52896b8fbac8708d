//===- Formatter.h - `ftpc fmt`: the canonical layout of .ftp files -------------===//
//
// Reprints a .ftp buffer in its one canonical layout, keeping every comment. The rules are listed at
// the top of Formatter.cpp. The formatter works on tokens, not on the tree, so it never loses a
// comment or changes how a number or string is spelled; it uses the parser only to refuse a file
// with errors and to tell block braces from map braces.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/Diagnostic.h"

#include <optional>
#include <string>

namespace ftp::lang {

/// Returns the canonical text of `file`, or std::nullopt when the file has a lexer or parser
/// error; those errors have then been reported through `diagnostics`. The result ends with
/// exactly one `\n`, uses `\n` line ends, and has no byte-order mark.
std::optional<std::string> formatSource(uint32_t file, const SourceManager &sources,
                                        DiagnosticEngine &diagnostics);

} // namespace ftp::lang
