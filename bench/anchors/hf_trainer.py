"""Anchor (a): the non-private fine-tuning with HF Transformers' Trainer, as a user would write it.

    python hf_trainer.py --job JOB.json --result RESULT.json      (run.py starts it)

The same examples (anchors-export-data), model and head, max length, batch, epochs, AdamW (lr,
betas, eps, weight decay without biases and LayerNorm weights), linear schedule with the same
warm-up fraction (both round it up), no gradient clipping (ftpc clips only with `clip_grad`), no
evaluation or checkpoints while training (the bench pipelines have none either). Trainer's own
defaults otherwise: its optimizer (`adamw_torch_fused` on torch >= 2.8), its shuffling,
DataCollatorWithPadding (pad to the batch's longest row, as ftpc does).

Training time is the wall time of trainer.train(); training examples are len(train) x epochs.
"""
import math
import tempfile

import anchors_common as common


def main():
    job, result_path = common.read_job()
    import torch
    from transformers import DataCollatorWithPadding, Trainer, TrainingArguments
    from transformers.utils import logging

    logging.set_verbosity_error()
    common.set_threads(torch, job)
    common.seed_everything(torch, job["seed"])
    model, tokenizer = common.load_model_and_tokenizer(job)
    texts, ys = common.read_part(job, job["train_part"])
    rows = common.tokenize(tokenizer, texts, job["max_len"])
    train = [{"input_ids": r, "attention_mask": [1] * len(r), "labels": y} for r, y in zip(rows, ys)]

    accumulate = job["accumulate"]
    with tempfile.TemporaryDirectory() as scratch:
        args = TrainingArguments(
            output_dir=scratch,
            per_device_train_batch_size=job["batch"] // accumulate,
            gradient_accumulation_steps=accumulate,
            num_train_epochs=job["epochs"],
            learning_rate=job["lr"],
            weight_decay=job["weight_decay"],
            adam_beta1=job["beta1"],
            adam_beta2=job["beta2"],
            adam_epsilon=job["eps"],
            lr_scheduler_type="linear",
            warmup_ratio=job["warmup"],
            max_grad_norm=job["clip_grad"] or 0.0,
            eval_strategy="no",
            save_strategy="no",
            logging_strategy="no",
            report_to=[],
            disable_tqdm=True,
            use_cpu=True,
            seed=job["seed"],
            dataloader_num_workers=0,
            dataloader_pin_memory=False,
        )
        trainer = Trainer(model=model, args=args, train_dataset=train,
                          data_collator=DataCollatorWithPadding(tokenizer))
        with common.Stopwatch() as clock:
            output = trainer.train()
        optimizer = type(trainer.optimizer.optimizer if hasattr(trainer.optimizer, "optimizer")
                         else trainer.optimizer).__name__
    steps = output.global_step
    examples = len(train) * job["epochs"]
    metrics = common.evaluate(torch, model, tokenizer, job)
    common.write_result(result_path, {
        "tool": "hf",
        "train_seconds": clock.seconds,
        "train_examples": examples,
        "samples_per_s": examples / clock.seconds,
        "hf_reported_samples_per_s": output.metrics.get("train_samples_per_second"),
        "steps": steps,
        "expected_steps": job["epochs"] * math.ceil(len(train) / job["batch"]),
        "optimizer": f"{optimizer} ({args.optim})",
        "trainable_params": common.trainable_count(model),
        "test": metrics,
        "epsilon": None,
        "versions": common.versions(),
    })


if __name__ == "__main__":
    main()
