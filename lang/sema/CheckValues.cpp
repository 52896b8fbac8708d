//===- CheckValues.cpp - blocks, arguments and values against the schema --------===//

#include "lang/sema/Checker.h"

#include "lang/diag/Suggest.h"
#include "lang/parse/Parser.h"

#include <fmt/format.h>

#include <stdexcept>

namespace ftp::lang {
namespace {

std::string quotedList(const std::vector<std::string> &names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i)
    out += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + ("`" + names[i] + "`");
  return out;
}

// "`lr` of `adamw`", or just "`epochs`" for an option's single value. The message formats put
// the outer backticks around {0}.
std::string argumentName(const std::string &owner, const std::string &param) {
  return param == "value" ? owner : param + "` of `" + owner;
}

Value makeWord(const Expr &expr) {
  Value v;
  v.kind = Value::Kind::Word;
  v.text = expr.text;
  v.range = expr.range;
  return v;
}

// The number an Integer, Float or negated one holds; nullopt for anything else.
std::optional<double> numberOf(const Expr &expr, bool *integral) {
  if (expr.kind == ExprKind::Integer || expr.kind == ExprKind::Float) {
    *integral = expr.integral;
    return expr.number;
  }
  if (expr.kind == ExprKind::Negate && expr.base) {
    auto inner = numberOf(*expr.base, integral);
    if (inner)
      return -*inner;
  }
  return std::nullopt;
}

} // namespace

std::string Checker::describe(const Expr &expr) const {
  if (expr.range.valid() && expr.range.begin.file == expr.range.end.file) {
    std::string_view text = sources_.text(expr.range.begin.file)
                                .substr(expr.range.begin.offset,
                                        expr.range.end.offset - expr.range.begin.offset);
    if (text.size() <= 32 && text.find('\n') == std::string_view::npos) {
      if (expr.kind == ExprKind::String)
        return "the string `" + std::string(text) + "`";
      return "`" + std::string(text) + "`";
    }
  }
  switch (expr.kind) {
  case ExprKind::String: return "a string";
  case ExprKind::List: return "a list";
  case ExprKind::Map: return "a map";
  case ExprKind::Call: return "`" + expr.text + "(...)`";
  default: return std::string("a ") + exprKindName(expr.kind);
  }
}

Value Checker::checkBlock(Context context, const Block *block, const std::string &owner,
                          const CheckedPipeline *pipeline) {
  std::vector<const Stmt *> stmts;
  if (block)
    for (const StmtPtr &stmt : block->stmts)
      stmts.push_back(stmt.get());
  return checkStatements(context, stmts, owner, pipeline);
}

