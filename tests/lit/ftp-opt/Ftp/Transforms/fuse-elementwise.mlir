// RUN: ftp-opt --split-input-file --ftp-lower-to-linalg --ftp-fuse-elementwise %s | FileCheck %s

// The noisy gradient has two users, the update and the write-back to the gradient buffer: it is
// still fused, and the fused generic yields it as a fourth result, so the noise is drawn once.
// CHECK-LABEL: func.func @noise_into_adamw
// CHECK:       %[[R:.*]]:4 = linalg.generic
// CHECK-COUNT-19: arith.mului_extended
// CHECK:       linalg.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32, f32
// CHECK-NOT:   linalg.generic
// CHECK:       return %[[R]]#0, %[[R]]#1
func.func @noise_into_adamw(%p: tensor<?xf32>, %g: tensor<?xf32>, %m: tensor<?xf32>, %v: tensor<?xf32>,
    %s: f32, %seed: i64, %step: i64, %id: i32) -> (tensor<?xf32>, tensor<?xf32>) {
  %noisy = ftp.gaussian_noise %g, %s, %s key(%seed, %step, %id) offset %seed : tensor<?xf32>
  %p1, %m1, %v1 = ftp.adamw_update %p, %noisy, %m, %v step %step lr %s betas(%s, %s) eps %s weight_decay %s
      : tensor<?xf32>
  return %noisy, %p1 : tensor<?xf32>, tensor<?xf32>
}

// -----

// A chain of single-use producers becomes one generic with one result.
// CHECK-LABEL: func.func @chain
// CHECK:       %[[R:.*]] = linalg.generic
// CHECK-NOT:   linalg.generic
// CHECK:       return %[[R]]
func.func @chain(%acc: tensor<?xf32>, %g: tensor<?xf32>, %s: f32) -> tensor<?xf32> {
  %0 = ftp.scale %g, %s : tensor<?xf32>
  %1 = ftp.clip_accumulate %acc, %0, %s : tensor<?xf32>
  %2 = ftp.perturb_step %1, %g, %s, %s : tensor<?xf32>
  return %2 : tensor<?xf32>
}
