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

def Ftp_AdamWUpdateOp : Ftp_Op<"adamw_update",
    [Pure, AllTypesMatch<["param", "grad", "m", "v", "new_param", "new_m", "new_v"]>]> {
  let summary = "one AdamW step of a parameter tensor";
  let description = [{
    The decoupled-weight-decay Adam update (Loshchilov & Hutter), as PyTorch's AdamW computes it,
    for step `step` (1-based):

      m'     = beta1 · m + (1 − beta1) · g
      v'     = beta2 · v + (1 − beta2) · g²
      param' = param · (1 − lr · weight_decay)
               − lr · (m' / (1 − beta1^step)) / (sqrt(v' / (1 − beta2^step)) + eps)

    Example:

    ```mlir
    %p1, %m1, %v1 = ftp.adamw_update %p, %g, %m, %v, %step
        {lr = 5.0e-5 : f32, beta1 = 0.9 : f32, beta2 = 0.999 : f32, eps = 1.0e-8 : f32,
         weight_decay = 0.01 : f32} : tensor<1024xf32>
    ```
  }];

  let arguments = (ins
    RankedTensorOf<[AnyFloat]>:$param,
    RankedTensorOf<[AnyFloat]>:$grad,
    RankedTensorOf<[AnyFloat]>:$m,
    RankedTensorOf<[AnyFloat]>:$v,
    I64:$step,
    F32Attr:$lr,
    F32Attr:$beta1,
    F32Attr:$beta2,
    F32Attr:$eps,
    F32Attr:$weight_decay
  );
  let results = (outs
    RankedTensorOf<[AnyFloat]>:$new_param,
    RankedTensorOf<[AnyFloat]>:$new_m,
    RankedTensorOf<[AnyFloat]>:$new_v
  );

  let assemblyFormat = "$param `,` $grad `,` $m `,` $v `,` $step attr-dict `:` type($param)";
  let hasVerifier = 1;
}

#endif // FTP_DIALECT_FTP_IR_FTPOPS_TD
