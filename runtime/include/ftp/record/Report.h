//===- Report.h - report.html, one self-contained page per run ----------------------===//
//
// Rendered from the run directory's records (manifest.toml, metrics.jsonl, metrics.json,
// data_report.json) so that it can be rendered again at any time. The page has no scripts and no
// external assets (inline CSS and SVG): it opens offline, in a mail attachment, years later.
// Sections: header (pipeline, run, versions, seed, status), data, training curves, final metrics
// with confusion matrices, the risk card (privacy budget, robustness, generalization gap) and the
// pinned inputs and outputs. What a run did not measure says "not measured".
//
// data_report.json, written by the data pipeline (counts only, never text):
//   {"datasets": [{"name": "mail", "source": "textfolder", "path": "...",
//                  "read": 5796, "skipped": 3, "filtered": 12,
//                  "skipped_because": {"undecodable": 3},
//                  "labels": {"ham": 4150, "spam": 1631},
//                  "splits": {"train": {"size": 4625, "labels": {"ham": 3320, "spam": 1305}}, ...},
//                  "deid": {"email": 1204, "url": 3310}}]}
//
// metrics.json: {"<split>": {"accuracy": .., "f1": .., "loss": ..,
//                            "confusion": {"labels": [..], "matrix": [[..]]},   // rows: true label
//                            "under": {"<perturbation>": {"accuracy": .., "f1": ..}}}}
// A perturbation named like `fgsm(eps: 0.01)` is an attack of strength 0.01; with several
// strengths of one attack the report plots accuracy against them.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "ftp/record/Manifest.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace ftp::record {

struct ReportInput {
  std::optional<Manifest> manifest;
  std::vector<nlohmann::ordered_json> events; // metrics.jsonl, in order
  nlohmann::ordered_json metrics;             // metrics.json; null when absent
  nlohmann::ordered_json dataReport;          // data_report.json; null when absent
  std::vector<std::string> problems;          // records that exist but could not be read
};

/// Reads what exists of the records in `runDir`; a missing file leaves its part empty, a broken one
/// is listed in `problems` (and shown in the report) instead of failing the report.
ReportInput loadReportInput(const std::string &runDir);

std::string renderReport(const ReportInput &input);

/// loadReportInput + renderReport, written atomically to runDir/report.html.
bool writeReport(const std::string &runDir, std::string *error);

} // namespace ftp::record
