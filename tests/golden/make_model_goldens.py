#!/usr/bin/env python3
"""Regenerates the model parity goldens under tests/unit/runtime/data/models/ with `transformers`.

    python3 tests/golden/make_model_goldens.py [--fixtures build/fixtures]

Creates (once) the virtual environment build/golden-venv with pinned `transformers`, `tokenizers`,
`safetensors` and `torch` from PyPI and re-runs itself there (`pip install torch==2.11.0`; on
Linux the wheel pulls the nvidia-* CUDA wheels, several GB; everything here runs on the CPU). All
models run with attn_implementation="eager" in float32. Outputs (committed, so CI needs no Python):

  minilm_goldens.safetensors   all-MiniLM-L6-v2 (the fixture, transformers AutoModel): input_ids,
                               attention_mask (3 sentences, padded batch), last_hidden_state
  gpt2-tiny-random/            a random 2-layer, 32-wide GPT2LMHeadModel over the 2000-token
                               gpt2-tiny vocabulary (save_pretrained: config.json, model.safetensors)
  gpt2_tiny_goldens.safetensors  its input_ids, attention_mask (right padding), logits,
                               last_hidden_state
  bert-tiny-cls/               a random 2-layer, 32-wide BertForSequenceClassification with labels
                               ham/spam (save_pretrained), to check ftpc's BERT head against HF's
  bert-tiny-bin/               the same encoder as BertModel in pytorch_model.bin (torch.save), to
                               check the pickle path and prefix-less names
  bert_tiny_goldens.safetensors  input_ids, attention_mask, last_hidden_state, logits
  roberta-tiny-cls/            a random 2-layer, 32-wide RobertaForSequenceClassification
  roberta_tiny_goldens.safetensors  its input_ids (padding id 1), attention_mask, logits,
                               last_hidden_state

Random weights are perturbed away from HF's initialisation (LayerNorm 1/0, zero biases) so that
every parameter influences the outputs the tests compare.

    python3 tests/golden/make_model_goldens.py --check-export DIR IDS_MASK_LOGITS.safetensors

loads an ftpc export DIR with transformers' AutoModelForSequenceClassification (or
AutoModelForCausalLM) and checks its logits against the ones ftpc computed (max abs < 1e-4).
"""
import json
import os
import shutil
import subprocess
import sys

TOKENIZERS_PIN = "0.22.1"
TRANSFORMERS_PIN = "4.57.1"
TORCH_PIN = "2.11.0"

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "tests", "unit", "runtime", "data")
OUT = os.path.join(DATA, "models")
VENV = os.path.join(ROOT, "build", "golden-venv")

SENTENCES = [
    "A man is eating food.",
    "The quick brown fox jumps over the lazy dog near the riverbank, twice!",
    "Hello world",
]


def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
    subprocess.check_call([python, "-m", "pip", "install", "-q", f"tokenizers=={TOKENIZERS_PIN}",
                           f"transformers=={TRANSFORMERS_PIN}", f"torch=={TORCH_PIN}"])
    os.execv(python, [python] + sys.argv)


