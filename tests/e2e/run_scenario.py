#!/usr/bin/env python3
"""Drive the real Claude Code CLI headless against fake_api.py, with hooks.

Adapted from the shared harness (../shared/e2e/run_scenario.py) for hookguard's own e2e suite:
a scenario with a "hookguard" key is registered by `hookguard install --scope project` (the
installer under test writes .claude/settings.json), hookguard's audit log is read back, and
"expect" gains the keys files, audit_matches_hooks, audit_contains and no_request_path.
See tests/e2e/README.md and docs/adr/0005-e2e-harness.md.

    run_scenario.py SCENARIO.json [--hook-cmd CMD] [--no-tee] [--claude PATH]
                    [--env K=V]... [--workdir DIR] [--timeout 90] [--keep]
                    [--debug] [--full] [--compact]

Prints one JSON summary on stdout. Exit status: 0 if the run completed (even if
a tool was blocked) and any "expect" block held, 1 if an expectation failed,
2 on a harness failure (including "claude not found").

The claude binary: --claude, else $CLAUDE_BIN, else the cache that
install-claude.sh fills (${HOOKGUARD_E2E_CACHE:-${XDG_CACHE_HOME:-~/.cache}/hookguard-e2e}),
else `claude` on PATH.

Scenario keys (all optional except turns; README.md has the full list):
  name, description
  runs_with       "logger" | "guard" | "either" (selftest.py uses it; default "either")
  turns           [[{"name": "Bash", "input": {...}}, ...], ...]  tool_use blocks per
                  assistant turn
  final_text, side_text, preamble_text, force_main   (fake API answers)
  prompt          default "do it"
  setup_files     {relpath: content}, created in the project dir first
  side_effects    [relpath, ...], checked after the run ("did the tool run?")
  hooks           settings.json "hooks" object, written as given (after placeholders)
  -- or the default registration, used when "hooks" is absent: --
  hook_events     list of events, or "all" (PreToolUse PostToolUse PostToolUseFailure
                  UserPromptSubmit SessionStart SessionEnd); default PreToolUse+PostToolUse
  hook_matcher    default "*"
  hook_form       "shell" (default: "command": "{HOOK}") or "exec"
                  ("command": "{HOOK_BIN}", "args": ["{HOOK_ARGS}"])
  hook_timeout    seconds; hook_on_failure  "block" | "continue"
  hook_responses  answer table for hook_logger.py (see that file)
  settings_extra  dict merged into .claude/settings.json (e.g. permissions)
  no_project_settings  true -> write no .claude/settings.json
  user_settings   dict written to $HOME/.claude/settings.json (isolated HOME)
  local_settings  dict written to .claude/settings.local.json
  claude_args     extra CLI args, e.g. ["--permission-mode", "bypassPermissions"]
  env             extra environment for claude (and so for its hooks)
  mcp             true -> start mcp_server.py as MCP server "fake" (tool mcp__fake__echo);
                  its side-effect file is mcp_side_effect.txt in the project
  output_format   "json" (default) or "stream-json"
  expect          assertions, see check_expect(); a failure -> exit status 1

Placeholders: {PROJ} {HOME} {RUN} {LOG} {RESP} {HARNESS} {PYTHON} {PORT}
{HTTPS_PORT} {HOOK} {HOOK_BIN} {HOOK_ARGS}. In a shell-form hook "command" the
path placeholders are shell-quoted; {HOOK} is inserted as written. In an
exec-form hook ("args" present) an args element that is exactly "{HOOK_ARGS}"
expands to several arguments.

--hook-cmd replaces the built-in logger (hook_logger.py). By default it is
wrapped in hook_tee.py, so the summary still shows what the hook was sent and
what it answered; --no-tee registers the command exactly as given.
"""
import argparse
import getpass
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLAUDE_VERSION = os.environ.get("CLAUDE_CODE_VERSION") or "2.1.330"
ALL_EVENTS = ["PreToolUse", "PostToolUse", "PostToolUseFailure", "UserPromptSubmit",
              "SessionStart", "SessionEnd"]
DEFAULT_EVENTS = ["PreToolUse", "PostToolUse"]
# placeholders holding paths: shell-quoted inside a shell-form hook command
QUOTE_IN_SHELL = {"PROJ", "HOME", "RUN", "LOG", "RESP", "HARNESS", "PYTHON", "HOOK_BIN"}
TOKEN = re.compile(r"\{([A-Z][A-Z_]*)\}")


def cache_dir():
    return os.environ.get("HOOKGUARD_E2E_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"),
        "hookguard-e2e")


