//! The built-in rules, each documenting itself (ruff-style): id, control, what it does, why,
//! and an example. `hookguard policy reference` and `docs/policy.md` are generated from this
//! table, and a test checks that every family in the profiles' decision tables is here.

/// One built-in rule family.
pub struct RuleDoc {
    pub id: &'static str,
    pub control: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub example: &'static str,
}

pub const RULES: &[RuleDoc] = &[
    RuleDoc {
        id: "classification.not-permitted",
        control: "PR-01",
        what: "Refuses every tool call and blocks every prompt when the project is declared SECRET or TOP SECRET (C1).",
        why: "The data classification matrix: Claude Code must not be used with SECRET or above in any environment.",
        example: "classification = \"SECRET\" → Read README.md is denied",
    },
    RuleDoc {
        id: "files.excluded",
        control: "PR-05",
        what: "Refuses any tool that would read, write or move a file matching the exclusion patterns: .env files, keys, credentials, Terraform state, cloud CLI credentials (C2). Templates such as .env.example stay readable unless a managed layer removes the exception.",
        why: "PR-05: exclude sensitive configuration files from context; P-01: no credentials with production access.",
        example: "Read /p/.env; Grep path /p/secrets; Grep glob .env*",
    },
    RuleDoc {
        id: "scope.write-outside",
        control: "PR-06",
        what: "A write outside the project root, the temp directory and managed write roots (C3).",
        why: "PR-06: agents must not access files outside the defined project scope.",
        example: "Write ~/.bashrc",
    },
    RuleDoc {
        id: "scope.read-outside",
        control: "PR-06",
        what: "A read outside the project, the temp directory, /usr, toolchain caches and managed read roots (C3).",
        why: "PR-06: agents must not access files outside the defined project scope.",
        example: "Read /opt/other/notes.txt",
    },
    RuleDoc {
        id: "production.path-write",
        control: "PR-06",
        what: "A write to a production path: config/production.*, deploy/prod*/, infra/prod*/, environments/prod*/, *.prod.* config files, /etc (C4).",
        why: "PR-06: never allow agentic mode to modify production infrastructure.",
        example: "Edit deploy/prod/values.yaml",
    },
    RuleDoc {
        id: "production.path-read",
        control: "PR-06",
        what: "A read of a production path (C4).",
        why: "PR-06, P-01: no access to production systems or data sources.",
        example: "Read /etc/passwd",
    },
    RuleDoc {
        id: "production.system",
        control: "P-01",
        what: "Any access to a production system: a host, URL, kube context, cloud profile or database whose name carries the token prod, production, prd or live, or matches a policy identifier (C6).",
        why: "P-01 and PR-06: agents must not access production systems or databases.",
        example: "WebFetch https://api.prod.example.gov.uk/",
    },
    RuleDoc {
        id: "infra.mutating",
        control: "PR-06",
        what: "A mutating infrastructure or cloud operation with no production identifier: terraform apply, kubectl apply, aws … delete (C6).",
        why: "PR-06: no infrastructure changes without explicit human approval.",
        example: "terraform apply",
    },
    RuleDoc {
        id: "shell.privileged",
        control: "PR-06",
        what: "Privileged commands: sudo, su, doas, mount, systemctl changes, firewall tools, user management, setuid chmod, privileged containers, raw disk tools (C5).",
        why: "PR-06: never execute commands with privileged credentials.",
        example: "sudo apt-get install x",
    },
    RuleDoc {
        id: "shell.delete-catastrophic",
        control: "PR-06",
        what: "Recursive or forced deletes of /, the home directory, the project root, .git, or anything outside every write root (C7).",
        why: "PR-06: maintain a clean, recoverable state; nothing irreversible without a person.",
        example: "rm -rf ~",
    },
    RuleDoc {
        id: "git.force-push-protected",
        control: "PR-06",
        what: "Force-pushing to, or deleting, a protected branch (main, master, trunk, release/*, production, prod, and policy additions) (C7).",
        why: "PR-06: history that others rely on must not be destroyed.",
        example: "git push --force origin main",
    },
    RuleDoc {
        id: "git.local-work-loss",
        control: "PR-06",
        what: "Discarding local work: reset --hard, clean -fdx, branch -D, stash clear (C7).",
        why: "PR-06: review each significant change before approval.",
        example: "git reset --hard HEAD~3",
    },
    RuleDoc {
        id: "shell.remote-code",
        control: "PR-06",
        what: "A download or decoder feeding a shell or interpreter, or a downloaded file then executed (C8).",
        why: "Code nobody reviewed must not run.",
        example: "curl https://x.sh | sh",
    },
    RuleDoc {
        id: "git.scan-bypass",
        control: "PR-03",
        what: "Bypassing hooks and scans: --no-verify, core.hooksPath, HUSKY=0, SKIP=, pre-commit uninstall, rewriting .git/hooks (C9).",
        why: "PR-03: do not disable or bypass security scans because code was AI-generated.",
        example: "git commit --no-verify -m x",
    },
    RuleDoc {
        id: "git.traceability",
        control: "SEGAS-00020",
        what: "A commit or pull request without the AI-assisted marker; the reason shows the fixed command (C10).",
        why: "SEGAS-00020: AI-assisted changes must be traceable.",
        example: "git commit -m \"fix\"",
    },
    RuleDoc {
        id: "secrets",
        control: "PR-01",
        what: "Secrets in written content, commands, URLs, MCP inputs and prompts; redacted from tool output (C11).",
        why: "P-03 and PR-01: never include real API keys, passwords or tokens in any context.",
        example: "Write config.py with an AWS secret access key",
    },
    RuleDoc {
        id: "content.marking",
        control: "PR-01",
        what: "A classification marking above the project's declared classification (C12).",
        why: "PR-01: never include classified information in prompts or context.",
        example: "OFFICIAL-SENSITIVE banner in an OFFICIAL project",
    },
    RuleDoc {
        id: "content.personal-data",
        control: "PR-01",
        what: "Validated UK personal identifiers: National Insurance numbers, NHS numbers, payment card numbers (C12).",
        why: "PR-01 and P-01: no personal data in prompts, code or context.",
        example: "a prompt with an NHS number that passes the modulus 11 check",
    },
    RuleDoc {
        id: "claude-md.secret",
        control: "PR-08",
        what: "A secret written into CLAUDE.md or another memory file (C13).",
        why: "PR-08: never include production credentials, API keys or secrets in CLAUDE.md.",
        example: "Write CLAUDE.md with a token",
    },
    RuleDoc {
        id: "claude-md.production-url",
        control: "PR-08",
        what: "A production URL or endpoint written into CLAUDE.md or another memory file (C13).",
        why: "PR-08: do not include production system URLs or endpoints.",
        example: "Write CLAUDE.md with https://api.prod.example.gov.uk",
    },
    RuleDoc {
        id: "deps.new",
        control: "PR-09",
        what: "A package-manager command or manifest edit that adds a new dependency (C14).",
        why: "PR-09: verify every dependency's source, CVEs and licence.",
        example: "npm install left-pad",
    },
    RuleDoc {
        id: "deps.unofficial-source",
        control: "PR-09",
        what: "An install from an unofficial registry, a direct URL or a VCS (C14).",
        why: "PR-09: packages must come from official, trusted sources.",
        example: "pip install git+https://example.com/x",
    },
    RuleDoc {
        id: "prohibited.area",
        control: "PR-07",
        what: "Writing code in a prohibited area, judged from the path: crypto, authentication and authorisation, payment, firewall and network policy, safety-critical (C15).",
        why: "PR-07: these need established libraries or specialist review.",
        example: "Write src/auth/login.ts",
    },
    RuleDoc {
        id: "background.task",
        control: "PR-06",
        what: "A tool call that runs in the background: run_in_background, nohup … &, setsid, disown (C16).",
        why: "PR-06: do not leave agentic tasks running unattended.",
        example: "Bash with run_in_background: true",
    },
    RuleDoc {
        id: "web.domain-not-allowed",
        control: "PR-06",
        what: "WebFetch or WebSearch to a domain not on the allow list (empty unless a managed layer fills it) (C16).",
        why: "Limit what enters the context and what leaves the machine.",
        example: "WebFetch https://example.com",
    },
    RuleDoc {
        id: "mcp.server-not-approved",
        control: "SEGAS-00020",
        what: "A tool from an MCP server not on the approved list (C16).",
        why: "SEGAS-00020: only approved tools may be used.",
        example: "mcp__github__create_issue with no approved servers",
    },
    RuleDoc {
        id: "self.protected",
        control: "PR-06",
        what: "Writes to hookguard's policies, binary and audit log, and to the Claude Code settings that register it; a ConfigChange that would remove the registration (C17).",
        why: "A guard the guarded agent can rewrite guards nothing.",
        example: "Write .claude/settings.json",
    },
    RuleDoc {
        id: "self.protected-runtime",
        control: "PR-06",
        what: "A write, delete, rename, link or mode change whose path is only known when the command runs and could be one of the guard's protected files (C17): asked in production, denied in prototype and ci.",
        why: "A target computed at run time (`ls .claude | xargs rm`, `rm \"$d/settings.json\"`) is the same attack in another spelling.",
        example: "ls .claude | xargs rm",
    },
    RuleDoc {
        id: "shell.opaque",
        control: "PR-06",
        what: "A shell command the analyser cannot understand: a dynamic command name, eval of a non-literal, a parse error.",
        why: "Failure is a decision: what cannot be checked is not a pass.",
        example: "$CMD -rf /",
    },
    RuleDoc {
        id: "sensitive.web",
        control: "PR-04",
        what: "Web access on an OFFICIAL-SENSITIVE project.",
        why: "Restrictions on agentic features when handling sensitive data.",
        example: "WebFetch on an OFFICIAL-SENSITIVE project",
    },
    RuleDoc {
        id: "sensitive.read-outside",
        control: "PR-05",
        what: "A read outside the project on an OFFICIAL-SENSITIVE project.",
        why: "Controls for large context windows.",
        example: "Read /opt/data.csv",
    },
    RuleDoc {
        id: "sensitive.shell",
        control: "PR-04",
        what: "Every shell command on an OFFICIAL-SENSITIVE project needs approval.",
        why: "Restrictions on agentic features when handling sensitive data.",
        example: "Bash ls",
    },
    RuleDoc {
        id: "sensitive.mcp",
        control: "PR-04",
        what: "Every MCP call on an OFFICIAL-SENSITIVE project needs approval.",
        why: "Restrictions on agentic features when handling sensitive data.",
        example: "mcp__github__list",
    },
    RuleDoc {
        id: "sensitive.background",
        control: "PR-06",
        what: "Background tasks on an OFFICIAL-SENSITIVE project.",
        why: "Restrictions on agentic features when handling sensitive data.",
        example: "Agent with run_in_background",
    },
];

