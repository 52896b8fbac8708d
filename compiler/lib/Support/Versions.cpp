//===- Versions.cpp - versions the compiler was built with ----------------------===//

#include "ftp/Support/Versions.h"

#include "llvm/Config/llvm-config.h"

const char *ftp::compiler::mlirVersion() { return LLVM_VERSION_STRING; }