def find_claude(explicit=None):
    """Return (path, None) or (None, error message)."""
    for how, cand in (("--claude", explicit), ("$CLAUDE_BIN", os.environ.get("CLAUDE_BIN"))):
        if cand:
            path = shutil.which(cand) or cand
            if os.path.isfile(path) and os.access(path, os.X_OK):
                return os.path.abspath(path), None
            return None, "%s=%s is not an executable file" % (how, cand)
    cached = os.path.join(cache_dir(), "claude-code-" + CLAUDE_VERSION, "node_modules", ".bin",
                          "claude")
    if os.path.isfile(cached) and os.access(cached, os.X_OK):
        return cached, None
    on_path = shutil.which("claude")
    if on_path:
        return on_path, None
    return None, ("claude not found (looked at --claude, $CLAUDE_BIN, %s and PATH). "
                  "Install it with: %s" % (cached, os.path.join(HERE, "install-claude.sh")))


def subst_str(s, m, shell=False):
    def rep(mo):
        k = mo.group(1)
        if k not in m:
            return mo.group(0)
        v = m[k]
        if isinstance(v, list):
            return shlex.join(v)
        if shell and k in QUOTE_IN_SHELL:
            return shlex.quote(v)
        return v
    return TOKEN.sub(rep, s)


def subst(obj, m):
    """Replace placeholders everywhere; hook entries get shell/exec treatment."""
    if isinstance(obj, str):
        return subst_str(obj, m)
    if isinstance(obj, list):
        return [subst(x, m) for x in obj]
    if isinstance(obj, dict):
        if obj.get("type") == "command" and isinstance(obj.get("command"), str):
            return subst_hook_entry(obj, m)
        return {k: subst(v, m) for k, v in obj.items()}
    return obj


def subst_hook_entry(h, m):
    exec_form = "args" in h
    out = {}
    for k, v in h.items():
        if k == "command":
            out[k] = subst_str(v, m, shell=not exec_form)
        elif k == "args" and isinstance(v, list):
            args = []
            for x in v:
                if x == "{HOOK_ARGS}":
                    args.extend(m.get("HOOK_ARGS", []))
                else:
                    args.append(subst(x, m))
            out[k] = args
        else:
            out[k] = subst(v, m)
    return out


def absolutise_first_word(cmd):
    """Hooks run with the temporary project as cwd, so a relative or ~ path to
    the hook binary (e.g. target/release/hookguard) is made absolute here."""
    try:
        words = shlex.split(cmd)
    except ValueError:
        return cmd
    if not words or "{" in words[0]:
        return cmd
    w = words[0]
    exp = os.path.expanduser(w)
    if (exp != w or ("/" in w and not os.path.isabs(w))) and os.path.exists(exp):
        stripped = cmd.lstrip()
        if stripped.startswith(w):
            return shlex.quote(os.path.abspath(exp)) + stripped[len(w):]
    return cmd


def read_jsonl(path):
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line:
                    try:
                        out.append(json.loads(line))
                    except Exception:
                        out.append({"unparsed": line})
    return out


def dedupe_leaks(recs):
    """Each request repeats the conversation, so keep the first hit per place."""
    out, seen = [], set()
    for r in recs:
        key = (r.get("string"), r.get("where"), r.get("kind"))
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


def ensure_cert(dirs):
    """Self-signed cert for 127.0.0.1 (WebFetch forces https). Made with openssl
    in the first writable dir of `dirs` and reused; (None, None) if impossible."""
    for d in dirs:
        cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
        if os.path.exists(cert) and os.path.exists(key):
            return cert, key
        try:
            os.makedirs(d, exist_ok=True)
            tmp = tempfile.mkdtemp(prefix=".certgen-", dir=d)
            try:
                subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                "-keyout", os.path.join(tmp, "key.pem"),
                                "-out", os.path.join(tmp, "cert.pem"), "-days", "3650",
                                "-subj", "/CN=127.0.0.1",
                                "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                               check=True, capture_output=True, timeout=30,
                               stdin=subprocess.DEVNULL)
                os.replace(os.path.join(tmp, "key.pem"), key)
                os.replace(os.path.join(tmp, "cert.pem"), cert)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
            return cert, key
        except Exception:
            continue
    return None, None


def as_list(v):
    return v if isinstance(v, list) else [v]


HOOK_KEYS = ("hook_events", "no_hook_events", "hook_stdin_contains")


