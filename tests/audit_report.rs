//! `hookguard audit report`: the indicators and red flags counted from a known log, the three
//! formats, and the HTML page checked for WCAG 2.2 AA with axe-core in a real headless
//! Chromium (Debian's `chromium`, axe-core from npm: `scripts/ci-deps.sh`).

mod audit_support;

use audit_support::{Scratch, have_tool, hookguard, text};
use hookguard::audit::record::ContextFile;
use hookguard::audit::{Log, Record, Settings};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// One record: (day, event, tool, decision, rule, control, findings, subject, tool_use_id).
type Row<'a> = (
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    &'a [&'a str],
    &'a str,
    &'a str,
);

fn sample_log(s: &Scratch) -> PathBuf {
    let p = s.join("audit.jsonl");
    let log = Log::with_key(&p, &Settings::default(), None);
    let rows: &[Row] = &[
        (
            "2026-11-20",
            "PreToolUse",
            "Read",
            "deny",
            Some("files.excluded"),
            Some("PR-05"),
            &["files.excluded=deny"],
            "/p/.env",
            "t1",
        ),
        (
            "2026-11-20",
            "PreToolUse",
            "Read",
            "deny",
            Some("files.excluded"),
            Some("PR-05"),
            &["files.excluded=deny"],
            "/p/.env",
            "t2",
        ),
        (
            "2026-11-20",
            "PreToolUse",
            "Write",
            "deny",
            Some("secrets.aws-access-key-id"),
            Some("PR-01"),
            &["secrets.aws-access-key-id=deny"],
            "/p/src/config.py",
            "t3",
        ),
        (
            "2026-11-20",
            "PreToolUse",
            "Bash",
            "deny",
            Some("git.scan-bypass"),
            Some("PR-03"),
            &["git.scan-bypass=deny"],
            "git commit --no-verify -m x",
            "t4",
        ),
        (
            "2026-11-21",
            "PreToolUse",
            "Bash",
            "ask",
            Some("git.scan-bypass"),
            Some("PR-03"),
            &["git.scan-bypass=ask"],
            "HUSKY=0 git commit -m y",
            "t5",
        ),
        (
            "2026-11-21",
            "PostToolUse",
            "Bash",
            "pass",
            None,
            None,
            &[],
            "HUSKY=0 git commit -m y",
            "t5",
        ),
        (
            "2026-11-21",
            "PreToolUse",
            "Bash",
            "deny",
            Some("production.system"),
            Some("PR-06"),
            &["production.system=deny"],
            "kubectl --context prod get pods",
            "t6",
        ),
        (
            "2026-11-21",
            "PreToolUse",
            "Bash",
            "ask",
            Some("deps.new"),
            Some("PR-09"),
            &["deps.new=ask"],
            "npm install left-pad",
            "t7",
        ),
        (
            "2026-11-21",
            "PreToolUse",
            "Edit",
            "deny",
            Some("claude-md.secret"),
            Some("PR-08"),
            &["claude-md.secret=deny"],
            "/p/CLAUDE.md",
            "t8",
        ),
        (
            "2026-11-22",
            "PreToolUse",
            "Read",
            "defer",
            None,
            None,
            &[],
            "/p/README.md",
            "t9",
        ),
        (
            "2026-11-22",
            "PostToolUse",
            "Read",
            "pass",
            None,
            None,
            &[],
            "/p/README.md",
            "t9",
        ),
        (
            "2026-11-22",
            "PreToolUse",
            "Read",
            "defer",
            None,
            None,
            &[],
            "/p/src/<main>.rs",
            "t10",
        ),
        (
            "2026-11-22",
            "PostToolUse",
            "Read",
            "pass",
            None,
            None,
            &[],
            "/p/src/<main>.rs",
            "t10",
        ),
    ];
    for (i, (day, event, tool, decision, rule, control, findings, subject, id)) in
        rows.iter().enumerate()
    {
        let mut r = Record {
            ts: format!("{day}T10:{:02}:00.000Z", i),
            event: event.to_string(),
            session_id: Some(
                if *day == "2026-11-22" {
                    "sess-b"
                } else {
                    "sess-a"
                }
                .into(),
            ),
            tool_use_id: Some(id.to_string()),
            tool: Some(tool.to_string()),
            decision: decision.to_string(),
            rule: rule.map(String::from),
            control: control.map(String::from),
            reason: rule.map(|r| format!("{r} was refused")),
            findings: findings.iter().map(|f| f.to_string()).collect(),
            profile: Some("production".into()),
            classification: Some("OFFICIAL".into()),
            user: Some("alice".into()),
            host: Some("dev-01".into()),
            project: Some("/p".into()),
            subject: Some(subject.to_string()),
            ..Record::default()
        };
        if *event == "PostToolUse" {
            r.outcome = Some("success".into());
            if *id == "t9" {
                // The scanners redacted two keys and a marking from what the Read returned.
                r.red_flags = vec![
                    "redacted:secrets.aws-access-key-id:2".into(),
                    "redacted:content.marking:1".into(),
                ];
            }
            if *tool == "Read" {
                r.context_file = Some(ContextFile {
                    path: subject.to_string(),
                    size: 120,
                    sha256: "ab".repeat(32),
                });
            }
        }
        log.append(&mut r).unwrap();
    }
    p
}