Value Checker::checkStatements(Context context, const std::vector<const Stmt *> &stmts,
                               const std::string &owner, const CheckedPipeline *pipeline) {
  Value record;
  record.kind = Value::Kind::Record;
  record.text = contextName(context);

  // Options written in the block, then those of the presets it uses (which never override), in a
  // work queue: a preset's own `use` adds to the queue, resolved in the preset's module.
  struct Entry {
    const Stmt *stmt;
    const Module *scope; // where `use` inside it resolves; nullptr: the file being checked
    bool fromPreset;
  };
  std::vector<Entry> queue;
  for (const Stmt *stmt : stmts)
    queue.push_back({stmt, presetScope_, false});
  std::map<const Section *, SourceRange> applied;
  std::map<std::string, Entry> given;
  bool hadUnknown = false;
  auto take = [&](const Entry &entry) {
    const Stmt *stmt = entry.stmt;
    bool fromPreset = entry.fromPreset;
    const std::string &name = stmt->keyword.text;
    if (stmt->kind != StmtKind::Option) {
      diagnostics_->report(stmt->keyword.range, DiagKind::MisplacedOption, name, contextName(context),
                           "pipeline");
      return;
    }
    const OptionSpec *spec = schema_.option(context, name);
    if (!spec) {
      for (Context other : {Context::Pipeline, Context::Finetune, Context::Robustness,
                            Context::Validate, Context::Checkpoint, Context::Evaluate,
                            Context::Export})
        if (schema_.option(other, name)) {
          diagnostics_->report(stmt->keyword.range, DiagKind::MisplacedOption, name,
                               contextName(context), contextName(other));
          hadUnknown = true;
          return;
        }
      std::string hint = didYouMean(name, schema_.optionNames(context));
      if (hint.empty()) {
        std::string foreign = schema_.foreignNameHint(name);
        if (!foreign.empty())
          hint = "; " + foreign;
      }
      auto report = diagnostics_->report(stmt->keyword.range, DiagKind::UnknownOption, name,
                                         contextName(context), hint);
      if (std::string match = closestMatch(name, schema_.optionNames(context)); !match.empty())
        report.fixit(stmt->keyword.range, match);
      hadUnknown = true;
      return;
    }
    if (spec->name == "use") {
      if (stmt->args.size() != 1 || !stmt->args[0].label.empty()) {
        diagnostics_->report(stmt->range, DiagKind::TypeMismatch, "use",
                             valueTypeName(ValueType::PresetRef),
                             stmt->args.empty() ? "nothing" : "several values");
        return;
      }
      std::string shown;
      const Module *scope = entry.scope;
      const Section *preset = findPreset(*stmt->args[0].value, &shown, &scope);
      if (!preset)
        return;
      auto [at, fresh] = applied.emplace(preset, stmt->range);
      if (!fresh) {
        // Applying a preset twice, directly or through another preset (a cycle included), would
        // either loop or say everything twice.
        diagnostics_->report(stmt->args[0].value->range, DiagKind::PresetReused, shown)
            .note(at->second, DiagKind::FirstGivenHere, shown);
        return;
      }
      for (const StmtPtr &inner : preset->body.stmts)
        queue.push_back({inner.get(), scope, true});
      return;
    }
    auto [it, fresh] = given.emplace(name, entry);
    if (!fresh && !spec->repeatable) {
      if (fromPreset)
        return; // the block's own option wins over the preset's
      diagnostics_->report(stmt->keyword.range, DiagKind::DuplicateOption, name)
          .note(it->second.stmt->keyword.range, DiagKind::FirstGivenHere, name);
    }
  };
  // By index: take() appends the statements of presets to the queue.
  for (size_t i = 0; i < queue.size(); ++i) {
    Entry entry = queue[i];
    take(entry);
  }

  for (const Schema::Conflict &conflict : schema_.conflicts()) {
    if (conflict.context != context || !given.count(conflict.a) || !given.count(conflict.b))
      continue;
    // Written in the block beats brought by a preset: `steps 100` replaces a preset's `epochs 3`.
    bool aPreset = given.at(conflict.a).fromPreset, bPreset = given.at(conflict.b).fromPreset;
    if (aPreset != bPreset) {
      given.erase(aPreset ? conflict.a : conflict.b);
      continue;
    }
    const Stmt *a = given.at(conflict.a).stmt;
    const Stmt *b = given.at(conflict.b).stmt;
    if (b->range.begin.offset < a->range.begin.offset)
      std::swap(a, b);
    diagnostics_->report(b->keyword.range, DiagKind::ConflictingOptions, conflict.a, conflict.b,
                         conflict.hint)
        .note(a->keyword.range, DiagKind::FirstGivenHere, a->keyword.text);
  }

  for (const OptionSpec &spec : schema_.options()) {
    if (spec.context != context || spec.name == "use")
      continue;
    auto it = given.find(spec.name);
    if (it != given.end()) {
      if (auto value = checkOption(spec, *it->second.stmt, pipeline))
        record.fields.push_back({spec.name, std::move(*value)});
    } else if (spec.inDefaults && spec.params.size() == 1 && !spec.params[0].defaultText.empty()) {
      if (auto value = defaultValue(spec.name, spec.params[0]))
        record.fields.push_back({spec.name, std::move(*value)});
    }
  }
  (void)owner;
  // Set last, after the nested blocks checked above have set it for themselves.
  lastGiven_.clear();
  for (const auto &entry : given)
    lastGiven_.insert(entry.first);
  lastBlockHadUnknown_ = hadUnknown;
  return record;
}

