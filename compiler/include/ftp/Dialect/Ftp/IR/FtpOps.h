//===- FtpOps.h - operations of the ftp dialect ---------------------------------===//
#pragma once

#include "ftp/Dialect/Ftp/IR/FtpDialect.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SmallVector.h"

#include <string>

#define GET_OP_CLASSES
#include "ftp/Dialect/Ftp/IR/FtpOps.h.inc"
