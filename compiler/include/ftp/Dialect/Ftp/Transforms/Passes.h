//===- Passes.h - passes of the ftp dialect -------------------------------------===//
#pragma once

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
}

namespace ftp {

#define GEN_PASS_DECL
#include "ftp/Dialect/Ftp/Transforms/Passes.h.inc"

/// Patterns that lower ftp step-math ops to linalg.generic.
void populateFtpToLinalgPatterns(mlir::RewritePatternSet &patterns);

#define GEN_PASS_REGISTRATION
#include "ftp/Dialect/Ftp/Transforms/Passes.h.inc"

} // namespace ftp