std::optional<Value> Checker::checkOption(const OptionSpec &spec, const Stmt &stmt,
                                          const CheckedPipeline *pipeline) {
  bool ok = true;
  if (stmt.block && !spec.block) {
    diagnostics_->report(stmt.block->range, DiagKind::UnexpectedBlock, spec.name);
    ok = false;
  }
  if (spec.blockRequired && !stmt.block) {
    diagnostics_->report(stmt.keyword.range, DiagKind::MissingBlock, spec.name);
    ok = false;
  }
  auto args = checkArgs(spec.name, stmt.keyword.range, spec.params, spec.exactlyOneOf, stmt.args,
                        pipeline);
  if (!args || !ok)
    return std::nullopt;
  args->text = spec.name;
  args->range = stmt.range;
  if (spec.block) {
    Value inner = checkBlock(*spec.block, stmt.block.get(), spec.name, pipeline);
    for (auto &field : inner.fields)
      args->fields.push_back(std::move(field));
    return args;
  }
  // An option with a single value (`epochs 3`) is that value.
  if (spec.params.size() == 1 && spec.params[0].name == "value" && args->fields.size() == 1)
    return std::move(args->fields[0].second);
  return args;
}

std::optional<Value> Checker::checkArgs(const std::string &owner, SourceRange ownerRange,
                                        const std::vector<ParamSpec> &params,
                                        const std::vector<std::vector<std::string>> &exactlyOneOf,
                                        const std::vector<Arg> &args,
                                        const CheckedPipeline *pipeline,
                                        bool extraLabelledNumbers) {
  std::vector<std::optional<Value>> values(params.size());
  std::vector<SourceRange> givenAt(params.size());
  std::vector<std::pair<std::string, Value>> extras;
  std::map<std::string, SourceRange> extraAt;
  bool ok = true;

  std::vector<size_t> positional;
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i].positional)
      positional.push_back(i);
  size_t nextPositional = 0;
  size_t positionalGiven = 0;

  auto store = [&](size_t index, const Arg &arg) {
    const ParamSpec &param = params[index];
    if (param.variadic) {
      if (!values[index]) {
        values[index] = Value();
        values[index]->kind = Value::Kind::List;
        values[index]->range = arg.value->range;
        givenAt[index] = arg.value->range;
      }
      // `kinds: [email, phone]` is the same as `email, phone`.
      std::vector<const Expr *> items;
      if (arg.value->kind == ExprKind::List)
        for (const Arg &element : arg.value->args)
          items.push_back(element.value.get());
      else
        items.push_back(arg.value.get());
      for (const Expr *item : items) {
        auto value = checkValue(argumentName(owner, param.name), param, *item, pipeline);
        if (value)
          values[index]->fields.push_back({"", std::move(*value)});
        else
          ok = false;
      }
      values[index]->range.end = arg.value->range.end;
      return;
    }
    if (values[index] || givenAt[index].valid()) {
      diagnostics_->report(arg.label.empty() ? arg.value->range : arg.label.range,
                           DiagKind::DuplicateArgument, param.name)
          .note(givenAt[index], DiagKind::FirstGivenHere, param.name);
      ok = false;
      return;
    }
    givenAt[index] = arg.label.empty() ? arg.value->range : arg.label.range;
    auto value = checkValue(argumentName(owner, param.name), param, *arg.value, pipeline);
    if (value)
      values[index] = std::move(*value);
    else
      ok = false;
  };

  for (const Arg &arg : args) {
    if (arg.label.empty()) {
      ++positionalGiven;
      while (nextPositional < positional.size() && !params[positional[nextPositional]].variadic &&
             givenAt[positional[nextPositional]].valid())
        ++nextPositional;
      if (nextPositional >= positional.size()) {
        std::string firstNamed;
        for (const ParamSpec &p : params)
          if (!p.positional) {
            firstNamed = p.name;
            break;
          }
        diagnostics_->report(arg.value->range, DiagKind::TooManyArguments, owner, positional.size(),
                             positionalGiven, firstNamed.empty() ? "name" : firstNamed);
        ok = false;
        continue;
      }
      size_t index = positional[nextPositional];
      store(index, arg);
      if (!params[index].variadic)
        ++nextPositional;
      continue;
    }
    size_t index = params.size();
    for (size_t i = 0; i < params.size(); ++i)
      if (params[i].name == arg.label.text)
        index = i;
    if (index == params.size()) {
      if (extraLabelledNumbers) {
        // split(train: 0.8, ...): a named part, a fraction in (0, 1).
        ParamSpec part;
        part.name = arg.label.text;
        part.type = ValueType::Number;
        part.range.min = 0;
        part.range.minInclusive = false;
        part.range.max = 1;
        part.range.maxInclusive = false;
        auto [it, fresh] = extraAt.emplace(arg.label.text, arg.label.range);
        if (!fresh) {
          diagnostics_->report(arg.label.range, DiagKind::DuplicateArgument, arg.label.text)
              .note(it->second, DiagKind::FirstGivenHere, arg.label.text);
          ok = false;
          continue;
        }
        if (auto value = checkValue(argumentName(owner, part.name), part, *arg.value, pipeline))
          extras.push_back({part.name, std::move(*value)});
        else
          ok = false;
        continue;
      }
      std::vector<std::string> names;
      for (const ParamSpec &p : params)
        names.push_back(p.name);
      auto report = diagnostics_->report(arg.label.range, DiagKind::UnknownArgument, owner,
                                         arg.label.text, didYouMean(arg.label.text, names));
      if (std::string match = closestMatch(arg.label.text, names); !match.empty())
        report.fixit(arg.label.range, match);
      ok = false;
      continue;
    }
    store(index, arg);
  }

  // Exactly-one-of groups (dp_sgd: epsilon | noise_multiplier).
  for (const auto &group : exactlyOneOf) {
    std::vector<size_t> present;
    for (const std::string &name : group)
      for (size_t i = 0; i < params.size(); ++i)
        if (params[i].name == name && givenAt[i].valid())
          present.push_back(i);
    if (present.empty()) {
      diagnostics_->report(ownerRange, DiagKind::MissingOneOf, owner, quotedList(group));
      ok = false;
    } else if (present.size() > 1) {
      diagnostics_->report(givenAt[present[1]], DiagKind::ConflictingArguments, owner,
                           params[present[0]].name, params[present[1]].name)
          .note(givenAt[present[0]], DiagKind::FirstGivenHere, params[present[0]].name);
      ok = false;
    }
  }

  Value record;
  record.kind = Value::Kind::Record;
  record.text = owner;
  record.range = ownerRange;
  for (size_t i = 0; i < params.size(); ++i) {
    const ParamSpec &param = params[i];
    if (!values[i] && !givenAt[i].valid()) {
      if (param.required) {
        diagnostics_->report(ownerRange, DiagKind::MissingArgument, owner, param.name,
                             param.doc.empty() ? "" : " (" + param.doc + ")");
        ok = false;
        continue;
      }
      if (!param.defaultText.empty())
        values[i] = defaultValue(argumentName(owner, param.name), param);
    }
    if (values[i])
      record.fields.push_back({param.name, std::move(*values[i])});
  }
  for (auto &extra : extras)
    record.fields.push_back(std::move(extra));
  if (!ok)
    return std::nullopt;
  return record;
}

