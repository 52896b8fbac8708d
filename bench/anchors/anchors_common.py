"""What the anchors share: the job file, the exported examples, tokenization, evaluation.

Runs inside build/anchors-venv (torch, transformers). Each anchor is its own process, started by
run.py with `--job JOB.json --result RESULT.json`; the job holds the hyperparameters read from the
plan ftpc compiled (so there is one source of truth for both sides) and the folder of examples that
anchors-export-data wrote from ftpc's own data stage.
"""
import argparse
import json
import os
import random
import time


def read_job():
    parser = argparse.ArgumentParser()
    parser.add_argument("--job", required=True)
    parser.add_argument("--result", required=True)
    args = parser.parse_args()
    with open(args.job) as f:
        job = json.load(f)
    return job, args.result


def set_threads(torch, job):
    """The same thread count as `ftpc run --threads N` (run.py also sets OMP_NUM_THREADS)."""
    torch.set_num_threads(job["threads"])
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # already set by an import


def seed_everything(torch, seed):
    random.seed(seed)
    torch.manual_seed(seed)


def read_part(job, part):
    """The examples of one part of the split, in ftpc's order: (texts, label indices)."""
    labels = job["labels"]
    texts, ys = [], []
    with open(os.path.join(job["data_dir"], f"{job['dataset']}.{part}.jsonl"), encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            texts.append(row["text"])
            ys.append(labels.index(row["label"]))
    return texts, ys


def load_model_and_tokenizer(job):
    """all-MiniLM-L6-v2 from the fixture folder with the head ftpc builds for `classifier()`.

    ftpc's default `pooling: cls` head is BERT's pooler (dense + tanh on [CLS]), dropout 0.1 and a
    Linear: exactly BertForSequenceClassification. `pooling: mean` has no transformers class; it
    is built here as AutoModel + masked mean + dropout + Linear, as ftpc's BertClassifier does.
    """
    from transformers import AutoModel, AutoModelForSequenceClassification, AutoTokenizer
    import torch

    folder = job["model_dir"]
    tokenizer = AutoTokenizer.from_pretrained(folder)
    labels = job["labels"]
    if job["pooling"] == "cls":
        model = AutoModelForSequenceClassification.from_pretrained(
            folder, num_labels=len(labels), classifier_dropout=job["head_dropout"],
            id2label=dict(enumerate(labels)), label2id={l: i for i, l in enumerate(labels)})
        return apply_lora(torch, model, job.get("lora"), ("classifier.", "bert.pooler.")), tokenizer

    class MeanPoolClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(folder, add_pooling_layer=False)
            self.dropout = torch.nn.Dropout(job["head_dropout"])
            self.classifier = torch.nn.Linear(self.encoder.config.hidden_size, len(labels))

        def forward(self, input_ids=None, attention_mask=None, labels=None, **encoder_inputs):
            # encoder_inputs: Opacus passes explicit position_ids and token_type_ids.
            from transformers.modeling_outputs import SequenceClassifierOutput
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                             **encoder_inputs).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp_min(1e-9)
            logits = self.classifier(self.dropout(pooled))
            loss = None
            if labels is not None:
                loss = torch.nn.functional.cross_entropy(logits, labels)
            return SequenceClassifierOutput(loss=loss, logits=logits)

    return apply_lora(torch, MeanPoolClassifier(), job.get("lora"), ("classifier.",)), tokenizer


def apply_lora(torch, model, spec, head):
    """`lora(rank, alpha, dropout, targets)` as ftpc applies it (runtime/lib/model/Lora.cpp):
    every Linear whose name is a target or ends in `.target`, outside the head, gets
    y = W x + b + (alpha / rank) B A dropout(x), A uniform in +-1/sqrt(in) (PEFT's kaiming init),
    B zero; everything but the adapters and the head (classifier, and BERT's pooler) is frozen.
    Written out rather than through PEFT, whose sequence-classification preset freezes the
    pooler, which ftpc trains."""
    if not spec:
        return model
    import math

    class LoraLinear(torch.nn.Module):
        def __init__(self, base):
            super().__init__()
            self.base = base
            self.lora_A = torch.nn.Linear(base.in_features, spec["rank"], bias=False)
            self.lora_B = torch.nn.Linear(spec["rank"], base.out_features, bias=False)
            bound = 1.0 / math.sqrt(base.in_features)
            torch.nn.init.uniform_(self.lora_A.weight, -bound, bound)
            torch.nn.init.zeros_(self.lora_B.weight)
            self.dropout = torch.nn.Dropout(spec.get("dropout", 0.05))
            self.scale = spec["alpha"] / spec["rank"]

        def forward(self, x):
            return self.base(x) + self.lora_B(self.lora_A(self.dropout(x))) * self.scale

    chosen = [name for name, m in model.named_modules()
              if isinstance(m, torch.nn.Linear) and not any((name + ".").startswith(h) for h in head)
              and any(name == t or name.endswith("." + t) for t in spec["targets"])]
    if not chosen:
        raise SystemExit(f"no Linear layer matches the LoRA targets {spec['targets']}")
    for p in model.parameters():
        p.requires_grad_(False)
    for name in chosen:
        parent, _, leaf = name.rpartition(".")
        owner = model.get_submodule(parent) if parent else model
        setattr(owner, leaf, LoraLinear(getattr(owner, leaf)))
    for name, p in model.named_parameters():
        if "lora_A" in name or "lora_B" in name or any(name.startswith(h) for h in head):
            p.requires_grad_(True)
    return model


def trainable_count(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def tokenize(tokenizer, texts, max_len):
    """Token ids with [CLS]/[SEP], truncated to max_len, no padding (batches pad to their longest
    row, as ftpc's makeBatch does)."""
    return tokenizer(texts, truncation=True, max_length=max_len)["input_ids"]


def pad(torch, rows, pad_id):
    length = max(1, max(len(r) for r in rows))
    ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), length), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    return ids, mask


def evaluate(torch, model, tokenizer, job):
    """Accuracy and F1 of the positive (second) label on the test part, batch 64 as ftpc's
    `evaluate` defaults to."""
    texts, ys = read_part(job, job["test_part"])
    rows = tokenize(tokenizer, texts, job["max_len"])
    order = sorted(range(len(rows)), key=lambda i: len(rows[i]))  # less padding; same metrics
    model.eval()
    predicted = [0] * len(rows)
    with torch.no_grad():
        for at in range(0, len(order), 64):
            chunk = order[at:at + 64]
            ids, mask = pad(torch, [rows[i] for i in chunk], tokenizer.pad_token_id)
            logits = model(input_ids=ids, attention_mask=mask).logits
            for i, p in zip(chunk, logits.argmax(1).tolist()):
                predicted[i] = p
    tp = sum(1 for y, p in zip(ys, predicted) if y == 1 and p == 1)
    fp = sum(1 for y, p in zip(ys, predicted) if y != 1 and p == 1)
    fn = sum(1 for y, p in zip(ys, predicted) if y == 1 and p != 1)
    accuracy = sum(1 for y, p in zip(ys, predicted) if y == p) / max(1, len(ys))
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    return {"accuracy": accuracy, "f1": f1, "examples": len(ys)}


def decay_groups(model, weight_decay):
    """HF Trainer's rule, which ftpc follows too: no weight decay on biases and LayerNorm weights."""
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def versions():
    import torch
    import transformers
    out = {"torch": torch.__version__, "transformers": transformers.__version__}
    try:
        import opacus
        out["opacus"] = opacus.__version__
    except ImportError:
        pass
    return out


def write_result(path, result):
    with open(path, "w") as f:
        json.dump(result, f, indent=2)


class Stopwatch:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
