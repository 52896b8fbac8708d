"""Anchor (b): DP-SGD with Opacus, per-sample gradients from hooks or ghost clipping.

    python opacus_dp.py --job JOB.json --result RESULT.json      (run.py starts it)

`job["grad_sample_mode"]` is "hooks" (Opacus's standard per-sample gradients) or "ghost" (ghost
clipping: per-sample norms without per-sample gradients, the criterion runs the second backward).
PrivacyEngine(accountant="rdp") — the accountant ftpc's pipelines use — and
make_private_with_epsilon with the pipeline's epsilon, delta, clip norm (flat) and epochs, Poisson
sampling with the expected batch as the data loader's batch size. Physical batches of
batch / accumulate through BatchMemoryManager: the micro-batches ftpc computes a step in. AdamW
with the same lr, betas, eps and weight decay groups, linear warm-up and decay over the steps.

Opacus derives the sample rate as 1 / len(data loader) = 1 / ceil(N / batch); ftpc uses
batch / N. The two differ when batch does not divide N (1/11 against 128/1400 in the example), so
each calibrates its own noise multiplier for the same epsilon; both are reported.

Training time is the wall time of the training loop (from the first batch to the last optimizer
step); training examples are the sum of the Poisson batches' sizes, as ftpc counts them.
"""
import math

import anchors_common as common


def main():
    job, result_path = common.read_job()
    import torch
    from opacus import PrivacyEngine
    from opacus.utils.batch_memory_manager import BatchMemoryManager
    from transformers import get_linear_schedule_with_warmup
    from transformers.utils import logging
    import warnings

    logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    common.set_threads(torch, job)
    common.seed_everything(torch, job["seed"])
    dp = job["privacy"]
    model, tokenizer = common.load_model_and_tokenizer(job)
    model.train()
    texts, ys = common.read_part(job, job["train_part"])
    rows = common.tokenize(tokenizer, texts, job["max_len"])
    pad_id = tokenizer.pad_token_id

    # Items as tensors (ids, mask, label): Opacus builds empty Poisson batches from their shapes.
    data = [(torch.tensor(r, dtype=torch.long), torch.ones(len(r), dtype=torch.long),
             torch.tensor(y, dtype=torch.long)) for r, y in zip(rows, ys)]

    def collate(items):
        ids, mask = common.pad(torch, [i[0].tolist() for i in items], pad_id)
        return ids, mask, torch.stack([i[2] for i in items])

    loader = torch.utils.data.DataLoader(data, batch_size=dp["expected_batch"], shuffle=True,
                                         collate_fn=collate)
    optimizer = torch.optim.AdamW(common.decay_groups(model, job["weight_decay"]), lr=job["lr"],
                                  betas=(job["beta1"], job["beta2"]), eps=job["eps"])
    engine = PrivacyEngine(accountant="rdp")
    made = engine.make_private_with_epsilon(
        module=model, optimizer=optimizer, data_loader=loader,
        criterion=torch.nn.CrossEntropyLoss(),
        target_epsilon=dp["epsilon"], target_delta=dp["delta"], epochs=job["epochs"],
        max_grad_norm=dp["clip"], poisson_sampling=True, grad_sample_mode=job["grad_sample_mode"])
    if job["grad_sample_mode"] == "ghost":
        private_model, optimizer, criterion, loader = made
    else:
        private_model, optimizer, loader = made
        criterion = torch.nn.CrossEntropyLoss()
    steps_per_epoch = len(loader)
    total = steps_per_epoch * job["epochs"]
    scheduler = get_linear_schedule_with_warmup(optimizer, math.ceil(job["warmup"] * total), total)
    physical = max(1, math.ceil(dp["expected_batch"] / job["accumulate"]))

    examples = steps = 0
    with common.Stopwatch() as clock:
        for _ in range(job["epochs"]):
            with BatchMemoryManager(data_loader=loader, max_physical_batch_size=physical,
                                    optimizer=optimizer) as batches:
                for ids, mask, labels in batches:
                    optimizer.zero_grad()
                    # BERT's defaults for these are a (1, T) buffer broadcast over the batch and an
                    # expanded (not contiguous) zero tensor; Opacus's hooks need one row per
                    # example, contiguous. Same values, so the same model.
                    positions = torch.arange(ids.shape[1]).expand_as(ids).contiguous()
                    logits = private_model(input_ids=ids, attention_mask=mask, position_ids=positions,
                                           token_type_ids=torch.zeros_like(ids)).logits
                    loss = criterion(logits, labels)
                    loss.backward()
                    optimizer.step()
                    examples += int(labels.shape[0])
                    if not optimizer._is_last_step_skipped:
                        scheduler.step()
                        steps += 1
    epsilon = engine.get_epsilon(dp["delta"])
    metrics = common.evaluate(torch, model, tokenizer, job)
    common.write_result(result_path, {
        "tool": "opacus-" + job["grad_sample_mode"],
        "train_seconds": clock.seconds,
        "train_examples": examples,
        "samples_per_s": examples / clock.seconds,
        "steps": steps,
        "expected_steps": total,
        "sample_rate": 1 / steps_per_epoch,
        "noise_multiplier": optimizer.noise_multiplier,
        "physical_batch": physical,
        "trainable_params": common.trainable_count(model),
        "test": metrics,
        "epsilon": epsilon,
        "versions": common.versions(),
    })


if __name__ == "__main__":
    main()