std::optional<Value> Checker::checkValue(const std::string &what, const ParamSpec &param,
                                         const Expr &expr, const CheckedPipeline *pipeline) {
  auto mismatch = [&](const std::string &expected) -> std::optional<Value> {
    diagnostics_->report(expr.range, DiagKind::TypeMismatch, what, expected, describe(expr));
    return std::nullopt;
  };
  auto isLabel = [](const Expr &e) {
    return e.kind == ExprKind::Identifier || e.kind == ExprKind::String;
  };
  Value v;
  v.range = expr.range;
  switch (param.type) {
  case ValueType::Integer:
  case ValueType::Number: {
    bool integral = true;
    auto number = numberOf(expr, &integral);
    // `10%` is 0.1 wherever the value is a fraction (its range lies within [0, 1]).
    if (!number && expr.kind == ExprKind::Quantity && expr.text == "%" &&
        param.type == ValueType::Number && param.range.max && *param.range.max <= 1 &&
        param.range.min && *param.range.min >= 0)
      number = expr.number / 100.0;
    if (!number)
      return mismatch(valueTypeName(param.type));
    if (param.type == ValueType::Integer && !integral)
      return mismatch("an integer");
    if (!param.range.contains(*number)) {
      diagnostics_->report(expr.range, DiagKind::OutOfRange, what, param.range.describe(),
                           describe(expr));
      return std::nullopt;
    }
    v.kind = param.type == ValueType::Integer ? Value::Kind::Integer : Value::Kind::Number;
    v.number = *number;
    v.integer = static_cast<int64_t>(*number);
    if (param.type == ValueType::Integer && expr.kind == ExprKind::Integer)
      v.integer = expr.integer;
    return v;
  }
  case ValueType::Bool:
    if (expr.kind != ExprKind::Identifier || (expr.text != "true" && expr.text != "false"))
      return mismatch(valueTypeName(param.type));
    v.kind = Value::Kind::Bool;
    v.boolean = expr.text == "true";
    return v;
  case ValueType::String:
  case ValueType::Path:
    if (expr.kind != ExprKind::String)
      return mismatch(valueTypeName(param.type));
    if (param.type == ValueType::Path && expr.text.empty())
      return mismatch("a non-empty path");
    v.kind = Value::Kind::String;
    v.text = expr.text;
    return v;
  case ValueType::Word:
    if (expr.kind != ExprKind::Identifier)
      return mismatch(expr.kind == ExprKind::String ? "a name, written without quotes"
                                                    : valueTypeName(param.type));
    if (!param.choices.empty() &&
        std::find(param.choices.begin(), param.choices.end(), expr.text) == param.choices.end()) {
      auto report = diagnostics_->report(expr.range, DiagKind::InvalidChoice, what,
                                         quotedList(param.choices), expr.text,
                                         didYouMean(expr.text, param.choices));
      if (std::string match = closestMatch(expr.text, param.choices); !match.empty())
        report.fixit(expr.range, match);
      return std::nullopt;
    }
    return makeWord(expr);
  case ValueType::Label:
    if (!isLabel(expr))
      return mismatch(valueTypeName(param.type));
    return makeWord(expr);
  case ValueType::LabelList:
  case ValueType::WordList: {
    if (expr.kind != ExprKind::List)
      return mismatch(valueTypeName(param.type));
    if (expr.args.empty())
      return mismatch(param.type == ValueType::LabelList ? "a non-empty list of labels"
                                                         : "a non-empty list of names");
    v.kind = Value::Kind::List;
    std::map<std::string, SourceRange> seen;
    bool ok = true;
    for (const Arg &element : expr.args) {
      const Expr &item = *element.value;
      bool fits = param.type == ValueType::LabelList ? isLabel(item)
                                                     : item.kind == ExprKind::Identifier;
      if (!fits) {
        diagnostics_->report(item.range, DiagKind::TypeMismatch, what,
                             param.type == ValueType::LabelList ? "labels" : "names", describe(item));
        ok = false;
        continue;
      }
      if (!param.choices.empty() &&
          std::find(param.choices.begin(), param.choices.end(), item.text) == param.choices.end()) {
        auto report = diagnostics_->report(item.range, DiagKind::InvalidChoice, what,
                                           quotedList(param.choices), item.text,
                                           didYouMean(item.text, param.choices));
        if (std::string match = closestMatch(item.text, param.choices); !match.empty())
          report.fixit(item.range, match);
        ok = false;
        continue;
      }
      auto [it, fresh] = seen.emplace(item.text, item.range);
      if (!fresh) {
        diagnostics_->report(item.range, DiagKind::DuplicateArgument, item.text)
            .note(it->second, DiagKind::FirstGivenHere, item.text);
        ok = false;
        continue;
      }
      v.fields.push_back({"", makeWord(item)});
    }
    if (!ok)
      return std::nullopt;
    return v;
  }
  case ValueType::LabelMap: {
    if (expr.kind != ExprKind::Map || expr.args.empty())
      return mismatch(valueTypeName(param.type));
    v.kind = Value::Kind::Map;
    bool ok = true;
    std::map<std::string, SourceRange> seen;
    for (const Arg &entry : expr.args) {
      if (!isLabel(*entry.value)) {
        diagnostics_->report(entry.value->range, DiagKind::TypeMismatch, what, "labels",
                             describe(*entry.value));
        ok = false;
        continue;
      }
      auto [it, fresh] = seen.emplace(entry.label.text, entry.label.range);
      if (!fresh) {
        diagnostics_->report(entry.label.range, DiagKind::DuplicateArgument, entry.label.text)
            .note(it->second, DiagKind::FirstGivenHere, entry.label.text);
        ok = false;
        continue;
      }
      Value label = makeWord(*entry.value);
      label.range = SourceRange(entry.label.range.begin, entry.value->range.end);
      v.fields.push_back({entry.label.text, std::move(label)});
    }
    if (!ok)
      return std::nullopt;
    return v;
  }
  case ValueType::Interval:
    v.kind = Value::Kind::Quantity;
    if (expr.kind == ExprKind::Identifier && (expr.text == "epoch" || expr.text == "step")) {
      v.number = 1;
      v.integer = 1;
      v.text = expr.text + "s";
      return v;
    }
    if (expr.kind == ExprKind::Quantity && expr.text != "%") {
      if (!expr.integral || expr.integer < 1) {
        diagnostics_->report(expr.range, DiagKind::OutOfRange, what, "a whole number >= 1",
                             describe(expr));
        return std::nullopt;
      }
      v.number = static_cast<double>(expr.integer);
      v.integer = expr.integer;
      v.text = expr.text.back() == 's' ? expr.text : expr.text + "s";
      return v;
    }
    return mismatch(valueTypeName(param.type));
  case ValueType::Fraction: {
    if (expr.kind == ExprKind::Quantity && (expr.text == "steps" || expr.text == "step")) {
      if (!expr.integral || expr.integer < 0) {
        diagnostics_->report(expr.range, DiagKind::OutOfRange, what, "a whole number of steps",
                             describe(expr));
        return std::nullopt;
      }
      v.kind = Value::Kind::Quantity;
      v.integer = expr.integer;
      v.number = static_cast<double>(expr.integer);
      v.text = "steps";
      return v;
    }
    bool integral = true;
    auto number = numberOf(expr, &integral);
    if (expr.kind == ExprKind::Quantity && expr.text == "%")
      number = expr.number / 100.0;
    if (!number)
      return mismatch(valueTypeName(param.type));
    if (*number < 0 || *number >= 1) {
      diagnostics_->report(expr.range, DiagKind::OutOfRange, what, "in [0, 1) or `N steps`",
                           describe(expr));
      return std::nullopt;
    }
    v.kind = Value::Kind::Number;
    v.number = *number;
    return v;
  }
  case ValueType::DatasetRef: {
    bool shaped = expr.kind == ExprKind::Identifier ||
                  (expr.kind == ExprKind::Member && expr.base &&
                   expr.base->kind == ExprKind::Identifier);
    if (!shaped)
      return mismatch(valueTypeName(param.type));
    v.kind = Value::Kind::Ref;
    v.text = expr.kind == ExprKind::Member ? expr.base->text + "." + expr.text : expr.text;
    if (pipeline && !resolveDatasetUse(expr, what, *pipeline))
      return std::nullopt;
    return v;
  }
  case ValueType::PresetRef:
    v.kind = Value::Kind::Ref;
    v.text = expr.text;
    return v;
  case ValueType::Call:
    return checkCall(param.family, what, expr, pipeline);
  }
  return mismatch(valueTypeName(param.type));
}

