//===- FtpDialect.cpp - the ftp dialect -----------------------------------------===//

#include "ftp/Dialect/Ftp/IR/FtpDialect.h"
#include "ftp/Dialect/Ftp/IR/FtpOps.h"

using namespace mlir;
using namespace ftp;

#include "ftp/Dialect/Ftp/IR/FtpOpsDialect.cpp.inc"

void FtpDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ftp/Dialect/Ftp/IR/FtpOps.cpp.inc"
      >();
}
