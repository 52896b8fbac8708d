//===- FtpOps.td - operations of the ftp dialect -----------------*- tablegen -*-===//

#ifndef FTP_DIALECT_FTP_IR_FTPOPS_TD
#define FTP_DIALECT_FTP_IR_FTPOPS_TD

include "ftp/Dialect/Ftp/IR/FtpDialect.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Ftp_ClipScaleOp : Ftp_Op<"clip_scale", [Pure, SameOperandsAndResultType]> {
  let summary = "per-sample gradient clipping factors";
  let description = [{
    Given the L2 norms of a batch's per-sample gradients, returns for each sample the factor that
    scales its gradient to a norm of at most `clip_norm` (DP-SGD's clipping step):

      scale[i] = min(1, clip_norm / (norms[i] + eps))

    `eps` keeps the division finite for zero gradients; it defaults to 1e-6 as in Opacus.

    Example:

    ```mlir
    %scale = ftp.clip_scale %norms {clip_norm = 1.0 : f32} : tensor<32xf32>
    ```
  }];

  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$norms,
    F32Attr:$clip_norm,
    DefaultValuedAttr<F32Attr, "1e-6">:$eps
  );
  let results = (outs RankedTensorOf<[AnyFloat]>:$scale);

  let assemblyFormat = "$norms attr-dict `:` type($norms)";
  let hasVerifier = 1;
}

// The step-math ops below take their hyperparameters as SSA scalars, not attributes: the learning
// rate follows a schedule and the step counts up, and one compiled kernel serves every step.
// Verifiers check the values that are constants.

class Ftp_AdamBaseOp<string mnemonic> : Ftp_Op<mnemonic,
    [Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>]> {
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$param,
    RankedTensorOf<[AnyFloat]>:$grad,
    RankedTensorOf<[AnyFloat]>:$m,
    RankedTensorOf<[AnyFloat]>:$v,
    I64:$step,
    F32:$lr,
    F32:$beta1,
    F32:$beta2,
    F32:$eps,
    F32:$weight_decay
  );
  let results = (outs
    RankedTensorOf<[AnyFloat]>:$new_param,
    RankedTensorOf<[AnyFloat]>:$new_m,
    RankedTensorOf<[AnyFloat]>:$new_v
  );
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `step` $step `lr` $lr `betas` `(` $beta1 `,` $beta2 `)`
    `eps` $eps `weight_decay` $weight_decay attr-dict `:` type($param)
  }];
  let hasVerifier = 1;
}

def Ftp_AdamWUpdateOp : Ftp_AdamBaseOp<"adamw_update"> {
  let summary = "one AdamW step of a parameter tensor";
  let description = [{
    The decoupled-weight-decay Adam update (Loshchilov & Hutter), as PyTorch's AdamW computes it,
    for step `step` (1-based; the bias corrections 1 - beta^step are computed in f64):

      m'     = beta1 · m + (1 − beta1) · g
      v'     = beta2 · v + (1 − beta2) · g²
      param' = param · (1 − lr · weight_decay)
               − lr · (m' / (1 − beta1^step)) / (sqrt(v' / (1 − beta2^step)) + eps)

    Example:

    ```mlir
    %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v step %step lr %lr betas(%b1, %b2)
        eps %eps weight_decay %wd : tensor<1024xf32>
    ```
  }];
}

def Ftp_AdamUpdateOp : Ftp_AdamBaseOp<"adam_update"> {
  let summary = "one Adam step of a parameter tensor (L2 weight decay)";
  let description = [{
    PyTorch's Adam: like `ftp.adamw_update`, but the weight decay is an L2 term added to the
    gradient (g := g + weight_decay · param) before the moments are updated, and the parameter is
    not decayed separately.
  }];
}

