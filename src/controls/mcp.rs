//! C16 MCP servers: a tool from a server that is not on the approved list (SEGAS-00020 "only
//! approved tools"), and C6 for production URLs in an MCP tool's input.

use super::production;
use crate::decision::Finding;
use crate::event::Event;
use crate::policy::Policy;
use serde_json::Value;

/// The server an MCP tool belongs to: the event's `mcp_server.name`, else the name between
/// `mcp__` and the next `__`, else (for the resource tools) the input's `server`.
pub fn server_of(ev: &Event) -> Option<String> {
    if let Some(n) = ev.mcp_server.as_ref().and_then(|s| s.name.clone()) {
        return Some(n);
    }
    if let Some(rest) = ev.tool().strip_prefix("mcp__") {
        return Some(rest.split("__").next().unwrap_or(rest).to_string());
    }
    ev.input_str("server").map(str::to_string)
}

pub fn check(ev: &Event, policy: &Policy, out: &mut Vec<Finding>) {
    let tool = ev.tool();
    let server = server_of(ev);
    let approved = server.as_deref().is_some_and(|s| {
        policy
            .mcp_approved
            .iter()
            .any(|p| crate::policy::pattern::wildcard(&p.glob, s))
    });
    if !approved {
        let name = server.unwrap_or_else(|| "an unnamed server".into());
        out.push(Finding::new(
            "mcp.server-not-approved",
            "SEGAS-00020",
            name.clone(),
            format!(
                "{tool} was refused: the MCP server `{name}` is not on the approved list, and only approved tools may be used (C16, SEGAS-00020). Use the built-in tools, or ask the person to approve the server in the managed policy's [mcp] approved-servers."
            ),
        ));
    }
    let mut strings = Vec::new();
    if let Some(input) = &ev.tool_input {
        collect_strings(input, &mut strings, 0);
    }
    for s in strings {
        for url in production::urls(s) {
            if let Some(host) = crate::url::host(url)
                && let Some(why) = production::identifier(&host, policy)
            {
                out.push(Finding::new(
                    "production.system",
                    "P-01",
                    host.clone(),
                    format!(
                        "{tool} was refused: its input names the production system {host} ({why}), and agents must not access production systems (C6, P-01, PR-06). Use a non-production environment."
                    ),
                ));
                return;
            }
        }
    }
}

/// Every string in a JSON value, depth-bounded.
pub fn collect_strings<'v>(v: &'v Value, out: &mut Vec<&'v str>, depth: usize) {
    if depth > 256 {
        return;
    }
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| collect_strings(x, out, depth + 1)),
        Value::Object(o) => o.values().for_each(|x| collect_strings(x, out, depth + 1)),
        _ => {}
    }
}
