// RUN: ftp-opt --split-input-file --ftp-lower-to-linalg %s | FileCheck %s

// CHECK-LABEL: func.func @clip_scale
// CHECK-DAG:   %[[CLIP:.*]] = arith.constant 2.000000e+00 : f32
// CHECK-DAG:   %[[EPS:.*]] = arith.constant 9.99999997E-7 : f32
// CHECK-DAG:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:       %[[INIT:.*]] = tensor.empty() : tensor<32xf32>
// CHECK:       linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%{{.*}} : tensor<32xf32>) outs(%[[INIT]] : tensor<32xf32>)
// CHECK:       ^bb0(%[[N:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:    %[[D:.*]] = arith.addf %[[N]], %[[EPS]] : f32
// CHECK-NEXT:    %[[R:.*]] = arith.divf %[[CLIP]], %[[D]] : f32
// CHECK-NEXT:    %[[S:.*]] = arith.minimumf %[[R]], %[[ONE]] : f32
// CHECK-NEXT:    linalg.yield %[[S]] : f32
// CHECK-NOT:   ftp.clip_scale
func.func @clip_scale(%norms: tensor<32xf32>) -> tensor<32xf32> {
  %scale = ftp.clip_scale %norms {clip_norm = 2.0 : f32} : tensor<32xf32>
  return %scale : tensor<32xf32>
}

// -----

// Dynamic sizes are read from the input.
// CHECK-LABEL: func.func @clip_scale_dynamic
// CHECK:       %[[C0:.*]] = arith.constant 0 : index
// CHECK:       %[[DIM:.*]] = tensor.dim %{{.*}}, %[[C0]] : tensor<?xbf16>
// CHECK:       tensor.empty(%[[DIM]]) : tensor<?xbf16>
func.func @clip_scale_dynamic(%norms: tensor<?xbf16>) -> tensor<?xbf16> {
  %scale = ftp.clip_scale %norms {clip_norm = 1.0 : f32} : tensor<?xbf16>
  return %scale : tensor<?xbf16>
}

// -----

// One generic computes the parameter and both moments; the bias corrections are computed once.
// CHECK-LABEL: func.func @adamw
// CHECK:       %[[STEP:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK:       math.powf %{{.*}}, %[[STEP]] : f32
// CHECK:       math.powf %{{.*}}, %[[STEP]] : f32
// CHECK:       %[[R:.*]]:3 = linalg.generic
// CHECK-SAME:    ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK:       math.sqrt
// CHECK:       linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// CHECK:       return %[[R]]#0, %[[R]]#1, %[[R]]#2
// CHECK-NOT:   ftp.adamw_update
func.func @adamw(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %step: i64)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v, %step
      {lr = 5.0e-5 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, weight_decay = 0.01 : f32}
      : tensor<4x8xf32>
  return %p1, %m1, %v1 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
