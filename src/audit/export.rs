//! `hookguard audit export --format otlp-json|splunk-hec|ecs`: the log in the shapes SIEMs
//! ingest in batch, for a one-off upload or for a pipeline that cannot tail a file.
//!
//! Reads the log set (oldest first) and writes newline-delimited JSON on the writer given:
//! - `otlp-json`: one OTLP `ExportLogsServiceRequest` per line (up to [`OTLP_BATCH`] records),
//!   as the OpenTelemetry Collector's `otlpjsonfile` receiver and OTLP/HTTP JSON accept;
//! - `splunk-hec`: one HTTP Event Collector event per line (`/services/collector/event`);
//! - `ecs`: one Elastic Common Schema document per line (Elasticsearch `_bulk` minus the
//!   action lines, or Filebeat/Elastic Agent NDJSON input).
//!
//! Every format keeps the record's original line byte for byte (the OTLP body, the HEC
//! `event`, the ECS `event.original`), so the chain can be checked from the export:
//! `hookguard audit verify --format F FILE` re-computes every hash from those lines, and
//! checks that every field of each document is what this module makes of its line (so an
//! edited mapping fails too; fields a pipeline adds are allowed). The field mappings are
//! tabled in `docs/audit.md`.

use serde_json::{Map, Value, json};
use std::io::Write;

/// Records per OTLP request line.
pub const OTLP_BATCH: usize = 1000;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    OtlpJson,
    SplunkHec,
    Ecs,
}

fn s<'a>(r: &'a Value, k: &str) -> Option<&'a str> {
    r.get(k).and_then(Value::as_str)
}

fn millis(r: &Value) -> i64 {
    s(r, "ts").and_then(super::time::parse_millis).unwrap_or(0)
}

/// OTLP severity: WARN for refusals, INFO2 for asks, INFO otherwise.
fn severity(decision: &str) -> (u8, &'static str) {
    match decision {
        "deny" | "block" => (13, "WARN"),
        "ask" => (10, "INFO2"),
        _ => (9, "INFO"),
    }
}

/// One OTLP `LogRecord`.
pub fn otlp_record(r: &Value, line: &str) -> Value {
    let attr = |k: &str, v: Value| json!({ "key": k, "value": v });
    let mut attrs = Vec::new();
    let mut str_attr = |key: &str, field: &str| {
        if let Some(v) = s(r, field) {
            attrs.push(attr(key, json!({ "stringValue": v })));
        }
    };
    str_attr("hookguard.decision", "decision");
    str_attr("hookguard.rule", "rule");
    str_attr("hookguard.control", "control");
    str_attr("hookguard.reason", "reason");
    str_attr("hookguard.tool", "tool");
    str_attr("hookguard.subject", "subject");
    str_attr("hookguard.profile", "profile");
    str_attr("hookguard.classification", "classification");
    str_attr("session.id", "session_id");
    str_attr("hookguard.tool_use_id", "tool_use_id");
    str_attr("hookguard.agent_id", "agent_id");
    str_attr("user.name", "user");
    str_attr("hookguard.project", "project");
    str_attr("hookguard.hash", "hash");
    str_attr("hookguard.prev_hash", "prev_hash");
    if let Some(seq) = r.get("seq").and_then(Value::as_u64) {
        attrs.push(attr(
            "hookguard.seq",
            json!({ "intValue": seq.to_string() }),
        ));
    }
    let decision = s(r, "decision").unwrap_or("");
    let (num, text) = severity(decision);
    let nanos = (millis(r) as i128 * 1_000_000).to_string();
    json!({
        "timeUnixNano": nanos,
        "observedTimeUnixNano": nanos,
        "severityNumber": num,
        "severityText": text,
        "eventName": s(r, "event").unwrap_or(""),
        "body": { "stringValue": line },
        "attributes": attrs,
    })
}

/// One OTLP request holding `records` (all from one host).
pub fn otlp_request(host: &str, records: Vec<Value>) -> Value {
    json!({ "resourceLogs": [{
        "resource": { "attributes": [
            { "key": "service.name", "value": { "stringValue": "hookguard" } },
            { "key": "service.version", "value": { "stringValue": env!("CARGO_PKG_VERSION") } },
            { "key": "host.name", "value": { "stringValue": host } },
        ]},
        "scopeLogs": [{ "scope": { "name": "hookguard.audit" }, "logRecords": records }],
    }]})
}

/// One Splunk HEC event. `event` is the record's line as a string, so Splunk's `_raw` is
/// the line byte for byte (search-time JSON extraction gives its fields); `fields` are the
/// indexed fields the README names.
pub fn splunk_event(r: &Value, line: &str) -> Value {
    let mut fields = Map::new();
    for k in [
        "decision",
        "rule",
        "control",
        "profile",
        "hash",
        "session_id",
        "user",
    ] {
        if let Some(v) = s(r, k) {
            fields.insert(k.into(), v.into());
        }
    }
    if let Some(seq) = r.get("seq").and_then(Value::as_u64) {
        // Indexed field values are strings.
        fields.insert("seq".into(), seq.to_string().into());
    }
    json!({
        "time": millis(r) as f64 / 1000.0,
        "host": s(r, "host").unwrap_or("unknown"),
        "source": "hookguard",
        "sourcetype": "hookguard:audit",
        "fields": fields,
        "event": line,
    })
}

