//===- ftp-opt.cpp - run ftpc's passes on MLIR text -----------------------------===//
//
// The MLIR-level driver, for tests and debugging: parses .mlir with the `ftp` dialect and the
// upstream dialects ftpc lowers through, runs any registered pass pipeline, prints the result.
//
//===----------------------------------------------------------------------------------------===//

#include "ftp/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  ftp::registerAllDialects(registry);
  ftp::registerAllPasses();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "ftpc's MLIR optimizer driver\n", registry));
}
