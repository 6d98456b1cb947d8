//! `hookguard audit export`: each format's shape and field mapping, the time window, and that
//! the original record (with its hash) survives the mapping.

mod audit_support;

use audit_support::{Scratch, hookguard, text};
use hookguard::audit::{Log, Record, Settings};
use serde_json::Value;

fn log_with_decisions(s: &Scratch) -> std::path::PathBuf {
    let p = s.join("audit.jsonl");
    let log = Log::with_key(&p, &Settings::default(), None);
    let rows = [
        (
            "2026-11-20T10:00:00.000Z",
            "deny",
            Some("files.excluded"),
            "Read",
            "/p/.env",
        ),
        (
            "2026-11-21T09:30:00.250Z",
            "ask",
            Some("deps.new"),
            "Bash",
            "npm install left-pad",
        ),
        (
            "2026-11-22T23:59:59.999Z",
            "defer",
            None,
            "WebFetch",
            "docs.rs",
        ),
    ];
    for (ts, decision, rule, tool, subject) in rows {
        let mut r = Record {
            ts: ts.into(),
            event: "PreToolUse".into(),
            decision: decision.into(),
            rule: rule.map(String::from),
            control: rule.map(|_| "PR-05".into()),
            tool: Some(tool.into()),
            subject: Some(subject.into()),
            host: Some("dev-01".into()),
            user: Some("alice".into()),
            session_id: Some("sess-1".into()),
            ..Record::default()
        };
        log.append(&mut r).unwrap();
    }
    p
}

