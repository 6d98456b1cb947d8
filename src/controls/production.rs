//! Production identifiers (CONTROLS.md "Words"): names that mark a production system.
//!
//! Built in: the token `prod`, `production`, `prd` or `live`, delimited by the start or end of
//! the name or a non-alphanumeric character (`prod`, `eu-prod-1`, `app.prod.example.gov.uk`,
//! `live-db`; not `product`, `delivery`, `olive`): [`crate::shell::builtin_production_identifier`],
//! which the shell analyser also uses. Policies add their own as wildcards.

use crate::policy::Policy;

/// The built-in rule or a policy pattern, with the pattern that matched.
pub fn identifier(name: &str, policy: &Policy) -> Option<String> {
    if crate::shell::builtin_production_identifier(name) {
        return Some("the token prod, production, prd or live".into());
    }
    policy
        .production_identifiers
        .iter()
        .find(|p| crate::policy::pattern::wildcard(&p.glob, name))
        .map(|p| format!("the production identifier pattern `{}`", p.written))
}

/// Every `scheme://…` URL in a text.
pub fn urls(text: &str) -> Vec<&str> {
    static URL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"[A-Za-z][A-Za-z0-9+.-]{1,15}://[^\s"'<>`)\]}]+"#).expect("valid regex")
    });
    URL.find_iter(text).map(|m| m.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_in_text() {
        assert_eq!(urls("see https://a.b/c and http://d.e)").len(), 2);
    }
}
