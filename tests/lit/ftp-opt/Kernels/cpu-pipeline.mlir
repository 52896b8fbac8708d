// The CPU pipeline of the step kernels (ftp::kernels::toLinalgPipeline and cpuToLLVMPipeline in
// compiler/lib/Kernels/KernelModule.cpp) on one kernel: fused into one generic, bufferized in
// place on the caller's buffers (no allocation, no copy), then loops and the LLVM dialect.
// FreeLB's L2 step allocates only its two scalar accumulators, and frees them.
// RUN: ftp-opt %s --pass-pipeline='builtin.module(ftp-lower-to-linalg,ftp-fuse-elementwise,eliminate-empty-tensors,canonicalize,cse,ftp-approximate-math,eliminate-empty-tensors,one-shot-bufferize,canonicalize,ownership-based-buffer-deallocation,canonicalize,buffer-deallocation-simplification,convert-bufferization-to-memref,canonicalize)' | FileCheck %s --check-prefix=BUF
// RUN: ftp-opt %s --pass-pipeline='builtin.module(ftp-lower-to-linalg,ftp-fuse-elementwise,eliminate-empty-tensors,canonicalize,cse,ftp-approximate-math,eliminate-empty-tensors,one-shot-bufferize,canonicalize,ownership-based-buffer-deallocation,canonicalize,buffer-deallocation-simplification,convert-bufferization-to-memref,canonicalize,func.func(convert-linalg-to-loops),lower-affine,convert-scf-to-cf,expand-strided-metadata,convert-math-to-llvm,convert-arith-to-llvm,finalize-memref-to-llvm,convert-func-to-llvm,convert-cf-to-llvm,reconcile-unrealized-casts)' | FileCheck %s --check-prefix=LLVM

// BUF-LABEL: func.func @ftp_update_adamw_noise
// BUF-NOT:     memref.alloc
// BUF:         linalg.generic {{.*}} ins(%arg0, %arg1, %arg2, %arg3 : {{.*}}) outs(%arg1, %arg0, %arg2, %arg3 : {{.*}})
// BUF-NOT:     memref.alloc
// BUF-NOT:     memref.copy
// BUF-NOT:     linalg.generic
// BUF:         return

// LLVM: llvm.func @ftp_update_adamw_noise(
// LLVM: llvm.func @_mlir_ciface_ftp_update_adamw_noise(
// LLVM-NOT: llvm.call @malloc
func.func @ftp_update_adamw_noise(%P: memref<?xf32>, %G: memref<?xf32>, %M: memref<?xf32>, %V: memref<?xf32>,
    %gs: f32, %std: f32, %seed: i64, %nstep: i64, %id: i32, %off: i64, %step: i64,
    %lr: f32, %b1: f32, %b2: f32, %eps: f32, %wd: f32) attributes {llvm.emit_c_interface} {
  %p = bufferization.to_tensor %P restrict writable : memref<?xf32>
  %graw = bufferization.to_tensor %G restrict writable : memref<?xf32>
  %m = bufferization.to_tensor %M restrict writable : memref<?xf32>
  %v = bufferization.to_tensor %V restrict writable : memref<?xf32>
  %g = ftp.gaussian_noise %graw, %gs, %std key(%seed, %nstep, %id) offset %off : tensor<?xf32>
  %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v step %step lr %lr betas(%b1, %b2) eps %eps weight_decay %wd : tensor<?xf32>
  bufferization.materialize_in_destination %p1 in restrict writable %P : (tensor<?xf32>, memref<?xf32>) -> ()
  bufferization.materialize_in_destination %m1 in restrict writable %M : (tensor<?xf32>, memref<?xf32>) -> ()
  bufferization.materialize_in_destination %v1 in restrict writable %V : (tensor<?xf32>, memref<?xf32>) -> ()
  bufferization.materialize_in_destination %g in restrict writable %G : (tensor<?xf32>, memref<?xf32>) -> ()
  return
}

// BUF-LABEL: func.func @ftp_l2_ascent_step
// BUF-SAME:    (%[[D:.*]]: memref<?xf32>, %[[G:.*]]: memref<?xf32>,
// BUF:         linalg.generic {{.*}} ins(%[[G]] : memref<?xf32>) outs(%[[S1:.*]] : memref<f32>)
// BUF:         linalg.generic {{.*}} ins(%[[G]], %[[S1]] : memref<?xf32>, memref<f32>) outs(%[[D]], %[[S2:.*]] : memref<?xf32>, memref<f32>)
// BUF:         linalg.generic {{.*}} ins(%[[S2]] : memref<f32>) outs(%[[D]] : memref<?xf32>)
// BUF-NOT:     memref.copy {{.*}} %[[D]]
// BUF-DAG:     memref.dealloc %[[S1]]
// BUF-DAG:     memref.dealloc %[[S2]]
// BUF:         return

// LLVM-LABEL: llvm.func @ftp_l2_ascent_step(
// LLVM-COUNT-2: llvm.call @malloc
// LLVM-COUNT-2: llvm.call @free
// LLVM:       llvm.return
func.func @ftp_l2_ascent_step(%D: memref<?xf32>, %G: memref<?xf32>, %alpha: f32, %eps: f32)
    attributes {llvm.emit_c_interface} {
  %d = bufferization.to_tensor %D restrict writable : memref<?xf32>
  %g = bufferization.to_tensor %G restrict writable : memref<?xf32>
  %r = ftp.l2_ascent_step %d, %g, %alpha, %eps : tensor<?xf32>
  bufferization.materialize_in_destination %r in restrict writable %D : (tensor<?xf32>, memref<?xf32>) -> ()
  return
}
