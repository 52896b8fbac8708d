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

func.func @adamw_zero_lr(%p: tensor<8xf32>, %s: i64) -> tensor<8xf32> {
  // expected-error @+1 {{'ftp.adamw_update' op expects `lr` > 0, got 0}}
  %p1, %m1, %v1 = ftp.adamw_update %p, %p, %p, %p, %s
      {lr = 0.0 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, weight_decay = 0.0 : f32} : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @adamw_beta_one(%p: tensor<8xf32>, %s: i64) -> tensor<8xf32> {
  // expected-error @+1 {{'ftp.adamw_update' op expects `beta1` and `beta2` in [0, 1)}}
  %p1, %m1, %v1 = ftp.adamw_update %p, %p, %p, %p, %s
      {lr = 1.0e-3 : f32, beta1 = 1.0 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, weight_decay = 0.0 : f32} : tensor<8xf32>
  return %p1 : tensor<8xf32>
}

// -----

func.func @adamw_mismatched(%p: tensor<8xf32>, %g: tensor<4xf32>, %s: i64) -> tensor<8xf32> {
  // expected-error @+1 {{failed to verify that all of {param, grad, m, v, new_param, new_m, new_v} have same type}}
  %p1, %m1, %v1 = "ftp.adamw_update"(%p, %g, %p, %p, %s)
      {lr = 1.0e-3 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32, weight_decay = 0.0 : f32}
      : (tensor<8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>, i64) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>)
  return %p1 : tensor<8xf32>
}
