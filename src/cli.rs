//! Command-line arguments and the subcommands that are not the hook itself.

use crate::classification::Profile;
use crate::event::Event;
use crate::run::{Environment, HookOptions};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// `hookguard --version`: the package version and the commit it was built from (build.rs;
/// a build without git metadata says so).
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("HOOKGUARD_BUILD_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(
    name = "hookguard",
    version = VERSION,
    about = "A policy guard for Claude Code: decides deny, ask or allow for every tool call and keeps a tamper-evident audit log"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read one hook event on stdin and answer it (the command Claude Code runs).
    Hook(HookArgs),
    /// Show the decision for an event and the rules that led to it, without auditing.
    Explain(ExplainArgs),
    /// Policy tools.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Audit log tools.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Register hookguard in a Claude Code settings file (user, project or managed).
    Install(crate::install::InstallArgs),
    /// Take hookguard's registration out of a Claude Code settings file.
    Uninstall(crate::install::UninstallArgs),
    /// Check that hookguard is registered, loads its policy and can audit; one line per check.
    Doctor(crate::doctor::DoctorArgs),
    /// The policy compiled into Claude Code's sandbox and permission settings (C19).
    #[command(subcommand)]
    Sandbox(crate::sandbox::SandboxCommand),
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish.
    Completions {
        #[arg(value_enum)]
        shell: crate::clidoc::Shell,
    },
    /// Print the manual page (roff); with --out-dir, write one page per subcommand there.
    Man {
        /// Write hookguard.1 and hookguard-SUBCOMMAND.1 pages into this directory.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// The profile, fixed for this registration: prototype, production or ci.
    #[arg(long, value_parser = parse_profile)]
    pub profile: Option<Profile>,
    /// A policy file, trusted like the managed policy (repeatable; later files are more trusted).
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Where the managed policy lives.
    #[arg(long, value_name = "DIR", default_value = crate::policy::layers::MANAGED_DIR, hide = true)]
    pub managed_dir: PathBuf,
}

/// `hookguard hook [OPTIONS]` on its own: the command Claude Code runs on every tool call.
///
/// Building the whole command tree with clap cost about 0.12 M instructions per process, 6% of
/// a typical hook call, to parse two words. `main` parses `hook` with this parser, which knows
/// only the hook's own options: the same [`HookArgs`], so the same flags, values and errors.
#[derive(Debug, Parser)]
#[command(name = "hookguard hook", bin_name = "hookguard hook", version = VERSION)]
pub struct HookCli {
    #[command(flatten)]
    pub args: HookArgs,
}

impl HookCli {
    /// Parses the arguments after `hook` (`args` starts with the word `hook` itself).
    pub fn try_parse_hook<I, T>(args: I) -> Result<HookArgs, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        HookCli::try_parse_from(args).map(|c| c.args)
    }
}

#[derive(Debug, Args)]
pub struct HookArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// Audit log path (default: $XDG_STATE_HOME/hookguard/audit.jsonl).
    #[arg(long, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The directory the call is made from (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// A PreToolUse event as JSON (`-` for stdin).
    #[arg(long, value_name = "FILE", conflicts_with = "call")]
    pub event: Option<PathBuf>,
    /// Print JSON instead of text (the same as `--format json`).
    #[arg(long)]
    pub json: bool,
    /// Output format.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    pub format: String,
    /// A tool and its main argument: `-- Read /p/.env`, `-- Bash "git push -f"`.
    #[arg(last = true, value_name = "TOOL ARG")]
    pub call: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the `[[test]]` entries of policy FILEs (as --policy layers, over the project layer of
    /// --cwd) and of the built-in profiles; print `N passed, N failed`.
    Test {
        /// The project whose .claude/hookguard.toml joins the layers (default: a virtual one).
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        /// Also run the built-in profiles' tests (the default when no FILE is given).
        #[arg(long)]
        builtin: bool,
        /// Output format: text (a diff per failure), json, or junit (JUnit XML for CI).
        #[arg(long, value_parser = ["text", "json", "junit"], default_value = "text")]
        format: String,
        files: Vec<PathBuf>,
    },
    /// Print the policy reference (keys and built-in rules) as Markdown: docs/policy.md.
    Reference,
    /// Print the policy file's JSON Schema (for editors via taplo, and CI linters).
    Schema,
    /// Convert the `permissions` block of a Claude Code settings file into policy TOML.
    Import { settings: PathBuf },
    /// Validate the policy layers (and any FILEs, as --policy layers) and print the merged policy.
    Check {
        #[command(flatten)]
        common: CommonArgs,
        #[arg(long, value_name = "DIR")]
        cwd: Option<PathBuf>,
        files: Vec<PathBuf>,
    },
}

pub use crate::audit::command::AuditCommand;

fn parse_profile(s: &str) -> Result<Profile, String> {
    Profile::parse(s)
        .ok_or_else(|| format!("unknown profile `{s}`, expected prototype, production or ci"))
}

