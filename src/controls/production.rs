//! Production identifiers (CONTROLS.md "Words"): names that mark a production system.
//!
//! Built in: the token `prod`, `production`, `prd` or `live`, delimited by the start or end of
//! the name or a non-alphanumeric character (`prod`, `eu-prod-1`, `app.prod.example.gov.uk`,
//! `live-db`; not `product`, `delivery`, `olive`). Policies add their own as wildcards.

use crate::policy::Policy;

const TOKENS: &[&str] = &["prod", "production", "prd", "live"];

/// The built-in token rule.
pub fn builtin_identifier(name: &str) -> bool {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|t| TOKENS.iter().any(|k| t.eq_ignore_ascii_case(k)))
}

/// The built-in rule or a policy pattern, with the pattern that matched.
pub fn identifier(name: &str, policy: &Policy) -> Option<String> {
    if builtin_identifier(name) {
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
    fn tokens() {
        for yes in [
            "prod",
            "eu-prod-1",
            "app.prod.example.gov.uk",
            "live-db",
            "PRD",
            "db_live",
        ] {
            assert!(builtin_identifier(yes), "{yes}");
        }
        for no in [
            "product",
            "delivery",
            "olive",
            "production2",
            "staging",
            "liver",
        ] {
            assert!(!builtin_identifier(no), "{no}");
        }
    }

    #[test]
    fn urls_in_text() {
        assert_eq!(urls("see https://a.b/c and http://d.e)").len(), 2);
    }
}
