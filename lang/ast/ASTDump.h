//===- ASTDump.h - `ftpc --emit=ast` --------------------------------------------===//
#pragma once

#include "lang/ast/AST.h"

#include <ostream>

namespace ftp::lang {

/// Prints the tree one node a line, indented, each with its `line:col`, for tests and debugging.
void dumpAST(const File &file, const SourceManager &sources, std::ostream &out);

} // namespace ftp::lang