fn report(p: &Path, format: &str, extra: &[&str]) -> String {
    let mut args = vec!["audit", "report", "--format", format];
    args.extend_from_slice(extra);
    args.push(p.to_str().unwrap());
    let o = hookguard(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn flag<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["red_flags"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap()
}

#[test]
fn red_flags_and_indicators_are_counted_from_the_log() {
    let s = Scratch::new("report");
    let p = sample_log(&s);
    let r: Value = serde_json::from_str(&report(&p, "json", &[])).unwrap();
    assert_eq!(r["records"], 13);
    assert_eq!(r["totals"]["deny"], 6);
    assert_eq!(r["totals"]["ask"], 2);
    type Case = (&'static str, u64, u64, u64, &'static str);
    let cases: &[Case] = &[
        ("secrets-in-code", 1, 1, 0, "blocked"),
        // One refused, one asked and then run (approved): a bypass got through.
        ("scan-bypass", 2, 1, 1, "raised"),
        ("production-without-approval", 1, 1, 0, "blocked"),
        // A marking redacted from tool output: stopped before the model saw it.
        ("official-sensitive-shared", 1, 1, 0, "blocked"),
        ("claude-md-secrets", 1, 1, 0, "blocked"),
    ];
    for (id, attempts, refused, not_refused, status) in cases {
        let f = flag(&r, id);
        assert_eq!(
            (
                f["attempts"].as_u64(),
                f["refused"].as_u64(),
                f["not_refused"].as_u64(),
                f["status"].as_str()
            ),
            (
                Some(*attempts),
                Some(*refused),
                Some(*not_refused),
                Some(*status)
            ),
            "{id}: {f}"
        );
    }
    let secrets = &r["indicators"][3];
    assert_eq!(secrets["value"], "3 attempts, 3 refused", "{secrets}");
    assert!(
        secrets["detail"]
            .as_str()
            .unwrap()
            .contains("redacted from tool output: 2 values"),
        "{secrets}"
    );
    let approvals = &r["indicators"][0];
    assert!(
        approvals["detail"]
            .as_str()
            .unwrap()
            .starts_with("2 asks recorded; 1 approved and run"),
        "{approvals}"
    );
    assert_eq!(r["by_control"]["PR-05"]["deny"], 2);
    assert_eq!(r["by_day"]["2026-11-21"]["ask"], 2);
    assert_eq!(r["top_refused"][0]["rule"], "files.excluded");
    assert_eq!(r["top_refused"][0]["count"], 2);
    assert_eq!(r["sessions_total"], 2);
    assert_eq!(r["sessions"][0]["session_id"], "sess-b", "latest first");
    assert_eq!(r["context_files_total"], 2);
    assert_eq!(r["integrity"][0]["intact"], true);
}

#[test]
fn the_window_and_a_broken_chain_show_in_the_report() {
    let s = Scratch::new("report-window");
    let p = sample_log(&s);
    let r: Value = serde_json::from_str(&report(&p, "json", &["--since", "2026-11-22"])).unwrap();
    assert_eq!(r["records"], 4);
    let t = std::fs::read_to_string(&p)
        .unwrap()
        .replacen("\"deny\"", "\"allow\"", 1);
    std::fs::write(&p, t).unwrap();
    let out = report(&p, "text", &[]);
    for section in [
        "Red flags",
        "Compliance indicators",
        "Decisions by day (UTC)",
        "Decisions by control",
        "Decisions by rule",
        "Top refused actions",
        "Sessions (2 in all",
        "Files that entered the context (2 in all, PR-14)",
        "Chain integrity",
    ] {
        assert!(out.contains(section), "{section}\n{out}");
    }
    assert!(
        out.contains(":1: the record's content does not match its hash"),
        "{out}"
    );
}

#[test]
fn the_html_page_is_self_contained_and_escapes_subjects() {
    let s = Scratch::new("report-html");
    let p = sample_log(&s);
    let html = report(&p, "html", &[]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"en-GB\">"));
    for external in [
        "<script", "<link", "src=", "url(", "http://", "https://", "@import",
    ] {
        assert!(!html.contains(external), "external asset: {external}");
    }
    assert!(html.contains("/p/src/&lt;main&gt;.rs"));
    assert_eq!(html.matches("<svg role=\"img\"").count(), 2);
}

/// Decodes what the page's `encodeURIComponent` wrote.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() + 1 {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn axe_js() -> Option<PathBuf> {
    let p = std::env::var_os("HOOKGUARD_AXE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            let tools = std::env::var_os("HOOKGUARD_TOOLS_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ci-tools")
                });
            tools.join("node_modules/axe-core/axe.min.js")
        });
    if p.is_file() {
        return Some(p);
    }
    assert!(
        std::env::var_os("HOOKGUARD_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
        "axe-core is required (HOOKGUARD_REQUIRE_TOOLS=1); run scripts/ci-deps.sh"
    );
    eprintln!(
        "note: axe-core not found at {}; skipping (scripts/ci-deps.sh installs it)",
        p.display()
    );
    None
}

