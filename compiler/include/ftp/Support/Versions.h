//===- Versions.h - versions the compiler was built with ------------------------===//
//
// Deliberately free of MLIR headers: the ftpc driver includes this to print `--version`.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

namespace ftp::compiler {

/// The LLVM/MLIR release the compiler library was compiled against, e.g. "19.1.7".
const char *mlirVersion();

} // namespace ftp::compiler
