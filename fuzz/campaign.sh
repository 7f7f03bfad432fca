#!/bin/bash
# One fuzz campaign: each target given in turn (all of them when none is) fuzzed for $SECS seconds
# (600 unless set) at the lowest CPU priority, then its corpus minimized in place and capped
# (`cmin` keeps inputs cut to 2 KB for catalog YAML and API definitions, 1 KB for the others: the
# corpora are committed, and the cut loses almost no coverage). ONLY_CMIN=1 skips the fuzzing. libFuzzer runs in
# fork mode so a crash, hang (-timeout=1) or OOM (-rss_limit_mb=2048) is saved under
# artifacts/<target>/ and the run goes on. Logs and a summary line per target in $LOGS
# (/tmp/fuzz-logs unless set). Run ./seed.sh first; the binaries are built with
# `cargo +nightly fuzz build -O`.
set -uo pipefail
cd "$(dirname "$0")"
secs=${SECS:-600}
logs=${LOGS:-/tmp/fuzz-logs}
mkdir -p "$logs"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
for t in "${targets[@]}"; do
  flags=(-timeout=1 -rss_limit_mb=2048)
  cap=1024
  case $t in yaml_loader | read_documents | validate) flags+=(-dict=yaml.dict) cap=2048 ;; apidef) cap=2048 ;; esac
  mkdir -p "corpus/$t" "seeds/$t" "artifacts/$t"
  if [ -z "${ONLY_CMIN:-}" ]; then
    start=$(date +%s)
    nice -n 19 cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- "${flags[@]}" -max_len=8192 \
      -max_total_time="$secs" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
      -print_final_stats=1 > "$logs/$t.log" 2>&1
    status=$?
    minutes=$(( ($(date +%s) - start) / 60 ))
    last=$(grep -E '^#[0-9]+: cov' "$logs/$t.log" | tail -1)
  fi
  nice -n 19 cargo +nightly fuzz cmin -O "$t" "corpus/$t" -- "${flags[@]}" -max_len=$cap > "$logs/$t.cmin.log" 2>&1
  size=$(du -s --apparent-size --block-size=1K "corpus/$t" | cut -f1)
  echo "$t exit=${status:-} minutes=${minutes:-} corpus=$(ls "corpus/$t" | wc -l) files ${size} KB ${last:-}" >> "$logs/summary.txt"
done