def check_hookguard_expect(exp, summary):
    """The keys this project adds to "expect".

    files {relpath: str or null}  the file holds exactly this afterwards (null: absent)
    audit_matches_hooks (bool)    hookguard's audit log has one record per hook call the tee saw,
                                  with the same (event, tool_use_id) pairs, and its chain verifies
    audit_contains [obj]          each object's keys match some audit record (event, tool,
                                  decision, rule, ...)
    no_request_path str or list   no request to the fake API had this path prefix (e.g. /page)"""
    f = []
    for rel, want in (exp.get("files") or {}).items():
        got = summary.get("files", {}).get(rel)
        if got != want:
            f.append("file %s holds %r, expected %r" % (rel, got, want))
    audit = summary.get("audit") or []
    if exp.get("audit_matches_hooks"):
        calls = sorted((str(h.get("event")), str((h.get("stdin") or {}).get("tool_use_id")
                        if isinstance(h.get("stdin"), dict) else None))
                       for h in summary.get("hooks", []))
        recs = sorted((str(r.get("event")), str(r.get("tool_use_id"))) for r in audit)
        if not calls:
            f.append("no hook calls recorded (audit_matches_hooks needs the tee)")
        if calls != recs:
            f.append("audit records %r differ from hook calls %r" % (recs, calls))
        if summary.get("audit_verify_rc") != 0:
            f.append("hookguard audit verify exited %r: %s" % (
                summary.get("audit_verify_rc"), summary.get("audit_verify_out")))
    for want in exp.get("audit_contains", []):
        if not any(all(r.get(k) == v for k, v in want.items()) for r in audit):
            f.append("no audit record matches %r" % want)
    for pre in as_list(exp.get("no_request_path", [])):
        if any(str(q).split(" ")[1:2] and str(q).split(" ")[1].startswith(pre)
               for q in summary.get("requests", [])):
            f.append("the fake API got a request for %r" % pre)
    return f


