//===- VerifyDiagnostics.h - `--verify-diagnostics`: check expected diagnostics -===//
//
// Tests of the front end say which diagnostics a file must produce, in its own comments, the way
// MLIR's -verify-diagnostics and CIRCT firtool's do:
//
//   data x textfolder("mail")   # expected-error [expected-token] {{expected `=`}}
//   # expected-error@+1 {{unknown option}}
//   lerning_rate 0.1
//
// An annotation is `expected-error`, `expected-warning` or `expected-note`, then optionally where
// (`@+N` / `@-N`: N lines below / above the comment; `@*`: a diagnostic without a location), then
// optionally the kind in brackets, which must match exactly, then `{{text}}`, which the message
// must contain. A comment may hold several. Each annotation must be met by a diagnostic of its own
// (notes count as diagnostics of their own), and each diagnostic must be expected.
// `expected-no-diagnostics` says the input must produce none; an input without any annotation
// fails, so that a test cannot pass by accident because its annotations were never read.
//
// The verifier replaces the usual printer: it collects diagnostics while the compiler runs and, in
// finish(), compares them with the annotations of every buffer in the SourceManager (imported
// modules included). Mismatches print as ordinary diagnostics (`[verify-missing]`,
// `[verify-unexpected]`, `[verify-malformed]`, `[verify-no-annotations]`) through a plain text
// printer.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/Diagnostic.h"

#include <ostream>
#include <vector>

namespace ftp::lang {

class VerifyingDiagnosticConsumer : public DiagnosticConsumer {
public:
  /// Mismatches are printed on `out` once finish() runs.
  VerifyingDiagnosticConsumer(const SourceManager &sources, std::ostream &out)
      : sources_(sources), out_(out) {}

  void handle(const Diagnostic &diagnostic) override;
  /// Reads the annotations, matches them against what was reported and prints the mismatches.
  /// Runs once; later calls do nothing.
  void finish() override;

  /// After finish(): true when every annotation was met and every diagnostic was expected.
  bool succeeded() const { return finished_ && failures_ == 0; }
  /// After finish(): the number of mismatches and malformed annotations printed.
  unsigned failures() const { return failures_; }

private:
  const SourceManager &sources_;
  std::ostream &out_;
  std::vector<Diagnostic> reported_; // notes flattened into entries of their own
  bool finished_ = false;
  unsigned failures_ = 0;
};

} // namespace ftp::lang
