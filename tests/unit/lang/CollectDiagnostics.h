//===- CollectDiagnostics.h - a consumer that keeps diagnostics for assertions --===//
#pragma once

#include "lang/diag/Diagnostic.h"

#include <vector>

namespace ftp::lang::testing {

/// Keeps every diagnostic reported, in order, for a test to inspect.
class CollectDiagnostics : public DiagnosticConsumer {
public:
  void handle(const Diagnostic &d) override { all.push_back(d); }
  std::vector<Diagnostic> all;
};

} // namespace ftp::lang::testing