fn export(p: &std::path::Path, format: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["audit", "export", "--format", format];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    let o = hookguard(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn otlp_json_is_one_request_with_log_records() {
    let s = Scratch::new("otlp");
    let p = log_with_decisions(&s);
    let lines: Vec<String> = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let out = export(&p, "otlp-json", &[]);
    assert_eq!(out.len(), 1);
    let rl = &out[0]["resourceLogs"][0];
    let res = rl["resource"]["attributes"].as_array().unwrap();
    assert!(
        res.iter()
            .any(|a| a["key"] == "service.name" && a["value"]["stringValue"] == "hookguard")
    );
    assert!(
        res.iter()
            .any(|a| a["key"] == "host.name" && a["value"]["stringValue"] == "dev-01")
    );
    let recs = rl["scopeLogs"][0]["logRecords"].as_array().unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[0]["timeUnixNano"], "1795168800000000000");
    assert_eq!(recs[0]["severityText"], "WARN");
    assert_eq!(recs[1]["severityText"], "INFO2");
    assert_eq!(recs[2]["severityNumber"], 9);
    assert_eq!(recs[1]["body"]["stringValue"], lines[1].as_str());
    // The event's name is LogRecord.event_name, not an attribute.
    assert_eq!(recs[1]["eventName"], "PreToolUse");
    let attr = |r: &Value, k: &str| {
        r["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["key"] == k)
            .map(|a| a["value"].clone())
    };
    assert_eq!(
        attr(&recs[0], "hookguard.rule").unwrap()["stringValue"],
        "files.excluded"
    );
    assert_eq!(
        attr(&recs[0], "session.id").unwrap()["stringValue"],
        "sess-1"
    );
    assert_eq!(attr(&recs[2], "hookguard.seq").unwrap()["intValue"], "3");
    assert_eq!(attr(&recs[2], "hookguard.rule"), None);
}

#[test]
fn splunk_hec_events_carry_the_record_whole() {
    let s = Scratch::new("hec");
    let p = log_with_decisions(&s);
    let originals: Vec<Value> = audit_support::records(&p);
    let out = export(&p, "splunk-hec", &[]);
    assert_eq!(out.len(), 3);
    assert_eq!(out[1]["time"], 1795253400.25);
    assert_eq!(out[1]["sourcetype"], "hookguard:audit");
    assert_eq!(out[1]["host"], "dev-01");
    assert_eq!(out[1]["fields"]["decision"], "ask");
    // Indexed as the README says: seq, hash, session_id and user too (as strings).
    assert_eq!(out[1]["fields"]["seq"], "2");
    assert_eq!(out[1]["fields"]["hash"], originals[1]["hash"]);
    assert_eq!(out[1]["fields"]["session_id"], "sess-1");
    assert_eq!(out[1]["fields"]["user"], "alice");
    // `event` is the line itself, byte for byte (Splunk's `_raw`).
    let lines: Vec<String> = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(out[1]["event"], lines[1].as_str());
}

#[test]
fn ecs_documents_map_decisions_and_subjects() {
    let s = Scratch::new("ecs");
    let p = log_with_decisions(&s);
    let out = export(&p, "ecs", &[]);
    type Case = (usize, &'static str, &'static str, &'static str);
    let cases: &[Case] = &[
        (0, "/event/type/0", "denied", "deny is a denied event"),
        (
            0,
            "/event/category/0",
            "intrusion_detection",
            "a refusal is a prevention",
        ),
        (0, "/event/outcome", "failure", "the call did not happen"),
        (0, "/ecs/version", "9.4.0", "the current ECS"),
        (0, "/file/path", "/p/.env", "the path is file.path"),
        (0, "/rule/id", "files.excluded", "the rule is rule.id"),
        (0, "/rule/category", "PR-05", "the control is rule.category"),
        (
            1,
            "/process/command_line",
            "npm install left-pad",
            "Bash subject",
        ),
        (1, "/event/type/0", "info", "ask is info"),
        (2, "/url/domain", "docs.rs", "WebFetch subject"),
        (2, "/event/outcome", "success", "defer goes ahead"),
        (
            2,
            "/@timestamp",
            "2026-11-22T23:59:59.999Z",
            "timestamp kept",
        ),
        (2, "/user/name", "alice", "user"),
        (2, "/labels/session_id", "sess-1", "session"),
    ];
    for (i, pointer, want, name) in cases {
        assert_eq!(
            out[*i].pointer(pointer).and_then(Value::as_str),
            Some(*want),
            "{name}"
        );
    }
    assert!(out[2].pointer("/rule/id").is_none(), "absent, not null");
    let lines: Vec<String> = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    for (doc, line) in out.iter().zip(&lines) {
        assert_eq!(doc["event"]["original"], line.as_str());
    }
    assert_eq!(
        out[2]["hookguard"]["hash"],
        audit_support::records(&p)[2]["hash"]
    );
}

#[test]
fn the_window_selects_records_by_time() {
    let s = Scratch::new("window");
    let p = log_with_decisions(&s);
    type Case = (&'static [&'static str], usize);
    let cases: &[Case] = &[
        (&[], 3),
        (&["--since", "2026-11-21"], 2),
        (&["--until", "2026-11-21"], 1),
        (&["--since", "2026-11-21", "--until", "2026-11-22"], 1),
        (&["--since", "2026-11-21T09:30:00.251Z"], 1),
    ];
    for (args, n) in cases {
        assert_eq!(export(&p, "splunk-hec", args).len(), *n, "{args:?}");
    }
    let o = hookguard(&[
        "audit",
        "export",
        "--format",
        "ecs",
        "--since",
        "yesterday",
        p.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("`yesterday`"));
}

/// `event.category` → the `event.type` values ECS 9.4 expects with it, from the field
/// definitions of the npm package `@elastic/ecs` 9.4.0 (`ecs_flat`, `expected_event_types`).
const ECS_EXPECTED_TYPES: &[(&str, &[&str])] = &[
    (
        "api",
        &[
            "access", "admin", "allowed", "change", "creation", "deletion", "denied", "end",
            "info", "start", "user",
        ],
    ),
    ("authentication", &["start", "end", "info"]),
    (
        "configuration",
        &["access", "change", "creation", "deletion", "info"],
    ),
    ("database", &["access", "change", "info", "error"]),
    ("driver", &["change", "end", "info", "start"]),
    ("email", &["info"]),
    (
        "file",
        &["access", "change", "creation", "deletion", "info"],
    ),
    ("host", &["access", "change", "end", "info", "start"]),
    (
        "iam",
        &[
            "admin", "change", "creation", "deletion", "group", "info", "user",
        ],
    ),
    ("intrusion_detection", &["allowed", "denied", "info"]),
    ("library", &["start"]),
    ("malware", &["info"]),
    (
        "network",
        &[
            "access",
            "allowed",
            "connection",
            "denied",
            "end",
            "info",
            "protocol",
            "start",
        ],
    ),
    (
        "package",
        &[
            "access",
            "change",
            "deletion",
            "info",
            "installation",
            "start",
        ],
    ),
    ("process", &["access", "change", "end", "info", "start"]),
    ("registry", &["access", "change", "creation", "deletion"]),
    ("session", &["start", "end", "info"]),
    ("threat", &["indicator"]),
    ("vulnerability", &["info"]),
    ("web", &["access", "error", "info"]),
];

#[test]
fn ecs_category_and_type_pairs_conform_to_ecs_9() {
    let events = [
        "PreToolUse",
        "PostToolUse",
        "PostToolUseFailure",
        "UserPromptSubmit",
        "SessionStart",
        "SessionEnd",
        "ConfigChange",
        "Stop",
        "SubagentStop",
        "Notification",
        "PreCompact",
        "(unparseable)",
        "(audit)",
    ];
    let decisions = ["deny", "block", "ask", "allow", "defer", "pass", "redact"];
    let tools = [
        "Read",
        "Write",
        "Edit",
        "Bash",
        "WebFetch",
        "Grep",
        "mcp__github__create_issue",
        "Task",
        "",
    ];
    for event in events {
        for decision in decisions {
            for tool in tools {
                let r = serde_json::json!({
                    "ts": "2026-12-04T10:00:00.000Z", "seq": 1, "event": event,
                    "decision": decision, "tool": (!tool.is_empty()).then_some(tool),
                    "subject": "x", "hash": "0".repeat(64),
                });
                let doc = hookguard::audit::export::ecs_document(&r, "{}");
                let cats = doc["event"]["category"].as_array().unwrap();
                let types = doc["event"]["type"].as_array().unwrap();
                for c in cats {
                    let allowed = ECS_EXPECTED_TYPES
                        .iter()
                        .find(|(name, _)| c == name)
                        .unwrap_or_else(|| panic!("{c} is no ECS category"))
                        .1;
                    for t in types {
                        assert!(
                            allowed.iter().any(|a| t == a),
                            "{event}/{decision}/{tool}: type {t} under category {c}"
                        );
                    }
                }
                let outcome = doc["event"]["outcome"].as_str().unwrap();
                assert!(["success", "failure", "unknown"].contains(&outcome));
                if event == "PostToolUseFailure" || decision == "deny" || decision == "block" {
                    assert_eq!(outcome, "failure", "{event}/{decision}");
                }
            }
        }
    }
    // The session's two ends are of one category.
    let class = |event: &str| {
        let r = serde_json::json!({ "event": event, "decision": "pass" });
        hookguard::audit::export::ecs_classes(&r)
    };
    assert_eq!(class("SessionStart"), ("session", "start", "success"));
    assert_eq!(class("SessionEnd"), ("session", "end", "success"));
}

fn verify_export(file: &std::path::Path, format: &str) -> (i32, String) {
    let o = hookguard(&[
        "audit",
        "verify",
        "--format",
        format,
        file.to_str().unwrap(),
    ]);
    (o.status.code().unwrap(), text(&o.stdout) + &text(&o.stderr))
}

#[test]
fn every_export_verifies_and_an_edited_one_fails() {
    let s = Scratch::new("expverify");
    let p = log_with_decisions(&s);
    // Edits of the original line, and edits of a mapped field with the line left alone.
    let edits: &[(&str, &[(&str, &str)])] = &[
        (
            "otlp-json",
            &[
                ("left-pad", "right-pad"),
                ("\"severityText\":\"WARN\"", "\"severityText\":\"INFO\""),
                ("\"eventName\":\"PreToolUse\"", "\"eventName\":\"Other\""),
            ],
        ),
        (
            "splunk-hec",
            &[
                ("left-pad", "right-pad"),
                (
                    "\"decision\":\"deny\",\"hash\"",
                    "\"decision\":\"allow\",\"hash\"",
                ),
            ],
        ),
        (
            "ecs",
            &[
                ("left-pad", "right-pad"),
                ("\"type\":[\"denied\"]", "\"type\":[\"allowed\"]"),
                ("\"path\":\"/p/.env\"", "\"path\":\"/p/README\""),
            ],
        ),
    ];
    for (format, edits) in edits {
        let file = s.join(&format!("export.{format}"));
        let o = hookguard(&["audit", "export", "--format", format, p.to_str().unwrap()]);
        assert!(o.status.success());
        std::fs::write(&file, &o.stdout).unwrap();
        let (code, out) = verify_export(&file, format);
        assert_eq!(code, 0, "{format}: {out}");
        assert!(
            out.contains("3 records") && out.contains("chain intact"),
            "{out}"
        );
        let text = String::from_utf8(o.stdout).unwrap();
        for (from, to) in *edits {
            assert!(text.contains(from), "{format}: no `{from}` in {text}");
            std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
            let (code, out) = verify_export(&file, format);
            assert_eq!(code, 1, "{format} with `{to}`: {out}");
            assert!(out.contains("chain broken"), "{out}");
        }
        // A record left out of the export breaks the chain too.
        if *format != "otlp-json" {
            let kept: Vec<&str> = text
                .lines()
                .enumerate()
                .filter(|(i, _)| *i != 1)
                .map(|(_, l)| l)
                .collect();
            std::fs::write(&file, kept.join("\n") + "\n").unwrap();
            assert_eq!(
                verify_export(&file, format).0,
                1,
                "{format}: a record left out"
            );
        }
        // A pipeline's own additions do not count as edits.
        if *format == "ecs" {
            let added = text.replace(
                "{\"@timestamp\"",
                "{\"event_ingested\":\"2026-12-04\",\"@timestamp\"",
            );
            std::fs::write(&file, added).unwrap();
            assert_eq!(verify_export(&file, format).0, 0, "ecs with an added field");
        }
    }
}

#[test]
fn a_log_is_compared_with_what_was_shipped() {
    let s = Scratch::new("against");
    let p = log_with_decisions(&s);
    let shipped = s.join("shipped.ecs");
    let o = hookguard(&["audit", "export", "--format", "ecs", p.to_str().unwrap()]);
    std::fs::write(&shipped, &o.stdout).unwrap();
    let against = |extra: &[&str]| {
        let mut args = vec!["audit", "verify", "--against", shipped.to_str().unwrap()];
        args.extend_from_slice(&["--against-format", "ecs"]);
        args.extend_from_slice(extra);
        args.push(p.to_str().unwrap());
        let o = hookguard(&args);
        (o.status.code().unwrap(), text(&o.stdout))
    };
    let (code, out) = against(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("3 records shipped, 3 identical"), "{out}");
    // The record lines a SIEM received (`_raw`), checked on their own and compared.
    let raw = s.join("received.jsonl");
    std::fs::copy(&p, &raw).unwrap();
    let o = hookguard(&[
        "audit",
        "verify",
        "--format",
        "lines",
        raw.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let o = hookguard(&[
        "audit",
        "verify",
        "--against",
        raw.to_str().unwrap(),
        p.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    // A new record not shipped yet is a note, not a difference.
    let log = Log::with_key(&p, &Settings::default(), None);
    log.append(&mut Record {
        event: "PreToolUse".into(),
        decision: "defer".into(),
        ..Record::default()
    })
    .unwrap();
    let (code, out) = against(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 after the last"), "{out}");
    // The log and its head rolled back together (no local check can see it): the records
    // shipped but gone from the log give it away.
    let text_log = std::fs::read_to_string(&p).unwrap();
    let keep: Vec<&str> = text_log.lines().take(2).collect();
    std::fs::write(&p, keep.join("\n") + "\n").unwrap();
    let _ = std::fs::remove_file(hookguard::audit::log::head_path(&p));
    let (code, out) = against(&["--no-head"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("shipped but missing from the log") && out.contains("seq 3"),
        "{out}"
    );
    // A record altered in the log after it was shipped.
    std::fs::write(&p, text_log.replacen("left-pad", "right-pad", 1)).unwrap();
    let (code, out) = against(&["--no-head"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("altered") && out.contains("seq 2"), "{out}");
}