/// The ECS version the documents conform to (`@elastic/ecs` 9.4.0's field definitions).
pub const ECS_VERSION: &str = "9.4.0";

/// The domain of a tool, for the ECS fields that name what it touched.
fn ecs_domain(tool: &str) -> &'static str {
    match tool {
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" | "Grep" | "Glob" | "LSP" => {
            "file"
        }
        "WebFetch" | "WebSearch" => "web",
        t if t.starts_with("mcp__") => "api",
        _ => "process",
    }
}

/// ECS `event.category`, `event.type` and `event.outcome` for a record. Every type given is
/// one ECS 9.4 expects for every category given (`denied` and `allowed` only under
/// `intrusion_detection`, say), which `tests/audit_export.rs` checks against the table from
/// `@elastic/ecs`.
pub fn ecs_classes(r: &Value) -> (&'static str, &'static str, &'static str) {
    let (category, kind, outcome) = ecs_classes_of(r);
    if s(r, "event") == Some("PostToolUseFailure") {
        // The tool ran and failed, whatever hookguard then did with its output.
        return (category, kind, "failure");
    }
    (category, kind, outcome)
}

fn ecs_classes_of(r: &Value) -> (&'static str, &'static str, &'static str) {
    let decision = s(r, "decision").unwrap_or("");
    let tool = s(r, "tool").unwrap_or("");
    match (s(r, "event").unwrap_or(""), decision) {
        // Decisions on what the agent may do: a policy enforcement point's verdicts.
        (_, "deny" | "block") => ("intrusion_detection", "denied", "failure"),
        ("PreToolUse" | "UserPromptSubmit", "allow" | "pass") => {
            ("intrusion_detection", "allowed", "success")
        }
        ("PreToolUse", "ask") => ("intrusion_detection", "info", "unknown"),
        ("PreToolUse", _) => ("intrusion_detection", "info", "success"),
        (_, "redact") => ("intrusion_detection", "info", "success"),
        ("SessionStart", _) => ("session", "start", "success"),
        ("SessionEnd", _) => ("session", "end", "success"),
        ("ConfigChange", _) => ("configuration", "change", "success"),
        (e @ ("PostToolUse" | "PostToolUseFailure"), _) => {
            let outcome = if e == "PostToolUseFailure" {
                "failure"
            } else {
                "success"
            };
            let (category, kind) = match (ecs_domain(tool), tool) {
                ("file", "Write" | "Edit" | "MultiEdit" | "NotebookEdit") => ("file", "change"),
                ("file", _) => ("file", "access"),
                ("web", _) => ("web", "access"),
                ("api", _) => ("api", "access"),
                _ => ("process", "end"),
            };
            (category, kind, outcome)
        }
        // The log's own records (rotation, gap, stall) and anything unparseable.
        _ => ("host", "info", "unknown"),
    }
}

/// One Elastic Common Schema document; `line` is the record as written.
pub fn ecs_document(r: &Value, line: &str) -> Value {
    let decision = s(r, "decision").unwrap_or("");
    let tool = s(r, "tool").unwrap_or("");
    let event_name = s(r, "event").unwrap_or("");
    let (category, kind_type, outcome) = ecs_classes(r);
    let mut doc = json!({
        "@timestamp": s(r, "ts"),
        "ecs": { "version": ECS_VERSION },
        "message": s(r, "reason").map(str::to_string).unwrap_or_else(|| {
            format!("{decision} {event_name} {tool} {}", s(r, "subject").unwrap_or("")).trim().to_string()
        }),
        "event": {
            "kind": "event",
            "category": [category],
            "type": [kind_type],
            "action": if tool.is_empty() { event_name } else { tool },
            "outcome": outcome,
            "reason": s(r, "reason"),
            "provider": "hookguard",
            "dataset": "hookguard.audit",
            "module": "hookguard",
            "sequence": r.get("seq"),
            "hash": s(r, "hash"),
            "original": line,
        },
        "rule": { "id": s(r, "rule"), "category": s(r, "control"), "ruleset": s(r, "profile") },
        "user": { "name": s(r, "user") },
        "host": { "hostname": s(r, "host"), "name": s(r, "host") },
        "labels": {
            "session_id": s(r, "session_id"),
            "tool_use_id": s(r, "tool_use_id"),
            "agent_id": s(r, "agent_id"),
            "classification": s(r, "classification"),
        },
        "hookguard": r,
    });
    if let Some(subject) = s(r, "subject").filter(|_| event_name != super::record::CHAIN_EVENT) {
        let (k, v) = match ecs_domain(tool) {
            "file" => ("file", json!({ "path": subject })),
            "web" => ("url", json!({ "domain": subject })),
            "api" => ("service", json!({ "name": subject })),
            _ => ("process", json!({ "command_line": subject })),
        };
        doc[k] = v;
    }
    strip_nulls(&mut doc);
    doc
}

