"""The optimizer step alone, PyTorch side: torch.optim.AdamW on MiniLM's parameter count.

    python optimizer_step.py --job JOB.json --result RESULT.json      (run.py starts it)

The job gives `params` (n), `threads` and `repeats`. Like `ftpc bench update`, one flat float32
tensor of n parameters with its gradient (AdamW lr 1e-3, betas 0.9/0.999, eps 1e-8, weight decay
0.01), the median of `repeats` steps after three warm-up steps, each variant with `foreach=True`
and, where this torch supports it on the CPU, `fused=True`:

  step        optimizer.step() alone: against ftpc's fused update without noise
  noise+step  z.normal_(); grad.mul_(1/256).add_(z, 1.1/256); optimizer.step(): what Opacus does
              each DP step (scale the clipped sum, add Gaussian noise to .grad, then the
              optimizer), against ftpc's fused clip+noise+AdamW update (same scale and noise std
              as `ftpc bench update`)

It also times `step` over MiniLM's real list of tensors (`layout` in the job: one shape per
tensor), which is what a Trainer's optimizer steps; ftpc's bench has the flat layout only.
"""
import statistics
import time

import anchors_common as common


WARMUP = 3  # the first steps touch fresh pages (moments, foreach temporaries): not the steady state


def median_ms(fn, repeats):
    for _ in range(WARMUP):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def main():
    job, result_path = common.read_job()
    import torch

    common.set_threads(torch, job)
    torch.manual_seed(0)
    n, repeats = job["params"], job["repeats"]
    out = {"params": n, "threads": job["threads"], "repeats": repeats, "warmup": WARMUP,
           "versions": common.versions()}
    torch.set_grad_enabled(False)

    def make(shapes, **kind):
        params = [torch.randn(s) for s in shapes]
        for p in params:
            p.grad = torch.randn_like(p)
        opt = torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01,
                                **kind)
        return params, opt

    kinds = {"foreach": {"foreach": True}, "fused": {"fused": True}}
    for name, kind in kinds.items():
        try:
            params, opt = make([(n,)], **kind)
            opt.step()
        except (RuntimeError, TypeError) as e:
            out[name] = {"unsupported": str(e).splitlines()[0]}
            continue
        z = torch.empty(n)

        def noisy():
            z.normal_()
            params[0].grad.mul_(1.0 / 256).add_(z, alpha=1.1 / 256)
            opt.step()

        out[name] = {"step_ms": median_ms(opt.step, repeats), "noise_step_ms": median_ms(noisy, repeats)}
        del params, opt, z, noisy
        layout = [tuple(s) for s in job.get("layout", [])]
        if layout:
            params, opt = make(layout, **kind)
            out[name]["layout_step_ms"] = median_ms(opt.step, repeats)
            out[name]["layout_tensors"] = len(layout)
            del params, opt
    common.write_result(result_path, out)


if __name__ == "__main__":
    main()
