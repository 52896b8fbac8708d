//===- Driver.h - shared pieces of ftpc's subcommands ---------------------------===//
#pragma once

#include "lang/diag/Diagnostic.h"
#include "lang/diag/DiagnosticPrinters.h"

#include <memory>
#include <string>

namespace ftp::driver {

/// ftpc's exit codes, documented in docs/cli.md.
enum ExitCode : int {
  kExitOk = 0,
  kExitUserError = 1,     // bad input: the program, a file, an option
  kExitInternalError = 2, // a bug in ftpc
  kExitNotImplemented = 3,
};

struct DiagnosticOptions {
  std::string format = "text"; // text | json
  std::string color = "auto";  // auto | always | never
};

/// The sources, the diagnostics engine and its printer for one ftpc invocation.
class Session {
public:
  explicit Session(const DiagnosticOptions &options);
  ~Session();

  lang::SourceManager &sources() { return sources_; }
  lang::DiagnosticEngine &diagnostics() { return *engine_; }

  /// Loads a file, reporting `file-not-readable` on failure.
  std::optional<uint32_t> load(const std::string &path);

  /// Flushes the printer (closes the JSON array) and returns the exit code for what was reported.
  int finish();

private:
  lang::SourceManager sources_;
  std::unique_ptr<lang::DiagnosticConsumer> printer_;
  std::unique_ptr<lang::DiagnosticEngine> engine_;
};

int emitTokens(Session &session, const std::string &path);
int emitAST(Session &session, const std::string &path);

} // namespace ftp::driver
