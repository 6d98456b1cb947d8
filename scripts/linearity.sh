#!/usr/bin/env bash
# Cost against input size, from 1 KiB to the 64 MiB event cap (issue 16): a Bash command, Write
# content, a PostToolUse output and an MCP input, each measured as one whole `hookguard hook`
# process. Writes docs/linearity.csv and the plot docs/linearity.svg (scripts/linearity-plot.py).
#
#   scripts/linearity.sh             build the deployed binary (scripts/release-build.sh), measure
#   NO_BUILD=1 scripts/linearity.sh  reuse the last build; BIN=path measures another binary
#   RUNS=5                           runs per point (default 3); the median is kept
#   SIZES="1024 65536"               other sizes (bytes of command, content or output)
#
# Per point: the median wall time, user+sys CPU time (wait4) and peak resident memory (GNU time)
# of RUNS runs, the exit code and the decision, so that a point answered by
# the deadline (crate::deadline, 800 ms) or refused by a cap shows as such.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/bench-lib.sh
pick_binary
WORK=$(mktemp -d /var/tmp/hookguard-linearity.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
BIN="$BIN" WORK="$WORK" RUNS="${RUNS:-3}" SIZES="${SIZES:-}" python3 - <<'PY'
import json, os, random, statistics, sys, time
work, bin_ = os.environ["WORK"], os.environ["BIN"]
runs = int(os.environ["RUNS"])
K, M = 1024, 1024 * 1024
sizes = [int(s) for s in os.environ["SIZES"].split()] or \
    [1 * K, 4 * K, 16 * K, 64 * K, 256 * K, 1 * M, 4 * M, 16 * M, 62 * M]
random.seed(7)
sys.dont_write_bytecode = True
sys.path.insert(0, "scripts")
from benchtext import rust_text

home, project = os.path.join(work, "home"), os.path.join(work, "project")
os.makedirs(home), os.makedirs(project)
env = dict(os.environ, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"))
env.pop("CLAUDE_PROJECT_DIR", None)

def event(name, tool, **fields):
    ev = {"session_id": "linearity", "cwd": project, "permission_mode": "default",
          "hook_event_name": name, "tool_name": tool}
    ev.update(fields)
    return json.dumps(ev).encode()

def bash(n):
    return event("PreToolUse", "Bash",
                 tool_input={"command": "echo '" + rust_text(n).replace("'", "") + "' > /dev/null"})

def write(n):
    return event("PreToolUse", "Write",
                 tool_input={"file_path": project + "/src/big.rs", "content": rust_text(n)})

def post(n):
    return event("PostToolUse", "Bash", tool_input={"command": "cat src/big.rs"},
                 tool_response={"stdout": rust_text(n), "stderr": "", "interrupted": False,
                                "isImage": False})

def mcp(n):
    # Rows of a few fields each, as a database tool would take them: about 1 KiB a row.
    rows, size, i = [], 0, 0
    while size < n:
        text = rust_text(960)
        rows.append({"id": i, "name": f"row-{i}", "text": text})
        size += len(text) + 40
        i += 1
    return event("PreToolUse", "mcp__db__insert", tool_input={"table": "notes", "rows": rows})

def run(path):
    """One run: wall ms, CPU ms (wait4), peak RSS MB, exit, decision. The peak is GNU time's
    report of its child: Linux carries a process's peak across exec, so anything started
    straight from this Python would report Python's 20 MB as its own."""
    out_path = os.path.join(work, "stdout")
    rss_path = os.path.join(work, "rss")
    with open(path, "rb") as data, open(out_path, "wb") as out, open(os.devnull, "wb") as null:
        argv = ["/usr/bin/time", "-f", "%M", "-o", rss_path,
                bin_, "hook", "--managed-dir", os.path.join(work, "no-managed")]
        t0 = time.monotonic()
        pid = os.posix_spawn(argv[0], argv, env, file_actions=[
            (os.POSIX_SPAWN_DUP2, data.fileno(), 0), (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
            (os.POSIX_SPAWN_DUP2, null.fileno(), 2)])
        _, status, ru = os.wait4(pid, 0)
        wall = (time.monotonic() - t0) * 1e3
    stdout = open(out_path, "rb").read()
    decision = "defer"
    if stdout.strip():
        spec = json.loads(stdout).get("hookSpecificOutput", {})
        decision = spec.get("permissionDecision") or (
            "withheld" if "withheld" in spec.get("additionalContext", "") else
            "redact" if "updatedToolOutput" in spec else "answer")
    rss_mb = int(open(rss_path).read().split()[-1]) / 1024
    return (wall, (ru.ru_utime + ru.ru_stime) * 1e3, rss_mb,
            os.waitstatus_to_exitcode(status), decision)

rows = []
print(f"binary {bin_}; load average {os.getloadavg()[0]:.2f}; median of {runs} runs",
      file=sys.stderr)
print("| kind | size | event bytes | wall ms | CPU ms | peak RSS MB | exit | decision |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for kind, make in (("bash", bash), ("write", write), ("post", post), ("mcp", mcp)):
    for n in sizes:
        path = os.path.join(work, f"{kind}-{n}.json")
        data = make(n)
        with open(path, "wb") as f:
            f.write(data)
        del data
        got = [run(path) for _ in range(runs)]
        wall = statistics.median(g[0] for g in got)
        cpu = statistics.median(g[1] for g in got)
        rss = max(g[2] for g in got)
        code, decision = got[-1][3], got[-1][4]
        ev_bytes = os.path.getsize(path)
        os.remove(path)
        rows.append((kind, n, ev_bytes, wall, cpu, rss, code, decision))
        print(f"| {kind} | {n} | {ev_bytes} | {wall:.1f} | {cpu:.1f} | {rss:.1f} | {code} | "
              f"{decision} |", flush=True)

with open("docs/linearity.csv", "w") as f:
    f.write("kind,size,event_bytes,wall_ms,cpu_ms,peak_rss_mb,exit,decision\n")
    for r in rows:
        f.write(",".join(str(x) if not isinstance(x, float) else f"{x:.2f}" for x in r) + "\n")
PY
python3 scripts/linearity-plot.py docs/linearity.csv docs/linearity.svg
echo "wrote docs/linearity.csv and docs/linearity.svg" >&2