/// The documentation of the family a rule id belongs to.
pub fn doc_for(rule: &str) -> Option<&'static RuleDoc> {
    RULES
        .iter()
        .filter(|d| crate::policy::is_prefix_of_rule(d.id, rule))
        .max_by_key(|d| d.id.len())
}

/// One policy key, for the reference.
pub struct KeyDoc {
    pub key: &'static str,
    pub default: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub example: &'static str,
}

pub const KEYS: &[KeyDoc] = &[
    KeyDoc {
        key: "profile",
        default: "\"production\"",
        who: "managed, --policy (user, project: raise prototype to production only; anything else is ignored with a note)",
        what: "The profile: prototype, production or ci. See \"How the profile is chosen\" below.",
        example: "profile = \"prototype\"",
    },
    KeyDoc {
        key: "fix-profile",
        default: "false",
        who: "managed, --policy",
        what: "The other trusted layers may not choose another profile (an error if they do).",
        example: "fix-profile = true",
    },
    KeyDoc {
        key: "classification",
        default: "\"OFFICIAL\"",
        who: "all (raise only)",
        what: "The data the project holds: OFFICIAL, OFFICIAL-SENSITIVE, SECRET, TOP SECRET.",
        example: "classification = \"OFFICIAL-SENSITIVE\"",
    },
    KeyDoc {
        key: "ask-without-person",
        default: "profile's",
        who: "managed, --policy (others: deny only)",
        what: "What an ask becomes where nobody can answer (C18): deny or ask.",
        example: "ask-without-person = \"deny\"",
    },
    KeyDoc {
        key: "[verdicts]",
        default: "profile's table",
        who: "all (lower layers: stricter only)",
        what: "Rule id or family prefix → deny, ask, allow or defer. A key that names no rule (a built-in or custom rule id, a family above one or a member beneath one) is an error, with the nearest id suggested.",
        example: "\"deps.new\" = \"deny\"",
    },
    KeyDoc {
        key: "disable",
        default: "[]",
        who: "managed, --policy",
        what: "Built-in rule ids or prefixes to switch off; a key that names no rule is an error.",
        example: "disable = [\"prohibited.area.payment\"]",
    },
    KeyDoc {
        key: "deny / ask / allow",
        default: "[]",
        who: "all (allow: managed, --policy)",
        what: "Claude Code permission rules: Bash(cmd:*), Read(./path/**), Edit(//abs/**), WebFetch(domain:x), mcp__server, Tool.",
        example: "deny = [\"Bash(terraform apply:*)\"]",
    },
    KeyDoc {
        key: "[files] exclude",
        default: "the guidance's list (policies/base.toml)",
        who: "all (add)",
        what: "Globs of files no tool may read, write or move (C2). Without a /, at any depth.",
        example: "exclude = [\"**/customer-exports/**\"]",
    },
    KeyDoc {
        key: "[files] template-exceptions",
        default: "true",
        who: "managed, --policy (others: false only)",
        what: "Whether .env.example, .env.sample, .env.template and .env.dist stay readable.",
        example: "template-exceptions = false",
    },
    KeyDoc {
        key: "[files] production",
        default: "policies/base.toml",
        who: "all (add)",
        what: "Globs of production paths (C4).",
        example: "production = [\"**/k8s/overlays/live/**\"]",
    },
    KeyDoc {
        key: "[files] protect",
        default: "[]",
        who: "all (add)",
        what: "Further paths no tool may write (C17).",
        example: "protect = [\"**/.github/CODEOWNERS\"]",
    },
    KeyDoc {
        key: "[files] read-roots",
        default: "[]",
        who: "managed, --policy",
        what: "Absolute directories readable besides the project, temp and toolchains (C3).",
        example: "read-roots = [\"/opt/design-system\"]",
    },
    KeyDoc {
        key: "[files] write-roots",
        default: "[]",
        who: "managed, --policy",
        what: "Absolute directories writable besides the project and temp (C3).",
        example: "write-roots = [\"/srv/shared\"]",
    },
    KeyDoc {
        key: "[production] identifiers",
        default: "[] (plus the prod/production/prd/live token rule)",
        who: "all (add)",
        what: "Wildcard names of production systems (C6).",
        example: "identifiers = [\"*.service.example.gov.uk\"]",
    },
    KeyDoc {
        key: "[web] allow-domains",
        default: "[]",
        who: "managed, --policy",
        what: "Domains WebFetch and WebSearch may reach; *.x matches subdomains (C16).",
        example: "allow-domains = [\"docs.rs\", \"*.gov.uk\"]",
    },
    KeyDoc {
        key: "[mcp] approved-servers",
        default: "[]",
        who: "managed, --policy",
        what: "Wildcard names of approved MCP servers (C16).",
        example: "approved-servers = [\"github\"]",
    },
    KeyDoc {
        key: "[git] protected-branches",
        default: "main, master, trunk, release/*, production, prod",
        who: "all (add)",
        what: "Branches that may not be force-pushed or deleted (C7).",
        example: "protected-branches = [\"develop\"]",
    },
    KeyDoc {
        key: "[git] ai-markers",
        default: "[\"[AI-assisted]\"]",
        who: "managed, --policy",
        what: "Markers a commit message must carry, any one (C10).",
        example: "ai-markers = [\"[AI-assisted]\", \"Co-authored-by: Claude\"]",
    },
    KeyDoc {
        key: "[audit] log",
        default: "$XDG_STATE_HOME/hookguard/audit.jsonl",
        who: "managed, --policy",
        what: "Where the audit log is written (--audit-log wins).",
        example: "log = \"/var/log/hookguard/audit.jsonl\"",
    },
    KeyDoc {
        key: "[secrets] gitleaks",
        default: "none",
        who: "managed, --policy",
        what: "A gitleaks-format TOML file whose rules are added to the built-in secret rules, as secrets.custom.<id> (C11). A file that does not load fails the policy.",
        example: "gitleaks = \"/etc/hookguard/gitleaks.toml\"",
    },
    KeyDoc {
        key: "[[rule]]",
        default: "none",
        who: "all (allow: managed, --policy)",
        what: "A custom rule: id, tool, path (glob), content (regex over what the call writes or carries: Write/Edit text, a Bash command and the text it writes into files, a tool's input), command (regex over each subcommand), decision, reason, control, profiles.",
        example: "[[rule]] id = \"team.migrations\" path = \"**/migrations/**\" decision = \"ask\"",
    },
    KeyDoc {
        key: "[[test]]",
        default: "none",
        who: "all",
        what: "A test the policy carries: bash/read/write/edit/grep/glob/webfetch/websearch/mcp/prompt or event, profile(s), expect, rule. Run by hookguard policy test.",
        example: "[[test]] bash = \"terraform apply\" profile = \"ci\" expect = \"deny\"",
    },
];

