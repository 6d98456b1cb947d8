#!/bin/sh
# The cost the audit append adds to a hook call: with and without fsync, on an empty log and
# on a 1 GiB log (it must not grow with the log's size). Not part of `cargo test`.
#
#   scripts/audit-bench.sh [DIR]      # DIR: where the logs go (default: a temp dir on /var/tmp)
#   HOOKGUARD_BENCH_FULL=1 …          # also the 32 × 200 real-hook concurrency test (release)
#
# Builds the release binary, then for each case runs `hookguard audit stress` (the hook's
# own `Log::append`, timed per call) and a loop of real `hookguard hook` calls.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$root/target}/release/hookguard
dir=${1:-$(mktemp -d /var/tmp/hookguard-bench.XXXXXX)}
mkdir -p "$dir"
echo "binary: $bin"
echo "logs in: $dir ($(df -T "$dir" | awk 'NR==2 {print $2}'))"
echo

stress() { # label, log, extra args…
    label=$1; log=$2; shift 2
    printf '%-32s %s\n' "$label" "$("$bin" audit stress "$@" "$log")"
}

hooks() { # label, log, policy, calls
    label=$1; log=$2; policy=$3; calls=$4
    mkdir -p "$dir/project" "$dir/managed"
    ev="{\"hook_event_name\":\"PreToolUse\",\"tool_name\":\"Read\",\"tool_input\":{\"file_path\":\"$dir/project/README.md\"},\"cwd\":\"$dir/project\",\"session_id\":\"bench\"}"
    start=$(date +%s%N)
    i=0
    while [ $i -lt "$calls" ]; do
        echo "$ev" | HOME=$dir "$bin" hook --profile production --managed-dir "$dir/managed" \
            --policy "$policy" --audit-log "$log" >/dev/null
        i=$((i + 1))
    done
    end=$(date +%s%N)
    printf '%-32s hook calls=%s mean_ms=%s\n' "$label" "$calls" \
        "$(echo "($end - $start) / $calls / 1000000" | bc -l | cut -c1-5)"
}

printf '[audit]\nfsync = false\n' >"$dir/nofsync.toml"
printf '[audit]\nfsync = true\n' >"$dir/fsync.toml"
printf '[audit]\nlog = "/nonexistent/never-used"\n' >"$dir/none.toml"

echo "== append only (hookguard audit stress) =="
rm -f "$dir/small.jsonl"*
stress "empty log, no fsync" "$dir/small.jsonl" --count 5000
stress "empty log, fsync" "$dir/small.jsonl" --count 500 --fsync

rm -f "$dir/big.jsonl"*
# A 1 GiB log made quickly: a sparse prefix, then valid records after it. The first append
# finds no sidecar, reads the log's last line (a bounded 64 KiB read) and records the missing
# head as an audit.gap record (ADR 0016); later appends take the fast path.
truncate -s 1G "$dir/big.jsonl"
stress "1 GiB log, first append (recovery)" "$dir/big.jsonl" --count 1 --rotate-bytes 0
stress "1 GiB log, no fsync" "$dir/big.jsonl" --count 5000 --rotate-bytes 0
stress "1 GiB log, fsync" "$dir/big.jsonl" --count 500 --fsync --rotate-bytes 0
ls -l "$dir/big.jsonl" | awk '{print "   size of the 1 GiB log now: " $5 " bytes"}'
echo

echo "== whole hook call (process start, policy, decision, append) =="
hooks "empty log, no fsync" "$dir/hook-small.jsonl" "$dir/nofsync.toml" 200
hooks "empty log, fsync" "$dir/hook-small.jsonl" "$dir/fsync.toml" 200
cp --sparse=always "$dir/big.jsonl" "$dir/hook-big.jsonl"
hooks "1 GiB log, no fsync" "$dir/hook-big.jsonl" "$dir/nofsync.toml" 200
hooks "1 GiB log, fsync" "$dir/hook-big.jsonl" "$dir/fsync.toml" 200

if [ "${HOOKGUARD_BENCH_FULL:-0}" = 1 ]; then
    echo
    echo "== 32 processes x 200 real hook calls (release binary) =="
    start=$(date +%s)
    HOOKGUARD_TEST_BIN=$bin cargo test --quiet --test audit_concurrency -- --ignored hook_calls_32_by_200
    echo "   took $(($(date +%s) - start)) s"
fi
rm -f "$dir"/*.jsonl*
