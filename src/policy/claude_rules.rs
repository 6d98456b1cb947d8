//! Claude Code's permission-rule syntax in hookguard policies: `deny = ["Bash(terraform apply:*)",
//! "Read(./secrets/**)", "Edit(//etc/**)", "WebFetch(domain:*.internal)", "mcp__github__*"]`.
//!
//! Administrators can paste what they already wrote for Claude Code, and get hookguard's
//! stronger semantics: a Bash rule matches each subcommand of the command as it would run (after
//! wrappers are unwrapped), not the raw string; a `Read` deny also refuses writes to the path, as
//! in Claude Code.

use super::pattern::{PathPatterns, Pattern, check_glob};
use super::{Rule, Source};
use crate::decision::Verdict;
use std::path::Path;

/// What a Claude Code rule compiles to, before it becomes a [`Rule`].
#[derive(Debug)]
pub struct Parsed {
    pub tools: Vec<String>,
    pub path: Option<String>,
    pub command: Option<String>,
    pub domain: Option<String>,
}

/// Tools that read files, for `Read(...)` rules.
pub const READ_TOOLS: &[&str] = &["Read", "Grep", "Glob", "LSP"];
/// Tools that write files, for `Edit(...)` rules (Claude Code applies Edit rules to all of them).
pub const EDIT_TOOLS: &[&str] = &["Edit", "Write", "MultiEdit", "NotebookEdit"];
/// Tools that run shell commands, for `Bash(...)` rules.
pub const SHELL_TOOLS: &[&str] = &["Bash", "PowerShell", "Monitor"];

/// Parses one rule. `verdict` matters because a `Read` deny also covers the editing tools.
pub fn parse(
    text: &str,
    verdict: Verdict,
    home: Option<&Path>,
    project: Option<&Path>,
) -> Result<Parsed, String> {
    let text = text.trim();
    let (tool, spec) = match text.find('(') {
        Some(i) if text.ends_with(')') => (&text[..i], Some(&text[i + 1..text.len() - 1])),
        Some(_) => {
            return Err(format!(
                "`{text}`: unbalanced parentheses; write `Tool` or `Tool(specifier)`"
            ));
        }
        None => (text, None),
    };
    if tool.is_empty()
        || !tool
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'*' || b == b'-')
    {
        return Err(format!("`{text}`: `{tool}` is not a tool name"));
    }
    if tool.starts_with("mcp__") {
        if spec.is_some() {
            return Err(format!(
                "`{text}`: MCP rules take no specifier; write `mcp__server`, `mcp__server__*` or `mcp__server__tool`"
            ));
        }
        // `mcp__server` alone means every tool of the server, as in Claude Code.
        let name = if tool.matches("__").count() == 1 {
            format!("{tool}__*")
        } else {
            tool.to_string()
        };
        return Ok(Parsed {
            tools: vec![name],
            path: None,
            command: None,
            domain: None,
        });
    }
    let Some(spec) = spec.filter(|s| !s.is_empty() && *s != "*") else {
        return Ok(Parsed {
            tools: tool_family(tool, verdict),
            path: None,
            command: None,
            domain: None,
        });
    };
    match tool {
        "Bash" | "PowerShell" | "Monitor" => Ok(Parsed {
            tools: SHELL_TOOLS.iter().map(|s| s.to_string()).collect(),
            path: None,
            command: Some(command_regex(spec)),
            domain: None,
        }),
        "Read" | "Edit" | "Write" | "MultiEdit" | "NotebookEdit" | "Grep" | "Glob" | "LSP" => {
            if matches!(tool, "Write" | "MultiEdit" | "NotebookEdit") {
                return Err(format!(
                    "`{text}`: Claude Code ignores path rules for `{tool}`; write `Edit({spec})`, which covers every editing tool"
                ));
            }
            let glob = path_glob(spec, home, project);
            check_glob(&glob).map_err(|e| format!("`{text}`: glob `{spec}`: {e}"))?;
            Ok(Parsed {
                tools: tool_family(tool, verdict),
                path: Some(glob),
                command: None,
                domain: None,
            })
        }
        "WebFetch" => match spec.strip_prefix("domain:") {
            Some(d) if !d.is_empty() => Ok(Parsed {
                tools: vec!["WebFetch".into()],
                path: None,
                command: None,
                domain: Some(d.to_ascii_lowercase()),
            }),
            _ => Err(format!(
                "`{text}`: WebFetch rules take `domain:example.gov.uk` or `domain:*.example.gov.uk`"
            )),
        },
        _ => Err(format!(
            "`{text}`: hookguard supports specifiers for Bash, PowerShell, Monitor, Read, Edit, Grep, Glob, LSP and WebFetch; write `{tool}` alone to match every call of it"
        )),
    }
}

fn tool_family(tool: &str, verdict: Verdict) -> Vec<String> {
    let family: &[&str] = match tool {
        "Bash" => SHELL_TOOLS,
        "Read" | "Grep" | "Glob" | "LSP" if tool == "Read" && verdict == Verdict::Deny => {
            // A Read deny also blocks Edit and Write on the same path (Claude Code's rule).
            return READ_TOOLS
                .iter()
                .chain(EDIT_TOOLS)
                .map(|s| s.to_string())
                .collect();
        }
        "Read" => READ_TOOLS,
        "Edit" => EDIT_TOOLS,
        "Agent" | "Task" => &["Agent", "Task"],
        other => return vec![other.to_string()],
    };
    family.iter().map(|s| s.to_string()).collect()
}

