//===- FtpDialect.h - the ftp dialect -------------------------------------------===//
#pragma once

#include "mlir/IR/Dialect.h"

#include "ftp/Dialect/Ftp/IR/FtpOpsDialect.h.inc"
