//===- ReportSections.h - the sections of report.html (internal) ------------------===//
#pragma once

#include "ftp/record/Report.h"

#include <string>

namespace ftp::record::report {

using Json = nlohmann::ordered_json;

std::string header(const ReportInput &input);
std::string dataSection(const ReportInput &input);
std::string trainingSection(const ReportInput &input);
std::string metricsSection(const ReportInput &input);
std::string riskCard(const ReportInput &input);
std::string recordsSection(const ReportInput &input);

/// A member of a record that may be malformed (the records are user files): null unless `object`
/// is an object with `key`. nlohmann's value() would throw on a non-object, operator[] assert.
const Json &member(const Json &object, const std::string &key);
/// A string member, or `fallback` when it is missing or not a string.
std::string str(const Json &object, const std::string &key, const std::string &fallback = "");

/// `<p class="absent">not measured</p>` with why, for sections a run has nothing for.
std::string notMeasured(const std::string &why);
/// A number cell's text: integers as such, others to 4 significant digits; "—" for non-numbers.
std::string cell(const Json &value);
/// Which role a split plays, from its name's last part (`mail.val` -> val).
bool isValidationSplit(const std::string &split);
bool isTestSplit(const std::string &split);
/// The scalar metrics of a split's object (accuracy, f1, ...), in file order.
std::vector<std::string> scalarMetrics(const Json &split);

} // namespace ftp::record::report