/// A Claude Code path specifier as an absolute glob: `//abs`, `~/home`, `/project-relative`,
/// `./cwd-relative` or bare (relative to the project; without a `/`, at any depth, as gitignore).
pub fn path_glob(spec: &str, home: Option<&Path>, project: Option<&Path>) -> String {
    let project = project.map(|p| p.to_string_lossy().trim_end_matches('/').to_string());
    let under_project = |rest: &str| match &project {
        Some(p) => format!("{p}/{rest}"),
        None => format!("**/{rest}"),
    };
    if let Some(abs) = spec.strip_prefix("//") {
        format!("/{abs}")
    } else if spec.starts_with("~/") {
        super::pattern::anchor(spec, home)
    } else if let Some(rest) = spec.strip_prefix('/') {
        under_project(rest)
    } else if let Some(rest) = spec.strip_prefix("./") {
        under_project(rest)
    } else if spec.contains('/') {
        under_project(spec)
    } else {
        under_project(&format!("**/{spec}"))
    }
}

/// A Bash specifier as a regex over one normalised command (one line): `cmd:*` (legacy) and
/// `cmd *` match `cmd` alone or followed by arguments; a `*` elsewhere matches anything; the
/// rest is literal.
pub fn command_regex(spec: &str) -> String {
    let spec = spec.trim();
    let (body, open_tail) = if let Some(b) = spec.strip_suffix(":*") {
        (b, true)
    } else if let Some(b) = spec.strip_suffix(" *") {
        (b, true)
    } else {
        (spec, false)
    };
    let mut re = String::from("(?m)^");
    for (i, part) in body.split('*').enumerate() {
        if i > 0 {
            re.push_str(".*");
        }
        re.push_str(&regex::escape(part));
    }
    if open_tail {
        re.push_str(r"(?:\s.*)?");
    }
    re.push('$');
    re
}

/// Builds the rule for one entry of a `deny`/`ask`/`allow` list.
pub fn rule(text: &str, verdict: Verdict, parsed: Parsed, source: Source) -> Result<Rule, String> {
    let path = parsed.path.map(|g| {
        let mut set = PathPatterns::new(false);
        set.push(Pattern {
            written: text.to_string(),
            glob: g,
            source: source.clone(),
        });
        set
    });
    let command = parsed
        .command
        .map(|c| super::RuleRegex::new(&c))
        .transpose()
        .map_err(|e| format!("`{text}`: {e}"))?;
    let word = match verdict {
        Verdict::Deny => "refused",
        Verdict::Ask => "held for approval",
        _ => "allowed",
    };
    Ok(Rule {
        id: text.to_string(),
        tools: parsed.tools,
        path,
        content: None,
        command,
        domain: parsed.domain,
        decision: verdict,
        reason: format!(
            "{word} by the permission rule `{text}` in {} (a policy rule in Claude Code syntax)",
            source.file
        ),
        control: "policy".into(),
        profiles: Vec::new(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bash_specifiers() {
        let re = |s: &str| regex::Regex::new(&command_regex(s)).unwrap();
        assert!(re("terraform apply:*").is_match("terraform apply -auto-approve"));
        assert!(re("terraform apply:*").is_match("terraform apply"));
        assert!(!re("terraform apply:*").is_match("terraform applyx"));
        assert!(re("npm run *").is_match("npm run build"));
        assert!(!re("npm run *").is_match("npm runner"));
        assert!(re("git * --force").is_match("git push origin --force"));
        assert!(re("npm test").is_match("npm test"));
        assert!(!re("npm test").is_match("npm test --watch"));
        assert!(
            re("rm:*").is_match("ls\nrm -rf x"),
            "each subcommand is a line"
        );
    }

    #[test]
    fn path_specifiers() {
        let home = Some(Path::new("/h"));
        let proj = Some(Path::new("/p"));
        assert_eq!(path_glob("//etc/**", home, proj), "/etc/**");
        assert_eq!(path_glob("~/.ssh/**", home, proj), "/h/.ssh/**");
        assert_eq!(path_glob("/secrets/**", home, proj), "/p/secrets/**");
        assert_eq!(path_glob("./secrets/**", home, proj), "/p/secrets/**");
        assert_eq!(path_glob("*.env", home, proj), "/p/**/*.env");
    }

    #[test]
    fn families_and_errors() {
        let p = parse("Read(./x/**)", Verdict::Deny, None, Some(Path::new("/p"))).unwrap();
        assert!(
            p.tools.contains(&"Edit".to_string()),
            "a Read deny covers edits"
        );
        let p = parse("Read(./x/**)", Verdict::Ask, None, Some(Path::new("/p"))).unwrap();
        assert!(!p.tools.contains(&"Edit".to_string()));
        assert_eq!(
            parse("mcp__github", Verdict::Deny, None, None)
                .unwrap()
                .tools,
            ["mcp__github__*"]
        );
        assert!(
            parse("Write(./x)", Verdict::Deny, None, None)
                .unwrap_err()
                .contains("Edit(./x)")
        );
        assert!(parse("Bash(ls", Verdict::Deny, None, None).is_err());
        assert!(parse("WebFetch(example.com)", Verdict::Deny, None, None).is_err());
        assert_eq!(
            parse("WebFetch(domain:*.Internal)", Verdict::Deny, None, None)
                .unwrap()
                .domain
                .as_deref(),
            Some("*.internal")
        );
    }
}
