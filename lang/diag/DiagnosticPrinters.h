//===- DiagnosticPrinters.h - text and JSON output of diagnostics ---------------===//
#pragma once

#include "lang/diag/Diagnostic.h"

#include <nlohmann/json_fwd.hpp>

#include <memory>
#include <ostream>

namespace ftp::lang {

/// `file:line:col: error: message [kind]`, the source line, a caret under the range, fix-its.
class TextDiagnosticPrinter : public DiagnosticConsumer {
public:
  TextDiagnosticPrinter(const SourceManager &sources, std::ostream &out, bool color = false)
      : sources_(sources), out_(out), color_(color) {}
  void handle(const Diagnostic &diagnostic) override;

private:
  void print(const Diagnostic &diagnostic);
  void printSnippet(SourceRange range, const std::vector<FixIt> &fixits);

  const SourceManager &sources_;
  std::ostream &out_;
  bool color_;
};

/// One JSON array of diagnostics, for editors and tools (`--diagnostics-format=json`). Each entry:
/// {"kind", "severity", "message", "file", "line", "column", "end_line", "end_column",
///  "notes": [...], "fixits": [{"file", "line", "column", "end_line", "end_column", "replacement"}]}
class JsonDiagnosticPrinter : public DiagnosticConsumer {
public:
  JsonDiagnosticPrinter(const SourceManager &sources, std::ostream &out);
  ~JsonDiagnosticPrinter() override;
  void handle(const Diagnostic &diagnostic) override;
  void finish() override;

private:
  const SourceManager &sources_;
  std::ostream &out_;
  std::unique_ptr<nlohmann::json> all_;
  bool finished_ = false;
};

/// Formats a location as `file:line:col` (or just `file` when the location has no offset).
std::string formatLocation(const SourceManager &sources, SourceLoc loc);

} // namespace ftp::lang
