//===- Diagnostic.cpp - diagnostics and the engine that reports them ------------===//

#include "lang/diag/Diagnostic.h"

namespace ftp::lang {

static const DiagKindInfo kKindInfo[] = {
#define DIAGNOSTIC(Name, Kebab, Sev, Format) {Kebab, Severity::Sev, Format},
#include "lang/diag/DiagnosticKinds.def"
};

const DiagKindInfo &diagKindInfo(DiagKind kind) { return kKindInfo[static_cast<size_t>(kind)]; }

std::vector<DiagKind> allDiagKinds() {
  std::vector<DiagKind> kinds;
  for (size_t i = 0; i < std::size(kKindInfo); ++i)
    kinds.push_back(static_cast<DiagKind>(i));
  return kinds;
}

const char *severityName(Severity severity) {
  switch (severity) {
  case Severity::Note:
    return "note";
  case Severity::Warning:
    return "warning";
  case Severity::Error:
    return "error";
  }
  return "error";
}

DiagnosticBuilder::~DiagnosticBuilder() {
  if (engine_)
    engine_->emit(std::move(diagnostic_));
}

void DiagnosticEngine::emit(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::Error)
    ++errors_;
  else if (diagnostic.severity == Severity::Warning)
    ++warnings_;
  consumer_.handle(diagnostic);
}

} // namespace ftp::lang
