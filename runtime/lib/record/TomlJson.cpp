//===- TomlJson.cpp - JSON values as TOML tables and back -----------------------===//

#include "TomlJson.h"

#include <fmt/format.h>

#include <cctype>
#include <cstdlib>

namespace ftp::record {
namespace {

void appendJson(toml::array &array, const nlohmann::json &value);

/// Calls `insert` with the TOML form of `value`; nothing for null. Not a template over the
/// callback: arrays recurse through appendJson, which keeps the instantiations finite.
template <typename Insert> void convert(const nlohmann::json &value, Insert &&insert) {
  switch (value.type()) {
  case nlohmann::json::value_t::object:
    insert(jsonToToml(value));
    break;
  case nlohmann::json::value_t::array: {
    toml::array array;
    for (const nlohmann::json &element : value)
      appendJson(array, element);
    insert(std::move(array));
    break;
  }
  case nlohmann::json::value_t::string:
    insert(value.get<std::string>());
    break;
  case nlohmann::json::value_t::boolean:
    insert(value.get<bool>());
    break;
  case nlohmann::json::value_t::number_integer:
  case nlohmann::json::value_t::number_unsigned:
    insert(value.get<int64_t>());
    break;
  case nlohmann::json::value_t::number_float:
    insert(value.get<double>());
    break;
  default: // null, discarded, binary: nothing TOML can say
    break;
  }
}

void appendJson(toml::array &array, const nlohmann::json &value) {
  convert(value, [&](auto &&v) { array.push_back(std::forward<decltype(v)>(v)); });
}

} // namespace

toml::table jsonToToml(const nlohmann::json &object) {
  toml::table table;
  for (auto it = object.begin(); it != object.end(); ++it)
    convert(it.value(), [&](auto &&v) {
      table.insert_or_assign(it.key(), std::forward<decltype(v)>(v));
    });
  return table;
}

nlohmann::json tomlToJson(const toml::node &node) {
  if (const toml::table *table = node.as_table()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto &[key, value] : *table)
      object[std::string(key.str())] = tomlToJson(value);
    return object;
  }
  if (const toml::array *array = node.as_array()) {
    nlohmann::json list = nlohmann::json::array();
    for (const toml::node &element : *array)
      list.push_back(tomlToJson(element));
    return list;
  }
  if (auto v = node.value<int64_t>(); v && node.is_integer())
    return *v;
  if (auto v = node.value<double>(); v && node.is_floating_point())
    return *v;
  if (auto v = node.value<bool>())
    return *v;
  if (auto v = node.value<std::string>())
    return *v;
  std::ostringstream text; // dates and times: as TOML writes them
  node.visit([&](const auto &value) { text << value; });
  return text.str();
}

std::string printToml(const toml::table &table) {
  std::ostringstream out;
  out << toml::toml_formatter(table,
                              toml::toml_formatter::default_flags & ~toml::format_flags::indentation);
  return shortestFloats(out.str());
}

std::string shortestFloats(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  auto copyQuoted = [&](char quote) {
    // toml++ writes single-line strings: '...' literal, "..." with backslash escapes.
    out += text[i++];
    while (i < text.size() && text[i] != quote && text[i] != '\n') {
      if (quote == '"' && text[i] == '\\' && i + 1 < text.size())
        out += text[i++];
      out += text[i++];
    }
    if (i < text.size())
      out += text[i++];
  };
  while (i < text.size()) {
    char c = text[i];
    if (c == '\'' || c == '"') {
      copyQuoted(c);
      continue;
    }
    if (c == '#') { // a comment runs to the end of the line
      while (i < text.size() && text[i] != '\n')
        out += text[i++];
      continue;
    }
    bool tokenStart = out.empty() || !(std::isalnum(static_cast<unsigned char>(out.back())) ||
                                       out.back() == '_' || out.back() == '-' || out.back() == '.');
    if (tokenStart && (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+')) {
      size_t end = i;
      while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) ||
                                   std::string_view("+-._:").find(text[end]) != std::string_view::npos))
        ++end;
      std::string token(text.substr(i, end - i));
      size_t next = text.find_first_not_of(' ', end);
      bool isKey = next != std::string_view::npos && text[next] == '=';
      bool isFloat = token.find_first_of(".eE") != std::string::npos &&
                     token.find_first_of("_:xobTZ") == std::string::npos;
      char *parsedEnd = nullptr;
      double value = isFloat && !isKey ? std::strtod(token.c_str(), &parsedEnd) : 0;
      if (parsedEnd && *parsedEnd == '\0') {
        std::string shortest = fmt::format("{}", value); // fmt: shortest round-trip form
        if (shortest.find_first_of(".e") == std::string::npos)
          shortest += ".0"; // still a TOML float
        out += shortest;
      } else {
        out += token;
      }
      i = end;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

} // namespace ftp::record
