//===- ASTDump.cpp - `ftpc --emit=ast` ------------------------------------------===//

#include "lang/ast/ASTDump.h"

#include <fmt/format.h>

namespace ftp::lang {

const char *exprKindName(ExprKind kind) {
  switch (kind) {
  case ExprKind::Integer: return "Integer";
  case ExprKind::Float: return "Float";
  case ExprKind::Quantity: return "Quantity";
  case ExprKind::String: return "String";
  case ExprKind::Identifier: return "Identifier";
  case ExprKind::Member: return "Member";
  case ExprKind::Call: return "Call";
  case ExprKind::List: return "List";
  case ExprKind::Map: return "Map";
  case ExprKind::Negate: return "Negate";
  }
  return "Expr";
}

const char *stmtKindName(StmtKind kind) {
  switch (kind) {
  case StmtKind::Option: return "Option";
  case StmtKind::Data: return "Data";
  case StmtKind::Model: return "Model";
  case StmtKind::Finetune: return "Finetune";
  case StmtKind::Evaluate: return "Evaluate";
  case StmtKind::Export: return "Export";
  }
  return "Stmt";
}

namespace {

class Dumper {
public:
  Dumper(const SourceManager &sources, std::ostream &out) : sources_(sources), out_(out) {}

  void line(int depth, SourceRange range, const std::string &text) {
    LineColumn at = sources_.lineColumn(range.begin);
    out_ << std::string(2 * depth, ' ') << text << " @" << at.line << ":" << at.column << "\n";
  }

  void expr(int depth, const Expr &e, const std::string &label = "") {
    std::string head = label.empty() ? "" : label + ": ";
    head += exprKindName(e.kind);
    switch (e.kind) {
    case ExprKind::Integer:
    case ExprKind::Float:
      head += " " + e.spelling;
      break;
    case ExprKind::Quantity:
      head += " " + e.spelling + " " + e.text;
      break;
    case ExprKind::String:
      head += " \"" + e.text + "\"";
      break;
    case ExprKind::Identifier:
    case ExprKind::Member:
    case ExprKind::Call:
      head += " " + e.text;
      break;
    default:
      break;
    }
    line(depth, e.range, head);
    if (e.base)
      expr(depth + 1, *e.base);
    for (const Arg &arg : e.args)
      expr(depth + 1, *arg.value, arg.labelIsString ? "\"" + arg.label.text + "\"" : arg.label.text);
  }

  void block(int depth, const Block &b) {
    for (const StmtPtr &s : b.stmts)
      stmt(depth, *s);
  }

  void stmt(int depth, const Stmt &s) {
    std::string head = std::string(stmtKindName(s.kind)) + " " +
                       (s.kind == StmtKind::Option ? s.keyword.text : s.name.text);
    line(depth, s.range, head);
    for (const Arg &arg : s.args)
      expr(depth + 1, *arg.value, arg.label.text);
    for (const ExprPtr &element : s.chain)
      expr(depth + 1, *element, "|");
    if (s.target)
      expr(depth + 1, *s.target, s.kind == StmtKind::Export ? "to" : "on");
    if (s.block)
      block(depth + 1, *s.block);
  }

  void file(const File &f) {
    out_ << "File version " << f.version << "\n";
    for (const Import &i : f.imports)
      line(1, i.range, i.alias.empty() ? fmt::format("Import \"{}\"", i.path)
                                       : fmt::format("Import \"{}\" as {}", i.path, i.alias.text));
    for (const Section &p : f.presets) {
      line(1, p.range, "Preset " + p.name.text);
      block(2, p.body);
    }
    for (const Section &p : f.pipelines) {
      line(1, p.range, "Pipeline " + p.name.text);
      block(2, p.body);
    }
  }

private:
  const SourceManager &sources_;
  std::ostream &out_;
};

} // namespace

void dumpAST(const File &file, const SourceManager &sources, std::ostream &out) {
  Dumper(sources, out).file(file);
}

} // namespace ftp::lang