def hookguard_register(sc, m, a, proj, home, run, logs, notes):
    """Registers hookguard in the project with its own installer, as a person would:
    `hookguard install --scope project [--profile P] [--policy FILE]`. Returns the settings
    document it wrote (with the tee spliced in unless "tee": false), and the audit log path.

    scenario "hookguard": {"profile": "ci", "policies": {"name.toml": "text"},
                           "tee": true, "binary": "present" | "missing",
                           "scope": "project" | "user", "install_args": ["--no-sandbox"]}

    With "scope": "user" the registration (and the sandbox settings) go into the isolated
    home's ~/.claude/settings.json, which is written back with the tee spliced in; the project
    settings document returned is then empty."""
    hg = sc.get("hookguard") or {}
    if not a.hookguard:
        raise RuntimeError("this scenario registers hookguard: pass --hookguard BIN")
    src = os.path.abspath(a.hookguard)
    if not os.access(src, os.X_OK):
        raise RuntimeError("--hookguard %s is not executable" % src)
    binary = src
    if hg.get("binary") == "missing":
        # install from a copy, then take the copy away: the registration points at nothing
        os.makedirs(os.path.join(run, "bin"), exist_ok=True)
        binary = os.path.join(run, "bin", "hookguard")
        shutil.copy2(src, binary)
    scope = hg.get("scope", "project")
    cmd = [binary, "install", "--scope", scope, "--project", proj, "--home", home]
    cmd += list(hg.get("install_args") or [])
    if hg.get("profile"):
        cmd += ["--profile", hg["profile"]]
    for name, text in subst(hg.get("policies") or {}, m).items():
        pth = os.path.join(run, "policy", name)
        os.makedirs(os.path.dirname(pth), exist_ok=True)
        with open(pth, "w", encoding="utf-8") as f:
            f.write(text)
        cmd += ["--policy", pth]
    env = {"PATH": os.environ.get("PATH") or os.defpath, "HOME": home, "LANG": "C.UTF-8"}
    p = subprocess.run(cmd, cwd=proj, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError("hookguard install failed (%d): %s" % (p.returncode, p.stderr))
    # Idempotence, checked on every run: installing again changes nothing.
    p2 = subprocess.run(cmd, cwd=proj, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                        text=True, timeout=60)
    if p2.returncode != 0 or "up to date" not in p2.stdout:
        raise RuntimeError("hookguard install is not idempotent: %r %r" % (p2.stdout, p2.stderr))
    path = (os.path.join(home, ".claude", "settings.json") if scope == "user"
            else os.path.join(proj, ".claude", "settings.json"))
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if binary != src:
        os.remove(binary)
    if hg.get("tee", True) and hg.get("binary") != "missing":
        # Splice the recorder in front of each hookguard handler; everything else about the
        # registration (events, matcher, timeout, onFailure) stays as install wrote it.
        for groups in doc.get("hooks", {}).values():
            for g in groups:
                for h in g.get("hooks", []):
                    if os.path.realpath(str(h.get("command"))) == os.path.realpath(binary):
                        h["args"] = [os.path.join(HERE, "hook_tee.py"), m["LOG"], "--",
                                     h["command"]] + list(h.get("args", []))
                        h["command"] = m["PYTHON"]
    audit = os.path.join(home, ".local", "state", "hookguard", "audit.jsonl")
    if scope == "user":
        write_json(path, doc)
        return {}, audit
    return doc, audit


def check_expect(exp, summary, hook_records=True):
    """Scenario "expect" block -> list of failure strings (empty = pass).

    tool_ran (bool)              any side_effects file exists after the run
    claude_rc (int)              claude's exit status
    tool_result_contains         str or list: substring(s) of the FIRST tool_result
    tool_result_not_contains     str or list
    model_saw_contains           substring(s) of any tool_result or extra text the
                                 model got back (hook feedback arrives as extra text)
    model_saw_not_contains       str or list
    result_contains              substring(s) of claude's final "result" text
    result_not_contains          str or list
    hook_events                  ["Event" or "Event:Tool", ...] that must appear
    no_hook_events               [...] that must not appear
    hook_stdin_contains          {"Event[:Tool]": str or list}: some hook call of that
                                 event has all the substrings in its stdin JSON
    never_sent_to_model          str or list: no request to the fake API contains it
    sent_only_in_side_requests   str or list: requests to the fake API did contain it, but
                                 only side requests (no tools offered, e.g. WebFetch's
                                 summary), never the main conversation
    The hook_* keys need hook records (the built-in logger, or --hook-cmd with
    the default tee); with --no-tee they are skipped, not failed."""
    f = []
    if not hook_records:
        exp = {k: v for k, v in exp.items() if k not in HOOK_KEYS}
    trs = [t for t in summary.get("tool_results", []) if "tool_use_id" in t]
    first = trs[0]["text"] if trs else ""
    every = "\n".join((t.get("text") or t.get("extra_text") or "")
                      for t in summary.get("tool_results", []))
    res = summary.get("result") if isinstance(summary.get("result"), dict) else {}
    result_text = res.get("result") if isinstance(res.get("result"), str) else ""
    seen = {}
    for h in summary.get("hooks", []):
        st = h.get("stdin")
        text = json.dumps(st, ensure_ascii=False) if isinstance(st, dict) else str(st or "")
        for key in (str(h.get("event")), "%s:%s" % (h.get("event"), h.get("tool_name"))):
            seen.setdefault(key, []).append(text)
    if "tool_ran" in exp and summary.get("tool_ran") != exp["tool_ran"]:
        f.append("tool_ran=%r, expected %r" % (summary.get("tool_ran"), exp["tool_ran"]))
    if "claude_rc" in exp and summary.get("claude_rc") != exp["claude_rc"]:
        f.append("claude_rc=%r, expected %r" % (summary.get("claude_rc"), exp["claude_rc"]))
    for sub in as_list(exp.get("tool_result_contains", [])):
        if sub not in first:
            f.append("first tool_result lacks %r: %r" % (sub, first[:300]))
    for sub in as_list(exp.get("tool_result_not_contains", [])):
        if sub in first:
            f.append("first tool_result contains %r" % sub)
    for sub in as_list(exp.get("model_saw_contains", [])):
        if sub not in every:
            f.append("model never saw %r" % sub)
    for sub in as_list(exp.get("model_saw_not_contains", [])):
        if sub in every:
            f.append("model saw %r" % sub)
    for sub in as_list(exp.get("result_contains", [])):
        if sub not in result_text:
            f.append("result lacks %r: %r" % (sub, result_text[:300]))
    for sub in as_list(exp.get("result_not_contains", [])):
        if sub in result_text:
            f.append("result contains %r" % sub)
    for ev in exp.get("hook_events", []):
        if ev not in seen:
            f.append("hook event %s not seen" % ev)
    for ev in exp.get("no_hook_events", []):
        if ev in seen:
            f.append("hook event %s seen but should not be" % ev)
    for ev, subs in (exp.get("hook_stdin_contains") or {}).items():
        texts = seen.get(ev, [])
        if not texts:
            f.append("hook event %s not seen (hook_stdin_contains)" % ev)
        elif not any(all(s in t for s in as_list(subs)) for t in texts):
            f.append("no %s hook stdin contains all of %r" % (ev, as_list(subs)))
    leaked = {x.get("string") for x in summary.get("leaks", [])}
    for sub in as_list(exp.get("never_sent_to_model", [])):
        if sub in leaked:
            f.append("%r was sent to the model API" % sub)
    for sub in as_list(exp.get("sent_only_in_side_requests", [])):
        kinds = {x.get("kind") for x in summary.get("leaks", []) if x.get("string") == sub}
        if not kinds:
            f.append("%r was never sent to the model API (expected in a side request)" % sub)
        elif kinds != {"side"}:
            f.append("%r was sent in a %s request, not only side requests"
                     % (sub, "/".join(sorted(k or "?" for k in kinds))))
    return f


def kill_group(p, grace=3.0):
    """SIGTERM the process group we created for p (pgid = p.pid), wait up to
    `grace` for it to empty, then SIGKILL whatever is left. Also reaps p."""
    if p is None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):
        pass
    deadline = time.time() + grace
    try:
        p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    while time.time() < deadline:  # stragglers (hooks, MCP server) in the group
        try:
            os.killpg(p.pid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass


def free_port():
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
    finally:
        s.close()


def build_hook(a, m, notes):
    """Fill HOOK (shell string), HOOK_BIN and HOOK_ARGS in the placeholder map."""
    if a.hook_cmd:
        cmd = subst_str(absolutise_first_word(a.hook_cmd), m, shell=True)
        try:
            argv = shlex.split(cmd)
        except ValueError as e:
            raise RuntimeError("cannot split --hook-cmd: %s" % e)
        if not argv:
            raise RuntimeError("--hook-cmd is empty")
        if not (shutil.which(argv[0]) or os.path.exists(argv[0])):
            notes.append("hook command %r not found; Claude Code will treat every hook call "
                         "as a failure" % argv[0])
        if a.tee:
            tee = [m["PYTHON"], os.path.join(HERE, "hook_tee.py"), m["LOG"], "--"]
            m["HOOK"] = shlex.join(tee) + " " + cmd
            argv = tee + argv
        else:
            m["HOOK"] = cmd
    else:
        argv = [m["PYTHON"], os.path.join(HERE, "hook_logger.py"), m["LOG"], m["RESP"]]
        m["HOOK"] = shlex.join(argv)
    m["HOOK_BIN"], m["HOOK_ARGS"] = argv[0], argv[1:]


def default_hooks(sc):
    events = sc.get("hook_events", DEFAULT_EVENTS)
    if events == "all":
        events = ALL_EVENTS
    form = sc.get("hook_form", "shell")
    if form == "exec":
        entry = {"type": "command", "command": "{HOOK_BIN}", "args": ["{HOOK_ARGS}"]}
    elif form == "shell":
        entry = {"type": "command", "command": "{HOOK}"}
    else:
        raise RuntimeError("hook_form must be 'shell' or 'exec', not %r" % form)
    if sc.get("hook_timeout"):
        entry["timeout"] = sc["hook_timeout"]
    if sc.get("hook_on_failure"):
        entry["onFailure"] = sc["hook_on_failure"]
    return {ev: [{"matcher": sc.get("hook_matcher", "*"), "hooks": [dict(entry)]}]
            for ev in events}


def write_json(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=1, ensure_ascii=False)


def main():
    ap = argparse.ArgumentParser(
        description="Run one scenario through the real Claude Code CLI against a fake API.")
    ap.add_argument("scenario")
    ap.add_argument("--hook-cmd", help="hook command replacing the built-in logger, e.g. "
                    "'target/release/hookguard hook'")
    ap.add_argument("--hookguard", metavar="BIN",
                    help="the hookguard binary, for scenarios with a \"hookguard\" key")
    ap.add_argument("--no-tee", dest="tee", action="store_false",
                    help="register --hook-cmd bare, without the hook_tee.py recorder")
    ap.add_argument("--claude", help="claude binary (default: $CLAUDE_BIN, cache, PATH)")
    ap.add_argument("--env", action="append", default=[], metavar="K=V",
                    help="extra environment for claude and its hooks (repeatable)")
    ap.add_argument("--workdir", help="run dir to use and keep (default: fresh temp dir)")
    ap.add_argument("--timeout", type=float, default=90, help="seconds allowed for claude")
    ap.add_argument("--keep", action="store_true", help="keep the run dir")
    ap.add_argument("--debug", action="store_true",
                    help="pass --debug-file RUN/logs/claude-debug.log to claude (use with --keep)")
    ap.add_argument("--full", action="store_true", help="include raw claude output and requests")
    ap.add_argument("--compact", action="store_true", help="drop env/argv/ids from hook records")
    a = ap.parse_args()

    summary = {"name": None}
    try:
        with open(a.scenario, encoding="utf-8") as f:
            sc = json.load(f)
    except Exception as e:
        summary["harness_error"] = "cannot read scenario %s: %r" % (a.scenario, e)
        print(json.dumps(summary, indent=1))
        return 2
    summary["name"] = sc.get("name") or os.path.splitext(os.path.basename(a.scenario))[0]
    claude_bin, err = find_claude(a.claude)
    if not claude_bin:
        print("run_scenario.py: " + err, file=sys.stderr)
        summary["harness_error"] = err
        print(json.dumps(summary, indent=1))
        return 2
    extra_env = {}
    for kv in a.env:
        if "=" not in kv:
            print("run_scenario.py: --env wants K=V, got %r" % kv, file=sys.stderr)
            return 2
        k, v = kv.split("=", 1)
        extra_env[k] = v

    if a.workdir:
        run = os.path.abspath(a.workdir)
        os.makedirs(run, exist_ok=True)
    else:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", summary["name"])[:24]
        run = tempfile.mkdtemp(prefix="hookguard-e2e-%s-" % safe)
    summary["run_dir"] = run
    notes = []
    srv = claude = srv_err = None
    try:
        home, proj, logs = (os.path.join(run, d) for d in ("home", "proj", "logs"))
        rt = os.path.join(run, "rt")  # XDG_RUNTIME_DIR, CLAUDE_CODE_TMPDIR and TMPDIR
        for d in (home, proj, logs, rt, os.path.join(proj, ".claude")):
            os.makedirs(d, exist_ok=True)
        os.chmod(rt, 0o700)
        hook_log = os.path.join(logs, "hooks.jsonl")
        resp_file = os.path.join(logs, "hook_responses.json")
        write_json(resp_file, sc.get("hook_responses", {}))

        port, tls_port = free_port(), free_port()
        m = {"PROJ": proj, "HOME": home, "RUN": run, "LOG": hook_log, "RESP": resp_file,
             "HARNESS": HERE, "PYTHON": sys.executable, "PORT": str(port),
             "HTTPS_PORT": str(tls_port)}
        build_hook(a, m, notes)
        if sc.get("runs_with") == "guard" and not a.hook_cmd:
            notes.append("this scenario expects a real guard (--hook-cmd); with the built-in "
                         "logger its expectations will probably fail")

        # --- fake API server ------------------------------------------------
        cert, key = ensure_cert([os.path.join(cache_dir(), "certs"), os.path.join(run, "certs")])
        if not cert:
            notes.append("no TLS listener (openssl failed or missing): WebFetch will not work")
        srv_sc = subst(sc, m)
        exp_ = sc.get("expect") or {}
        srv_sc["watch_strings"] = (as_list(exp_.get("never_sent_to_model", []))
                                   + as_list(exp_.get("sent_only_in_side_requests", [])))
        srv_scn = os.path.join(logs, "server_scenario.json")
        write_json(srv_scn, srv_sc)
        port_file = os.path.join(logs, "port")
        srv_err = open(os.path.join(logs, "server.stderr"), "w")
        srv = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_api.py"),
                                "--scenario", srv_scn, "--logdir", logs, "--port", str(port),
                                "--port-file", port_file,
                                "--max-seconds", str(int(a.timeout + 60))]
                               + (["--tls-port", str(tls_port), "--tls-cert", cert,
                                   "--tls-key", key] if cert else []),
                               stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=srv_err, start_new_session=True)
        t_end = time.time() + 10
        while not os.path.exists(port_file):
            if time.time() > t_end or srv.poll() is not None:
                raise RuntimeError("fake_api did not start (see %s/server.stderr)" % logs)
            time.sleep(0.05)

        # --- project and settings -------------------------------------------
        for rel, content in subst(sc.get("setup_files", {}), m).items():
            pth = os.path.join(proj, rel)
            os.makedirs(os.path.dirname(pth), exist_ok=True)
            with open(pth, "w", encoding="utf-8") as f:
                f.write(content if isinstance(content, str) else json.dumps(content, indent=1))
        audit_log = None
        if "hookguard" in sc:
            settings, audit_log = hookguard_register(sc, m, a, proj, home, run, logs, notes)
            summary["registration"] = settings
        else:
            hooks = sc.get("hooks")
            if hooks is None:
                hooks = default_hooks(sc)
            settings = {"hooks": subst(hooks, m)}
        settings.update(subst(sc.get("settings_extra", {}), m))
        if not sc.get("no_project_settings"):
            write_json(os.path.join(proj, ".claude", "settings.json"), settings)
        for k, pth in (("user_settings", os.path.join(home, ".claude", "settings.json")),
                       ("local_settings", os.path.join(proj, ".claude", "settings.local.json"))):
            if k in sc:
                write_json(pth, subst(sc[k], m))

        # --- claude -----------------------------------------------------------
        args = [claude_bin, "-p", subst(sc.get("prompt", "do it"), m), "--output-format",
                sc.get("output_format", "json")]
        if sc.get("output_format") == "stream-json":
            args.append("--verbose")
        if sc.get("mcp"):
            mcp_cfg = os.path.join(logs, "mcp.json")
            write_json(mcp_cfg, {"mcpServers": {"fake": {
                "type": "stdio", "command": sys.executable,
                "args": [os.path.join(HERE, "mcp_server.py")],
                "env": {"MCP_SIDE_EFFECT": os.path.join(proj, "mcp_side_effect.txt"),
                        "MCP_MAX_SECONDS": str(int(a.timeout + 30))}}}})
            args += ["--mcp-config", mcp_cfg, "--strict-mcp-config"]
        debug_log = os.path.join(logs, "claude-debug.log")
        if a.debug:
            args += ["--debug-file", debug_log]
        args += subst(sc.get("claude_args", []), m)

        env = {
            "PATH": os.environ.get("PATH") or os.defpath,
            "HOME": home,
            "USER": os.environ.get("USER") or getpass.getuser(),
            "LANG": "C.UTF-8",
            "TERM": "dumb",
            "XDG_RUNTIME_DIR": rt,
            "CLAUDE_CODE_TMPDIR": rt,
            "TMPDIR": rt,
            "ANTHROPIC_BASE_URL": "http://127.0.0.1:%d" % port,
            "ANTHROPIC_API_KEY": "dummy",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "HOOK_TEE_TIMEOUT": str(int(a.timeout)),
        }
        if cert:
            env["NODE_EXTRA_CA_CERTS"] = cert
        if os.getuid() == 0:
            # as root, bypassPermissions / --dangerously-skip-permissions exits 1 otherwise
            env["IS_SANDBOX"] = "1"
        env.update({k: str(v) for k, v in subst(sc.get("env", {}), m).items()})
        env.update(extra_env)

        version = None
        try:
            vp = subprocess.run([claude_bin, "--version"], env=env, cwd=proj,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=30)
            version = (vp.stdout or vp.stderr).strip()
        except Exception as e:  # noqa
            version = "unknown (%r)" % e
        summary["claude"] = {"bin": claude_bin, "version": version}
        if CLAUDE_VERSION not in (version or ""):
            notes.append("claude reports %r; the behaviour table in README.md is for %s"
                         % (version, CLAUDE_VERSION))
        summary["hook_cmd"] = m["HOOK"]

        t0 = time.time()
        with open(os.path.join(logs, "claude.stdout"), "w") as out_f, \
                open(os.path.join(logs, "claude.stderr"), "w") as err_f:
            claude = subprocess.Popen(args, cwd=proj, env=env, stdin=subprocess.DEVNULL,
                                      stdout=out_f, stderr=err_f, start_new_session=True)
            timed_out = False
            try:
                rc = claude.wait(timeout=a.timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
                kill_group(claude)
                rc = claude.returncode
        wall = time.time() - t0
        # a SessionEnd or async hook may still be writing its log line
        time.sleep(0.2)

        with open(os.path.join(logs, "claude.stdout"), encoding="utf-8", errors="replace") as f:
            stdout = f.read()
        with open(os.path.join(logs, "claude.stderr"), encoding="utf-8", errors="replace") as f:
            stderr = f.read()
        result = None
        try:
            if sc.get("output_format") == "stream-json":
                msgs = [json.loads(l) for l in stdout.splitlines() if l.strip()]
                result = next((x for x in reversed(msgs) if x.get("type") == "result"), None)
                summary["stream"] = msgs if a.full else [
                    x for x in msgs if x.get("type") == "system" and "hook" in str(x.get("subtype"))]
            else:
                result = json.loads(stdout)
        except Exception:
            pass

        # hook log: merge start/end records by pid
        recs = read_jsonl(hook_log)
        ends = {r["pid"]: r for r in recs if "ts_end" in r and "pid" in r}
        hooks_seen = []
        for r in recs:
            if "ts_start" not in r:
                continue
            e = ends.get(r.get("pid"))
            st = r.get("stdin") or {}
            item = {"event": st.get("hook_event_name"), "tool_name": st.get("tool_name"),
                    "ts_start": r["ts_start"], "completed": e is not None,
                    "exit": e["exit"] if e else None,
                    "ms": round((e["ts_end"] - r["ts_start"]) * 1000, 1) if e else None,
                    "stdin": st if st else r.get("stdin_raw"),
                    "env": {k: v for k, v in r.get("env", {}).items() if k.startswith("CLAUDE")},
                    "argv": r.get("argv"), "cwd": r.get("cwd")}
            for k in ("real_exit", "real_ms", "real_stdout", "real_stderr", "note"):
                if k in r:
                    item[k] = r[k]
                elif e and k in e:
                    item[k] = e[k]
            hooks_seen.append(item)

        side = {}
        for rel in sc.get("side_effects", []):
            pth = os.path.join(proj, rel)
            if os.path.exists(pth):
                with open(pth, encoding="utf-8", errors="replace") as f:
                    side[rel] = f.read()
            else:
                side[rel] = None
        reqs = read_jsonl(os.path.join(logs, "requests.jsonl"))
        files = {}
        for rel in (sc.get("expect") or {}).get("files", {}):
            pth = os.path.join(proj, rel)
            files[rel] = open(pth, encoding="utf-8", errors="replace").read() \
                if os.path.exists(pth) else None
        summary["files"] = files
        if audit_log:
            summary["audit"] = [{k: r.get(k) for k in ("event", "tool", "tool_use_id", "decision",
                                                        "rule", "control", "reason", "profile", "permission_mode",
                                                        "converted_from_ask",
                                                        "classification", "subject")}
                                for r in read_jsonl(audit_log)]
            vp = subprocess.run([os.path.abspath(a.hookguard), "audit", "verify", audit_log],
                                stdin=subprocess.DEVNULL, capture_output=True, text=True,
                                timeout=60)
            summary["audit_verify_rc"] = vp.returncode
            summary["audit_verify_out"] = (vp.stdout + vp.stderr).strip()
        summary.update({
            "claude_rc": rc, "timed_out": timed_out, "wall_s": round(wall, 3),
            "tool_ran": any(v is not None for v in side.values()) if side else None,
            "side_effects": side,
            "tool_results": read_jsonl(os.path.join(logs, "tool_results.jsonl")),
            "hooks": hooks_seen,
            "result": ({k: result.get(k) for k in ("subtype", "is_error", "result", "num_turns",
                                                   "permission_denials", "stop_reason",
                                                   "terminal_reason")}
                       if isinstance(result, dict) and not a.full else result),
            "leaks": dedupe_leaks(read_jsonl(os.path.join(logs, "leaks.jsonl"))),
            "requests": [" ".join(str(x) for x in (q.get("method"), q.get("path"),
                                                    q.get("kind") or "")) for q in reqs],
            "stderr_tail": stderr[-2000:],
        })
        if result is None:
            summary["stdout_tail"] = stdout[-2000:]
        if a.debug:
            summary["debug_log"] = debug_log
        if a.full:
            summary["requests_full"] = reqs
            summary["settings"] = settings
        if notes:
            summary["notes"] = notes
        rc_out = 0
        if "expect" in sc:
            hook_records = bool(a.tee or not a.hook_cmd)
            if "hookguard" in sc:
                hook_records = bool((sc.get("hookguard") or {}).get("tee", True))
            fails = check_expect(sc["expect"], summary, hook_records)
            fails += check_hookguard_expect(sc["expect"], summary)
            summary["expect"] = {"ok": not fails, "failures": fails}
            unchecked = [k for k in HOOK_KEYS if k in sc["expect"] and not hook_records]
            if unchecked:
                summary["expect"]["unchecked"] = unchecked
            rc_out = 0 if not fails else 1
        if a.compact:
            for h in summary["hooks"]:
                for k in ("env", "argv", "cwd"):
                    h.pop(k, None)
                if isinstance(h.get("stdin"), dict):
                    for k in ("session_id", "transcript_path", "cwd", "prompt_id"):
                        h["stdin"].pop(k, None)
            for t in summary["tool_results"]:
                t.pop("raw", None)
        print(json.dumps(summary, indent=1, ensure_ascii=False))
        return rc_out
    except Exception as e:
        summary["harness_error"] = repr(e)
        if notes:
            summary["notes"] = notes
        print(json.dumps(summary, indent=1, ensure_ascii=False))
        return 2
    finally:
        kill_group(claude)
        kill_group(srv)
        if srv_err:
            srv_err.close()
        if not a.keep and not a.workdir:
            shutil.rmtree(run, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