std::optional<Value> Checker::checkCall(Family family, const std::string &what, const Expr &expr,
                                        const CheckedPipeline *pipeline) {
  if (expr.kind != ExprKind::Call && expr.kind != ExprKind::Identifier) {
    auto names = schema_.functionNames(family);
    diagnostics_->report(expr.range, DiagKind::TypeMismatch, what,
                         std::string("a ") + familyName(family) + " such as `" +
                             (names.empty() ? "name" : names[0]) + "(...)`",
                         describe(expr));
    return std::nullopt;
  }
  const FunctionSpec *spec = schema_.function(family, expr.text);
  if (!spec) {
    std::string hint = didYouMean(expr.text, schema_.functionNames(family));
    if (hint.empty())
      for (const FunctionSpec &other : schema_.functions())
        if (other.name == expr.text) {
          hint = fmt::format("; `{}` is a {}, not a {}", expr.text, familyName(other.family),
                             familyName(family));
          break;
        }
    if (hint.empty())
      hint = "; expected " + quotedList(schema_.functionNames(family));
    SourceRange nameRange = expr.kind == ExprKind::Call ? expr.textRange : expr.range;
    auto report = diagnostics_->report(nameRange, DiagKind::UnknownFunction, familyName(family),
                                       expr.text, hint);
    if (std::string match = closestMatch(expr.text, schema_.functionNames(family)); !match.empty())
      report.fixit(nameRange, match);
    return std::nullopt;
  }
  static const std::vector<Arg> kNoArgs;
  auto value = checkArgs(spec->name, expr.kind == ExprKind::Call ? expr.textRange : expr.range,
                         spec->params, spec->exactlyOneOf,
                         expr.kind == ExprKind::Call ? expr.args : kNoArgs, pipeline,
                         /*extraLabelledNumbers=*/spec->name == "split");
  if (value) {
    value->text = spec->name;
    value->range = expr.range;
  }
  return value;
}

