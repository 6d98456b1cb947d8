//! The hook protocol, through the real binary: exact stdout, exit codes, and every failure path
//! ending in a deny (JSON on stdout and exit 2), never exit 1 or 101.

mod common;
use common::*;

fn pre(tool: &str, input: serde_json::Value, cwd: &std::path::Path) -> String {
    serde_json::json!({
        "session_id": "s-1", "hook_event_name": "PreToolUse", "tool_name": tool,
        "tool_input": input, "tool_use_id": "toolu_1", "cwd": cwd, "permission_mode": "default",
    })
    .to_string()
}

fn assert_fail_closed(r: &Run) {
    assert_eq!(r.code, 2, "exit 2 expected; stderr: {}", r.stderr);
    assert_eq!(r.decision(), "deny");
    assert!(
        r.stderr.starts_with("hookguard: "),
        "reason on stderr: {:?}",
        r.stderr
    );
}

#[test]
fn deny_is_one_json_line_and_exit_zero() {
    let s = Scratch::new("deny");
    let r = hook(
        &s,
        &[],
        &pre(
            "Read",
            serde_json::json!({"file_path": s.proj().join(".env")}),
            &s.proj(),
        ),
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.decision(), "deny");
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let reason = r.json()["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.starts_with("hookguard: Read of "), "{reason}");
    assert!(
        reason.contains("PR-05"),
        "the reason names the control: {reason}"
    );
}

#[test]
fn defer_prints_nothing() {
    let s = Scratch::new("defer");
    let r = hook(
        &s,
        &[],
        &pre(
            "Read",
            serde_json::json!({"file_path": s.proj().join("src/main.rs")}),
            &s.proj(),
        ),
    );
    assert_eq!((r.code, r.stdout.as_str(), r.stderr.as_str()), (0, "", ""));
}

#[test]
fn malformed_json_fails_closed() {
    let s = Scratch::new("malformed");
    for bad in [
        "",
        "not json",
        "{\"hook_event_name\":",
        "[1,2]",
        "null",
        "{\"tool_name\": 7}",
    ] {
        let r = hook(&s, &[], bad);
        assert_fail_closed(&r);
    }
}

#[test]
fn malformed_events_fail_closed_in_every_profile() {
    let s = Scratch::new("shapes");
    let cwd = s.proj();
    let with = |tool: &str, input: serde_json::Value| pre(tool, input, &cwd);
    let events = [
        "{}".to_string(),
        serde_json::json!({"tool_name": "Bash", "tool_input": {"command": "sudo id"}, "cwd": cwd})
            .to_string(),
        with("Bash", serde_json::json!("sudo id")),
        with("Bash", serde_json::json!({"command": ["sudo", "id"]})),
        with("Bash", serde_json::json!({"description": "no command"})),
        with(
            "Write",
            serde_json::json!({"file_path": cwd.join("a.txt"), "content": null}),
        ),
        with(
            "Edit",
            serde_json::json!({"file_path": cwd.join("a.txt"), "new_string": "x"}),
        ),
    ];
    for profile in ["prototype", "production", "ci"] {
        for ev in &events {
            let r = hook(&s, &["--profile", profile], ev);
            assert_fail_closed(&r);
            let last = records(&s).pop().expect("an audit record");
            assert_eq!(
                (last["decision"].as_str(), last["rule"].as_str()),
                (Some("deny"), Some("input.malformed")),
                "{profile}: {ev}: {last}"
            );
        }
        let prompt = serde_json::json!({"hook_event_name": "UserPromptSubmit", "cwd": cwd});
        let r = hook(&s, &["--profile", profile], &prompt.to_string());
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(r.json()["decision"], "block");
        assert!(r.stderr.starts_with("hookguard: "), "{}", r.stderr);
    }
    // What the client really sends still passes.
    for ev in [
        with("ExitPlanMode", serde_json::json!({})),
        with("Bash", serde_json::json!({"command": "ls"})),
        with(
            "NotebookEdit",
            serde_json::json!({"notebook_path": cwd.join("n.ipynb"), "cell_id": "c", "edit_mode": "delete"}),
        ),
    ] {
        let r = hook(&s, &[], &ev);
        assert_eq!((r.code, r.stdout.as_str()), (0, ""), "{ev}: {}", r.stderr);
    }
}

#[test]
fn oversized_input_fails_closed() {
    let s = Scratch::new("huge");
    let mut big =
        br#"{"hook_event_name":"PreToolUse","tool_name":"Write","tool_input":{"content":""#
            .to_vec();
    big.resize(64 * 1024 * 1024 + 16, b'a');
    let r = run(
        &["hook", "--audit-log", s.audit().to_str().unwrap()],
        &big,
        &s.home(),
        &[],
    );
    assert_fail_closed(&r);
    assert!(r.stderr.contains("larger than 64 MiB"), "{}", r.stderr);
}

#[test]
fn unloadable_project_policy_fails_closed_and_names_the_line() {
    let s = Scratch::new("badpolicy");
    std::fs::create_dir_all(s.proj().join(".claude")).unwrap();
    std::fs::write(
        s.proj().join(".claude/hookguard.toml"),
        "profile = \"ci\"\n[files]\nexclud = []\n",
    )
    .unwrap();
    let r = hook(
        &s,
        &[],
        &pre(
            "Read",
            serde_json::json!({"file_path": "src/main.rs"}),
            &s.proj(),
        ),
    );
    assert_fail_closed(&r);
    assert!(r.stderr.contains("hookguard.toml:3:1"), "{}", r.stderr);
}

#[test]
fn missing_policy_file_named_by_the_registration_fails_closed() {
    let s = Scratch::new("nopolicy");
    let r = hook(
        &s,
        &["--policy", "/nonexistent/hookguard.toml"],
        &pre("Read", serde_json::json!({"file_path": "a"}), &s.proj()),
    );
    assert_fail_closed(&r);
}

#[test]
fn managed_policy_not_owned_by_root_fails_closed() {
    let s = Scratch::new("managed");
    let dir = s.root.join("managed");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), "classification = \"OFFICIAL\"\n").unwrap();
    // Whoever runs the tests, the file ends up not both root-owned and root-only: as root, it
    // is handed to another uid; as anyone else, it is already theirs.
    let _ = std::os::unix::fs::chown(dir.join("policy.toml"), Some(4242), Some(4242));
    let r = run(
        &[
            "hook",
            "--audit-log",
            s.audit().to_str().unwrap(),
            "--managed-dir",
            dir.to_str().unwrap(),
        ],
        pre("Read", serde_json::json!({"file_path": "a"}), &s.proj()).as_bytes(),
        &s.home(),
        &[],
    );
    assert_fail_closed(&r);
    assert!(
        r.stderr.contains("managed policy not trusted"),
        "{}",
        r.stderr
    );
}

