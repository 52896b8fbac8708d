//===- Philox.cpp - Philox-4x32-10 and Box-Muller in arith ops ------------------===//

#include "ftp/Dialect/Ftp/Transforms/Philox.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace {
// Random123's constants: the round multipliers and the Weyl sequence that bumps the key.
constexpr uint32_t kM0 = 0xD2511F53, kM1 = 0xCD9E8D57;
constexpr uint32_t kW0 = 0x9E3779B9, kW1 = 0xBB67AE85;

Value i32Constant(OpBuilder &b, Location loc, uint32_t value) {
  return b.create<arith::ConstantOp>(loc, b.getI32IntegerAttr(static_cast<int32_t>(value)));
}

// The low and the high 32 bits of an i64.
std::pair<Value, Value> split64(OpBuilder &b, Location loc, Value value) {
  Type i32 = b.getI32Type();
  Value thirtyTwo = b.create<arith::ConstantOp>(loc, b.getI64IntegerAttr(32));
  Value lo = b.create<arith::TruncIOp>(loc, i32, value);
  Value hi = b.create<arith::TruncIOp>(loc, i32, b.create<arith::ShRUIOp>(loc, value, thirtyTwo));
  return {lo, hi};
}
} // namespace

ftp::PhiloxKeySchedule ftp::buildPhiloxKeySchedule(OpBuilder &b, Location loc, Value seed,
                                                   Value step, Value tensorId) {
  PhiloxKeySchedule schedule;
  auto [k0, k1] = split64(b, loc, seed);
  Value w0 = i32Constant(b, loc, kW0), w1 = i32Constant(b, loc, kW1);
  for (int round = 0; round < 10; ++round) {
    if (round > 0) { // bumped before every round but the first, as philox4x32_R does
      k0 = b.create<arith::AddIOp>(loc, k0, w0);
      k1 = b.create<arith::AddIOp>(loc, k1, w1);
    }
    schedule.roundKeys.push_back({k0, k1});
  }
  schedule.counter2 = split64(b, loc, step).first;
  schedule.counter3 = tensorId;
  return schedule;
}

Value ftp::buildPhiloxNormal(OpBuilder &b, Location loc, const PhiloxKeySchedule &schedule,
                             Value index) {
  auto [c0, c1] = split64(b, loc, index);
  Value c2 = schedule.counter2, c3 = schedule.counter3;
  Value m0 = i32Constant(b, loc, kM0), m1 = i32Constant(b, loc, kM1);
  for (auto [k0, k1] : schedule.roundKeys) {
    // mului_extended gives the low and high halves of the 64-bit product.
    auto p0 = b.create<arith::MulUIExtendedOp>(loc, m0, c0);
    auto p1 = b.create<arith::MulUIExtendedOp>(loc, m1, c2);
    Value next0 = b.create<arith::XOrIOp>(loc, b.create<arith::XOrIOp>(loc, p1.getHigh(), c1), k0);
    Value next2 = b.create<arith::XOrIOp>(loc, b.create<arith::XOrIOp>(loc, p0.getHigh(), c3), k1);
    c0 = next0, c1 = p1.getLow(), c2 = next2, c3 = p0.getLow();
  }
  // Box-Muller on the first two words: u1 in (0, 1] keeps the logarithm finite.
  Type f32 = b.getF32Type();
  Value eight = i32Constant(b, loc, 8), one = i32Constant(b, loc, 1);
  auto f = [&](double v) { return b.create<arith::ConstantOp>(loc, b.getF32FloatAttr(v)); };
  Value scale = f(1.0 / 16777216.0);
  Value u1 = b.create<arith::MulFOp>(
      loc, b.create<arith::UIToFPOp>(
               loc, f32, b.create<arith::AddIOp>(loc, b.create<arith::ShRUIOp>(loc, c0, eight), one)),
      scale);
  Value u2 = b.create<arith::MulFOp>(
      loc, b.create<arith::UIToFPOp>(loc, f32, b.create<arith::ShRUIOp>(loc, c1, eight)), scale);
  Value radius = b.create<math::SqrtOp>(
      loc, b.create<arith::MulFOp>(loc, f(-2.0), b.create<math::LogOp>(loc, u1)));
  Value angle = b.create<arith::MulFOp>(loc, f(6.28318530717958647692), u2);
  return b.create<arith::MulFOp>(loc, radius, b.create<math::CosOp>(loc, angle));
}
