#!/usr/bin/env bash
# Scale curves: how the cost of one `hookguard hook` process grows with its input.
#
#   scripts/scale.sh               all four curves (about 10 minutes: callgrind is ~50x slower)
#   scripts/scale.sh write rules   only these curves (write, command, rules, audit)
#   NO_BUILD=1 scripts/scale.sh    reuse the last release build; BIN=path: that binary
#   RUNS=10                        wall-time runs per point (hyperfine -N, if one with
#                                  --input is found; see scripts/bench.sh); RUNS=0: none
#   SLOW=1                         also run callgrind on the 5,000-rule policy (about 15
#                                  minutes per event: the policy load is quadratic, see
#                                  docs/performance.md); otherwise that point has CPU time only
#
# Per point: callgrind instructions of the whole process (both threads; repeatable), the
# instructions per input unit and between successive points, the user+sys CPU time of one
# plain run, and the median wall time. Curves:
#   write    Write of 64 KiB, 256 KiB, 1 MiB, 4 MiB of source text
#   command  Bash command of 10, 30, 100, 300 KB: one long quoted word, and as many short
#            subcommands (`cp …; grep … | head`) as fit
#   rules    a project policy with 0, 50, 500, 1,000, 2,000, 5,000 custom rules (half path globs, half
#            command patterns), judged on a benign Bash and a 4 KB Write
#   audit    an append to a log that already holds 1 MB, 100 MB, 1 GiB: the log is a sparse
#            file with real records at its end, the sidecar head describing it (the state
#            any earlier append leaves); also the append that finds no sidecar (recovery).
#            Bytes read from the log files are counted with strace.
# Everything is created under a temp dir and deleted at the end (the 1 GiB log is sparse).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=target/bench/scale
mkdir -p "$OUT"
WORK=$(mktemp -d /var/tmp/hookguard-scale.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
. scripts/bench-lib.sh
pick_binary

find_hyperfine

CURVES=${*:-write command rules audit}
SLOW="${SLOW:-}" WORK="$WORK" BIN="$BIN" HF="$HF" RUNS="${RUNS:-10}" CURVES="$CURVES" OUT="$OUT" python3 - <<'PY'
import json, os, random, re, subprocess, sys
work, bin_, hf, out = os.environ["WORK"], os.environ["BIN"], os.environ["HF"], os.environ["OUT"]
runs = int(os.environ["RUNS"])
curves = os.environ["CURVES"].split()
random.seed(7)
home = os.path.join(work, "home")
project = os.path.join(work, "project")
os.makedirs(os.path.join(project, "src"), exist_ok=True)
os.makedirs(home, exist_ok=True)
env = dict(os.environ, HOME=home, XDG_STATE_HOME=os.path.join(home, "state"))
env.pop("CLAUDE_PROJECT_DIR", None)

sys.dont_write_bytecode = True
sys.path.insert(0, "scripts")
from benchtext import rust_text

def event(tool, inp):
    return json.dumps({"session_id": "scale", "transcript_path": "/tmp/t.jsonl", "cwd": project,
                       "permission_mode": "default", "hook_event_name": "PreToolUse",
                       "tool_name": tool, "tool_input": inp}).encode()

def save(name, data):
    p = os.path.join(work, name + ".json")
    with open(p, "wb") as f:
        f.write(data)
    return p

def hook_cmd(extra=()):
    return [bin_, "hook", "--managed-dir", os.path.join(work, "no-managed")] + list(extra)

def instructions(path, extra=(), prof=None):
    f = os.path.join(work, "callgrind.out")
    with open(path, "rb") as data:
        r = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + f]
                           + hook_cmd(extra), stdin=data, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env)
    m = re.search(rb"Collected : (\d+)", r.stderr)
    if prof:
        os.replace(f, os.path.join(out, prof + ".callgrind.out"))
    return int(m.group(1)) if m else 0

