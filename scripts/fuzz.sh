#!/usr/bin/env bash
# Builds the fuzz targets (Fuzz/: one per decoder of untrusted bytes) with libFuzzer and
# AddressSanitizer, in their own scratch path, and runs each from its seed corpus for a short
# time. Fails on any crash, broken invariant, leak, slow input or memory overrun, and keeps the
# inputs that did it in a temporary folder it names.
# Usage: scripts/fuzz.sh [seconds-per-target] [target...]   (default: 20 s, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls Fuzz/Targets))

# swiftc keeps only the last -sanitize= it is given, so SwiftPM's two --sanitize flags would
# leave Swift code without coverage; the one combined flag after them keeps both.
# -enable-testing: the json target reads the parser's package API through @testable import.
build=(swift build --package-path Fuzz --scratch-path "$PWD/Fuzz/.build" -c release
  --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing)
echo "== fuzz: build ${targets[*]}"
"${build[@]}" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol" || { echo "fuzz: build failed" >&2; exit 1; }
bin=$("${build[@]}" --show-bin-path)

out=$(mktemp -d /tmp/smolhog-fuzz.XXXXXX)
status=0
for target in "${targets[@]}"; do
  mkdir -p "$out/$target/new"
  dict=()
  [ -f "Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="Fuzz/Dictionaries/$target.dict")
  # -timeout: one input taking over 5 s is a hang. -rss_limit_mb: the whole process (ASan's
  # shadow and quarantine included); -malloc_limit_mb: any one allocation, so an input of at
  # most -max_len bytes that makes a decoder reserve gigabytes is a finding, not a slow run.
  # New inputs go to $out, never into the corpus in the repository.
  if ASAN_OPTIONS=detect_leaks=1 "$bin/fuzz-$target" "$out/$target/new" "Fuzz/Corpus/$target" "${dict[@]}" \
    -max_total_time="$seconds" -timeout=5 -rss_limit_mb=1536 -malloc_limit_mb=128 -max_len=16384 \
    -artifact_prefix="$out/$target/" -print_final_stats=1 >"$out/$target/log" 2>&1; then
    echo "fuzz-$target: ok, $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$out/$target/log" | grep -o '[0-9]*$') inputs in ${seconds} s"
  else
    status=1
    tail -n 30 "$out/$target/log" >&2
    echo "fuzz-$target: FAILED; log and input in $out/$target/ (replay: $bin/fuzz-$target FILE)" >&2
  fi
done
[ "$status" -eq 0 ] && rm -rf "$out"
exit "$status"
