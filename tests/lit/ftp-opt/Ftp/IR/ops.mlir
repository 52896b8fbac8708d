// RUN: ftp-opt --split-input-file %s | FileCheck %s
// RUN: ftp-opt --split-input-file %s | ftp-opt --split-input-file | FileCheck %s

// CHECK-LABEL: func.func @clip_scale_static
// CHECK: ftp.clip_scale %{{.*}} {clip_norm = 1.000000e+00 : f32} : tensor<32xf32>
func.func @clip_scale_static(%norms: tensor<32xf32>) -> tensor<32xf32> {
  %scale = ftp.clip_scale %norms {clip_norm = 1.0 : f32} : tensor<32xf32>
  return %scale : tensor<32xf32>
}

// -----

// An eps equal to the default (1e-6) is elided; any other is printed.
// CHECK-LABEL: func.func @clip_scale_dynamic
// CHECK: ftp.clip_scale %{{.*}} {clip_norm = 5.000000e-01 : f32, eps = 1.000000e-03 : f32} : tensor<?xbf16>
func.func @clip_scale_dynamic(%norms: tensor<?xbf16>) -> tensor<?xbf16> {
  %scale = ftp.clip_scale %norms {clip_norm = 0.5 : f32, eps = 1.0e-3 : f32} : tensor<?xbf16>
  return %scale : tensor<?xbf16>
}

// -----

// CHECK-LABEL: func.func @clip_scale_default_eps
// CHECK: ftp.clip_scale %{{.*}} {clip_norm = 2.000000e+00 : f32} : tensor<4xf16>
func.func @clip_scale_default_eps(%norms: tensor<4xf16>) -> tensor<4xf16> {
  %scale = ftp.clip_scale %norms {clip_norm = 2.0 : f32, eps = 1.0e-6 : f32} : tensor<4xf16>
  return %scale : tensor<4xf16>
}

// -----

// Hyperparameters are SSA scalars: one kernel serves every step of a schedule.
// CHECK-LABEL: func.func @adamw_update
// CHECK: %new_param, %new_m, %new_v = ftp.adamw_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} step %{{.*}} lr %{{.*}} betas(%{{.*}}, %{{.*}}) eps %{{.*}} weight_decay %{{.*}} : tensor<?xf32>
func.func @adamw_update(%p: tensor<?xf32>, %g: tensor<?xf32>, %m: tensor<?xf32>, %v: tensor<?xf32>, %step: i64,
                        %lr: f32, %b1: f32, %b2: f32, %eps: f32, %wd: f32) -> tensor<?xf32> {
  %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v step %step lr %lr betas(%b1, %b2) eps %eps weight_decay %wd
      : tensor<?xf32>
  return %p1 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @adam_update
// CHECK: ftp.adam_update %{{.*}} : tensor<4x8xf32>
func.func @adam_update(%p: tensor<4x8xf32>, %step: i64) -> tensor<4x8xf32> {
  %lr = arith.constant 1.0e-3 : f32
  %b1 = arith.constant 0.9 : f32
  %b2 = arith.constant 0.999 : f32
  %eps = arith.constant 1.0e-8 : f32
  %p1, %m1, %v1 = ftp.adam_update %p, %p, %p, %p step %step lr %lr betas(%b1, %b2) eps %eps weight_decay %lr
      : tensor<4x8xf32>
  return %p1 : tensor<4x8xf32>
}

// -----

// CHECK-LABEL: func.func @sgd_update
// CHECK: %new_param, %new_momentum_buffer = ftp.sgd_update %{{.*}}, %{{.*}}, %{{.*}} lr %{{.*}} momentum %{{.*}} weight_decay %{{.*}} : tensor<?xf32>
func.func @sgd_update(%p: tensor<?xf32>, %g: tensor<?xf32>, %buf: tensor<?xf32>, %lr: f32, %mu: f32, %wd: f32) -> tensor<?xf32> {
  %p1, %buf1 = ftp.sgd_update %p, %g, %buf lr %lr momentum %mu weight_decay %wd : tensor<?xf32>
  return %p1 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @noise_and_accumulate
// CHECK: ftp.scale %{{.*}}, %{{.*}} : tensor<?xf32>
// CHECK: ftp.clip_accumulate %{{.*}}, %{{.*}}, %{{.*}} : tensor<?xf32>
// CHECK: ftp.gaussian_noise %{{.*}}, %{{.*}}, %{{.*}} key(%{{.*}}, %{{.*}}, %{{.*}}) offset %{{.*}} : tensor<?xf32>
// CHECK: ftp.perturb_step %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?xf32>
func.func @noise_and_accumulate(%acc: tensor<?xf32>, %g: tensor<?xf32>, %s: f32, %seed: i64, %step: i64,
                                %id: i32, %off: i64) -> tensor<?xf32> {
  %0 = ftp.scale %g, %s : tensor<?xf32>
  %1 = ftp.clip_accumulate %acc, %0, %s : tensor<?xf32>
  %2 = ftp.gaussian_noise %1, %s, %s key(%seed, %step, %id) offset %off : tensor<?xf32>
  %3 = ftp.perturb_step %2, %g, %s, %s : tensor<?xf32>
  return %3 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @l2_ascent
// CHECK: ftp.l2_ascent_step %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<?xf32>
func.func @l2_ascent(%d: tensor<?xf32>, %g: tensor<?xf32>, %a: f32, %e: f32) -> tensor<?xf32> {
  %0 = ftp.l2_ascent_step %d, %g, %a, %e : tensor<?xf32>
  return %0 : tensor<?xf32>
}