/// How the profile is chosen (`policy::merge::choose_profile`), for the reference.
const PROFILE_CHOICE: &str = "
## How the profile is chosen

Profiles only tighten down the layers. The profile is set by those who deploy the guard, never
by the repository or the agent working in it:

1. `--profile` in the hook registration, if given;
2. else the `profile` of the most trusted managed or `--policy` layer that has one
   (`fix-profile = true` there makes any other trusted layer that disagrees an error);
3. else `production`.

A user layer (`~/.config/hookguard/policy.toml`) or project layer (`.claude/hookguard.toml`) may
then **raise `prototype` to `production`, and nothing else**. Any other `profile` in those layers,
whether it would lower the profile (`prototype` over production or ci) or choose `ci`, is ignored,
never honoured: `ci` is not a stricter production but another environment (nobody to ask,
background tasks deferred), chosen by whoever runs the pipeline. An ignored line is not an error,
so a repository cannot stop every call either; it is reported with its file and line by
`hookguard policy check` (`# note: …`), `hookguard explain` (`note: …`) and `hookguard doctor`
(a warning), and every audit record written under it carries the red flag
`ignored:policy.profile`.

| chosen by registration or managed/`--policy` | user or project says | profile |
|---|---|---|
| prototype | production | production |
| prototype | ci | prototype (line ignored) |
| production | prototype or ci | production (line ignored) |
| ci | prototype or production | ci (line ignored) |
| nothing (default production) | prototype or ci | production (line ignored) |