def wall(path, extra=()):
    """Median wall ms (hyperfine -N), or None."""
    if not hf or runs <= 0:
        return None
    js = os.path.join(work, "hf.json")
    r = subprocess.run([hf, "-N", "--input", path, "--runs", str(runs), "--warmup", "1",
                       "--style", "none", "--export-json", js, "--output=pipe",
                        " ".join(hook_cmd(extra))],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode:  # its warnings about noise are dropped; its errors are not
        sys.exit(r.stderr.decode(errors="replace"))
    return json.load(open(js))["results"][0]["median"] * 1e3

def cpu(path, extra=()):
    """User+sys CPU ms of one plain run (both threads), from the kernel's accounting."""
    with open(path, "rb") as data:
        p = subprocess.Popen(hook_cmd(extra), stdin=data, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, env=env)
        p.stdout.read()
        _, _, ru = os.wait4(p.pid, 0)
    return (ru.ru_utime + ru.ru_stime) * 1e3

def ms(x): return "-" if x is None else f"{x:.1f}"
def mi(x): return f"{x / 1e6:.2f} M"

def table(title, unit, head, rows):
    """rows: (label, units, instructions or None, cpu ms, wall ms). Marginal cost between
    successive points with instruction counts."""
    print(f"\n### {title}\n")
    print(f"| {head} | instructions | per {unit} | marginal per {unit} | CPU ms | wall ms (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    prev = None
    for label, units, i, c, w in rows:
        per = f"{i / units:,.1f}" if units and i else "-"
        marg = (f"{(i - prev[1]) / (units - prev[0]):,.1f}"
                if i and prev and units != prev[0] else "-")
        print(f"| {label} | {mi(i) if i else '-'} | {per} | {marg} | {ms(c)} | {ms(w)} |",
              flush=True)
        if i:
            prev = (units, i)

print(f"load average {os.getloadavg()[0]:.2f}; callgrind instructions are both threads; "
      f"wall: {'hyperfine -N, median of %d' % runs if hf and runs else 'not measured'}")

if "write" in curves:
    rows = []
    for kib in (64, 256, 1024, 4096):
        p = save(f"write-{kib}k", event("Write", {"file_path": project + "/src/big.rs",
                                                  "content": rust_text(kib * 1024)}))
        rows.append((f"{kib} KiB", kib * 1024, instructions(p, prof=f"write-{kib}k"), cpu(p),
                     wall(p)))
    table("Write content size", "byte", "content", rows)

if "command" in curves:
    for shape in ("word", "subcommands"):
        rows = []
        for kb in (10, 30, 100, 300):
            n = kb * 1000
            if shape == "word":
                cmd = "echo '" + rust_text(n).replace("'", "") + "' > /dev/null"
            else:
                parts, size, i = [], 0, 0
                while size < n:
                    s = f"cp src/mod{i}.rs /tmp/out{i}.rs && grep -n 'fn new' src/mod{i}.rs | head -3"
                    parts.append(s); size += len(s) + 2; i += 1
                cmd = "; ".join(parts)[:n].rsplit(";", 1)[0]
            p = save(f"command-{shape}-{kb}k", event("Bash", {"command": cmd}))
            rows.append((f"{kb} KB", len(cmd), instructions(p, prof=f"command-{shape}-{kb}k"),
                         cpu(p), wall(p)))
        what = ("one quoted word" if shape == "word"
                else "`cp …; grep … | head` subcommands, about 70 bytes each")
        table(f"Bash command size ({what})", "byte", "command", rows)

if "rules" in curves:
    def policy(n):
        out = ["# generated by scripts/scale.sh"]
        for i in range(n):
            if i % 2 == 0:
                out += ["[[rule]]", f'id = "team.generated-{i}"', 'tool = ["Write", "Edit"]',
                        f'path = "**/service-{i}/generated/**"', 'decision = "ask"',
                        f'reason = "service {i}: generated code is rebuilt by the pipeline"', ""]
            else:
                out += ["[[rule]]", f'id = "team.deploy-{i}"', 'tool = ["Bash"]',
                        f'command = "^(kubectl|helm) .*--context[= ]cluster-{i}\\\\b"',
                        'decision = "deny"', f'reason = "cluster {i} is deployed by the pipeline"', ""]
        return "\n".join(out) + "\n"
    bash = save("rules-bash", event("Bash", {"command": "cargo test --workspace 2>&1 | tail -20"}))
    write = save("rules-write", event("Write", {"file_path": project + "/src/a.rs",
                                                "content": rust_text(4096)}))
    pfile = os.path.join(project, ".claude", "hookguard.toml")
    os.makedirs(os.path.dirname(pfile), exist_ok=True)
    for ev_name, p in (("benign Bash", bash), ("4 KB Write", write)):
        rows = []
        for n in (0, 50, 500, 1000, 2000, 5000):
            with open(pfile, "w") as f:
                f.write(policy(n))
            slow = n > 2000 and not os.environ.get("SLOW")
            prof = f"rules-{n}-{ev_name.split()[-1].lower()}"
            rows.append((f"{n:,} rules ({os.path.getsize(pfile):,} bytes)", n,
                         None if slow else instructions(p, prof=prof), cpu(p),
                         None if n > 500 else wall(p)))
        table(f"Custom rules in the project policy ({ev_name})", "rule", "policy", rows)
    os.remove(pfile)

if "audit" in curves:
    ev = save("audit-read", event("Read", {"file_path": project + "/src/main.rs"}))
    pol = os.path.join(work, "norotate.toml")
    with open(pol, "w") as f:
        f.write("[audit]\nrotate-bytes = 0\n")

    def read_bytes(log, extra):
        """Bytes read from the log and its rotated files by one hook process (strace)."""
        t = os.path.join(work, "strace.out")
        with open(ev, "rb") as data:
            subprocess.run(["strace", "-f", "-qq", "-y", "-e", "trace=read,pread64,readv,preadv",
                            "-o", t] + hook_cmd(extra), stdin=data, stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, env=env)
        total = 0
        for line in open(t):
            m = re.search(r"\((\d+)<([^>]*)>.*= (\d+)$", line.strip())
            f = os.path.basename(m.group(2)) if m else ""
            if f == os.path.basename(log) or re.fullmatch(re.escape(os.path.basename(log)) + r"\.\d+", f):
                total += int(m.group(3))
        return total

    for label, rotate in (("rotate-bytes = 0 (--policy)", True), ("default settings", False)):
        rows = []
        for name, size in (("1 MB", 10**6), ("100 MB", 10**8), ("1 GiB", 1 << 30)):
            d = os.path.join(work, "audit")
            subprocess.run(["rm", "-rf", d], check=True)
            os.makedirs(d)
            log = os.path.join(d, "audit.jsonl")
            with open(log, "wb") as f:
                f.truncate(size)  # sparse: no disk space, no time
            extra = ["--audit-log", log] + (["--policy", pol] if rotate else [])
            # First append: no sidecar yet, so the head is recovered from the log's end.
            rec_i = instructions(ev, extra)
            # Later appends: the sidecar head describes the log (the normal case).
            steady_i = instructions(ev, extra, prof=f"audit-{name.replace(' ', '')}-{'norotate' if rotate else 'default'}")
            rb = read_bytes(log, extra)
            w = wall(ev, extra)
            files = sorted(os.listdir(d))
            rows.append((name, rec_i, steady_i, rb, w, os.path.getsize(log), files))
        print(f"\n### Audit log size, Read event, {label}\n")
        print("| log before | instructions, first append (recovery) | instructions, append "
              "| bytes read from the log | wall ms (median) | live log after | files |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for name, rec_i, steady_i, rb, w, after, files in rows:
            print(f"| {name} | {mi(rec_i)} | {mi(steady_i)} | {rb:,} | {ms(w)} | {after:,} "
                  f"| {' '.join(files)} |", flush=True)
        subprocess.run(["rm", "-rf", os.path.join(work, "audit")], check=True)
print(f"\ncallgrind profiles of each point: {out}/*.callgrind.out "
      "(callgrind_annotate --inclusive=yes FILE | head -40)")
PY