def perturb(model, torch, seed):
    """Moves LayerNorm weights off 1 and biases off 0 (HF initialises them so)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "LayerNorm" in name or ".ln_" in name:
                p.add_(torch.randn(p.shape, generator=g) * 0.1)


def pad_batch(rows, pad_id, torch):
    length = max(len(r) for r in rows)
    ids = torch.tensor([r + [pad_id] * (length - len(r)) for r in rows], dtype=torch.int64)
    mask = torch.tensor([[1] * len(r) + [0] * (length - len(r)) for r in rows], dtype=torch.int64)
    return ids, mask


def minilm(fixtures, torch, save_file):
    from transformers import AutoModel, AutoTokenizer
    folder = os.path.join(fixtures, "all-MiniLM-L6-v2")
    if not os.path.exists(os.path.join(folder, ".ready")):
        print(f"skipping MiniLM goldens: {folder} is not prepared (scripts/fixtures.sh)")
        return
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder, attn_implementation="eager").eval()
    batch = tokenizer(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    save_file({"input_ids": batch["input_ids"].to(torch.int64).contiguous(),
               "attention_mask": batch["attention_mask"].to(torch.int64).contiguous(),
               "last_hidden_state": hidden.contiguous()},
              os.path.join(OUT, "minilm_goldens.safetensors"))


def gpt2_tiny(torch, save_file):
    from tokenizers import Tokenizer
    from transformers import GPT2Config, GPT2LMHeadModel
    torch.manual_seed(1234)
    config = GPT2Config(vocab_size=2000, n_positions=64, n_embd=32, n_layer=2, n_head=4,
                        bos_token_id=0, eos_token_id=0)
    model = GPT2LMHeadModel(config).eval()
    perturb(model, torch, 1)
    folder = os.path.join(OUT, "gpt2-tiny-random")
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer = Tokenizer.from_file(os.path.join(DATA, "gpt2-tiny", "tokenizer.json"))
    rows = [tokenizer.encode(s).ids for s in SENTENCES[:2]]
    ids, mask = pad_batch(rows, 0, torch)
    model = GPT2LMHeadModel.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    save_file({"input_ids": ids, "attention_mask": mask, "logits": out.logits.contiguous(),
               "last_hidden_state": out.hidden_states[-1].contiguous()},
              os.path.join(OUT, "gpt2_tiny_goldens.safetensors"))


def bert_tiny(torch, save_file):
    from transformers import BertConfig, BertForSequenceClassification, BertModel
    torch.manual_seed(4321)
    config = BertConfig(vocab_size=256, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                        intermediate_size=64, max_position_embeddings=64,
                        id2label={0: "ham", 1: "spam"}, label2id={"ham": 0, "spam": 1})
    model = BertForSequenceClassification(config).eval()
    perturb(model, torch, 2)
    folder = os.path.join(OUT, "bert-tiny-cls")
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder, safe_serialization=True)
    # The encoder alone, as torch.save writes pytorch_model.bin, names without the `bert.` prefix.
    bin_folder = os.path.join(OUT, "bert-tiny-bin")
    shutil.rmtree(bin_folder, ignore_errors=True)
    os.makedirs(bin_folder)
    encoder = BertModel(config, add_pooling_layer=True).eval()
    encoder.load_state_dict(model.bert.state_dict())
    encoder.config.architectures = ["BertModel"]
    encoder.config.to_json_file(os.path.join(bin_folder, "config.json"))
    torch.save(encoder.state_dict(), os.path.join(bin_folder, "pytorch_model.bin"))

    g = torch.Generator().manual_seed(3)
    rows = [[2] + torch.randint(5, 256, (n,), generator=g).tolist() + [3] for n in (9, 4, 6)]
    ids, mask = pad_batch(rows, 0, torch)
    model = BertForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    save_file({"input_ids": ids, "attention_mask": mask, "logits": out.logits.contiguous(),
               "last_hidden_state": out.hidden_states[-1].contiguous()},
              os.path.join(OUT, "bert_tiny_goldens.safetensors"))


def roberta_tiny(torch, save_file):
    from transformers import RobertaConfig, RobertaForSequenceClassification
    torch.manual_seed(5678)
    config = RobertaConfig(vocab_size=256, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                           intermediate_size=64, max_position_embeddings=66, type_vocab_size=1,
                           layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2,
                           id2label={0: "neg", 1: "neu", 2: "pos"},
                           label2id={"neg": 0, "neu": 1, "pos": 2})
    model = RobertaForSequenceClassification(config).eval()
    perturb(model, torch, 4)
    folder = os.path.join(OUT, "roberta-tiny-cls")
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder, safe_serialization=True)
    g = torch.Generator().manual_seed(6)
    rows = [[0] + torch.randint(5, 256, (n,), generator=g).tolist() + [2] for n in (3, 10, 6)]
    ids, mask = pad_batch(rows, 1, torch)
    model = RobertaForSequenceClassification.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    save_file({"input_ids": ids, "attention_mask": mask, "logits": out.logits.contiguous(),
               "last_hidden_state": out.hidden_states[-1].contiguous()},
              os.path.join(OUT, "roberta_tiny_goldens.safetensors"))


def check_export(folder, goldens):
    """Loads an ftpc export with transformers and compares its logits with ftpc's."""
    import torch
    from safetensors.torch import load_file
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification
    expected = load_file(goldens)
    config = AutoConfig.from_pretrained(folder)
    auto = AutoModelForCausalLM if config.architectures[0].endswith("LMHeadModel") \
        else AutoModelForSequenceClassification
    model = auto.from_pretrained(folder, attn_implementation="eager").eval()
    with torch.no_grad():
        logits = model(input_ids=expected["input_ids"], attention_mask=expected["attention_mask"]).logits
    diff = (logits - expected["logits"]).abs().max().item()
    print(f"{folder}: transformers {auto.__name__} vs ftpc logits: max abs diff {diff:.3g}")
    if not diff < 1e-4:
        sys.exit(1)


def main():
    ensure_venv()
    if "--check-export" in sys.argv:
        i = sys.argv.index("--check-export")
        check_export(sys.argv[i + 1], sys.argv[i + 2])
        return
    import torch
    from safetensors.torch import save_file
    torch.set_num_threads(2)
    fixtures = os.path.join(ROOT, "build", "fixtures")
    if "--fixtures" in sys.argv:
        fixtures = sys.argv[sys.argv.index("--fixtures") + 1]
    os.makedirs(OUT, exist_ok=True)
    minilm(fixtures, torch, save_file)
    gpt2_tiny(torch, save_file)
    bert_tiny(torch, save_file)
    roberta_tiny(torch, save_file)
    # save_pretrained writes generation_config.json for GPT-2; ftpc does not read it.
    for name in sorted(os.listdir(OUT)):
        print(name, json.dumps(sorted(os.listdir(os.path.join(OUT, name))))
              if os.path.isdir(os.path.join(OUT, name)) else os.path.getsize(os.path.join(OUT, name)))


if __name__ == "__main__":
    main()