#[test]
fn invalid_hook_arguments_fail_closed() {
    let s = Scratch::new("args");
    let r = run(&["hook", "--profile", "staging"], b"{}", &s.home(), &[]);
    assert_fail_closed(&r);
    assert!(r.stderr.contains("staging"), "{}", r.stderr);
    // `hook` has its own parser (the hot path); every way to get its arguments wrong, `--help`
    // included, is a broken registration and must not print anything the client takes as
    // "carry on".
    for args in [
        &["hook", "--bogus"][..],
        &["hook", "extra"],
        &["hook", "--help"],
        &["hook", "--version"],
        &["hook", "--policy"],
    ] {
        let r = run(args, b"{}", &s.home(), &[]);
        assert_fail_closed(&r);
        assert!(
            r.stderr.contains("invalid arguments"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // A value that is not UTF-8 is refused the same way.
    {
        use std::os::unix::ffi::OsStrExt;
        let out = std::process::Command::new(bin())
            .arg("hook")
            .arg("--profile")
            .arg(std::ffi::OsStr::from_bytes(b"\xffci"))
            .env_clear()
            .env("HOME", s.home())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("\"permissionDecision\":\"deny\""),
            "{stdout}"
        );
    }
    // The hook's flags still parse.
    let ev = pre(
        "Read",
        serde_json::json!({"file_path": s.proj().join(".env")}),
        &s.proj(),
    );
    let r = hook(&s, &["--profile", "ci"], &ev);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.decision(), "deny");
    assert_eq!(records(&s).last().unwrap()["profile"], "ci");
}

#[test]
fn unwritable_audit_log_fails_closed_in_production_and_ci() {
    let s = Scratch::new("audit");
    // A regular file where the log's directory should be: creating the directory fails, even
    // for root.
    std::fs::write(s.root.join("blocker"), "").unwrap();
    let log = s.root.join("blocker/audit.jsonl");
    let ev = pre(
        "Read",
        serde_json::json!({"file_path": "src/main.rs"}),
        &s.proj(),
    );
    for profile in ["production", "ci"] {
        let r = run(
            &[
                "hook",
                "--profile",
                profile,
                "--audit-log",
                log.to_str().unwrap(),
            ],
            ev.as_bytes(),
            &s.home(),
            &[],
        );
        assert_fail_closed(&r);
        assert!(
            r.stderr.contains("audit record could not be written"),
            "{}",
            r.stderr
        );
    }
    let r = run(
        &[
            "hook",
            "--profile",
            "prototype",
            "--audit-log",
            log.to_str().unwrap(),
        ],
        ev.as_bytes(),
        &s.home(),
        &[],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""), "prototype proceeds");
    assert!(r.stderr.contains("warning"), "and warns: {}", r.stderr);
}

