//===- SemaDump.h - `ftpc --emit=sema` ------------------------------------------===//
#pragma once

#include "lang/sema/Checked.h"

#include <ostream>
#include <string>

namespace ftp::lang {

/// One value in .ftp-like syntax: `adamw(lr: 5e-05, weight_decay: 0.01, ...)`, `[ham, spam]`.
std::string formatValue(const Value &value);

/// The checked program: every stage with every option resolved, defaults included and marked.
void dumpChecked(const CheckedProgram &program, std::ostream &out);

/// One line saying what DP-SGD's budget is: N, q, T, σ, ε, δ.
std::string formatPrivacyBudget(const PrivacyBudget &budget);

} // namespace ftp::lang
