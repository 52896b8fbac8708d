//===- AST.h - the syntax tree of a .ftp file -----------------------------------===//
//
// The parser builds this tree; the checker (lang/sema) annotates nothing in place but reads it to
// build the checked pipeline. Every node carries its source range for diagnostics.
//
// A file is a version line, imports, and pipelines and presets. A pipeline or preset body is a block
// of statements. Five statements have their own syntax (data, model, finetune, evaluate, export);
// every other statement is an *option*: a name, optional arguments, an optional block, e.g.
//
//   seed 1234
//   optimizer adamw(lr: 5e-5, weight_decay: 0.01)
//   metrics accuracy, f1
//   robustness { ... }
//
// which the checker validates against the schema (lang/sema/Schema.h).
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/diag/SourceManager.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ftp::lang {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

/// An identifier with its place in the source.
struct Name {
  std::string text;
  SourceRange range;
  bool empty() const { return text.empty(); }
};

/// `label: value` or a plain positional `value`. Labels of map entries may be strings.
struct Arg {
  Name label;                 // empty for positional arguments
  bool labelIsString = false; // `"*ham*": ham`
  ExprPtr value;
};

enum class ExprKind {
  Integer,    // 32, 10_000              integer
  Float,      // 0.1, 5e-5               number
  Quantity,   // 500 steps, 2 epochs, 10%   number + unit
  String,     // "data/mail"             text
  Identifier, // ham, true, embeddings   text
  Member,     // mail.train              base + text
  Call,       // adamw(lr: 5e-5)         text (callee) + args; calleeRange
  List,       // [ham, spam]             args (all positional)
  Map,        // {"*ham*": ham}          args (all labelled)
  Negate,     // -1                      base
};

struct Expr {
  ExprKind kind;
  SourceRange range;
  std::string text;     // identifier, unescaped string, member or callee name, quantity unit
  SourceRange textRange; // of the callee or member name
  int64_t integer = 0;  // Integer, and the number of an integer Quantity
  double number = 0;    // Float and Integer (as double), Quantity
  bool integral = true; // whether the number was written as an integer
  std::string spelling; // numbers as written, for messages and the formatter
  ExprPtr base;         // Member, Negate
  std::vector<Arg> args;

  Expr(ExprKind k, SourceRange r) : kind(k), range(r) {}
};

struct Block;

enum class StmtKind {
  Option,   // name args [block]
  Data,     // data name = chain
  Model,    // model name = chain
  Finetune, // finetune name on target block
  Evaluate, // evaluate name on target [block]
  Export,   // export name to target [block]
};

struct Stmt {
  StmtKind kind;
  SourceRange range;
  Name keyword;                 // `data`, `finetune`, ... or the option's name
  Name name;                    // the bound or referenced stage name (not for options)
  std::vector<Arg> args;        // Option arguments
  std::vector<ExprPtr> chain;   // Data and Model: the `|` chain
  ExprPtr target;               // Finetune/Evaluate `on` dataset, Export `to` path
  std::unique_ptr<Block> block; // optional
  bool broken = false;          // a syntax error was reported inside it; only its name is usable

  Stmt(StmtKind k, SourceRange r) : kind(k), range(r) {}
};
using StmtPtr = std::unique_ptr<Stmt>;

struct Block {
  SourceRange range;
  std::vector<StmtPtr> stmts;
};

struct Import {
  SourceRange range;
  std::string path; // as written (unescaped)
  SourceRange pathRange;
  Name alias;       // `as name`; otherwise the last path component
};

/// `pipeline name { ... }` or `preset name { ... }`.
struct Section {
  SourceRange range;
  Name keyword;
  Name name;
  Block body;
};

struct File {
  uint32_t fileId = 0;
  std::string version; // "0.1"
  SourceRange versionRange;
  std::vector<Import> imports;
  std::vector<Section> pipelines;
  std::vector<Section> presets;
};

const char *exprKindName(ExprKind kind);
const char *stmtKindName(StmtKind kind);

} // namespace ftp::lang
