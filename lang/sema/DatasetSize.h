//===- DatasetSize.h - how many examples a dataset has, known before running ----===//
//
// The privacy budget depends on the number of training examples (the sample rate is batch / N),
// so the checker follows the count from the source through every transform. The rules here are
// the language's definition of how `sample` and `split` divide data; the runtime applies the same.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "lang/sema/Checked.h"

#include <cstdint>
#include <vector>

namespace ftp::lang {

/// Divides `total` items into parts with the given fractions (summing to at most 1): each part
/// gets floor(total · f), then the items left over when the fractions sum to 1 go one each to the
/// parts with the largest fractional remainders, ties to the earlier part (largest-remainder rule).
std::vector<int64_t> apportion(int64_t total, const std::vector<double> &fractions);

/// Counts the source's examples (and per label, when labelled) and follows them through the
/// transforms; fills dataset.size, labelCounts and splitSizes, or sizeUnknownBecause.
void computeDatasetSize(CheckedDataset &dataset);

} // namespace ftp::lang