fn chromium(args: &[&str], url: &str) -> std::process::Output {
    std::process::Command::new("chromium")
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
        ])
        .args([
            "--no-first-run",
            "--allow-file-access-from-files",
            "--hide-scrollbars",
        ])
        .args(args)
        .arg(url)
        .output()
        .unwrap()
}

#[test]
fn the_html_page_passes_axe_core_wcag_2_2_aa_in_headless_chromium() {
    if !have_tool("chromium") {
        return;
    }
    let Some(axe) = axe_js() else {
        return;
    };
    let s = Scratch::new("report-axe");
    let p = sample_log(&s);
    let html = report(&p, "html", &[]);
    // The page under test, plus axe and a runner that writes its results into the DOM.
    let runner = format!(
        r#"<script src="file://{}"></script><script>
axe.run(document, {{ runOnly: {{ type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] }} }})
  .then(function (r) {{ done({{ passes: r.passes.length, violations: r.violations.map(function (v) {{
      return {{ id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.map(function (n) {{ return n.target.join(" ") + ": " + n.failureSummary; }}) }}; }}) }}); }})
  .catch(function (e) {{ done({{ error: String(e) }}); }});
function done(o) {{ var p = document.createElement("pre"); p.id = "axe-results";
  p.textContent = encodeURIComponent(JSON.stringify(o)); document.body.appendChild(p); }}
</script></body>"#,
        axe.display()
    );
    let page = s.join("report-axe.html");
    std::fs::write(&page, html.replace("</body>", &runner)).unwrap();
    let url = format!("file://{}", page.display());
    let o = chromium(&["--virtual-time-budget=30000", "--dump-dom"], &url);
    let dom = text(&o.stdout);
    let start = dom
        .find("<pre id=\"axe-results\">")
        .unwrap_or_else(|| panic!("axe did not report: {}", text(&o.stderr)))
        + "<pre id=\"axe-results\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    let results: Value = serde_json::from_str(&percent_decode(&dom[start..end])).unwrap();
    assert!(results.get("error").is_none(), "{results}");
    assert!(results["passes"].as_u64().unwrap() > 10, "{results}");
    assert_eq!(
        results["violations"].as_array().unwrap().len(),
        0,
        "{}",
        serde_json::to_string_pretty(&results["violations"]).unwrap()
    );

    // The page and a screenshot for people to look at: target/audit-report.{html,png}.
    let plain = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/audit-report.html");
    std::fs::write(&plain, &html).unwrap();
    let shot = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/audit-report.png");
    let arg = format!("--screenshot={}", shot.display());
    chromium(
        &[&arg, "--window-size=1280,2600"],
        &format!("file://{}", plain.display()),
    );
    assert!(shot.is_file());
}
