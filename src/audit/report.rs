//! `hookguard audit report`: what the log evidences for the guidance's compliance indicators
//! and red flags, as text, JSON or one self-contained HTML page.
//!
//! ```text
//! log set(s) ─► read (window) ─► Tally (one pass, bounded memory) ─► Report ─┬─► text
//!            └─► verify (chain integrity) ─────────────────────────────────────┼─► json
//!                                                                              └─► html
//! ```
//!
//! The report reads only what the records hold: subjects were redacted when written, so no
//! secret reaches the report either. Categories are recognised from rule ids (stable API):
//! `secrets.*`, `git.scan-bypass`, `production.*`, `content.marking`,
//! `classification.not-permitted`, `claude-md.*`.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// The report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Html,
}

/// The fields of a record the report reads (everything else is ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Entry {
    pub ts: String,
    pub event: String,
    pub session_id: Option<String>,
    pub tool_use_id: Option<String>,
    pub tool: Option<String>,
    pub decision: String,
    pub rule: Option<String>,
    pub control: Option<String>,
    pub findings: Vec<String>,
    pub converted_from_ask: bool,
    pub profile: Option<String>,
    pub classification: Option<String>,
    pub project: Option<String>,
    pub user: Option<String>,
    pub subject: Option<String>,
    pub outcome: Option<String>,
    pub context_file: Option<ContextFileEntry>,
    /// What the content scanners found: `refused:<rule>`, `redacted:<rule>:<count>`.
    pub red_flags: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ContextFileEntry {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What a red flag's evidence amounts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagStatus {
    /// Nothing in the log.
    Clear,
    /// Attempts were made and every one was refused: review, no escalation.
    Blocked,
    /// Something got through: escalate, as the guidance says.
    Raised,
}

impl FlagStatus {
    pub fn label(self) -> &'static str {
        match self {
            FlagStatus::Clear => "Clear",
            FlagStatus::Blocked => "Attempted, all refused",
            FlagStatus::Raised => "Raised: escalate",
        }
    }
}

/// One red flag of the guidance and what the log shows about it.
#[derive(Debug, Clone, Serialize)]
pub struct RedFlag {
    pub id: &'static str,
    /// The guidance's words.
    pub flag: &'static str,
    pub attempts: u64,
    pub refused: u64,
    /// Attempts that were not refused (allowed, deferred, or asked and then run).
    pub not_refused: u64,
    pub status: FlagStatus,
    pub how: &'static str,
}

/// One compliance indicator the log can evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: &'static str,
    pub indicator: &'static str,
    pub target: &'static str,
    pub value: String,
    pub detail: String,
}

/// Decisions counted by kind.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub deny: u64,
    pub ask: u64,
    pub allow: u64,
    /// `defer` and `pass`: no opinion, Claude Code's own permissions applied.
    pub other: u64,
}

impl Counts {
    fn add(&mut self, decision: &str) {
        match decision {
            "deny" | "block" => self.deny += 1,
            "ask" => self.ask += 1,
            "allow" => self.allow += 1,
            _ => self.other += 1,
        }
    }
    pub fn total(&self) -> u64 {
        self.deny + self.ask + self.allow + self.other
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub session_id: String,
    pub user: Option<String>,
    pub project: Option<String>,
    pub first: String,
    pub last: String,
    pub counts: Counts,
}

#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub rule: String,
    pub subject: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContextFile {
    pub path: String,
    pub reads: u64,
    pub bytes: u64,
    pub last_sha256: String,
    pub sessions: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    pub log: String,
    pub files: usize,
    pub records: usize,
    pub intact: bool,
    pub first_break: Option<String>,
    pub notes: Vec<String>,
}

/// The report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub generated: String,
    pub since: Option<String>,
    pub until: Option<String>,
    pub records: u64,
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub totals: Counts,
    pub users: u64,
    pub profiles: BTreeMap<String, u64>,
    pub integrity: Vec<Integrity>,
    pub indicators: Vec<Indicator>,
    pub red_flags: Vec<RedFlag>,
    /// Day (UTC) → decisions.
    pub by_day: BTreeMap<String, Counts>,
    pub by_control: BTreeMap<String, Counts>,
    pub by_rule: BTreeMap<String, Counts>,
    pub sessions: Vec<Session>,
    pub sessions_total: u64,
    pub top_refused: Vec<Refused>,
    pub context_files: Vec<ContextFile>,
    pub context_files_total: u64,
}

/// Rows kept in the bounded lists.
pub const MAX_ROWS: usize = 25;