/// Removes null members, so absent fields are absent rather than `null` in the SIEM.
fn strip_nulls(v: &mut Value) {
    if let Value::Object(m) = v {
        m.retain(|k, x| !x.is_null() || k == "hookguard");
        for (k, x) in m.iter_mut() {
            if k != "hookguard" {
                strip_nulls(x);
            }
        }
        m.retain(|_, x| !matches!(x, Value::Object(o) if o.is_empty()));
    }
}

/// Writes `lines` (record lines of the log set) as `format`; returns the number of records.
pub fn export<W: Write>(
    format: Format,
    lines: impl Iterator<Item = String>,
    out: &mut W,
) -> std::io::Result<usize> {
    let mut n = 0;
    let mut batch: Vec<Value> = Vec::new();
    let mut batch_host = String::new();
    for line in lines {
        let Ok(r) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        n += 1;
        match format {
            Format::SplunkHec => writeln!(out, "{}", splunk_event(&r, &line))?,
            Format::Ecs => writeln!(out, "{}", ecs_document(&r, &line))?,
            Format::OtlpJson => {
                let host = s(&r, "host").unwrap_or("unknown").to_string();
                if !batch.is_empty() && (host != batch_host || batch.len() >= OTLP_BATCH) {
                    writeln!(
                        out,
                        "{}",
                        otlp_request(&batch_host, std::mem::take(&mut batch))
                    )?;
                }
                batch_host = host;
                batch.push(otlp_record(&r, &line));
            }
        }
    }
    if !batch.is_empty() {
        writeln!(out, "{}", otlp_request(&batch_host, batch))?;
    }
    Ok(n)
}

/// The original record lines one line of an export holds, each checked against the document
/// `audit export` makes of it: every field it makes must be there with the same value (a
/// field a pipeline added, such as an ingest time, is allowed). An edited mapping, or an
/// original line that is not a record, is an error.
pub fn originals(format: Format, export_line: &str) -> Result<Vec<String>, String> {
    let doc: Value =
        serde_json::from_str(export_line).map_err(|e| format!("not valid JSON: {e}"))?;
    let record = |line: &str| -> Result<Value, String> {
        serde_json::from_str(line).map_err(|e| format!("the original record is not JSON: {e}"))
    };
    let edited = |what: &str| format!("the {what} does not match its original record (edited)");
    match format {
        Format::Ecs => {
            let line = doc
                .pointer("/event/original")
                .and_then(Value::as_str)
                .ok_or("the document has no event.original")?;
            if !contains(&doc, &ecs_document(&record(line)?, line)) {
                return Err(edited("ECS document"));
            }
            Ok(vec![line.to_string()])
        }
        Format::SplunkHec => {
            let line = doc
                .get("event")
                .and_then(Value::as_str)
                .ok_or("the HEC event has no `event` line")?;
            if !contains(&doc, &splunk_event(&record(line)?, line)) {
                return Err(edited("HEC event"));
            }
            Ok(vec![line.to_string()])
        }
        Format::OtlpJson => {
            let mut lines = Vec::new();
            for rl in doc
                .get("resourceLogs")
                .and_then(Value::as_array)
                .ok_or("the request has no resourceLogs")?
            {
                let records = rl
                    .pointer("/scopeLogs/0/logRecords")
                    .and_then(Value::as_array)
                    .ok_or("the request has no logRecords")?;
                for lr in records {
                    let line = lr
                        .pointer("/body/stringValue")
                        .and_then(Value::as_str)
                        .ok_or("a log record has no body")?;
                    let r = record(line)?;
                    let host = s(&r, "host").unwrap_or("unknown");
                    let want = otlp_request(host, Vec::new());
                    if !contains(lr, &otlp_record(&r, line))
                        || !contains(&rl["resource"], &want["resourceLogs"][0]["resource"])
                    {
                        return Err(edited("OTLP log record"));
                    }
                    lines.push(line.to_string());
                }
            }
            Ok(lines)
        }
    }
}

/// Whether `actual` holds everything `expected` does: the same scalars, the same array
/// elements in order, and every member of an object (others may be added).
fn contains(actual: &Value, expected: &Value) -> bool {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|x| contains(x, v))),
        (Value::Array(a), Value::Array(e)) => {
            a.len() == e.len() && a.iter().zip(e).all(|(x, v)| contains(x, v))
        }
        (Value::Number(a), Value::Number(e)) => a.as_f64() == e.as_f64(),
        _ => actual == expected,
    }
}
