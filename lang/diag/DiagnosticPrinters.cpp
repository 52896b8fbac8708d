//===- DiagnosticPrinters.cpp - text and JSON output of diagnostics -------------===//

#include "lang/diag/DiagnosticPrinters.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace ftp::lang {
namespace {

const char *severityColor(Severity severity) {
  switch (severity) {
  case Severity::Error:
    return "\033[1;31m";
  case Severity::Warning:
    return "\033[1;35m";
  case Severity::Note:
    return "\033[1;36m";
  }
  return "";
}

// Copies the whitespace of `line` up to `columns` code points so that a caret lines up under tabs.
std::string padTo(std::string_view line, uint32_t columns) {
  std::string pad;
  uint32_t seen = 0;
  for (size_t i = 0; i < line.size() && seen < columns; ++i) {
    unsigned char c = line[i];
    if ((c & 0xC0) == 0x80)
      continue;
    pad += c == '\t' ? '\t' : ' ';
    ++seen;
  }
  pad.append(columns - seen, ' ');
  return pad;
}

} // namespace

std::string formatLocation(const SourceManager &sources, SourceLoc loc) {
  if (!loc.valid())
    return "ftpc";
  LineColumn at = sources.lineColumn(loc);
  return fmt::format("{}:{}:{}", sources.name(loc.file), at.line, at.column);
}

void TextDiagnosticPrinter::handle(const Diagnostic &diagnostic) {
  print(diagnostic);
  for (const Diagnostic &note : diagnostic.notes)
    print(note);
  out_.flush();
}

void TextDiagnosticPrinter::print(const Diagnostic &d) {
  std::string location = formatLocation(sources_, d.range.begin);
  const char *bold = color_ ? "\033[1m" : "";
  const char *reset = color_ ? "\033[0m" : "";
  out_ << bold << location << ":" << reset << " " << (color_ ? severityColor(d.severity) : "")
       << severityName(d.severity) << ":" << reset << " " << bold << d.message << reset << " ["
       << diagKindInfo(d.kind).name << "]\n";
  if (d.range.valid())
    printSnippet(d.range, d.fixits);
}

void TextDiagnosticPrinter::printSnippet(SourceRange range, const std::vector<FixIt> &fixits) {
  LineColumn begin = sources_.lineColumn(range.begin);
  std::string_view line = sources_.lineText(range.begin.file, begin.line);
  LineColumn end = range.end.valid() && range.end.file == range.begin.file
                       ? sources_.lineColumn(range.end)
                       : begin;
  // A range spanning lines is underlined to the end of its first line.
  uint32_t lineEnd = static_cast<uint32_t>(codePointCount(line)) + 1;
  uint32_t endColumn = end.line == begin.line ? end.column : lineEnd;
  uint32_t width = endColumn > begin.column ? endColumn - begin.column : 1;

  std::string gutter = std::to_string(begin.line);
  std::string blank(gutter.size(), ' ');
  out_ << " " << gutter << " | " << line << "\n";
  std::string pad = padTo(line, begin.column - 1);
  out_ << " " << blank << " | " << pad << (color_ ? "\033[1;32m" : "") << '^'
       << std::string(width - 1, '~') << (color_ ? "\033[0m" : "") << "\n";
  for (const FixIt &fix : fixits) {
    if (fix.range.begin.file != range.begin.file ||
        sources_.lineColumn(fix.range.begin).line != begin.line)
      continue;
    LineColumn at = sources_.lineColumn(fix.range.begin);
    out_ << " " << blank << " | " << padTo(line, at.column - 1) << fix.replacement << "\n";
  }
}

JsonDiagnosticPrinter::JsonDiagnosticPrinter(const SourceManager &sources, std::ostream &out)
    : sources_(sources), out_(out), all_(std::make_unique<nlohmann::json>(nlohmann::json::array())) {}

JsonDiagnosticPrinter::~JsonDiagnosticPrinter() { finish(); }

static nlohmann::json rangeJson(const SourceManager &sources, SourceRange range) {
  nlohmann::json j = nlohmann::json::object();
  if (!range.valid())
    return j;
  LineColumn begin = sources.lineColumn(range.begin);
  LineColumn end = range.end.valid() ? sources.lineColumn(range.end) : begin;
  j["file"] = sources.name(range.begin.file);
  j["line"] = begin.line;
  j["column"] = begin.column;
  j["end_line"] = end.line;
  j["end_column"] = end.column;
  return j;
}

static nlohmann::json diagnosticJson(const SourceManager &sources, const Diagnostic &d) {
  nlohmann::json j = rangeJson(sources, d.range);
  j["kind"] = diagKindInfo(d.kind).name;
  j["severity"] = severityName(d.severity);
  j["message"] = d.message;
  j["notes"] = nlohmann::json::array();
  for (const Diagnostic &note : d.notes)
    j["notes"].push_back(diagnosticJson(sources, note));
  j["fixits"] = nlohmann::json::array();
  for (const FixIt &fix : d.fixits) {
    nlohmann::json f = rangeJson(sources, fix.range);
    f["replacement"] = fix.replacement;
    j["fixits"].push_back(std::move(f));
  }
  return j;
}

void JsonDiagnosticPrinter::handle(const Diagnostic &diagnostic) {
  all_->push_back(diagnosticJson(sources_, diagnostic));
}

void JsonDiagnosticPrinter::finish() {
  if (finished_)
    return;
  finished_ = true;
  // Invalid UTF-8 from a broken source file must not make the dump throw: replace it.
  out_ << all_->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  out_.flush();
}

} // namespace ftp::lang
