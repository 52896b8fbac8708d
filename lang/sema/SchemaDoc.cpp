//===- SchemaDoc.cpp - the language reference, generated from the schema --------===//

#include "lang/sema/SchemaDoc.h"

#include "lang/sema/Schema.h"

#include <fmt/format.h>

namespace ftp::lang {
namespace {

std::string typeText(const ParamSpec &p) {
  std::string text;
  switch (p.type) {
  case ValueType::Word:
    text = "one of ";
    for (size_t i = 0; i < p.choices.size(); ++i)
      text += (i ? ", `" : "`") + p.choices[i] + "`";
    break;
  case ValueType::WordList:
    text = "list of names";
    break;
  case ValueType::Call:
    text = std::string(familyName(p.family));
    break;
  default:
    text = valueTypeName(p.type);
    if (text.rfind("a ", 0) == 0)
      text = text.substr(2);
    else if (text.rfind("an ", 0) == 0)
      text = text.substr(3);
  }
  if (p.variadic)
    text += ", repeatable";
  return text;
}

std::string rangeText(const ParamSpec &p) {
  if (p.type != ValueType::Integer && p.type != ValueType::Number)
    return "";
  if (!p.range.min && !p.range.max)
    return "";
  return p.range.describe();
}

std::string escape(std::string text) {
  std::string out;
  for (char c : text)
    out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

void paramTable(const std::vector<ParamSpec> &params, std::ostream &out) {
  out << "| argument | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n";
  for (const ParamSpec &p : params) {
    std::string name = "`" + p.name + "`";
    if (p.positional)
      name += " (positional)";
    std::string def = p.required ? "required" : p.defaultText.empty() ? "—" : "`" + p.defaultText + "`";
    out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", name, escape(typeText(p)), escape(def),
                       rangeText(p), p.unit, escape(p.doc));
  }
}

} // namespace

void printSchemaReference(std::ostream &out) {
  const Schema &schema = Schema::get();
  out << "### Options by block\n\n"
      << "An option is written `name value` or, when it takes several arguments, like a call "
         "without parentheses: `early_stop f1, patience: 2`. Options not written take the "
         "default shown (`ftpc --emit=sema` prints them all).\n";
  for (Context context : {Context::Pipeline, Context::Finetune, Context::Robustness,
                          Context::Validate, Context::Checkpoint, Context::Evaluate,
                          Context::Export}) {
    out << fmt::format("\n#### `{}`\n\n", contextName(context));
    out << "| option | value | default | range | meaning |\n|---|---|---|---|---|\n";
    for (const OptionSpec &o : schema.options()) {
      if (o.context != context)
        continue;
      std::string value;
      std::string def = "—";
      std::string range;
      if (o.block)
        value = fmt::format("block `{{ ... }}` of `{}` options", contextName(*o.block));
      if (o.params.size() == 1 && o.params[0].name == "value") {
        const ParamSpec &p = o.params[0];
        value = typeText(p);
        def = p.defaultText.empty() ? (o.inDefaults ? "—" : "not set") : "`" + p.defaultText + "`";
        range = rangeText(p);
      } else if (!o.params.empty()) {
        std::string args;
        for (const ParamSpec &p : o.params)
          args += (args.empty() ? "" : ", ") + p.name + (p.required ? "" : "?");
        value = (value.empty() ? "" : value + ", after ") + "`" + args + "`";
      }
      out << fmt::format("| `{}` | {} | {} | {} | {} |\n", o.name, escape(value), escape(def),
                         range, escape(o.doc));
    }
    for (const Schema::Conflict &c : schema.conflicts())
      if (c.context == context)
        out << fmt::format("\n`{}` and `{}` exclude each other: {}.\n", c.a, c.b, c.hint);
  }
  // Options with several arguments get their own table.
  for (const OptionSpec &o : schema.options()) {
    if (o.params.size() <= 1 || o.block)
      continue;
    out << fmt::format("\n#### `{}` (in `{}`)\n\n{}.\n\n", o.name, contextName(o.context), o.doc);
    paramTable(o.params, out);
  }

  out << "\n### Functions\n\n"
      << "A function is called with positional arguments first, then labelled ones: "
         "`adamw(5e-5, weight_decay: 0.01)` or `adamw(lr: 5e-5)`. A function without required "
         "arguments may be written without parentheses (`schedule linear`).\n";
  for (Family family : {Family::Source, Family::Transform, Family::ModelBase, Family::ModelLayer,
                        Family::Optimizer, Family::Schedule, Family::Privacy, Family::Adversarial,
                        Family::Noise, Family::Perturbation}) {
    std::string heading = familyName(family);
    heading[0] = static_cast<char>(std::toupper(heading[0]));
    out << fmt::format("\n#### {}s\n", heading);
    for (const FunctionSpec &f : schema.functions()) {
      if (f.family != family)
        continue;
      out << fmt::format("\n##### `{}`\n\n{}.", f.name, f.doc);
      for (const auto &group : f.exactlyOneOf) {
        std::string names;
        for (const std::string &n : group)
          names += (names.empty() ? "`" : "` or `") + n;
        out << " Give exactly one of " << names << "`.";
      }
      out << "\n\n";
      if (f.params.empty())
        out << "No arguments.\n";
      else
        paramTable(f.params, out);
    }
  }
}

} // namespace ftp::lang
