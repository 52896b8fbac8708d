// RUN: ftp-opt --ftp-approximate-math %s | FileCheck %s

// log and cos become polynomials (plain arithmetic that LLVM vectorizes); sqrt stays, since it
// is one instruction.
// CHECK-LABEL: func.func @box_muller
// CHECK-NOT:   math.log
// CHECK-NOT:   math.cos
// CHECK:       math.fma
// CHECK:       math.sqrt
// CHECK-NOT:   math.log
// CHECK-NOT:   math.cos
func.func @box_muller(%u1: f32, %u2: f32) -> f32 {
  %l = math.log %u1 : f32
  %r = math.sqrt %l : f32
  %c = math.cos %u2 : f32
  %z = arith.mulf %r, %c : f32
  return %z : f32
}
