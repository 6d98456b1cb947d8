#!/usr/bin/env bash
# Hook latency benchmark: median wall time and callgrind instruction count of one
# `hookguard hook` process per event kind, against a floor binary that only reads stdin and
# prints a fixed deny. See docs/performance.md.
#
#   scripts/bench.sh [RUNS]        (default 30 runs per event; needs python3, valgrind)
#   NO_BUILD=1 scripts/bench.sh    reuse target/release/hookguard
#   NO_CALLGRIND=1 scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-30}
OUT=target/bench
mkdir -p "$OUT/events"

# The floor: a process that reads the event and prints a decision, nothing else.
cat > "$OUT/floor.rs" <<'RS'
use std::io::{Read, Write};
fn main() {
    let mut s = Vec::new();
    std::io::stdin().read_to_end(&mut s).unwrap();
    std::io::stdout()
        .write_all(br#"{"hookSpecificOutput":{"hookEventName":"PreToolUse","permissionDecision":"deny","permissionDecisionReason":"floor"}}"#)
        .unwrap();
}
RS
rustc -O -o "$OUT/floor" "$OUT/floor.rs"
[ -n "${NO_BUILD:-}" ] || cargo build --release --quiet
BIN=target/release/hookguard

python3 - "$OUT/events" <<'PY'
import json, os, random, sys
d = sys.argv[1]
random.seed(7)
words = "fn let mut match Some None Ok Err Result Option Vec String impl struct self pub use crate return if else for while loop".split()
def rust_text(n):
    out, size = [], 0
    while size < n:
        line = "    " + " ".join(random.choice(words) for _ in range(random.randint(4, 10))) + ";"
        out.append(line); size += len(line) + 1
    return "\n".join(out)[:n]
base = {"session_id": "bench", "transcript_path": "/tmp/t.jsonl", "cwd": "/home/dev/service",
        "permission_mode": "default"}
def pre(tool, inp): return dict(base, hook_event_name="PreToolUse", tool_name=tool, tool_input=inp)
ev = {
    "bash-benign": pre("Bash", {"command": "cargo test --workspace 2>&1 | tail -20"}),
    "bash-deny": pre("Bash", {"command": "rm -rf / --no-preserve-root"}),
    "read": pre("Read", {"file_path": "/home/dev/service/src/main.rs"}),
    "write-4k": pre("Write", {"file_path": "/home/dev/service/src/a.rs", "content": rust_text(4096)}),
    "write-1m": pre("Write", {"file_path": "/home/dev/service/src/big.rs", "content": rust_text(1 << 20)}),
    "edit": pre("Edit", {"file_path": "/home/dev/service/src/lib.rs", "old_string": "fn old() {}",
                         "new_string": "fn new() -> Result<(), Error> { Ok(()) }"}),
    "grep": pre("Grep", {"pattern": "TODO", "path": "/home/dev/service/src", "glob": "*.rs"}),
    "command-100k": pre("Bash", {"command": "echo '" + rust_text(100 * 1024).replace("'", "") + "' > /dev/null"}),
    "prompt": dict(base, hook_event_name="UserPromptSubmit",
                   prompt="Please refactor the parser module so that errors carry spans, and add tests."),
    "post-1m": dict(base, hook_event_name="PostToolUse", tool_name="Read",
                    tool_input={"file_path": "/home/dev/service/src/big.rs"},
                    tool_response={"type": "text", "file": {"filePath": "/home/dev/service/src/big.rs",
                                   "content": rust_text(1 << 20), "numLines": 1, "startLine": 1, "totalLines": 1}}),
}
for k, v in ev.items():
    with open(os.path.join(d, k + ".json"), "w") as f:
        json.dump(v, f)
PY

python3 - "$OUT" "$BIN" "$RUNS" <<'PY'
import os, statistics, subprocess, sys, tempfile, time, re
out, bin_, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
home = tempfile.mkdtemp()
env = dict(os.environ, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"))
names = ["bash-benign", "bash-deny", "read", "write-4k", "write-1m", "edit", "grep",
         "command-100k", "prompt", "post-1m"]
def wall(cmd, data):
    t = []
    for _ in range(runs):
        s = time.perf_counter_ns()
        subprocess.run(cmd, input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        t.append((time.perf_counter_ns() - s) / 1e6)
    return statistics.median(t)
def instr(cmd, data):
    if os.environ.get("NO_CALLGRIND"):
        return 0
    f = os.path.join(out, "callgrind.out")
    r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f] + cmd,
                       input=data, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    m = re.search(rb"Collected : (\d+)", r.stderr)
    return int(m.group(1)) if m else 0
print(f"load average {os.getloadavg()[0]:.2f}, {runs} runs per event, {os.cpu_count()} CPUs")
print(f"| event | input bytes | median wall ms | x floor | instructions | x floor |")
print(f"|---|---:|---:|---:|---:|---:|")
floor = {}
for n in names:
    data = open(os.path.join(out, "events", n + ".json"), "rb").read()
    fw, fi = wall([os.path.join(out, "floor")], data), instr([os.path.join(out, "floor")], data)
    w, i = wall([bin_, "hook"], data), instr([bin_, "hook"], data)
    ri = f"{i / fi:.1f}" if fi else "-"
    print(f"| {n} | {len(data)} | {w:.2f} | {w / fw:.1f} | {i / 1e6:.2f} M | {ri} |", flush=True)
PY
