//===- Diagnostic.h - diagnostics and the engine that reports them --------------===//
//
// One engine for every phase: lexer, parser, checker, ftp.toml and --set overrides, and MLIR's
// verifier all report through it, so every message prints as
//
//   file:line:col: error: message [kind]
//      12 |     source line
//         |     ^~~~~
//
// followed by notes and fix-it hints. Consumers print text for people or JSON for tools.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/SourceManager.h"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace ftp::lang {

enum class Severity { Note, Warning, Error };

enum class DiagKind : uint16_t {
#define DIAGNOSTIC(Name, Kebab, Severity, Format) Name,
#include "lang/diag/DiagnosticKinds.def"
};

struct DiagKindInfo {
  const char *name;   // kebab-case, printed in brackets
  Severity severity;
  const char *format; // fmt format string
};

const DiagKindInfo &diagKindInfo(DiagKind kind);
/// All kinds in declaration order (for registry-coverage tests and `ftpc --list-diagnostics`).
std::vector<DiagKind> allDiagKinds();
const char *severityName(Severity severity);

/// Replace `range` with `replacement` to fix the problem.
struct FixIt {
  SourceRange range;
  std::string replacement;
};

struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;
  std::string message;
  std::vector<Diagnostic> notes;
  std::vector<FixIt> fixits;
};

class DiagnosticConsumer {
public:
  virtual ~DiagnosticConsumer() = default;
  virtual void handle(const Diagnostic &diagnostic) = 0;
  /// Called once after the last diagnostic (JSON output closes its array here).
  virtual void finish() {}
};

class DiagnosticEngine;

/// Collects notes and fix-its for one diagnostic and hands it to the engine when destroyed.
class DiagnosticBuilder {
public:
  DiagnosticBuilder(DiagnosticEngine *engine, Diagnostic diagnostic)
      : engine_(engine), diagnostic_(std::move(diagnostic)) {}
  DiagnosticBuilder(DiagnosticBuilder &&other) noexcept
      : engine_(other.engine_), diagnostic_(std::move(other.diagnostic_)) {
    other.engine_ = nullptr;
  }
  DiagnosticBuilder(const DiagnosticBuilder &) = delete;
  ~DiagnosticBuilder();

  template <typename... Args>
  DiagnosticBuilder &note(SourceRange range, DiagKind kind, const Args &...args);
  DiagnosticBuilder &fixit(SourceRange range, std::string replacement) {
    diagnostic_.fixits.push_back({range, std::move(replacement)});
    return *this;
  }

private:
  DiagnosticEngine *engine_;
  Diagnostic diagnostic_;
};

class DiagnosticEngine {
public:
  DiagnosticEngine(const SourceManager &sources, DiagnosticConsumer &consumer)
      : sources_(sources), consumer_(consumer) {}

  template <typename... Args>
  DiagnosticBuilder report(SourceRange range, DiagKind kind, const Args &...args) {
    const DiagKindInfo &info = diagKindInfo(kind);
    return DiagnosticBuilder(
        this, Diagnostic{kind, info.severity, range, formatMessage(info, args...), {}, {}});
  }
  template <typename... Args>
  DiagnosticBuilder report(SourceLoc at, DiagKind kind, const Args &...args) {
    return report(SourceRange(at), kind, args...);
  }

  /// Passes a finished diagnostic to the consumer (used by DiagnosticBuilder and by adaptors that
  /// translate other engines' diagnostics, e.g. MLIR's).
  void emit(Diagnostic diagnostic);

  unsigned errorCount() const { return errors_; }
  unsigned warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ != 0; }
  const SourceManager &sources() const { return sources_; }

  template <typename... Args>
  static std::string formatMessage(const DiagKindInfo &info, const Args &...args) {
    return fmt::format(fmt::runtime(info.format), args...);
  }

private:
  const SourceManager &sources_;
  DiagnosticConsumer &consumer_;
  unsigned errors_ = 0;
  unsigned warnings_ = 0;
};

template <typename... Args>
DiagnosticBuilder &DiagnosticBuilder::note(SourceRange range, DiagKind kind,
                                           const Args &...args) {
  const DiagKindInfo &info = diagKindInfo(kind);
  diagnostic_.notes.push_back(
      {kind, info.severity, range, DiagnosticEngine::formatMessage(info, args...), {}, {}});
  return *this;
}

} // namespace ftp::lang
