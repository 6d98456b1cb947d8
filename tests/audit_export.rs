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
    assert_eq!(out[1]["event"], originals[1]);
}

#[test]
fn ecs_documents_map_decisions_and_subjects() {
    let s = Scratch::new("ecs");
    let p = log_with_decisions(&s);
    let out = export(&p, "ecs", &[]);
    type Case = (usize, &'static str, &'static str, &'static str);
    let cases: &[Case] = &[
        (0, "/event/type/0", "denied", "deny is a denied event"),
        (0, "/event/category/0", "file", "Read is a file event"),
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
