// RUN: ftp-opt --split-input-file --verify-diagnostics %s

func.func @clip_scale_rank2(%norms: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // expected-error @+1 {{'ftp.clip_scale' op expects a rank-1 tensor of per-sample norms, got rank 2}}
  %scale = ftp.clip_scale %norms {clip_norm = 1.0 : f32} : tensor<4x8xf32>
  return %scale : tensor<4x8xf32>
}

// -----

func.func @clip_scale_zero_norm(%norms: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ftp.clip_scale' op expects `clip_norm` > 0, got 0}}
  %scale = ftp.clip_scale %norms {clip_norm = 0.0 : f32} : tensor<8xf32>
  return %scale : tensor<8xf32>
}

// -----

func.func @clip_scale_nan_norm(%norms: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ftp.clip_scale' op expects `clip_norm` > 0, got nan}}
  %scale = ftp.clip_scale %norms {clip_norm = 0x7FC00000 : f32} : tensor<8xf32>
  return %scale : tensor<8xf32>
}

// -----

func.func @clip_scale_negative_eps(%norms: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @+1 {{'ftp.clip_scale' op expects `eps` >= 0, got -1}}
  %scale = ftp.clip_scale %norms {clip_norm = 1.0 : f32, eps = -1.0 : f32} : tensor<8xf32>
  return %scale : tensor<8xf32>
}

// -----

func.func @clip_scale_integer(%norms: tensor<8xi32>) -> tensor<8xi32> {
  // expected-error @+1 {{must be ranked tensor of floating-point values}}
  %scale = ftp.clip_scale %norms {clip_norm = 1.0 : f32} : tensor<8xi32>
  return %scale : tensor<8xi32>
}

// -----

func.func @adamw_negative_lr(%p: tensor<8xf32>, %s: i64, %x: f32) -> tensor<8xf32> {
  %lr = arith.constant -1.0 : f32
  // expected-error @+1 {{'ftp.adamw_update' op expects `lr` >= 0, got -1}}
  %p1, %m1, %v1 = ftp.adamw_update %p, %p, %p, %p step %s lr %lr betas(%x, %x) eps %x weight_decay %x : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @adamw_beta_one(%p: tensor<8xf32>, %s: i64, %x: f32) -> tensor<8xf32> {
  %one = arith.constant 1.0 : f32
  // expected-error @+1 {{'ftp.adamw_update' op expects `beta2` in [0, 1), got 1}}
  %p1, %m1, %v1 = ftp.adamw_update %p, %p, %p, %p step %s lr %x betas(%x, %one) eps %x weight_decay %x : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @adam_zero_eps(%p: tensor<8xf32>, %s: i64, %x: f32) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{'ftp.adam_update' op expects `eps` > 0, got 0}}
  %p1, %m1, %v1 = ftp.adam_update %p, %p, %p, %p step %s lr %x betas(%x, %x) eps %zero weight_decay %x : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @adam_step_zero(%p: tensor<8xf32>, %x: f32) -> tensor<8xf32> {
  %s = arith.constant 0 : i64
  // expected-error @+1 {{'ftp.adam_update' op expects `step` >= 1 (steps count from 1), got 0}}
  %p1, %m1, %v1 = ftp.adam_update %p, %p, %p, %p step %s lr %x betas(%x, %x) eps %x weight_decay %x : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @adamw_mismatched(%p: tensor<8xf32>, %g: tensor<4xf32>, %s: i64, %x: f32) -> tensor<8xf32> {
  // expected-error @+1 {{failed to verify that all of {param, grad, m, v, new_param, new_m, new_v} have same type}}
  %p1, %m1, %v1 = "ftp.adamw_update"(%p, %g, %p, %p, %s, %x, %x, %x, %x, %x)
      : (tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>, i64, f32, f32, f32, f32, f32) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %p1 : tensor<8xf32>
}

// -----

func.func @sgd_negative_momentum(%p: tensor<8xf32>, %x: f32) -> tensor<8xf32> {
  %mu = arith.constant -0.5 : f32
  // expected-error @+1 {{'ftp.sgd_update' op expects `momentum` >= 0, got -0.5}}
  %p1, %b1 = ftp.sgd_update %p, %p, %p lr %x momentum %mu weight_decay %x : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @sgd_nan_lr(%p: tensor<8xf32>, %x: f32) -> tensor<8xf32> {
  %lr = arith.constant 0x7FC00000 : f32
  // expected-error @+1 {{'ftp.sgd_update' op expects `lr` >= 0, got nan}}
  %p1, %b1 = ftp.sgd_update %p, %p, %p lr %lr momentum %x weight_decay %x : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @clip_accumulate_scale_above_one(%a: tensor<8xf32>) -> tensor<8xf32> {
  %s = arith.constant 2.0 : f32
  // expected-error @+1 {{'ftp.clip_accumulate' op expects the clipping `scale` in [0, 1], got 2}}
  %r = ftp.clip_accumulate %a, %a, %s : tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @clip_accumulate_mismatched(%a: tensor<8xf32>, %g: tensor<8xf16>, %s: f32) -> tensor<8xf32> {
  // expected-error @+1 {{failed to verify that all of {acc, grad, result} have same type}}
  %r = "ftp.clip_accumulate"(%a, %g, %s) : (tensor<8xf32>, tensor<8xf16>, f32) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @noise_negative_std(%x: tensor<8xf32>, %s: f32, %k: i64, %id: i32) -> tensor<8xf32> {
  %std = arith.constant -1.0 : f32
  // expected-error @+1 {{'ftp.gaussian_noise' op expects `std` >= 0, got -1}}
  %r = ftp.gaussian_noise %x, %s, %std key(%k, %k, %id) offset %k : tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @noise_rank2(%x: tensor<2x4xf32>, %s: f32, %k: i64, %id: i32) -> tensor<2x4xf32> {
  // expected-error @+1 {{'ftp.gaussian_noise' op expects a rank-1 tensor (noise counters are flat element indices), got rank 2}}
  %r = ftp.gaussian_noise %x, %s, %s key(%k, %k, %id) offset %k : tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}

// -----

func.func @noise_i32_seed(%x: tensor<8xf32>, %s: f32, %k: i32) -> tensor<8xf32> {
  // expected-error @+1 {{'ftp.gaussian_noise' op operand #3 must be 64-bit signless integer, but got 'i32'}}
  %r = "ftp.gaussian_noise"(%x, %s, %s, %k, %k, %k, %k) : (tensor<8xf32>, f32, f32, i32, i32, i32, i32) -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @perturb_negative_eps(%d: tensor<8xf32>, %a: f32) -> tensor<8xf32> {
  %eps = arith.constant -2.0 : f32
  // expected-error @+1 {{'ftp.perturb_step' op expects `eps` >= 0, got -2}}
  %r = ftp.perturb_step %d, %d, %a, %eps : tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @l2_ascent_rank2(%d: tensor<4x8xf32>, %a: f32, %e: f32) -> tensor<4x8xf32> {
  // expected-error @+1 {{'ftp.l2_ascent_step' op expects one example's flat perturbation (rank 1), got rank 2}}
  %r = ftp.l2_ascent_step %d, %d, %a, %e : tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}

// -----

func.func @l2_ascent_negative_alpha(%d: tensor<8xf32>, %e: f32) -> tensor<8xf32> {
  %a = arith.constant -0.5 : f32
  // expected-error @+1 {{'ftp.l2_ascent_step' op expects `alpha` >= 0, got -0.5}}
  %r = ftp.l2_ascent_step %d, %d, %a, %e : tensor<8xf32>
  return %r : tensor<8xf32>
}
