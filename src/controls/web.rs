//! C16 web access (WebFetch, WebSearch to domains not on the allow list) and C6 for URLs that
//! name a production system.

use super::production;
use crate::decision::Finding;
use crate::event::Event;
use crate::policy::Policy;
use crate::policy::pattern::domain_matches;

fn allowed(host: &str, policy: &Policy) -> bool {
    policy
        .web_allow
        .iter()
        .any(|p| domain_matches(&p.glob, host))
}

fn not_allowed(tool: &str, target: &str) -> Finding {
    Finding::new(
        "web.domain-not-allowed",
        "PR-06",
        target,
        format!(
            "{tool} to {target} was refused: it is not on this project's web allow list (C16, PR-06). Use the project's own documentation, or ask the person to add the domain to the managed policy's [web] allow-domains."
        ),
    )
}

pub fn fetch(ev: &Event, policy: &Policy, out: &mut Vec<Finding>) {
    let url = ev.input_str("url").unwrap_or("");
    let Some(host) = crate::url::host(url) else {
        // No usable host: nothing can be on the allow list.
        out.push(not_allowed("WebFetch", "an unparseable URL"));
        return;
    };
    if let Some(why) = production::identifier(&host, policy) {
        out.push(Finding::new(
            "production.system",
            "P-01",
            host.clone(),
            format!(
                "WebFetch of {host} was refused: the host is a production system ({why}), and agents must not access production systems (C6, P-01, PR-06). Use a non-production environment."
            ),
        ));
    }
    if !allowed(&host, policy) {
        out.push(not_allowed("WebFetch", &host));
    }
}

pub fn search(ev: &Event, policy: &Policy, out: &mut Vec<Finding>) {
    // A search reaches the search provider and whatever it returns. It is within the allow
    // list only when the call restricts itself to allowed domains.
    let domains: Vec<&str> = ev
        .tool_input
        .as_ref()
        .and_then(|i| i.get("allowed_domains"))
        .and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    if domains.is_empty() || !domains.iter().all(|d| allowed(d, policy)) {
        let target = if domains.is_empty() {
            "the open web".to_string()
        } else {
            domains.join(", ")
        };
        out.push(not_allowed("WebSearch", &target));
    }
}
