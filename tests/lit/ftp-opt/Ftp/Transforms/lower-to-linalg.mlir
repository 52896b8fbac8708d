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

// One generic computes the parameter and both moments; the bias corrections are computed once,
// in f64, outside the loop.
// CHECK-LABEL: func.func @adamw
// CHECK:       %[[STEP:.*]] = arith.sitofp %{{.*}} : i64 to f64
// CHECK:       math.powf %{{.*}}, %[[STEP]] : f64
// CHECK:       math.powf %{{.*}}, %[[STEP]] : f64
// CHECK:       %[[R:.*]]:3 = linalg.generic
// CHECK-SAME:    ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
// CHECK:       math.sqrt
// CHECK:       linalg.yield %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32
// CHECK:       return %[[R]]#0, %[[R]]#1, %[[R]]#2
// CHECK-NOT:   ftp.adamw_update
func.func @adamw(%p: tensor<4x8xf32>, %g: tensor<4x8xf32>, %m: tensor<4x8xf32>, %v: tensor<4x8xf32>, %step: i64,
                 %lr: f32, %b1: f32, %b2: f32, %eps: f32, %wd: f32)
    -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v step %step lr %lr betas(%b1, %b2) eps %eps weight_decay %wd
      : tensor<4x8xf32>
  return %p1, %m1, %v1 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Adam adds the L2 term to the gradient first and does not decay the parameter separately.