def Ftp_SgdUpdateOp : Ftp_Op<"sgd_update",
    [Pure, AllTypesMatch<["param", "grad", "momentum_buffer", "new_param", "new_momentum_buffer"]>]> {
  let summary = "one SGD step with momentum and weight decay";
  let description = [{
    PyTorch's SGD with dampening 0 and without Nesterov:

      d    = g + weight_decay · param
      buf' = momentum · buf + d
      param' = param − lr · buf'

    With momentum 0 this is plain SGD (buf' = d). The buffer starts at zero, which gives PyTorch's
    first step (buf = d) too.
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$param,
    RankedTensorOf<[AnyFloat]>:$grad,
    RankedTensorOf<[AnyFloat]>:$momentum_buffer,
    F32:$lr,
    F32:$momentum,
    F32:$weight_decay
  );
  let results = (outs
    RankedTensorOf<[AnyFloat]>:$new_param,
    RankedTensorOf<[AnyFloat]>:$new_momentum_buffer
  );
  let assemblyFormat = [{
    $param `,` $grad `,` $momentum_buffer `lr` $lr `momentum` $momentum
    `weight_decay` $weight_decay attr-dict `:` type($param)
  }];
  let hasVerifier = 1;
}

def Ftp_ScaleOp : Ftp_Op<"scale", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "multiply a tensor by a scalar";
  let description = [{
    result = factor · input. The gradient of a step without privacy noise (factor = 1 / batch
    size); with noise, `ftp.gaussian_noise` scales and adds the noise in one pass.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input, F32:$factor);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input `,` $factor attr-dict `:` type($input)";
}

def Ftp_ClipAccumulateOp : Ftp_Op<"clip_accumulate",
    [Pure, AllTypesMatch<["acc", "grad", "result"]>]> {
  let summary = "accumulate a clipped per-sample gradient";
  let description = [{
    result = acc + scale · grad, where `scale` is the sample's clipping factor
    (`ftp.clip_scale`): DP-SGD's sum of clipped per-sample gradients, one sample at a time.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$acc, RankedTensorOf<[AnyFloat]>:$grad,
                   F32:$scale);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$acc `,` $grad `,` $scale attr-dict `:` type($acc)";
  let hasVerifier = 1;
}

def Ftp_GaussianNoiseOp : Ftp_Op<"gaussian_noise", [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "scale a tensor and add Philox-keyed Gaussian noise";
  let description = [{
    result[i] = scale · input[i] + std · z(seed, step, tensor_id, offset + i), where z is a
    standard normal sample from Philox-4x32-10 with key (seed lo, seed hi) and counter
    (index lo, index hi, step lo, tensor_id), turned into a normal by Box–Muller on the first two
    words (see runtime/include/ftp/runtime/StepKernels.h, which defines the stream exactly).
    `offset` is the flat index of the first element, so a tensor processed in chunks draws the
    same noise as in one piece. DP-SGD's noisy gradient is `scale = 1 / batch`,
    `std = noise_multiplier · clip_norm / batch`; noise injection into embeddings is `scale = 1`.

    ```mlir
    %g = ftp.gaussian_noise %grad, %scale, %std key(%seed, %step, %tensor_id) offset %offset
        : tensor<?xf32>
    ```
  }];
  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$input,
    F32:$scale,
    F32:$std,
    I64:$seed,
    I64:$step,
    I32:$tensor_id,
    I64:$offset
  );
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $input `,` $scale `,` $std `key` `(` $seed `,` $step `,` $tensor_id `)` `offset` $offset
    attr-dict `:` type($input)
  }];
  let hasVerifier = 1;
}

def Ftp_PerturbStepOp : Ftp_Op<"perturb_step", [Pure, AllTypesMatch<["delta", "grad", "result"]>]> {
  let summary = "one FGSM/PGD step with projection onto the L-infinity ball";
  let description = [{
    result = clamp(delta + alpha · sign(grad), −eps, eps): the adversarial perturbation of an
    embedding after one signed-gradient step (FGSM is one such step from delta = 0; PGD repeats
    it). sign(0) = 0, as torch.sign.
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$delta, RankedTensorOf<[AnyFloat]>:$grad,
                   F32:$alpha, F32:$eps);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$delta `,` $grad `,` $alpha `,` $eps attr-dict `:` type($delta)";
  let hasVerifier = 1;
}

def Ftp_L2AscentStepOp : Ftp_Op<"l2_ascent_step", [Pure, AllTypesMatch<["delta", "grad", "result"]>]> {
  let summary = "one normalized-gradient ascent step with projection onto the L2 ball (FreeLB)";
  let description = [{
    For one example's flat perturbation `delta` and the loss gradient `grad` with respect to it:

      stepped = delta + alpha · grad / max(‖grad‖₂, 1e-12)
      result  = stepped · min(1, eps / max(‖stepped‖₂, 1e-12))

    FreeLB's ascent step: the step has length alpha whatever the gradient's scale, and the result
    lies in the L2 ball of radius eps. The two norms make it a reduction, unlike perturb_step; a
    batch is one call per example (each example has its own ball).

    ```mlir
    %d = ftp.l2_ascent_step %delta, %grad, %alpha, %eps : tensor<?xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$delta, RankedTensorOf<[AnyFloat]>:$grad,
                   F32:$alpha, F32:$eps);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$delta `,` $grad `,` $alpha `,` $eps attr-dict `:` type($delta)";
  let hasVerifier = 1;
}

// The structure of a pipeline (datasets, models, stages), in its own file.
include "ftp/Dialect/Ftp/IR/FtpPipelineOps.td"

#endif // FTP_DIALECT_FTP_IR_FTPOPS_TD
