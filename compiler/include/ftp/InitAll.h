//===- InitAll.h - register ftpc's dialects and passes --------------------------===//
//
// Only the dialects and passes that ftpc uses are registered: pulling in mlir/InitAll*.h costs
// about 40% more compile time on the MLIR-heavy files and links much of MLIR for nothing.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

namespace mlir {
class DialectRegistry;
}

namespace ftp {

/// Adds the `ftp` dialect and the upstream dialects ftpc lowers through.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers ftpc's passes and the upstream passes its pipelines use, for `ftp-opt`.
void registerAllPasses();

} // namespace ftp