#[test]
fn audit_log_symlink_is_refused() {
    let s = Scratch::new("symlog");
    std::fs::create_dir_all(s.root.join("state")).unwrap();
    std::os::unix::fs::symlink(s.root.join("elsewhere.jsonl"), s.audit()).unwrap();
    let r = hook(
        &s,
        &[],
        &pre("Read", serde_json::json!({"file_path": "a.rs"}), &s.proj()),
    );
    assert_fail_closed(&r);
    assert!(r.stderr.contains("symbolic link"), "{}", r.stderr);
    assert!(!s.root.join("elsewhere.jsonl").exists());
}

#[test]
#[cfg(debug_assertions)]
fn a_panic_fails_closed() {
    let s = Scratch::new("panic");
    let r = run(
        &["hook", "--audit-log", s.audit().to_str().unwrap()],
        pre("Read", serde_json::json!({"file_path": "a.rs"}), &s.proj()).as_bytes(),
        &s.home(),
        &[("HOOKGUARD_DEBUG_PANIC", "1")],
    );
    assert_fail_closed(&r);
    assert!(r.stderr.contains("internal error"), "{}", r.stderr);
}

#[test]
fn one_chained_audit_record_per_call_with_ids() {
    let s = Scratch::new("records");
    for (i, f) in [".env", "src/a.rs", "/opt/x"].iter().enumerate() {
        let ev = serde_json::json!({
            "session_id": "s-9", "hook_event_name": "PreToolUse", "tool_name": "Read",
            "tool_input": {"file_path": f}, "tool_use_id": format!("toolu_{i}"), "cwd": s.proj(),
        });
        hook(&s, &[], &ev.to_string());
    }
    hook(&s, &[], "garbage");
    let recs = records(&s);
    assert_eq!(recs.len(), 4);
    let decisions: Vec<&str> = recs
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(decisions, ["deny", "defer", "ask", "deny"]);
    assert_eq!(recs[0]["tool_use_id"], "toolu_0");
    assert_eq!(recs[0]["rule"], "files.excluded");
    assert_eq!(recs[0]["control"], "PR-05");
    assert_eq!(recs[3]["rule"], "input.unusable");
    for r in &recs {
        for field in [
            "ts",
            "event",
            "session_id",
            "tool_use_id",
            "agent_id",
            "tool",
            "decision",
            "rule",
            "control",
            "reason",
            "profile",
            "classification",
            "cwd",
            "project",
            "user",
            "host",
            "subject",
            "input_sha256",
            "policy_sha256",
            "prev_hash",
            "hash",
        ] {
            assert!(r.get(field).is_some(), "field {field} in {r}");
        }
    }
    let v = run(
        &["audit", "verify", s.audit().to_str().unwrap()],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(v.code, 0, "{}", v.stdout);
}

#[test]
fn audit_never_holds_prompt_text_file_content_or_command_secrets() {
    let s = Scratch::new("nosecrets");
    let prompt = serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": "my NI number is the-prompt-text-marker", "cwd": s.proj()});
    hook(&s, &[], &prompt.to_string());
    let post = serde_json::json!({"hook_event_name": "PostToolUse", "tool_name": "Read", "cwd": s.proj(),
        "tool_input": {"file_path": s.proj().join("a.txt")},
        "tool_response": {"type": "text", "file": {"filePath": s.proj().join("a.txt"), "content": "the-file-content-marker", "numLines": 1, "startLine": 1, "totalLines": 1}}});
    hook(&s, &[], &post.to_string());
    let bash = pre(
        "Bash",
        serde_json::json!({"command": "curl -H 'X-Api-Key: sk9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4' https://x"}),
        &s.proj(),
    );
    hook(&s, &[], &bash);
    let log = std::fs::read_to_string(s.audit()).unwrap();
    assert!(!log.contains("the-prompt-text-marker"));
    assert!(!log.contains("the-file-content-marker"));
    assert!(!log.contains("sk9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4"));
    let recs = records(&s);
    assert_eq!(recs[1]["context_file"]["size"], 23);
    assert_eq!(
        recs[1]["context_file"]["sha256"],
        hookguard::digest::sha256_hex(b"the-file-content-marker")
    );
    assert_eq!(recs[1]["outcome"], "success");
    // A large Read is digested on a second thread while its output is scanned: same record,
    // and the redaction still happens.
    let big = format!(
        "{}\nAWS key AKIAZ3MTQ5LYXW4BN7KD here\n",
        "fn main() {}\n".repeat(20_000)
    );
    let post = serde_json::json!({"hook_event_name": "PostToolUse", "tool_name": "Read", "cwd": s.proj(),
        "tool_input": {"file_path": s.proj().join("big.rs")},
        "tool_response": {"type": "text", "file": {"filePath": s.proj().join("big.rs"), "content": big, "numLines": 1, "startLine": 1, "totalLines": 1}}});
    let r = hook(&s, &[], &post.to_string());
    assert!(!r.stdout.contains("AKIAZ3MTQ5LYXW4BN7KD"), "{}", r.stdout);
    assert!(r.stdout.contains("redacted"), "{}", r.stdout);
    let rec = records(&s).pop().unwrap();
    assert_eq!(rec["context_file"]["size"], big.len());
    assert_eq!(
        rec["context_file"]["sha256"],
        hookguard::digest::sha256_hex(big.as_bytes())
    );
    assert_eq!(rec["outcome"], "success");
    assert_eq!(rec["decision"], "redact");
}

#[test]
fn config_change_removing_the_registration_is_blocked() {
    let s = Scratch::new("config");
    let settings = s.proj().join(".claude/settings.json");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    std::fs::write(&settings, r#"{"hooks":{}}"#).unwrap();
    let ev = serde_json::json!({"hook_event_name": "ConfigChange", "source": "project_settings", "file_path": settings, "cwd": s.proj()});
    let r = run(
        &["hook", "--audit-log", s.audit().to_str().unwrap()],
        ev.to_string().as_bytes(),
        &s.home(),
        &[("CLAUDE_PROJECT_DIR", s.proj().to_str().unwrap())],
    );
    assert_eq!(r.code, 0);
    assert_eq!(r.json()["decision"], "block");
    // Still registered: this binary, in exec form, with the arguments it runs with.
    let bin = env!("CARGO_BIN_EXE_hookguard");
    let audit = s.audit().to_str().unwrap().to_string();
    let registered = |handler: serde_json::Value| {
        serde_json::json!({"hooks": {"PreToolUse": [{"matcher": "*", "hooks": [handler]}]}})
            .to_string()
    };
    std::fs::write(
        &settings,
        registered(
            serde_json::json!({"type": "command", "command": bin, "args": ["hook", "--audit-log", audit]}),
        ),
    )
    .unwrap();
    let r = run(
        &["hook", "--audit-log", &audit],
        ev.to_string().as_bytes(),
        &s.home(),
        &[("CLAUDE_PROJECT_DIR", s.proj().to_str().unwrap())],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    // Registrations that name hookguard but no longer run this one, as it runs, are blocked.
    for handler in [
        serde_json::json!({"type": "command", "command": "true || hookguard"}),
        serde_json::json!({"type": "command", "command": format!("true || {bin} hook --audit-log {audit}")}),
        serde_json::json!({"type": "command", "command": "/usr/local/bin/hookguard", "args": ["hook"]}),
        serde_json::json!({"type": "command", "command": bin, "args": ["hook"]}),
        serde_json::json!({"type": "command", "command": bin, "args": ["hook", "--audit-log", audit], "async": true}),
        serde_json::json!({"type": "command", "command": format!("{bin} hook --audit-log {audit}; true")}),
    ] {
        std::fs::write(&settings, registered(handler.clone())).unwrap();
        let r = run(
            &["hook", "--audit-log", &audit],
            ev.to_string().as_bytes(),
            &s.home(),
            &[("CLAUDE_PROJECT_DIR", s.proj().to_str().unwrap())],
        );
        assert_eq!(r.json()["decision"], "block", "{handler}");
    }
    // The same words in shell form, with nothing for a shell to interpret, still run it.
    std::fs::write(
        &settings,
        registered(serde_json::json!({"type": "command", "command": format!("{bin} hook --audit-log {audit}")})),
    )
    .unwrap();
    let r = run(
        &["hook", "--audit-log", &audit],
        ev.to_string().as_bytes(),
        &s.home(),
        &[("CLAUDE_PROJECT_DIR", s.proj().to_str().unwrap())],
    );
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    std::fs::write(
        &settings,
        r#"{"disableAllHooks":true,"hooks":{"PreToolUse":[{"hooks":[{"command":"hookguard"}]}]}}"#,
    )
    .unwrap();
    let r = run(
        &["hook", "--audit-log", s.audit().to_str().unwrap()],
        ev.to_string().as_bytes(),
        &s.home(),
        &[("CLAUDE_PROJECT_DIR", s.proj().to_str().unwrap())],
    );
    assert_eq!(r.json()["decision"], "block");
}

#[test]
fn secret_classification_blocks_prompts_and_tools() {
    let s = Scratch::new("secret");
    let pol = s.root.join("org.toml");
    std::fs::write(&pol, "classification = \"SECRET\"\n").unwrap();
    let p = pol.to_str().unwrap();
    let prompt = serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": "hello", "cwd": s.proj()});
    let r = hook(&s, &["--policy", p], &prompt.to_string());
    assert_eq!(r.json()["decision"], "block");
    assert!(r.json()["reason"].as_str().unwrap().contains("SECRET"));
    let r = hook(
        &s,
        &["--policy", p],
        &pre(
            "Read",
            serde_json::json!({"file_path": "README.md"}),
            &s.proj(),
        ),
    );
    assert_eq!(r.decision(), "deny");
}

#[test]
fn ask_is_refused_where_nobody_can_answer() {
    let s = Scratch::new("c18");
    let ev = pre(
        "Read",
        serde_json::json!({"file_path": "/opt/notes.txt"}),
        &s.proj(),
    );
    assert_eq!(hook(&s, &[], &ev).decision(), "ask");
    let headless = run(
        &["hook", "--audit-log", s.audit().to_str().unwrap()],
        ev.as_bytes(),
        &s.home(),
        &[("CLAUDE_CODE_ENTRYPOINT", "sdk-cli")],
    );
    assert_eq!(headless.decision(), "deny");
    let reason = headless.json()["hookSpecificOutput"]["permissionDecisionReason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("C18"), "{reason}");
    let recs = records(&s);
    assert_eq!(recs.last().unwrap()["converted_from_ask"], true);
}

#[test]
fn session_start_tells_the_model_what_is_in_force() {
    let s = Scratch::new("session");
    let ev = serde_json::json!({"hook_event_name": "SessionStart", "source": "startup", "cwd": s.proj()});
    let r = hook(&s, &["--profile", "ci"], &ev.to_string());
    let v = r.json();
    assert_eq!(v["hookSpecificOutput"]["hookEventName"], "SessionStart");
    let text = v["hookSpecificOutput"]["additionalContext"]
        .as_str()
        .unwrap();
    assert!(text.contains("profile ci"), "{text}");
    assert!(
        text.len() < 10_000,
        "under the client's 10,000-character cap"
    );
}

#[test]
fn golden_stdout() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".event.json"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    for ev in cases {
        let name = ev
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".event.json", "");
        let s = Scratch::new("golden");
        let args_file = dir.join(format!("{name}.args"));
        let extra: Vec<String> = std::fs::read_to_string(&args_file)
            .map(|a| {
                a.split_whitespace()
                    .map(|w| w.replace("{golden}", dir.to_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let input = std::fs::read_to_string(&ev).unwrap();
        let r = hook(&s, &extra, &input);
        let want = std::fs::read_to_string(dir.join(format!("{name}.stdout"))).unwrap();
        let want_code: i32 = std::fs::read_to_string(dir.join(format!("{name}.code")))
            .map(|c| c.trim().parse().unwrap())
            .unwrap_or(0);
        assert_eq!(r.stdout, want, "{name}: stdout differs");
        assert_eq!(r.code, want_code, "{name}: exit code");
    }
}

#[test]
fn secrets_never_reach_the_audit_log_and_leave_a_red_flag() {
    let s = Scratch::new("redflag");
    let token = "ghp_XVG7E2OGXU1GrYldeWhWUaUWMOaVXsj9Kg3l";
    let nhs = "401 023 2137";
    let cmd = format!("git clone https://{token}@github.com/o/r.git # NHS number: {nhs}");
    let r = hook(
        &s,
        &[],
        &pre("Bash", serde_json::json!({"command": cmd}), &s.proj()),
    );
    assert_eq!(r.decision(), "deny");
    assert!(!r.stdout.contains(token));
    let post = serde_json::json!({
        "session_id": "s-1", "hook_event_name": "PostToolUse", "tool_name": "Bash",
        "tool_input": {"command": cmd}, "tool_use_id": "toolu_2", "cwd": s.proj(),
        "tool_response": {"stdout": format!("{token}\n"), "stderr": "", "interrupted": false,
                          "isImage": false, "noOutputExpected": false},
    })
    .to_string();
    let r = hook(&s, &[], &post);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout.lines().count(), 1, "one JSON object: {}", r.stdout);
    let out = r.json();
    let updated = &out["hookSpecificOutput"]["updatedToolOutput"];
    assert_eq!(updated["stdout"], "[hookguard: GitHub token redacted]\n");
    assert_eq!(updated["interrupted"], false);
    assert_eq!(updated["noOutputExpected"], false);
    let log = std::fs::read_to_string(s.audit()).unwrap();
    assert!(!log.contains(token) && !log.contains(nhs), "{log}");
    let recs = records(&s);
    assert_eq!(recs.len(), 2);
    assert_eq!(
        recs[0]["red_flags"][0], "refused:secrets.github-token",
        "{}",
        recs[0]
    );
    assert_eq!(recs[1]["decision"], "redact");
    assert_eq!(recs[1]["red_flags"][0], "redacted:secrets.github-token:1");
}

#[test]
fn a_policy_s_gitleaks_secrets_never_reach_the_audit_log() {
    // The audit record's subject and reason are redacted with the policy's own scanner: a
    // secret only a `[secrets] gitleaks` rule knows must not be written there either.
    let s = Scratch::new("gitleaks-audit");
    let rules = s.root.join("gitleaks.toml");
    std::fs::write(
        &rules,
        "[[rules]]\nid = \"dept-api-key\"\ndescription = \"Department API key\"\nregex = '''\\bdept_[a-z0-9]{24}\\b'''\nkeywords = [\"dept_\"]\n",
    )
    .unwrap();
    let policy = s.root.join("org.toml");
    std::fs::write(
        &policy,
        format!("[secrets]\ngitleaks = \"{}\"\n", rules.display()),
    )
    .unwrap();
    let key = "dept_a1b2c3d4e5f6g7h8i9j0k1l2";
    let cmd = format!("curl -H 'X-Key: {key}' https://api.example.gov.uk/v1");
    let r = hook(
        &s,
        &["--policy", policy.to_str().unwrap()],
        &pre("Bash", serde_json::json!({"command": cmd}), &s.proj()),
    );
    assert_eq!(r.decision(), "deny", "{}", r.stdout);
    assert!(!r.stdout.contains(key), "{}", r.stdout);
    let log = std::fs::read_to_string(s.audit()).unwrap();
    assert!(!log.contains(key), "{log}");
    let rec = &records(&s)[0];
    assert!(
        rec["subject"]
            .as_str()
            .unwrap()
            .contains("[hookguard: Department API key redacted]"),
        "{rec}"
    );
}

#[test]
fn a_rule_regex_that_cannot_compile_fails_closed_in_the_hook() {
    // The hook compiles a rule's regex when a call first needs it. One over the size limits
    // makes a deny rule match (it holds) and an allow rule match nothing (it grants nothing).
    let s = Scratch::new("huge-regex");
    let write = |name: &str, decision: &str, command: &str| {
        let p = s.root.join(name);
        std::fs::write(
            &p,
            format!("[[rule]]\nid = \"r-{decision}\"\ndecision = \"{decision}\"\ntool = \"Bash\"\ncommand = '{command}'\n"),
        )
        .unwrap();
        p
    };
    let ls = pre("Bash", serde_json::json!({"command": "ls"}), &s.proj());
    let huge = "\\w{500}\\w{500}";
    let deny = write("deny.toml", "deny", huge);
    let r = hook(&s, &["--policy", deny.to_str().unwrap()], &ls);
    assert_eq!(r.decision(), "deny", "{}", r.stdout);
    assert!(r.stdout.contains("r-deny"), "{}", r.stdout);
    // The same allow rule with a regex that compiles allows `ls`; with the huge one it does not.
    let allow = write("allow.toml", "allow", "^ls$");
    let r = hook(&s, &["--policy", allow.to_str().unwrap()], &ls);
    assert_eq!(r.decision(), "allow", "{}", r.stdout);
    let allow = write("allow-huge.toml", "allow", huge);
    let r = hook(&s, &["--policy", allow.to_str().unwrap()], &ls);
    assert!(r.stdout.trim().is_empty(), "defer expected: {}", r.stdout);
}

#[test]
fn a_background_agent_report_with_a_secret_is_blocked_and_named_as_such() {
    // A background subagent's report reaches the main conversation as a prompt of its own
    // (seen in the real client: e2e `background_agent_report_blocked`); no person wrote it.
    let s = Scratch::new("notification");
    let key = ["AKIA", "4X3YDICB", "BPBHM35X"].concat();
    let prompt = format!(
        "<task-notification>\n<task-id>a0b3</task-id>\n<status>completed</status>\n<result>The key is {key}.</result>\n</task-notification>"
    );
    let ev = serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": prompt, "cwd": s.proj()});
    let r = hook(&s, &[], &ev.to_string());
    assert_eq!(r.json()["decision"], "block", "{}", r.stdout);
    let reason = r.json()["reason"].as_str().unwrap().to_string();
    assert!(
        reason.contains("a background agent's report was not passed to the model")
            && reason.contains("the background agent's report contains a secret"),
        "{reason}"
    );
    assert!(!r.stdout.contains(&key));
    let r = hook(
        &s,
        &[],
        &serde_json::json!({"hook_event_name": "UserPromptSubmit", "prompt": format!("use {key}"), "cwd": s.proj()}).to_string(),
    );
    assert!(
        r.json()["reason"]
            .as_str()
            .unwrap()
            .contains("this prompt was not sent to the model")
    );
}

#[test]
fn the_record_lists_the_effects_bounded_and_without_content_or_secrets() {
    let s = Scratch::new("effects");
    let token = "ghp_XVG7E2OGXU1GrYldeWhWUaUWMOaVXsj9Kg3l";
    let bash = pre(
        "Bash",
        serde_json::json!({"command": format!("cat > notes.txt <<'EOF'\nthe-heredoc-marker\nEOF\nrm -rf build; echo x > out-{token}.txt")}),
        &s.proj(),
    );
    hook(&s, &[], &bash);
    let write = pre(
        "Write",
        serde_json::json!({"file_path": s.proj().join("a.rs"), "content": "the-write-marker"}),
        &s.proj(),
    );
    hook(&s, &[], &write);
    // Many files: the list is capped and the rest counted.
    let many: Vec<String> = (0..100).map(|i| format!("f{i}")).collect();
    let touch = pre(
        "Bash",
        serde_json::json!({"command": format!("touch {}", many.join(" "))}),
        &s.proj(),
    );
    hook(&s, &[], &touch);
    let log = std::fs::read_to_string(s.audit()).unwrap();
    // The Bash subject is the (redacted) command itself; the effects never add content.
    assert!(!log.contains("the-write-marker"));
    assert!(!log.contains(token));
    let recs = records(&s);
    let effects = |i: usize| -> Vec<String> {
        recs[i]["effects"]
            .as_array()
            .unwrap_or_else(|| panic!("effects in {}", recs[i]))
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let bash_effects = effects(0);
    assert!(
        !bash_effects.iter().any(|e| e.contains("marker")),
        "{bash_effects:?}"
    );
    // Redacted as the subject is (the scratch directory's random name goes too).
    let has = |prefix: &str, suffix: &str| {
        bash_effects
            .iter()
            .any(|e| e.starts_with(prefix) && e.ends_with(suffix))
    };
    assert!(has("write /", "/proj/notes.txt"), "{bash_effects:?}");
    assert!(
        has("delete /", "/proj/build (recursive)"),
        "{bash_effects:?}"
    );
    assert!(
        has(
            "write /",
            "/proj/out-[hookguard: GitHub token redacted].txt"
        ),
        "{bash_effects:?}"
    );
    assert_eq!(effects(1).len(), 1);
    assert!(effects(1)[0].starts_with("write ") && effects(1)[0].ends_with("a.rs"));
    // Programs, hosts and environment names (never values) follow the file effects.
    assert!(
        bash_effects.contains(&"run cat".to_string()),
        "{bash_effects:?}"
    );
    assert!(
        bash_effects.contains(&"run rm".to_string()),
        "{bash_effects:?}"
    );
    let capped = effects(2);
    assert_eq!(capped.len(), hookguard::effects::MAX_RECORDED + 1);
    // 100 creates and `run touch`.
    assert_eq!(
        capped.last().unwrap(),
        &format!("… {} more", 101 - hookguard::effects::MAX_RECORDED)
    );
    let net = pre(
        "Bash",
        serde_json::json!({"command": "AWS_SECRET_ACCESS_KEY=the-env-value-marker aws s3 ls && curl -s https://api.github.com/x && ssh deploy@build.example.org uptime"}),
        &s.proj(),
    );
    hook(&s, &[], &net);
    let fetch = pre(
        "WebFetch",
        serde_json::json!({"url": "https://docs.example.com/a?b", "prompt": "p"}),
        &s.proj(),
    );
    hook(&s, &[], &fetch);
    let recs = records(&s);
    let actions: Vec<&str> = recs[3]["effects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for want in [
        "env AWS_SECRET_ACCESS_KEY (`aws`)",
        "run aws",
        "network api.github.com (`curl`)",
        "run curl",
        "network build.example.org (`ssh`)",
        "run ssh",
    ] {
        assert!(actions.contains(&want), "{want} in {actions:?}");
    }
    assert!(!actions.iter().any(|a| a.contains("marker")), "{actions:?}");
    assert_eq!(
        recs[4]["effects"],
        serde_json::json!(["network docs.example.com (WebFetch)"])
    );
    let v = run(
        &["audit", "verify", s.audit().to_str().unwrap()],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(v.code, 0, "{}", v.stdout);
}