impl CommonArgs {
    pub fn hook_options(&self, audit_log: Option<PathBuf>) -> HookOptions {
        HookOptions {
            profile: self.profile,
            policies: self.policies.clone(),
            audit_log,
            managed_dir: self.managed_dir.clone(),
            deadline: None,
        }
    }
}

/// Builds the PreToolUse event for `explain -- TOOL ARG`: ARG goes to the tool's main field.
pub fn event_for_call(call: &[String], cwd: &std::path::Path) -> Result<Event, String> {
    let (tool, arg) = match call {
        [tool, arg] => (tool.as_str(), arg.as_str()),
        [tool] => (tool.as_str(), ""),
        _ => return Err("expected `-- TOOL ARG`, for example `-- Read /p/.env`".into()),
    };
    let field = match tool {
        "Read" | "Write" | "Edit" | "MultiEdit" => "file_path",
        "NotebookEdit" => "notebook_path",
        "Bash" | "PowerShell" | "Monitor" => "command",
        "Grep" | "Glob" => "path",
        "WebFetch" => "url",
        "WebSearch" => "query",
        "LSP" => "filePath",
        "Agent" | "Task" => "prompt",
        _ => "input",
    };
    let mut input = crate::event::required_placeholders(tool);
    input.insert(field.to_string(), arg.into());
    let input = serde_json::Value::Object(input);
    Ok(Event {
        hook_event_name: Some("PreToolUse".into()),
        tool_name: Some(tool.to_string()),
        tool_input: Some(input),
        cwd: Some(cwd.display().to_string()),
        ..Event::default()
    })
}

/// Reads an event file (or stdin for `-`) for `explain`.
pub fn read_event(path: &std::path::Path) -> Result<Event, String> {
    let bytes = if path == std::path::Path::new("-") {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).map_err(|e| e.to_string())?;
        b
    } else {
        std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?
    };
    Event::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// `explain`: the decision and its trail, for people (or JSON for tools).
