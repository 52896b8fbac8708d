//===- Schedule.h - learning-rate schedules -------------------------------------===//
//
// lr(step) for step = 1..total (the step about to be taken), as HuggingFace's schedulers define
// them so users can compare runs: linear warmup from 0 over `warmupSteps`, then
//   constant: the peak;  linear: decay to 0 at `total`;  cosine: half a cosine down to
//   peak * minLrRatio at `total`.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include <cstdint>
#include <string>

namespace ftp::train {

struct Schedule {
  enum class Kind { Constant, Linear, Cosine } kind = Kind::Linear;
  double peak = 5e-5;
  int64_t warmupSteps = 0;
  int64_t totalSteps = 1;
  double minLrRatio = 0;

  double at(int64_t step) const;
};

} // namespace ftp::train
