//===- SchemaDoc.h - the language reference, generated from the schema ----------===//
#pragma once

#include <ostream>

namespace ftp::lang {

/// Prints every block's options and every function with its parameters (type, default, range,
/// meaning) as Markdown. docs/language.md's reference section is this output verbatim
/// (`ftpc --print-schema`; tests/lit/docs/reference.test keeps them equal).
void printSchemaReference(std::ostream &out);

} // namespace ftp::lang
