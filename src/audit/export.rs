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
//! Every format keeps the original record whole (the OTLP body, the HEC `event`, the ECS
//! `hookguard` object), `hash` and `prev_hash` included, so the chain stays checkable after
//! shipping. The field mappings are tabled in `docs/audit.md`.

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
    str_attr("event.name", "event");
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

/// One Splunk HEC event.
pub fn splunk_event(r: &Value) -> Value {
    let mut fields = Map::new();
    for k in ["decision", "rule", "control", "profile"] {
        if let Some(v) = s(r, k) {
            fields.insert(k.into(), v.into());
        }
    }
    json!({
        "time": millis(r) as f64 / 1000.0,
        "host": s(r, "host").unwrap_or("unknown"),
        "source": "hookguard",
        "sourcetype": "hookguard:audit",
        "fields": fields,
        "event": r,
    })
}

/// The ECS `event.category` for a tool.
fn ecs_category(tool: &str, event: &str) -> &'static str {
    match tool {
        "Read" | "Write" | "Edit" | "MultiEdit" | "NotebookEdit" | "Grep" | "Glob" | "LSP" => {
            "file"
        }
        "WebFetch" | "WebSearch" => "web",
        _ if event == "ConfigChange" => "configuration",
        _ if event == "SessionStart" => "session",
        _ => "process",
    }
}

/// One Elastic Common Schema document.
pub fn ecs_document(r: &Value) -> Value {
    let decision = s(r, "decision").unwrap_or("");
    let tool = s(r, "tool").unwrap_or("");
    let event_name = s(r, "event").unwrap_or("");
    let kind_type = match decision {
        "deny" | "block" => "denied",
        "allow" => "allowed",
        _ => "info",
    };
    let mut doc = json!({
        "@timestamp": s(r, "ts"),
        "ecs": { "version": "8.11.0" },
        "message": s(r, "reason").map(str::to_string).unwrap_or_else(|| {
            format!("{decision} {event_name} {tool} {}", s(r, "subject").unwrap_or("")).trim().to_string()
        }),
        "event": {
            "kind": "event",
            "category": [ecs_category(tool, event_name)],
            "type": [kind_type],
            "action": if tool.is_empty() { event_name } else { tool },
            "outcome": match decision { "deny" | "block" => "failure", "allow" | "defer" | "pass" => "success", _ => "unknown" },
            "reason": s(r, "reason"),
            "provider": "hookguard",
            "dataset": "hookguard.audit",
            "module": "hookguard",
            "sequence": r.get("seq"),
            "hash": s(r, "hash"),
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
    if let Some(subject) = s(r, "subject") {
        let (k, v) = match ecs_category(tool, event_name) {
            "file" => ("file", json!({ "path": subject })),
            "web" => ("url", json!({ "domain": subject })),
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
            Format::SplunkHec => writeln!(out, "{}", splunk_event(&r))?,
            Format::Ecs => writeln!(out, "{}", ecs_document(&r))?,
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