#[derive(Default)]
struct FlagTally {
    attempts: u64,
    refused: u64,
    not_refused: u64,
}

/// The category of a rule id, for the indicators and red flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Secret,
    ScanBypass,
    Production,
    Marking,
    ClaudeMdSecret,
}

fn category(rule: &str) -> Option<Category> {
    let r = rule;
    if r == "claude-md.secret" {
        Some(Category::ClaudeMdSecret)
    } else if r.starts_with("secrets.") || r.starts_with("content.secret") {
        Some(Category::Secret)
    } else if r == "git.scan-bypass" || r.starts_with("scan-bypass") {
        Some(Category::ScanBypass)
    } else if r.starts_with("production.") {
        Some(Category::Production)
    } else if r == "content.marking" || r == "classification.not-permitted" {
        Some(Category::Marking)
    } else {
        None
    }
}

const WRITE_TOOLS: &[&str] = &["Write", "Edit", "MultiEdit", "NotebookEdit"];

/// Accumulates a report in one pass over the records.
#[derive(Default)]
pub struct Tally {
    records: u64,
    first_ts: Option<String>,
    last_ts: Option<String>,
    totals: Counts,
    users: std::collections::BTreeSet<String>,
    profiles: BTreeMap<String, u64>,
    by_day: BTreeMap<String, Counts>,
    by_control: BTreeMap<String, Counts>,
    by_rule: BTreeMap<String, Counts>,
    sessions: HashMap<String, Session>,
    refused: HashMap<(String, String), u64>,
    context: HashMap<String, (ContextFile, std::collections::HashSet<String>)>,
    /// Asks waiting for their PostToolUse, by tool_use_id, with their categories.
    open_asks: HashMap<String, Vec<Category>>,
    asks: u64,
    asks_ran: u64,
    asks_failed: u64,
    /// Asks turned into deny because no person could answer (C18).
    converted: u64,
    secrets_code: FlagTally,
    secrets_any: FlagTally,
    scan: FlagTally,
    production: FlagTally,
    marking: FlagTally,
    claude_md: FlagTally,
    sensitive_context: u64,
    /// Secret values redacted from tool output before the model saw them.
    redacted_secrets: u64,
}

impl Tally {
    /// Adds one record line (lines that are not records are skipped).
    pub fn add_line(&mut self, line: &str) {
        if let Ok(e) = serde_json::from_str::<Entry>(line) {
            // The log's own records (rotations, gaps, stalls) are not agent actions: the
            // integrity section reports them.
            if e.event != super::record::CHAIN_EVENT {
                self.add(e);
            }
        }
    }

    pub fn add(&mut self, e: Entry) {
        self.records += 1;
        if self.first_ts.as_deref().is_none_or(|f| e.ts.as_str() < f) {
            self.first_ts = Some(e.ts.clone());
        }
        if self.last_ts.as_deref().is_none_or(|l| e.ts.as_str() > l) {
            self.last_ts = Some(e.ts.clone());
        }
        if let Some(u) = &e.user {
            self.users.insert(u.clone());
        }
        if let Some(p) = &e.profile {
            *self.profiles.entry(p.clone()).or_default() += 1;
        }
        let is_post = e.event.starts_with("PostToolUse");
        if is_post {
            self.post(&e);
        } else {
            self.decision(&e);
        }
        if let Some(sid) = &e.session_id {
            let s = self.sessions.entry(sid.clone()).or_insert_with(|| Session {
                session_id: sid.clone(),
                user: e.user.clone(),
                project: e.project.clone(),
                first: e.ts.clone(),
                last: e.ts.clone(),
                counts: Counts::default(),
            });
            if e.ts < s.first {
                s.first = e.ts.clone();
            }
            if e.ts > s.last {
                s.last = e.ts.clone();
            }
            if !is_post {
                s.counts.add(&e.decision);
            }
        }
    }

