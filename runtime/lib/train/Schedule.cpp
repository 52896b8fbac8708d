//===- Schedule.cpp - learning-rate schedules -----------------------------------===//

#include "Schedule.h"

#include <algorithm>
#include <cmath>

namespace ftp::train {

double Schedule::at(int64_t step) const {
  // HuggingFace evaluates its lambda at the number of steps already taken (0 for the first).
  int64_t done = std::max<int64_t>(0, step - 1);
  if (done < warmupSteps)
    return peak * static_cast<double>(done) / static_cast<double>(std::max<int64_t>(1, warmupSteps));
  double progress = static_cast<double>(done - warmupSteps) /
                    static_cast<double>(std::max<int64_t>(1, totalSteps - warmupSteps));
  progress = std::clamp(progress, 0.0, 1.0);
  switch (kind) {
  case Kind::Constant:
    return peak;
  case Kind::Linear:
    return peak * (1.0 - progress);
  case Kind::Cosine: {
    double cosine = 0.5 * (1.0 + std::cos(M_PI * progress));
    return peak * (minLrRatio + (1.0 - minLrRatio) * cosine);
  }
  }
  return peak;
}

} // namespace ftp::train
