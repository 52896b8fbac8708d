//===- TomlJson.h - JSON values as TOML tables and back (record-internal) -------===//
#pragma once

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <sstream>
#include <string>

namespace ftp::record {

/// TOML has no null: null members and elements are left out.
toml::table jsonToToml(const nlohmann::json &object);
nlohmann::json tomlToJson(const toml::node &node);

/// Tables print without indentation (records are read in diffs, where indentation is noise) and
/// floats in their shortest round-trip form (see shortestFloats).
std::string printToml(const toml::table &table);

/// The system toml++ is built without floating-point <charconv> and prints 17 significant digits
/// (`epsilon = 7.9800000000000004`); this rewrites every float value of TOML text as the shortest
/// decimal that reads back as the same double (`7.98`). Keys and strings are left alone.
std::string shortestFloats(std::string_view toml);

} // namespace ftp::record
