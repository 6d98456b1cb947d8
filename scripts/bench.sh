#!/usr/bin/env bash
# Hook latency benchmark: one `hookguard hook` process per event kind against a floor binary
# that only reads stdin and prints a fixed deny. Per event: median wall time of each (hyperfine
# -N, no shell in between; the runs in four rounds with the order swapped each round, pooled),
# their ratio, user+sys CPU time, and the callgrind instruction count
# (repeatable on a noisy machine) with its ratio. Prints a markdown table. See
# docs/performance.md; the in-process stages are `cargo bench --bench stages`.
#
#   scripts/bench.sh [RUNS]        (default 30 runs per event; needs python3, valgrind)
#   NO_BUILD=1 scripts/bench.sh    reuse the last release build (scripts/release-build.sh's)
#   BIN=path scripts/bench.sh      measure that binary
#   NO_CALLGRIND=1 scripts/bench.sh
#   HYPERFINE=/path/to/hyperfine   use this one (it must support --input, hyperfine >= 1.17)
#   NO_HYPERFINE=1                 time with Python's subprocess instead (includes fork/exec
#                                  overhead of Python, so only ratios mean anything)
#
# If no hyperfine with --input is found, hyperfine 1.20.0 is installed once into target/tools
# (`cargo install --locked`; 2.x needs a newer rustc than this crate's minimum).
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
. scripts/bench-lib.sh
pick_binary

HF=
if [ -z "${NO_HYPERFINE:-}" ]; then
    find_hyperfine
    if [ -z "$HF" ]; then
        echo "no hyperfine with --input; installing hyperfine 1.20.0 into target/tools" >&2
        if cargo install hyperfine@1.20.0 --locked --quiet --root target/tools >&2; then
            HF=target/tools/bin/hyperfine
        else
            echo "cargo install failed; timing with Python's subprocess instead" >&2
        fi
    fi
fi

python3 - "$OUT/events" <<'PY'
import json, os, random, sys
d = sys.argv[1]
random.seed(7)
sys.dont_write_bytecode = True
sys.path.insert(0, "scripts")
from benchtext import rust_text
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

HF="$HF" python3 - "$OUT" "$BIN" "$RUNS" <<'PY'
import json, os, re, shutil, statistics, subprocess, sys, tempfile, time
out, bin_, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
hf = os.environ.get("HF") or None
home = tempfile.mkdtemp()
env = dict(os.environ, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"))
floor = [os.path.join(out, "floor")]
hook = [bin_, "hook"]
names = ["bash-benign", "bash-deny", "read", "write-4k", "write-1m", "edit", "grep",
         "command-100k", "prompt", "post-1m"]

def timed_hyperfine(path):
    """Median wall ms and mean user+sys ms of each command. The runs are split into rounds,
    the order of the two commands swapped each round, and the times pooled: a minute of the
    shared VM running slow then lands on both, not on whichever hyperfine ran second."""
    js = os.path.join(out, "hyperfine.json")
    rounds = 4
    wall = {"floor": [], "hookguard": []}
    cpu = {"floor": [], "hookguard": []}
    for r in range(rounds):
        order = [("floor", floor[0]), ("hookguard", " ".join(hook))]
        if r % 2:
            order.reverse()
        args = [hf, "-N", "--input", path, "--runs", str(max(5, runs // rounds)), "--warmup", "2",
                "--style", "none", "--export-json", js, "--output=pipe"]
        for name, cmd in order:
            args += ["-n", name, cmd]
        res = subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if res.returncode:  # its warnings about noise are dropped; its errors are not
            sys.exit(res.stderr.decode(errors="replace"))
        for x in json.load(open(js))["results"]:
            wall[x["command"]] += x["times"]
            cpu[x["command"]].append(x["user"] + x["system"])  # a round's mean; rounds equal
    return [(statistics.median(wall[n]) * 1e3, statistics.mean(cpu[n]) * 1e3)
            for n in ("floor", "hookguard")]

def timed_python(path):
    data = open(path, "rb").read()
    def one(cmd):
        t, cpu = [], []
        for _ in range(runs):
            c0 = os.times()
            s = time.perf_counter_ns()
            subprocess.run(cmd, input=data, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env)
            t.append((time.perf_counter_ns() - s) / 1e6)
            c1 = os.times()
            cpu.append((c1.children_user - c0.children_user + c1.children_system
                        - c0.children_system) * 1e3)
        return statistics.median(t), statistics.mean(cpu)
    return [one(floor), one(hook)]

def instr(cmd, path):
    if os.environ.get("NO_CALLGRIND"):
        return 0
    f = os.path.join(out, "callgrind.out")
    with open(path, "rb") as data:
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f] + cmd,
                           stdin=data, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    m = re.search(rb"Collected : (\d+)", r.stderr)
    return int(m.group(1)) if m else 0

how = f"hyperfine -N ({hf})" if hf else "python subprocess"
print(f"load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs, {runs} runs per event, "
      f"timed with {how}; CPU = user+sys, mean")
print()
print("| event | input bytes | wall ms (median) | floor wall ms | x floor | CPU ms | floor CPU ms "
      "| instructions | floor instructions | x floor |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n in names:
    path = os.path.join(out, "events", n + ".json")
    size = os.path.getsize(path)
    (fw, fc), (w, c) = timed_hyperfine(path) if hf else timed_python(path)
    fi, i = instr(floor, path), instr(hook, path)
    ri = f"{i / fi:.1f}" if fi else "-"
    mi = lambda x: f"{x / 1e6:.2f} M" if x else "-"
    print(f"| {n} | {size} | {w:.2f} | {fw:.2f} | {w / fw:.1f} | {c:.2f} | {fc:.2f} "
          f"| {mi(i)} | {mi(fi)} | {ri} |", flush=True)
shutil.rmtree(home, ignore_errors=True)
PY