    fn decision(&mut self, e: &Entry) {
        let d = e.decision.as_str();
        self.totals.add(d);
        let day = e.ts.get(..10).unwrap_or("unknown").to_string();
        self.by_day.entry(day).or_default().add(d);
        if let Some(c) = &e.control {
            self.by_control.entry(c.clone()).or_default().add(d);
        }
        if let Some(r) = &e.rule {
            self.by_rule.entry(r.clone()).or_default().add(d);
        }
        let refused = matches!(d, "deny" | "block");
        if refused {
            let key = (
                e.rule.clone().unwrap_or_else(|| "(none)".into()),
                e.subject.clone().unwrap_or_default(),
            );
            *self.refused.entry(key).or_default() += 1;
        }
        let mut cats: Vec<Category> = e
            .findings
            .iter()
            .filter_map(|f| category(f.split('=').next().unwrap_or("")))
            .chain(e.rule.as_deref().and_then(category))
            .collect();
        cats.sort_by_key(|c| *c as u8);
        cats.dedup();
        let writes = e.tool.as_deref().is_some_and(|t| WRITE_TOOLS.contains(&t));
        // An ask is not counted as refused or as through until its outcome is known.
        let through = matches!(d, "allow" | "defer" | "pass");
        for c in &cats {
            let hit = |t: &mut FlagTally| {
                t.attempts += 1;
                t.refused += u64::from(refused);
                t.not_refused += u64::from(through);
            };
            match c {
                Category::Secret => {
                    hit(&mut self.secrets_any);
                    if writes {
                        hit(&mut self.secrets_code);
                    }
                }
                Category::ScanBypass => hit(&mut self.scan),
                Category::Production => hit(&mut self.production),
                Category::Marking => hit(&mut self.marking),
                Category::ClaudeMdSecret => {
                    hit(&mut self.claude_md);
                    hit(&mut self.secrets_any);
                }
            }
        }
        self.converted += u64::from(e.converted_from_ask);
        if d == "ask" {
            self.asks += 1;
            if let Some(id) = &e.tool_use_id {
                self.open_asks.insert(id.clone(), cats);
            }
        }
    }

    fn post(&mut self, e: &Entry) {
        // Output that carried a secret or a marking, redacted before the model saw it: an
        // attempt that was stopped.
        for flag in &e.red_flags {
            let mut parts = flag.splitn(3, ':');
            if parts.next() != Some("redacted") {
                continue;
            }
            let rule = parts.next().unwrap_or("");
            let count: u64 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
            let tally = match category(rule) {
                Some(Category::Secret) => {
                    self.redacted_secrets += count;
                    &mut self.secrets_any
                }
                Some(Category::Marking) => &mut self.marking,
                _ => continue,
            };
            tally.attempts += 1;
            tally.refused += 1;
        }
        if let Some(id) = &e.tool_use_id
            && let Some(cats) = self.open_asks.remove(id)
        {
            // The person approved the ask: the tool ran.
            self.asks_ran += 1;
            if e.event == "PostToolUseFailure" {
                self.asks_failed += 1;
            }
            let writes = e.tool.as_deref().is_some_and(|t| WRITE_TOOLS.contains(&t));
            for c in cats {
                match c {
                    Category::Secret => {
                        self.secrets_any.not_refused += 1;
                        if writes {
                            self.secrets_code.not_refused += 1;
                        }
                    }
                    Category::ScanBypass => self.scan.not_refused += 1,
                    // Asked and approved: production access *with* approval is not the flag.
                    Category::Production => {}
                    Category::Marking => self.marking.not_refused += 1,
                    Category::ClaudeMdSecret => self.claude_md.not_refused += 1,
                }
            }
        }
        if let Some(cf) = &e.context_file {
            if e.classification
                .as_deref()
                .is_some_and(|c| c != "OFFICIAL" && !c.is_empty())
            {
                self.sensitive_context += 1;
            }
            let entry = self.context.entry(cf.path.clone()).or_insert_with(|| {
                (
                    ContextFile {
                        path: cf.path.clone(),
                        reads: 0,
                        bytes: 0,
                        last_sha256: String::new(),
                        sessions: 0,
                    },
                    Default::default(),
                )
            });
            entry.0.reads += 1;
            entry.0.bytes = cf.size;
            entry.0.last_sha256 = cf.sha256.clone();
            if let Some(s) = &e.session_id {
                entry.1.insert(s.clone());
            }
        }
    }