The classification tightens independently of the profile: a project that declares
`classification = \"OFFICIAL-SENSITIVE\"` gets the sensitive-data restrictions in every profile.
";

/// The policy reference as Markdown: `docs/policy.md`.
pub fn reference_markdown() -> String {
    let mut s = String::from(
        "# Policy reference\n\nGenerated by `hookguard policy reference` from `src/rules.rs`; a test keeps this file up to date.\nSee the README for how layers combine.\n\n## Keys\n\n| key | default | who may set it | what | example |\n|---|---|---|---|---|\n",
    );
    for k in KEYS {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | `{}` |\n",
            k.key,
            k.default.replace('|', "\\|"),
            k.who,
            k.what.replace('|', "\\|"),
            k.example.replace('|', "\\|")
        ));
    }
    s.push_str(PROFILE_CHOICE);
    s.push_str("\n## Built-in rules\n\nEach rule id is stable; sub-ids (`shell.privileged.sudo`, `prohibited.area.auth`, `secrets.aws-access-key`) take the decision of their family unless a policy names them.\n\n| rule | control | prototype | production | ci |\n|---|---|---|---|---|\n");
    let verdict = |p: crate::classification::Profile, id: &str| -> String {
        let policy = crate::policy::merge(&[], Some(p), None).expect("built-in policy loads");
        match policy.lookup(id) {
            crate::policy::Lookup::Verdict { verdict, .. } => verdict.to_string(),
            crate::policy::Lookup::Disabled(_) => "disabled".into(),
        }
    };
    use crate::classification::Profile;
    for r in RULES {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            r.id,
            r.control,
            verdict(Profile::Prototype, r.id),
            verdict(Profile::Production, r.id),
            verdict(Profile::Ci, r.id)
        ));
    }
    for r in RULES {
        s.push_str(&format!(
            "\n### `{}`\n\n{}\n\n**Why:** {}\n\n**Example:** {}\n",
            r.id, r.what, r.why, r.example
        ));
    }
    s.push_str(TOOLING);
    s.push_str(crate::sandbox::MAPPING_MARKDOWN);
    s
}

