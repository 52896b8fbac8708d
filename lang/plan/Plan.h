//===- Plan.h - the versioned plan the compiler hands the runtime ---------------===//
//
// `ftpc run` checks a pipeline, then writes what the runtime needs to execute it as one JSON
// document: the resolved project settings, every dataset with its source and transforms, every
// model, and the stages in program order with every option (defaults filled in) and the DP budget
// derived at check time. The runtime reads only this document (never lang/ or compiler/ headers),
// and the run directory keeps a copy as plan.json, so a run can be re-executed from it alone.
//
// Format: {"magic": "ftp-plan", "version": 1, ...}. Checked values become JSON as follows:
//   integer, number, bool, string      -> the JSON scalar
//   word (`ham`), reference (`mail.val`) -> string
//   list -> array; map -> object
//   record (a call or a block of options) -> object {"fn": name, <field>: <value>, ...}
//   quantity (`2 epochs`, `500 steps`, `5%`) -> {"value": n, "unit": "epochs" | "steps" | "%"}
// Any change to this format bumps kPlanVersion; the runtime refuses versions it does not know.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/config/ProjectConfig.h"
#include "lang/sema/Checked.h"

#include <nlohmann/json.hpp>

namespace ftp::lang {

inline constexpr int kPlanVersion = 1;
inline constexpr const char *kPlanMagic = "ftp-plan";

/// One checked value as plan JSON (see the table above).
nlohmann::json valueToJson(const Value &value);

/// The plan of one pipeline. `pipelineFile` is the absolute path of the .ftp file.
nlohmann::json makePlan(const CheckedPipeline &pipeline, const ProjectConfig &config);

} // namespace ftp::lang