    /// The finished report.
    pub fn finish(
        self,
        since: Option<String>,
        until: Option<String>,
        integrity: Vec<Integrity>,
    ) -> Report {
        let flag = |id, flag, how, t: &FlagTally| RedFlag {
            id,
            flag,
            attempts: t.attempts,
            refused: t.refused,
            not_refused: t.not_refused,
            status: if t.not_refused > 0 {
                FlagStatus::Raised
            } else if t.attempts > 0 {
                FlagStatus::Blocked
            } else {
                FlagStatus::Clear
            },
            how,
        };
        let mut marking = flag(
            "official-sensitive-shared",
            "OFFICIAL-SENSITIVE or higher data shared with Claude Code",
            "classification markings above the declared level (content.marking, refused or redacted from tool output), a project declared above what is permitted (classification.not-permitted), and files read into context on projects declared OFFICIAL-SENSITIVE or higher",
            &self.marking,
        );
        if self.sensitive_context > 0 {
            marking.not_refused += self.sensitive_context;
            marking.status = FlagStatus::Raised;
        }
        let red_flags = vec![
            flag(
                "secrets-in-code",
                "secrets or credentials in code generated with Claude assistance",
                "secret findings (secrets.*) on Write, Edit, MultiEdit and NotebookEdit",
                &self.secrets_code,
            ),
            flag(
                "scan-bypass",
                "engineers bypassing security scans for AI-generated code",
                "scan-bypass findings (git.scan-bypass: --no-verify, hooksPath, HUSKY=0, …)",
                &self.scan,
            ),
            flag(
                "production-without-approval",
                "agentic features accessing production systems without approval",
                "production findings (production.*) that were neither refused nor asked; asks a person approved are approvals",
                &self.production,
            ),
            marking,
            flag(
                "claude-md-secrets",
                "production credentials or secrets in CLAUDE.md files",
                "secret findings in CLAUDE.md content (claude-md.secret)",
                &self.claude_md,
            ),
        ];
        let not_run = self.asks - self.asks_ran;
        let indicators = vec![
            Indicator {
                id: "agentic-approvals",
                indicator: "Agentic task approvals documented",
                target: "100 percent",
                value: if self.asks == 0 {
                    "no asks".into()
                } else {
                    "100%".into()
                },
                detail: format!(
                    "{} asks recorded; {} approved and run ({} of them failed), {} with no run recorded (declined, or PostToolUse not registered); {} more refused because no person could answer (C18)",
                    self.asks, self.asks_ran, self.asks_failed, not_run, self.converted
                ),
            },
            Indicator {
                id: "scan-bypass-attempts",
                indicator: "Security scans passing (bypass attempts)",
                target: "none get through",
                value: format!(
                    "{} attempts, {} refused",
                    self.scan.attempts, self.scan.refused
                ),
                detail: format!("{} not refused", self.scan.not_refused),
            },
            Indicator {
                id: "production-access-attempts",
                indicator: "Production access attempts",
                target: "none without approval",
                value: format!(
                    "{} attempts, {} refused",
                    self.production.attempts, self.production.refused
                ),
                detail: format!("{} neither refused nor asked", self.production.not_refused),
            },
            Indicator {
                id: "secrets-attempts",
                indicator: "Secrets attempts",
                target: "none get through",
                value: format!(
                    "{} attempts, {} refused",
                    self.secrets_any.attempts, self.secrets_any.refused
                ),
                detail: format!(
                    "in written code: {}; in CLAUDE.md: {}; redacted from tool output: {} values; not refused: {}",
                    self.secrets_code.attempts,
                    self.claude_md.attempts,
                    self.redacted_secrets,
                    self.secrets_any.not_refused
                ),
            },
            Indicator {
                id: "chain-integrity",
                indicator: "Audit log integrity",
                target: "100 percent intact",
                value: if integrity.iter().all(|i| i.intact) {
                    "intact".into()
                } else {
                    "BROKEN".into()
                },
                detail: integrity
                    .iter()
                    .map(|i| {
                        format!(
                            "{}: {} records in {} files, {}",
                            i.log,
                            i.records,
                            i.files,
                            i.first_break.as_deref().unwrap_or("chain intact")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            },
        ];
        let sessions_total = self.sessions.len() as u64;
        let mut sessions: Vec<Session> = self.sessions.into_values().collect();
        sessions.sort_by(|a, b| b.last.cmp(&a.last).then(a.session_id.cmp(&b.session_id)));
        sessions.truncate(MAX_ROWS);
        let mut top_refused: Vec<Refused> = self
            .refused
            .into_iter()
            .map(|((rule, subject), count)| Refused {
                rule,
                subject,
                count,
            })
            .collect();
        top_refused.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then(a.rule.cmp(&b.rule))
                .then(a.subject.cmp(&b.subject))
        });
        top_refused.truncate(MAX_ROWS);
        let context_files_total = self.context.len() as u64;
        let mut context_files: Vec<ContextFile> = self
            .context
            .into_values()
            .map(|(mut f, s)| {
                f.sessions = s.len() as u64;
                f
            })
            .collect();
        context_files.sort_by(|a, b| b.reads.cmp(&a.reads).then(a.path.cmp(&b.path)));
        context_files.truncate(MAX_ROWS);
        Report {
            generated: super::time::now_rfc3339(),
            since,
            until,
            records: self.records,
            first_ts: self.first_ts,
            last_ts: self.last_ts,
            totals: self.totals,
            users: self.users.len() as u64,
            profiles: self.profiles,
            integrity,
            indicators,
            red_flags,
            by_day: self.by_day,
            by_control: self.by_control,
            by_rule: self.by_rule,
            sessions,
            sessions_total,
            top_refused,
            context_files,
            context_files_total,
        }
    }
}

/// Builds the report for `logs` (each with its rotated set) within `window`.
pub fn build(
    logs: &[PathBuf],
    window: super::read::Window,
    since: Option<String>,
    until: Option<String>,
    key: Option<&super::ChainKey>,
) -> Result<Report, String> {
    let files = super::read::files(logs)?;
    let mut tally = Tally::default();
    for line in super::read::lines(files, window) {
        tally.add_line(&line);
    }
    let mut integrity = Vec::new();
    for log in logs {
        let r = super::verify(log, key).map_err(|e| format!("{}: {e}", log.display()))?;
        integrity.push(Integrity {
            log: log.display().to_string(),
            files: r.files.len(),
            records: r.records,
            intact: r.first_error.is_none(),
            first_break: r
                .first_error
                .map(|b| format!("{}:{}: {}", b.file.display(), b.line, b.message)),
            notes: r
                .notes
                .into_iter()
                .chain(r.stalls.into_iter().map(|s| format!("stall: {s}")))
                .collect(),
        });
    }
    Ok(tally.finish(since, until, integrity))
}

/// The report as plain text.
pub fn text(r: &Report) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "hookguard audit report");
    let _ = writeln!(
        s,
        "records: {} ({} to {}), window: {} to {}, users: {}",
        r.records,
        r.first_ts.as_deref().unwrap_or("-"),
        r.last_ts.as_deref().unwrap_or("-"),
        r.since.as_deref().unwrap_or("start"),
        r.until.as_deref().unwrap_or("end"),
        r.users
    );
    let t = &r.totals;
    let _ = writeln!(
        s,
        "decisions: {} deny, {} ask, {} allow, {} no opinion",
        t.deny, t.ask, t.allow, t.other
    );
    let _ = writeln!(s, "\nRed flags");
    for f in &r.red_flags {
        let _ = writeln!(
            s,
            "  [{}] {}: {} attempts, {} refused, {} not refused",
            f.status.label(),
            f.flag,
            f.attempts,
            f.refused,
            f.not_refused
        );
    }
    let _ = writeln!(s, "\nCompliance indicators");
    for i in &r.indicators {
        let _ = writeln!(
            s,
            "  {} (target {}): {}\n    {}",
            i.indicator, i.target, i.value, i.detail
        );
    }
    let table = |s: &mut String, title: &str, m: &BTreeMap<String, Counts>| {
        let _ = writeln!(
            s,
            "\n{title}\n  {:<32} {:>6} {:>6} {:>6} {:>6}",
            "", "deny", "ask", "allow", "other"
        );
        for (k, c) in m {
            let _ = writeln!(
                s,
                "  {k:<32} {:>6} {:>6} {:>6} {:>6}",
                c.deny, c.ask, c.allow, c.other
            );
        }
    };
    table(&mut s, "Decisions by day (UTC)", &r.by_day);
    table(&mut s, "Decisions by control", &r.by_control);
    table(&mut s, "Decisions by rule", &r.by_rule);
    let _ = writeln!(s, "\nTop refused actions");
    for x in &r.top_refused {
        let _ = writeln!(s, "  {:>5}  {}  {}", x.count, x.rule, x.subject);
    }
    let _ = writeln!(s, "\nSessions ({} in all, latest first)", r.sessions_total);
    for x in &r.sessions {
        let _ = writeln!(
            s,
            "  {}  {} to {}  {}  {} records ({} deny, {} ask)",
            x.session_id,
            x.first,
            x.last,
            x.user.as_deref().unwrap_or("-"),
            x.counts.total(),
            x.counts.deny,
            x.counts.ask
        );
    }
    let _ = writeln!(
        s,
        "\nFiles that entered the context ({} in all, PR-14)",
        r.context_files_total
    );
    for f in &r.context_files {
        let _ = writeln!(
            s,
            "  {:>4} reads  {:>9} bytes  {}",
            f.reads, f.bytes, f.path
        );
    }
    let _ = writeln!(s, "\nChain integrity");
    for i in &r.integrity {
        let _ = writeln!(
            s,
            "  {}: {} records in {} files: {}",
            i.log,
            i.records,
            i.files,
            i.first_break.as_deref().unwrap_or("intact")
        );
        for n in &i.notes {
            let _ = writeln!(s, "    note: {n}");
        }
    }
    s
}