namespace {

// Diagnostics inside a default are bugs in the schema, never the user's: fail loudly.
class ThrowingConsumer : public DiagnosticConsumer {
public:
  void handle(const Diagnostic &d) override {
    throw std::logic_error("invalid default in the schema: " + d.message);
  }
};

void markDefault(Value &value) {
  value.fromDefault = true;
  value.range = SourceRange();
  for (auto &field : value.fields)
    markDefault(field.second);
}

} // namespace

std::optional<Value> Checker::defaultValue(const std::string &what, const ParamSpec &param) {
  if (!defaultSources_)
    defaultSources_ = std::make_unique<SourceManager>();
  auto it = defaultFiles_.find(param.defaultText);
  ThrowingConsumer throwing;
  DiagnosticEngine engine(*defaultSources_, throwing);
  if (it == defaultFiles_.end()) {
    uint32_t file = defaultSources_->addBuffer(
        "<default>", "ftp 0.1\npipeline defaults {\n  default " + param.defaultText + "\n}\n");
    Parser parser(file, *defaultSources_, engine);
    it = defaultFiles_.emplace(param.defaultText, std::make_unique<File>(parser.parseFile())).first;
  }
  const Stmt &stmt = *it->second->pipelines.at(0).body.stmts.at(0);
  // Check the default's expression with the same code as user input, against the schema's own
  // sources; a failure throws (caught by the driver as an internal error).
  DiagnosticEngine *saved = diagnostics_;
  diagnostics_ = &engine;
  std::optional<Value> value;
  try {
    if (param.variadic) {
      value = Value();
      value->kind = Value::Kind::List;
      for (const Arg &arg : stmt.args)
        if (auto item = checkValue(what, param, *arg.value, nullptr))
          value->fields.push_back({"", std::move(*item)});
    } else {
      value = checkValue(what, param, *stmt.args.at(0).value, nullptr);
    }
  } catch (...) {
    diagnostics_ = saved;
    throw;
  }
  diagnostics_ = saved;
  if (value)
    markDefault(*value);
  return value;
}

std::string Checker::validateSchemaDefaults() {
  auto validate = [&](const std::string &owner, const ParamSpec &param) -> std::string {
    if (param.defaultText.empty())
      return {};
    try {
      if (!defaultValue(owner, param))
        return owner + "." + param.name + ": no value";
    } catch (const std::exception &e) {
      return owner + "." + param.name + ": " + e.what();
    }
    return {};
  };
  for (const FunctionSpec &f : schema_.functions())
    for (const ParamSpec &p : f.params)
      if (std::string problem = validate(f.name, p); !problem.empty())
        return problem;
  for (const OptionSpec &o : schema_.options())
    for (const ParamSpec &p : o.params)
      if (std::string problem = validate(o.name, p); !problem.empty())
        return problem;
  return {};
}

} // namespace ftp::lang
