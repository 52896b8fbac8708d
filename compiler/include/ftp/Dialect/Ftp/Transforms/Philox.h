//===- Philox.h - Philox-4x32-10 and Box-Muller in arith ops --------------------===//
//
// The counter-based generator behind `ftp.gaussian_noise`, built from arith/math ops so that it
// vectorizes on the CPU and runs per thread on the GPU. The stream is defined in
// runtime/include/ftp/runtime/StepKernels.h; runtime/lib/StepKernelsEager.cpp is the reference.
//
//===----------------------------------------------------------------------------------------===//
#pragma once

#include "mlir/IR/Builders.h"

namespace ftp {

/// What is the same for every element of one tensor's noise: the ten round keys and the upper
/// two counter words (step, tensor id). Built once, outside the elementwise loop.
struct PhiloxKeySchedule {
  mlir::SmallVector<std::pair<mlir::Value, mlir::Value>, 10> roundKeys;
  mlir::Value counter2, counter3;
};

/// `seed` and `step` are i64, `tensorId` i32.
PhiloxKeySchedule buildPhiloxKeySchedule(mlir::OpBuilder &b, mlir::Location loc, mlir::Value seed,
                                         mlir::Value step, mlir::Value tensorId);

/// A standard normal f32 sample for element `index` (i64) of the stream.
mlir::Value buildPhiloxNormal(mlir::OpBuilder &b, mlir::Location loc,
                              const PhiloxKeySchedule &schedule, mlir::Value index);

} // namespace ftp
