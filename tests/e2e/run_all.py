#!/usr/bin/env python3
"""Run hookguard's end-to-end suite: every scenario in tests/e2e/scenarios/ through the real
Claude Code CLI (pinned, installed by install-claude.sh) against the fake API.

    python3 tests/e2e/run_all.py --hook-bin target/release/hookguard [--only NAME] [--jobs N]

One line per scenario (PASS, FAIL, PENDING), then `N passed, N failed, N pending` as the last
line. Exit status 0 when nothing failed, 1 when a scenario failed, 2 when the suite could not
run at all (no client: npm unreachable, say; no hookguard binary). Nothing is ever skipped.

A scenario with "waits_for": "issue N" describes behaviour the spec requires but that the named
issue has not delivered yet. If it fails it is reported PENDING, with its failures, and does not
fail the suite; it is never counted as passed. If it passes, it counts as passed and the line
says the marker can go.

Each summary is kept in --out (default target/e2e/), one JSON file per scenario.
"""
import argparse
import concurrent.futures
import glob
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def fail_loudly(msg):
    print("e2e: " + msg, file=sys.stderr)
    print("e2e: the suite did not run; this is a failure, not a skip")
    print("0 passed, 1 failed, 0 pending")
    sys.exit(2)


def install_client():
    """Runs install-claude.sh (idempotent); returns the claude binary or fails loudly."""
    try:
        p = subprocess.run(["bash", os.path.join(HERE, "install-claude.sh")],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=900)
    except subprocess.TimeoutExpired:
        fail_loudly("install-claude.sh took more than 15 minutes")
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        sys.stderr.write(p.stderr)
        fail_loudly("could not install the pinned Claude Code client (install-claude.sh "
                    "exited %d); is the npm registry reachable?" % p.returncode)
    path = lines[-1].strip()
    if not os.access(path, os.X_OK):
        fail_loudly("install-claude.sh named %r, which is not executable" % path)
    return path


def run_one(path, a, claude):
    """Runs one scenario; a harness failure (e.g. a port taken between choosing and binding it
    while another scenario starts) is retried once, and says so."""
    name, waits, why, wall, rc = run_once(path, a, claude)
    if rc == 2:
        name, waits, why2, wall, rc = run_once(path, a, claude)
        why = why2 and why2 + ["(retried after a harness failure: %s)" % "; ".join(why)[:300]]
    return name, waits, why, wall, rc


def run_once(path, a, claude):
    with open(path, encoding="utf-8") as f:
        sc = json.load(f)
    name = sc.get("name") or os.path.splitext(os.path.basename(path))[0]
    cmd = [sys.executable, os.path.join(HERE, "run_scenario.py"), path,
           "--hookguard", a.hook_bin, "--claude", claude, "--timeout", str(a.timeout),
           "--compact"]
    t0 = time.time()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=a.timeout + 120)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        rc, out, err = 2, "", "run_scenario.py did not finish"
    wall = time.time() - t0
    try:
        summary = json.loads(out)
    except ValueError:
        summary = {"harness_error": "no JSON summary", "stdout": out[-2000:]}
    summary["stderr_of_driver"] = err[-2000:]
    with open(os.path.join(a.out, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1, ensure_ascii=False)
    if rc == 2 or "harness_error" in summary:
        why = [summary.get("harness_error") or err.strip()[-500:] or "harness failure"]
    else:
        why = (summary.get("expect") or {}).get("failures", [])
        if rc != 0 and not why:
            why = ["run_scenario.py exited %d" % rc]
    return name, sc.get("waits_for"), why, wall, rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--hook-bin", default=os.path.join(REPO, "target", "release", "hookguard"),
                    help="the hookguard binary under test (default target/release/hookguard)")
    ap.add_argument("--only", action="append", default=[],
                    help="run scenarios whose file name contains this (repeatable)")
    ap.add_argument("--jobs", type=int, default=2, help="scenarios run at once (default 2)")
    ap.add_argument("--timeout", type=int, default=90, help="seconds per client run")
    ap.add_argument("--out", default=os.path.join(REPO, "target", "e2e"),
                    help="where each scenario's summary is kept")
    a = ap.parse_args()

    a.hook_bin = os.path.abspath(a.hook_bin)
    if not os.access(a.hook_bin, os.X_OK):
        fail_loudly("no hookguard binary at %s (run `cargo build --release` first)" % a.hook_bin)
    os.makedirs(a.out, exist_ok=True)
    claude = install_client()
    # Make the WebFetch certificate once, before scenarios run side by side: two first runs
    # making it at the same time could leave a key and a certificate that do not match.
    sys.path.insert(0, HERE)
    import run_scenario
    cert, _ = run_scenario.ensure_cert([os.path.join(run_scenario.cache_dir(), "certs")])
    if not cert:
        fail_loudly("could not make the self-signed certificate WebFetch needs (is openssl installed?)")
    paths = sorted(glob.glob(os.path.join(HERE, "scenarios", "*.json")))
    if a.only:
        paths = [p for p in paths if any(o in os.path.basename(p) for o in a.only)]
    if not paths:
        fail_loudly("no scenarios matched")

    t0 = time.time()
    passed = failed = pending = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futures = [pool.submit(run_one, p, a, claude) for p in paths]
        for fut in futures:
            name, waits, why, wall, rc = fut.result()
            harness = rc == 2
            if not why:
                passed += 1
                note = "; it waits_for %s but passes now: remove the marker" % waits if waits else ""
                print("PASS    %s (%.1fs)%s" % (name, wall, note))
            elif waits and not harness:
                pending += 1
                print("PENDING %s (waits for %s): %s" % (name, waits, "; ".join(why)[:400]))
            else:
                failed += 1
                print("FAIL    %s (%.1fs): %s" % (name, wall, "; ".join(why)[:1500]))
            sys.stdout.flush()
    print("e2e: %d scenarios in %.0fs; summaries in %s" % (len(paths), time.time() - t0, a.out))
    print("%d passed, %d failed, %d pending" % (passed, failed, pending))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