pub fn explain(args: &ExplainArgs, env: &Environment) -> Result<String, String> {
    let cwd = absolute_cwd(args.cwd.as_deref(), env);
    let mut ev = match &args.event {
        Some(p) => read_event(p)?,
        None => event_for_call(&args.call, &cwd)?,
    };
    if args.cwd.is_some() || ev.cwd.is_none() {
        ev.cwd = Some(cwd.display().to_string());
    }
    let opts = args.common.hook_options(None);
    let (policy, d) = crate::run::explain(&ev, &opts, env).map_err(|e| e.to_string())?;
    let shell = crate::run::explain_shell(&ev, &opts, env).map_err(|e| e.to_string())?;
    let commands: Vec<String> = shell
        .as_ref()
        .map(|r| {
            crate::controls::shellcmd::subcommand_lines(r)
                .lines()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let accesses: Vec<String> = shell
        .as_ref()
        .map(|r| {
            r.accesses
                .iter()
                .map(|a| format!("{} {} (by `{}`)", a.kind.as_str(), a.path.display(), a.by))
                .collect()
        })
        .unwrap_or_default();
    let change = what_would_change(&d);
    if args.json || args.format == "json" {
        let trail: Vec<serde_json::Value> = d
            .trail
            .iter()
            .map(|j| {
                serde_json::json!({
                    "rule": j.finding.rule, "control": j.control, "verdict": j.verdict.as_str(),
                    "decided_by": j.key, "source": j.source, "subject": j.finding.subject,
                    "reason": j.finding.reason,
                })
            })
            .collect();
        return Ok(serde_json::json!({
            "tool": ev.tool(), "profile": policy.profile.as_str(),
            "classification": policy.classification.as_str(),
            "decision": d.verdict.as_str(), "rule": d.rule, "control": d.control,
            "reason": d.reason, "converted_from_ask": d.converted_from_ask, "trail": trail,
            "commands": commands,
            "accesses": accesses,
            "to_change": change.iter().map(|(how, _)| how).collect::<Vec<_>>(),
            "without_winning_rules": change.first().and_then(|(_, next)| next.clone()),
        })
        .to_string());
    }
    let mut s = format!(
        "decision: {}\ntool: {}\nprofile: {} ({})\nclassification: {} ({})\n",
        d.verdict,
        ev.tool(),
        policy.profile,
        policy.profile_source,
        policy.classification,
        policy.classification_source
    );
    for n in &policy.profile_notes {
        s.push_str(&format!("note: {n}\n"));
    }
    if let Some(r) = &d.rule {
        s.push_str(&format!(
            "rule: {r} ({})\nreason: {}\n",
            d.control.as_deref().unwrap_or(""),
            d.reason
        ));
    }
    if d.trail.is_empty() {
        s.push_str("trail: no rule fired; hookguard defers to Claude Code's own permissions\n");
    } else {
        s.push_str("trail:\n");
        for j in &d.trail {
            s.push_str(&format!(
                "  {:<6} {} [{}] on {}\n         decided by `{}` in the {}\n",
                j.verdict, j.finding.rule, j.control, j.finding.subject, j.key, j.source
            ));
        }
    }
    if !commands.is_empty() {
        s.push_str("commands (each checked on its own):\n");
        for c in &commands {
            s.push_str(&format!("  {c}\n"));
        }
        for a in &accesses {
            s.push_str(&format!("  {a}\n"));
        }
    }
    if d.converted_from_ask {
        s.push_str("note: an ask was turned into deny because nobody can answer (C18)\n");
    }
    if !change.is_empty() {
        s.push_str("to change the outcome:\n");
        for (how, _) in &change {
            s.push_str(&format!("  - {how}\n"));
        }
        if let Some((_, next)) = change.first() {
            s.push_str(&format!(
                "  without the winning rules the decision would be: {}\n",
                next.as_deref().unwrap_or("defer (no rule fired)")
            ));
        }
    }
    s.push_str("layers (most trusted first, then the built-in base they refine):\n");
    for (k, f) in policy.layers_by_trust() {
        s.push_str(&format!("  {k}: {f}\n"));
    }
    Ok(s)
}

/// How the winning rules could be changed, and what the decision would be without them.
fn what_would_change(d: &crate::decision::Decision) -> Vec<(String, Option<String>)> {
    use crate::decision::Verdict;
    if d.trail.is_empty() || d.trail[0].verdict == Verdict::Defer {
        return Vec::new();
    }
    let top = d.trail[0].verdict;
    let next = d
        .trail
        .iter()
        .find(|j| j.verdict < top && j.verdict > Verdict::Defer)
        .map(|j| format!("{} ({})", j.verdict, j.finding.rule));
    d.trail
        .iter()
        .filter(|j| j.verdict == top)
        .map(|j| {
            let how = if j.finding.control == "policy" {
                format!(
                    "`{}` is a policy rule ({}): edit or remove it there",
                    j.key, j.source
                )
            } else {
                format!(
                    "`{}` takes `{}` from `{}` in the {}: a managed or --policy layer may set `[verdicts] \"{}\"` or `disable = [\"{}\"]`; project and user layers may only make it stricter",
                    j.finding.rule, j.verdict, j.key, j.source, j.key, j.key
                )
            };
            (how, next.clone())
        })
        .collect()
}

/// `--cwd DIR` as an absolute directory: a relative one is taken from the current directory
/// (the layers are found from the project root, so a relative path would name no project);
/// absent, the current directory.
pub fn absolute_cwd(arg: Option<&std::path::Path>, env: &Environment) -> PathBuf {
    let here = env
        .process_cwd
        .clone()
        .unwrap_or_else(|| PathBuf::from("/"));
    match arg {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => crate::paths::fold(&here.join(p)),
        None => here,
    }
}

/// `policy check`: the merged policy, as a policy file with provenance comments.
pub fn policy_check(
    common: &CommonArgs,
    cwd: Option<&std::path::Path>,
    files: &[PathBuf],
    env: &Environment,
) -> Result<String, String> {
    let mut opts = common.hook_options(None);
    opts.policies.extend(files.iter().cloned());
    let cwd = absolute_cwd(cwd, env);
    let p = crate::run::load_policy(&opts, env, &cwd).map_err(|e| e.to_string())?;
    let mut s = String::new();
    for n in &p.profile_notes {
        s.push_str(&format!("# note: {n}\n"));
    }
    s.push_str(&crate::policy::print::to_toml(&p));
    Ok(s)
}

/// `policy import`: a Claude Code settings file's `permissions` as hookguard policy TOML.
pub fn policy_import(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not valid JSON: {e}", path.display()))?;
    let perms = v.get("permissions").cloned().unwrap_or_default();
    let mut out = format!(
        "# Imported from {} by `hookguard policy import`.\n# Rules in Claude Code syntax keep their meaning, with hookguard's stronger matching:\n# Bash rules match each subcommand; a Read deny also refuses writes. `allow` is honoured only\n# in a managed or --policy layer.\n",
        path.display()
    );
    let mut any = false;
    let mut skipped = Vec::new();
    for key in ["deny", "ask", "allow"] {
        let Some(list) = perms.get(key).and_then(|l| l.as_array()) else {
            continue;
        };
        let mut kept = Vec::new();
        for r in list.iter().filter_map(|r| r.as_str()) {
            match crate::policy::claude_rules::parse(
                r,
                crate::decision::Verdict::parse(key).unwrap_or(crate::decision::Verdict::Deny),
                None,
                None,
            ) {
                Ok(_) => kept.push(format!("    {},", serde_json::Value::String(r.to_string()))),
                Err(e) => skipped.push(format!("# not imported ({key}): {e}")),
            }
        }
        if !kept.is_empty() {
            any = true;
            out.push_str(&format!("{key} = [\n{}\n]\n", kept.join("\n")));
        }
    }
    for s in &skipped {
        out.push_str(s);
        out.push('\n');
    }
    if !any && skipped.is_empty() {
        return Err(format!(
            "{}: no permissions.allow, ask or deny rules to import",
            path.display()
        ));
    }
    Ok(out)
}
