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

// CHECK-LABEL: func.func @adamw_update
// CHECK: %{{.*}}, %{{.*}}, %{{.*}} = ftp.adamw_update %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {beta1 = 0.899999976 : f32, beta2 = 9.990000e-01 : f32, eps = 9.99999993E-9 : f32, lr = 5.000000e-05 : f32, weight_decay = 0.00999999977 : f32} : tensor<?xf32>
func.func @adamw_update(%p: tensor<?xf32>, %g: tensor<?xf32>, %m: tensor<?xf32>, %v: tensor<?xf32>, %step: i64) -> tensor<?xf32> {
  %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v, %step
      {lr = 5.0e-5 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, weight_decay = 0.01 : f32}
      : tensor<?xf32>
  return %p1 : tensor<?xf32>
}
