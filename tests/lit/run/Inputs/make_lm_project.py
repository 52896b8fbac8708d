"""Writes a tiny language-model project into a folder: two JSON Lines corpora of short synthetic
sentences (generated here from fixed word lists, no randomness: `notes` about parcels and `menu`
about food), ftp.toml, and two pipelines on the GPT-2 of examples/models/mail-gpt2 (config and
tokenizer only):

  lm.ftp      `decoder(..., init: random)`: evaluates notes.test at initialization (metrics.json
              key `test`), trains on notes, evaluates notes.test (`test#2`) and menu.test
              (`menu.test`), fine-tunes on menu, evaluates menu.test (`menu.test#2`) and
              notes.test (`test#3`) again and exports the model to out/lm
  reload.ftp  loads that export as a pretrained decoder and evaluates menu.test (`test`) and
              notes.test (`notes.test`)

usage: make_lm_project.py DIR SRC_ROOT [--steps N]
"""
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("dir")
parser.add_argument("src_root")
parser.add_argument("--steps", type=int, default=30)
args = parser.parse_args()

data = os.path.join(args.dir, "data")
os.makedirs(data, exist_ok=True)
people = ["anna", "ben", "carla", "dev", "emil", "fatima", "gus", "hana"]
things = ["parcel", "letter", "invoice", "package", "box", "card", "form", "key"]
places = ["office", "desk", "door", "shelf", "counter", "hall", "lobby", "gate"]
foods = ["soup", "bread", "salad", "rice", "pasta", "cake", "fish", "beans"]
tastes = ["warm", "fresh", "sweet", "salty", "spicy", "mild", "crisp", "rich"]
with open(os.path.join(data, "notes.jsonl"), "w") as out:
    for i in range(80):
        text = (f"the {things[i % 8]} for {people[(i * 3) % 8]} is at the {places[(i * 5) % 8]}, "
                f"please collect it today.")
        out.write(json.dumps({"text": text}) + "\n")
with open(os.path.join(data, "menu.jsonl"), "w") as out:
    for i in range(40):
        text = f"today the {foods[i % 8]} is {tastes[(i * 3) % 8]} and the {foods[(i * 5) % 8]} is {tastes[i % 8]}."
        out.write(json.dumps({"text": text}) + "\n")

models = os.path.join(args.src_root, "examples", "models")
with open(os.path.join(args.dir, "ftp.toml"), "w") as out:
    out.write(f'[paths]\ndata_root = "data"\nmodel_root = "{models}"\noutput_root = "runs"\n\n'
              '[run]\nthreads = 2\n')

finetune = """  finetune lm on {data}.train {{
    steps {steps}
    batch 8
    max_len 48
    optimizer adamw(lr: {lr})
    validate {data}.val {{
      every {every} steps
      metrics loss, perplexity
    }}
  }}
"""
# Both pipelines read the same data, split the same way (same seed), so their test parts agree.
DATA = """\
  data notes = jsonl("notes.jsonl", text: "text") | split(train: 0.8, val: 0.1, test: 0.1, stratify: none)
  data menu = jsonl("menu.jsonl", text: "text") | split(train: 0.5, val: 0.25, test: 0.25, stratify: none)
"""
with open(os.path.join(args.dir, "lm.ftp"), "w") as out:
    out.write(f"""ftp 0.1

pipeline lm {{
  seed 3

{DATA}
  model lm = decoder("mail-gpt2", init: random)

  evaluate lm on notes.test {{ metrics perplexity }}
{finetune.format(data="notes", steps=args.steps, lr="3e-3", every=args.steps)}
  evaluate lm on notes.test {{ metrics perplexity, loss }}
  evaluate lm on menu.test {{ metrics perplexity, loss }}
{finetune.format(data="menu", steps=args.steps // 2, lr="1e-3", every=args.steps // 2)}
  evaluate lm on menu.test {{ metrics perplexity, loss }}
  evaluate lm on notes.test {{ metrics perplexity, loss }}

  export lm to "out/lm"
}}
""")
with open(os.path.join(args.dir, "reload.ftp"), "w") as out:
    out.write(f"""ftp 0.1

pipeline reload {{
  seed 3

{DATA}
  model lm = decoder("{os.path.join(os.path.abspath(args.dir), "out", "lm")}")

  evaluate lm on menu.test {{ metrics perplexity, loss }}
  evaluate lm on notes.test {{ metrics perplexity, loss }}
}}
""")
