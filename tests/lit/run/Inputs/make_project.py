"""Writes a tiny `ftpc run` project into a folder: a JSON Lines dataset of two easily separated
classes (synthetic, generated here from a fixed word list, no randomness), ftp.toml pointing the
model root at the fixtures, and a pipeline that trains for a few steps on all-MiniLM-L6-v2 with
validation, checkpoints every 2 steps, evaluation (also under typos and FGSM) and export.

usage: make_project.py DIR FIXTURES [--steps N] [--privacy]
"""
import argparse
import json
import os

parser = argparse.ArgumentParser()
parser.add_argument("dir")
parser.add_argument("fixtures")
parser.add_argument("--steps", type=int, default=6)
parser.add_argument("--privacy", action="store_true")
parser.add_argument("--canary", action="store_true",
                    help="plant unique e-mail addresses and phone numbers in every text, and "
                         "de-identify them in the pipeline")
args = parser.parse_args()

os.makedirs(os.path.join(args.dir, "data"), exist_ok=True)
good = ["great", "excellent", "lovely", "wonderful", "happy", "perfect", "superb", "fine"]
bad = ["awful", "broken", "terrible", "refund", "angry", "useless", "horrible", "poor"]
things = ["phone", "charger", "laptop", "cable", "speaker", "screen", "battery", "keyboard"]
with open(os.path.join(args.dir, "data", "reviews.jsonl"), "w") as out:
    for i in range(64):
        words = good if i % 2 == 0 else bad
        text = f"the {things[i % 8]} is {words[i % 8]} and {words[(i * 3 + 1) % 8]} overall"
        if args.canary:
            text += f" write to canary.{4711 + i}@example.org or call +1 415-555-{1000 + i:04d}"
        out.write(json.dumps({"text": text, "label": "pos" if i % 2 == 0 else "neg"}) + "\n")

with open(os.path.join(args.dir, "ftp.toml"), "w") as out:
    out.write(f'[paths]\ndata_root = "data"\nmodel_root = "{args.fixtures}"\n'
              'output_root = "runs"\n\n[run]\nthreads = 2\n')

deid = "    | deidentify(email, phone, mode: mask)\n" if args.canary else ""
privacy = "    privacy dp_sgd(noise_multiplier: 1.0, delta: 1e-3, clip: 1.0)\n" if args.privacy else ""
with open(os.path.join(args.dir, "tiny.ftp"), "w") as out:
    out.write(f"""ftp 0.1

pipeline tiny {{
  seed 11

  data reviews = jsonl("reviews.jsonl", text: "text", label: "label", labels: [neg, pos])
{deid}    | split(train: 0.5, val: 0.25, test: 0.25)

  model clf = encoder("all-MiniLM-L6-v2") | classifier(labels: [neg, pos])

  finetune clf on reviews.train {{
    steps {args.steps}
    batch 8
    max_len 16
    optimizer adamw(lr: 1e-4)
{privacy}    validate reviews.val {{
      every 2 steps
      metrics accuracy, f1
      early_stop f1, patience: 100
    }}
    checkpoint {{
      every 2 steps
      keep 2
    }}
  }}

  evaluate clf on reviews.test {{
    metrics accuracy, f1
    under typos(rate: 0.2), word_swap(rate: 0.3), synonyms(rate: 0.5), fgsm(eps: 0.05)
  }}

  export clf to "out/tiny-model"
}}
""")