// CHECK-LABEL: func.func @adam
// CHECK:       linalg.generic
// CHECK:       ^bb0(%[[P:[^:]*]]: f32, %[[G:[^:]*]]: f32, %{{.*}}: f32, %{{.*}}: f32,
// CHECK-NEXT:    %[[L2:.*]] = arith.mulf %[[WD:.*]], %[[P]] : f32
// CHECK-NEXT:    arith.addf %[[G]], %[[L2]] : f32
// CHECK:         math.sqrt
// CHECK-NEXT:    arith.addf
// CHECK-NEXT:    arith.mulf
// CHECK-NEXT:    %[[UPDATE:.*]] = arith.divf
// CHECK-NEXT:    %[[NEW:.*]] = arith.subf %[[P]], %[[UPDATE]] : f32
// CHECK-NEXT:    linalg.yield %[[NEW]]
func.func @adam(%p: tensor<?xf32>, %step: i64, %x: f32) -> tensor<?xf32> {
  %p1, %m1, %v1 = ftp.adam_update %p, %p, %p, %p step %step lr %x betas(%x, %x) eps %x weight_decay %x
      : tensor<?xf32>
  return %p1 : tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @sgd
// CHECK-SAME:    (%[[PARAM:[^:]*]]: tensor<?xf32>, %[[GRAD:[^:]*]]: tensor<?xf32>, %[[BUF:[^:]*]]: tensor<?xf32>, %[[LR:[^:]*]]: f32, %[[MU:[^:]*]]: f32, %[[WD:[^:]*]]: f32)
// CHECK:       %{{.*}}:2 = linalg.generic {{.*}} ins(%[[PARAM]], %[[GRAD]], %[[BUF]] : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK:       ^bb0(%[[P:[^:]*]]: f32, %[[G:[^:]*]]: f32, %[[B:[^:]*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK-NEXT:    %[[L2:.*]] = arith.mulf %[[WD]], %[[P]] : f32
// CHECK-NEXT:    %[[D:.*]] = arith.addf %[[G]], %[[L2]] : f32
// CHECK-NEXT:    %[[MB:.*]] = arith.mulf %[[MU]], %[[B]] : f32
// CHECK-NEXT:    %[[B1:.*]] = arith.addf %[[MB]], %[[D]] : f32
// CHECK-NEXT:    %[[STEP:.*]] = arith.mulf %[[LR]], %[[B1]] : f32
// CHECK-NEXT:    %[[P1:.*]] = arith.subf %[[P]], %[[STEP]] : f32
// CHECK-NEXT:    linalg.yield %[[P1]], %[[B1]] : f32, f32
func.func @sgd(%p: tensor<?xf32>, %g: tensor<?xf32>, %buf: tensor<?xf32>, %lr: f32, %mu: f32, %wd: f32)
    -> (tensor<?xf32>, tensor<?xf32>) {
  %p1, %b1 = ftp.sgd_update %p, %g, %buf lr %lr momentum %mu weight_decay %wd : tensor<?xf32>
  return %p1, %b1 : tensor<?xf32>, tensor<?xf32>
}

// -----

// CHECK-LABEL: func.func @clip_accumulate
// CHECK-SAME:    (%{{.*}}: tensor<?xf32>, %{{.*}}: tensor<?xf32>, %[[S:[^:]*]]: f32)
// CHECK:       ^bb0(%[[A:[^:]*]]: f32, %[[G:[^:]*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:    %[[SG:.*]] = arith.mulf %[[S]], %[[G]] : f32
// CHECK-NEXT:    %[[R:.*]] = arith.addf %[[A]], %[[SG]] : f32
// CHECK-NEXT:    linalg.yield %[[R]] : f32
func.func @clip_accumulate(%acc: tensor<?xf32>, %g: tensor<?xf32>, %s: f32) -> tensor<?xf32> {
  %r = ftp.clip_accumulate %acc, %g, %s : tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// Scalars are converted to the tensor's element type once, outside the loop.
// CHECK-LABEL: func.func @scale_bf16
// CHECK:       %[[F:.*]] = arith.truncf %{{.*}} : f32 to bf16
// CHECK:       linalg.generic
// CHECK:       arith.mulf %[[F]], %{{.*}} : bf16
func.func @scale_bf16(%x: tensor<16xbf16>, %s: f32) -> tensor<16xbf16> {
  %r = ftp.scale %x, %s : tensor<16xbf16>
  return %r : tensor<16xbf16>
}

// -----

// Philox-4x32-10: the ten round keys are computed once outside the loop (nine Weyl bumps of each
// key word); inside, the counter is (offset + index) and ten rounds of two 32x32->64 products
// (arith.mului_extended; the last round's first one only feeds the unused words w2 and w3, and is
// dropped), then Box-Muller.
// CHECK-LABEL: func.func @gaussian_noise
// CHECK-COUNT-9: arith.addi %{{.*}}, %c-1640531527_i32 : i32
// CHECK:       linalg.generic
// CHECK:         %[[I:.*]] = linalg.index 0 : index
// CHECK-NEXT:    %[[I64:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK-NEXT:    arith.addi %{{.*}}, %[[I64]] : i64
// CHECK-COUNT-19: arith.mului_extended
// CHECK-NOT:     arith.mului_extended
// CHECK:         math.log
// CHECK:         math.sqrt
// CHECK:         math.cos
// CHECK:         linalg.yield
func.func @gaussian_noise(%x: tensor<?xf32>, %scale: f32, %std: f32, %seed: i64, %step: i64, %id: i32, %off: i64)
    -> tensor<?xf32> {
  %r = ftp.gaussian_noise %x, %scale, %std key(%seed, %step, %id) offset %off : tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// sign(g) as two compares and selects, so that sign(0) = 0; the projection is a clamp.
// CHECK-LABEL: func.func @perturb_step
// CHECK:       %[[NEGEPS:.*]] = arith.negf %[[EPS:.*]] : f32
// CHECK:       linalg.generic
// CHECK:         arith.cmpf ogt
// CHECK:         arith.cmpf olt
// CHECK:         arith.select
// CHECK:         arith.select
// CHECK:         %[[LO:.*]] = arith.maximumf %{{.*}}, %[[NEGEPS]] : f32
// CHECK-NEXT:    arith.minimumf %[[LO]], %[[EPS]] : f32
func.func @perturb_step(%d: tensor<?xf32>, %g: tensor<?xf32>, %alpha: f32, %eps: f32) -> tensor<?xf32> {
  %r = ftp.perturb_step %d, %g, %alpha, %eps : tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// Two sums of squares (reductions into zero-filled scalars) around the step and the projection;
// both elementwise generics take the perturbation as their init, so they can update it in place.
// CHECK-LABEL: func.func @l2_ascent_step
// CHECK-SAME:  (%[[D:.*]]: tensor<?xf32>, %[[G:.*]]: tensor<?xf32>, %[[ALPHA:.*]]: f32, %[[EPS:.*]]: f32)
// CHECK:       %[[Z:.*]] = linalg.fill
// CHECK:       %[[GS:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]{{.*}} ins(%[[G]] : tensor<?xf32>) outs(%[[Z]] : tensor<f32>)
// CHECK:         arith.mulf
// CHECK:         arith.addf
// CHECK:       %[[STEP:.*]] = linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} ins(%[[G]], %[[GS]] : tensor<?xf32>, tensor<f32>) outs(%[[D]] : tensor<?xf32>)
// CHECK:         math.sqrt
// CHECK:         arith.maximumf
// CHECK:         arith.divf %[[ALPHA]]
// CHECK:       %[[DS:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]{{.*}} ins(%[[STEP]] : tensor<?xf32>)
// CHECK:       linalg.generic {{.*}}iterator_types = ["parallel"]{{.*}} ins(%[[DS]] : tensor<f32>) outs(%[[STEP]] : tensor<?xf32>)
// CHECK:         math.sqrt
// CHECK:         arith.divf %[[EPS]]
// CHECK:         arith.minimumf
// CHECK:         arith.mulf
func.func @l2_ascent_step(%d: tensor<?xf32>, %g: tensor<?xf32>, %alpha: f32, %eps: f32) -> tensor<?xf32> {
  %r = ftp.l2_ascent_step %d, %g, %alpha, %eps : tensor<?xf32>
  return %r : tensor<?xf32>
}