/// The tools around a policy file, for the end of the reference.
const TOOLING: &str = r#"
## Tooling

- `hookguard policy check [--cwd DIR] [--policy FILE]… [FILE…]` loads the layers that apply in
  DIR (relative to the current directory; default: the current directory) and prints the merged
  policy as a policy file, each value with the layer and line it came from as a comment.
  Built-in list entries are shown as comments (every load starts from them), and each
  `[verdicts]` key shows what a rule of that id gets, lower layers' floors applied, so the
  output loaded again as a `--policy` layer merges to the same policy. Exit 0 when the policy
  is valid, 1 when it is not (the error names file, line and key), 2 for a usage error.
- `hookguard policy test [--format text|json|junit] [--cwd DIR] [FILE…]` runs the `[[test]]`
  entries. `junit` is JUnit XML (one `<testsuite>` per file, one `<testcase>` per test and
  profile, the diff as the `<failure>`) for CI systems; `json` is
  `{"passed", "failed", "tests": [{"file", "line", "name", "profile", "passed", "failure"}]}`.
  Exit 1 when a test fails.
- `hookguard policy schema` prints the policy file's JSON Schema (also
  `docs/hookguard-policy.schema.json`), generated from the types hookguard parses with and
  kept current by a test. For completion and checks in editors through taplo (the VS Code
  "Even Better TOML" extension), put `#:schema /path/to/hookguard-policy.schema.json` as the
  first line of a policy file, or map the files in `.taplo.toml`:

  ```toml
  [[rule]]
  include = ["**/.claude/hookguard.toml", "**/hookguard/policy.toml"]
  schema.path = "file:///etc/hookguard/hookguard-policy.schema.json"
  ```

  The schema checks shape (keys, types, allowed values); `policy check` also checks what a
  schema cannot: which layer may set a key, globs, regexes and rule ids.
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_in_the_profiles_is_documented() {
        let f = crate::policy::file::PolicyFile::parse(crate::policy::BUILTIN_PRODUCTION).unwrap();
        for key in f.verdicts.unwrap().keys() {
            assert!(RULES.iter().any(|r| r.id == key), "{key} has no RuleDoc");
        }
        for r in RULES {
            assert!(
                r.why.len() > 10 && r.what.len() > 10 && !r.example.is_empty(),
                "{}",
                r.id
            );
        }
    }

    #[test]
    fn docs_policy_md_is_up_to_date() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/policy.md");
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == reference_markdown(),
            "docs/policy.md is out of date: run `cargo run -- policy reference > docs/policy.md`"
        );
    }
}
