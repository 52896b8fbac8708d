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

#endif // FTP_DIALECT_FTP_IR_FTPOPS_TD
