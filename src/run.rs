//! `hookguard hook`: one event in, one decision out, one audit record written.
//!
//! ```text
//! stdin ─► event ─► normalise (paths) ─► controls(policy layers) ─► Decision ─┬─► output (stdout)
//!                                                                             └─► audit (append)
//! ```
//!
//! Every failure is a decision: unusable input, a policy that does not load, or an audit record
//! that cannot be written (production and ci) answers deny (or block) and exits 2, so that the
//! client blocks even if it could not read the JSON. `main` adds the same for a panic.

use crate::audit::{self, Record};
use crate::classification::Profile;
use crate::controls::{self, Context, custom};
use crate::decision::{self, Decision, Verdict};
use crate::event::{Event, EventKind, MAX_EVENT_BYTES, ToolKind};
use crate::output;
use crate::policy::{Locations, Policy, layers::MANAGED_DIR};
use crate::scan::Scanner;
use std::path::{Path, PathBuf};

/// The `hook` command's options.
#[derive(Debug, Clone)]
pub struct HookOptions {
    pub profile: Option<Profile>,
    pub policies: Vec<PathBuf>,
    pub audit_log: Option<PathBuf>,
    /// Where the managed policy lives (`/etc/hookguard`); tests point it elsewhere.
    pub managed_dir: PathBuf,
    /// When to answer with what is known (`crate::deadline`): `hookguard hook` sets it to
    /// [`crate::deadline::DEADLINE`] after the process started. `None`: judge to the end on
    /// this thread (in-process callers: tests, benches, `explain`).
    pub deadline: Option<std::time::Instant>,
}

impl Default for HookOptions {
    fn default() -> Self {
        HookOptions {
            profile: None,
            policies: Vec::new(),
            audit_log: None,
            managed_dir: PathBuf::from(MANAGED_DIR),
            deadline: None,
        }
    }
}

/// What the process environment tells the guard. Read once in `main`, passed in everywhere
/// else, so tests can state it.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    pub home: Option<PathBuf>,
    pub xdg_config_home: Option<PathBuf>,
    pub xdg_state_home: Option<PathBuf>,
    pub claude_project_dir: Option<PathBuf>,
    pub claude_config_dir: Option<PathBuf>,
    pub entrypoint: Option<String>,
    pub user: Option<String>,
    pub host: Option<String>,
    pub process_cwd: Option<PathBuf>,
    pub binary: Option<PathBuf>,
    /// The arguments this process was started with (after the program), which a
    /// registration must still pass for ConfigChange to count it (C17).
    pub args: Vec<String>,
    pub temp_dir: PathBuf,
}

impl Environment {
    pub fn from_process() -> Environment {
        let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
        let path = |k: &str| var(k).map(PathBuf::from);
        Environment {
            home: crate::paths::home_dir(),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            xdg_state_home: path("XDG_STATE_HOME"),
            claude_project_dir: path("CLAUDE_PROJECT_DIR"),
            claude_config_dir: path("CLAUDE_CONFIG_DIR"),
            entrypoint: var("CLAUDE_CODE_ENTRYPOINT").map(|v| v.to_string_lossy().into_owned()),
            user: var("USER")
                .or_else(|| var("LOGNAME"))
                .map(|v| v.to_string_lossy().into_owned())
                .or_else(|| {
                    // No name in the environment (CI, containers): the uid still says who.
                    use std::os::unix::fs::MetadataExt;
                    std::fs::metadata("/proc/self")
                        .ok()
                        .map(|m| format!("uid:{}", m.uid()))
                }),
            host: std::fs::read_to_string("/proc/sys/kernel/hostname")
                .ok()
                .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
                .map(|h| h.trim().to_string())
                .filter(|h| !h.is_empty()),
            process_cwd: std::env::current_dir().ok(),
            binary: std::env::current_exe().ok(),
            // `args_os`: `args` panics on an argument that is not UTF-8.
            args: std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            temp_dir: std::env::temp_dir(),
        }
    }
}

/// What `main` prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: Option<String>,
    pub stderr: Option<String>,
    pub code: i32,
}

impl Outcome {
    fn quiet() -> Outcome {
        Outcome {
            stdout: None,
            stderr: None,
            code: 0,
        }
    }
}

/// The fail-closed answer for an event of `kind`: deny (or block) on stdout for the events that
/// can be blocked, the reason on stderr, exit 2.
pub fn failure_outcome(kind: EventKind, reason: &str) -> Outcome {
    let stdout = match kind {
        EventKind::UserPromptSubmit | EventKind::ConfigChange => Some(output::block(reason)),
        EventKind::PreToolUse => Some(output::pre_tool_use_json(Verdict::Deny, reason)),
        // Unknown or unparseable: answer as for a tool call, the event that matters most.
        EventKind::Other => Some(output::pre_tool_use_json(Verdict::Deny, reason)),
        _ => None,
    };
    Outcome {
        stdout,
        stderr: Some(format!("{}{reason}", output::PREFIX)),
        code: 2,
    }
}

/// Everything needed to answer one event, resolved from the options and the environment.
struct Setup {
    ctx: Context,
    locations: Locations,
}

fn setup(ev: &Event, opts: &HookOptions, env: &Environment) -> Setup {
    let cwd = ev
        .cwd
        .as_deref()
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env.process_cwd.clone())
        .unwrap_or_else(|| PathBuf::from("/"));
    let cwd = crate::paths::fold(&cwd);
    let project_root = crate::paths::resolve(
        env.claude_project_dir
            .as_deref()
            .filter(|p| p.is_absolute())
            .unwrap_or(&cwd),
    );
    let locations = Locations {
        project_root: project_root.clone(),
        home: env.home.clone(),
        xdg_config_home: env.xdg_config_home.clone(),
        managed_dir: opts.managed_dir.clone(),
        policy_files: opts.policies.clone(),
    };
    let ctx = Context {
        cwd,
        project_root,
        home: env.home.clone(),
        temp_dir: crate::paths::resolve(&env.temp_dir),
        audit_log: PathBuf::new(),
        binary: env.binary.clone(),
        user_policy_dir: locations.user_dir(),
        managed_policy_dir: opts.managed_dir.clone(),
        claude_config_dir: env.claude_config_dir.clone(),
        headless: env
            .entrypoint
            .as_deref()
            .is_some_and(|e| e.starts_with("sdk")),
    };
    Setup { ctx, locations }
}

/// The audit log this invocation writes: `--audit-log`, else the policy's `[audit] log`, else
/// the XDG state directory.
fn audit_path(opts: &HookOptions, policy: Option<&Policy>, env: &Environment) -> Option<PathBuf> {
    opts.audit_log
        .clone()
        .or_else(|| policy.and_then(|p| p.audit_log.clone()))
        .or_else(|| audit::default_path(env.xdg_state_home.as_deref(), env.home.as_deref()))
}

/// The input's SHA-256, computed alongside the decision and collected when the audit record
/// is written: from the thread hashing it, if there is one, else here.
struct InputDigest<'scope> {
    pending: std::sync::Mutex<Option<PendingDigest<'scope>>>,
    value: std::sync::OnceLock<String>,
    input: &'scope [u8],
}

/// A digest being computed on another thread; `None` from it means "compute it here".
type PendingDigest<'scope> = Box<dyn FnOnce() -> Option<[u8; 32]> + Send + 'scope>;

impl<'scope> InputDigest<'scope> {
    fn new(input: &'scope [u8], pending: Option<PendingDigest<'scope>>) -> InputDigest<'scope> {
        InputDigest {
            pending: std::sync::Mutex::new(pending),
            value: std::sync::OnceLock::new(),
            input,
        }
    }

    fn get(&self) -> String {
        self.value
            .get_or_init(|| {
                let pending = self.pending.lock().ok().and_then(|mut p| p.take());
                let digest = pending
                    .and_then(|p| p())
                    .unwrap_or_else(|| crate::digest::sha256(self.input));
                crate::digest::hex(&digest)
            })
            .clone()
    }
}

/// Runs the hook on one event's bytes (a large event is hashed on a second thread while it
/// is judged).
pub fn hook(opts: &HookOptions, env: &Environment, input: &[u8]) -> Outcome {
    std::thread::scope(|scope| {
        let pending = (input.len() >= crate::input::PARALLEL_DIGEST_MIN).then(|| {
            let h =
                std::thread::Builder::new().spawn_scoped(scope, || crate::digest::sha256(input));
            // No thread: `None`, and the digest is computed when it is needed.
            Box::new(move || h.ok()?.join().ok()) as PendingDigest
        });
        hook_with(opts, env, input, &InputDigest::new(input, pending), false)
    })
}

/// Runs the hook on an event read by [`crate::input::read`], whose digest may already be
/// under way.
pub fn hook_read(opts: &HookOptions, env: &Environment, event: crate::input::ReadEvent) -> Outcome {
    let pending = event
        .digest
        .map(|h| Box::new(move || h.join().ok().flatten()) as PendingDigest);
    hook_with(
        opts,
        env,
        &event.bytes,
        &InputDigest::new(&event.bytes, pending),
        true,
    )
}

/// `exiting`: the process ends with this answer (`hookguard hook`), so the loaded policy is
/// not freed: dropping it was about 65 k of a typical call's 1.05 M instructions, work for
/// nothing. In-process callers (the corpus tests, the benches) free it as usual.
fn hook_with(
    opts: &HookOptions,
    env: &Environment,
    input: &[u8],
    digest: &InputDigest,
    exiting: bool,
) -> Outcome {
    let mut record = Record {
        ts: audit::time::now_rfc3339(),
        user: env.user.clone(),
        host: env.host.clone(),
        input_sha256: None,
        hookguard: env!("CARGO_PKG_VERSION"),
        ..Record::default()
    };
    if input.len() as u64 > MAX_EVENT_BYTES {
        let reason = format!(
            "the hook event is larger than {} MiB, so hookguard cannot check it and refuses the call (fail closed). Split the work into smaller steps.",
            MAX_EVENT_BYTES / 1024 / 1024
        );
        record.input_sha256 = Some(digest.get());
        return fail_unparsed(opts, env, record, "input.too-large", &reason);
    }
    let ev = match Event::parse(input) {
        Ok(ev) => ev,
        Err(e) => {
            let reason =
                format!("{e}; hookguard cannot check this call and refuses it (fail closed).");
            record.input_sha256 = Some(digest.get());
            return fail_unparsed(opts, env, record, "input.unusable", &reason);
        }
    };
    let Some(deadline) = opts.deadline else {
        return judge(opts, env, &ev, record, digest, None);
    };
    // Judged on a worker; past the deadline this thread answers with what it has and ends
    // the process (the scope would otherwise wait for the worker).
    let progress = crate::deadline::Progress::default();
    let outcome = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let skeleton = record.clone();
        // The main thread's 8 MiB of stack, not a spawned thread's default 2 MiB: the worker
        // runs everything the main thread ran before (policy parsing, the shell analysis).
        let worker = std::thread::Builder::new()
            .name("hookguard-judge".into())
            .stack_size(8 << 20)
            .spawn_scoped(scope, {
                let (ev, progress) = (&ev, &progress);
                move || {
                    let _ = tx.send(judge(opts, env, ev, skeleton, digest, Some(progress)));
                }
            });
        if worker.is_err() {
            // No thread to be had: judged here, without a deadline.
            return judge(opts, env, &ev, record, digest, None);
        }
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match rx.recv_timeout(left) {
            Ok(outcome) => outcome,
            // The worker died without an answer (a panic): fail closed, as `main` does for a
            // panic on this thread (leaving the scope re-raises it, and `main` catches that).
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => failure_outcome(
                ev.kind(),
                "hookguard hit an internal error and refuses the call (fail closed); please report it with the event that caused it",
            ),
            // The worker has decided and is writing its record: that is the answer.
            Err(_) if !progress.time_out() => rx.recv().unwrap_or_else(|_| {
                failure_outcome(
                    ev.kind(),
                    "hookguard hit an internal error and refuses the call (fail closed)",
                )
            }),
            Err(_) => {
                let o = past_deadline(opts, env, &ev, record, digest, &progress);
                let code = output::emit(o.stdout.as_deref(), o.stderr.as_deref(), o.code);
                std::process::exit(i32::from(code))
            }
        }
    });
    if exiting {
        std::mem::forget(progress);
    }
    outcome
}

/// Judges a parsed event and writes its record. With `progress`, what is found is shared as
/// it is found, and the record is written only if the deadline has not passed first.
fn judge(
    opts: &HookOptions,
    env: &Environment,
    ev: &Event,
    mut record: Record,
    digest: &InputDigest,
    progress: Option<&crate::deadline::Progress>,
) -> Outcome {
    let kind = ev.kind();
    let mut s = setup(ev, opts, env);
    let owned;
    let policy: &Policy = match Policy::load(&s.locations, opts.profile) {
        // Shared at once with the deadline's answer, which needs the profile and the audit
        // settings.
        Ok(p) => match progress {
            Some(pr) => pr.policy.get_or_init(|| p),
            None => {
                owned = p;
                &owned
            }
        },
        Err(e) => {
            // The record is redacted with the built-in rules.
            fill_from_event(&mut record, ev, &s.ctx, &Scanner::builtin());
            let reason = format!(
                "the hookguard policy could not be loaded, so every call is refused until it is fixed (fail closed): {e}"
            );
            let d = Decision::failure("policy.unloadable", reason.clone());
            fill_decision(&mut record, &d, failure_label(kind), &Scanner::builtin());
            // Without a policy the profile is unknown: audit failures are judged as production.
            record.input_sha256 = Some(digest.get());
            if progress.is_none_or(|p| p.start_recording()) {
                write_failure_record(opts, env, &mut record);
            }
            return failure_outcome(kind, &reason);
        }
    };
    record.profile = Some(policy.profile.to_string());
    record.classification = Some(policy.classification.to_string());
    record.policy_sha256 = Some(policy.sha256.clone());
    if !policy.profile_notes.is_empty() {
        // A user or project layer tried to set a profile it may not (`policy check` says which).
        record.red_flags.push("ignored:policy.profile".into());
    }
    let log = audit_path(opts, Some(policy), env);
    if let Some(l) = &log {
        s.ctx.audit_log = crate::paths::resolve(l);
    }
    let nobody = decision::nobody_to_ask(
        policy.profile,
        ev.permission_mode.as_deref(),
        s.ctx.headless,
    );

    let (outcome, label, d) = match kind {
        // An event that cannot be judged as it stands is refused, with exit 2 as well as the
        // JSON answer, before any control reads it.
        _ if let Some(problem) = ev.malformed() => {
            let d = malformed(kind, &problem);
            (
                failure_outcome(kind, &d.reason),
                failure_label(kind),
                Some(d),
            )
        }
        EventKind::PreToolUse | EventKind::UserPromptSubmit => {
            let (label, d, effects) = evaluate_with(ev, policy, &s.ctx, nobody, progress);
            record.effects = effects.for_record(|e| redact_command(&policy.scanner, e));
            let stdout = match kind {
                EventKind::PreToolUse => output::pre_tool_use(&d),
                _ => (label == "block").then(|| output::block(&d.reason)),
            };
            let out = Outcome {
                stdout,
                stderr: None,
                code: 0,
            };
            (out, label, Some(d))
        }
        EventKind::SessionStart => {
            let ctx_text = crate::session::context(policy, nobody);
            let out = Outcome {
                stdout: Some(output::session_start(&ctx_text)),
                stderr: None,
                code: 0,
            };
            (out, "pass", None)
        }
        EventKind::ConfigChange => {
            let files = crate::session::settings_files(
                &s.ctx.project_root,
                env.home.as_deref(),
                env.claude_config_dir.as_deref(),
            );
            let changed = ev.file_path.as_deref().map(|p| s.ctx.path(p).lexical);
            let inv = env
                .binary
                .clone()
                .filter(|_| !env.args.is_empty())
                .map(|program| crate::session::Invocation {
                    program,
                    args: env.args.clone(),
                });
            match crate::session::config_change_block(changed.as_deref(), &files, inv.as_ref()) {
                Some(reason) => {
                    let d = Decision {
                        rule: Some("self.protected".into()),
                        control: Some("PR-06".into()),
                        ..Decision::failure("self.protected", reason.clone())
                    };
                    let out = Outcome {
                        stdout: Some(output::block(&reason)),
                        stderr: None,
                        code: 0,
                    };
                    (out, "block", Some(d))
                }
                None => (Outcome::quiet(), "pass", None),
            }
        }
        EventKind::PostToolUse | EventKind::PostToolUseFailure => {
            // The digest of what a Read put into the context and the redaction scan are
            // independent: for a large output they run side by side.
            let redaction = std::thread::scope(|scope| {
                let large = ev.tool_response.as_ref().is_some_and(|t| {
                    t.pointer("/file/content")
                        .and_then(serde_json::Value::as_str)
                        .is_some_and(|c| c.len() >= crate::input::PARALLEL_DIGEST_MIN)
                });
                let outcome = large
                    .then(|| {
                        std::thread::Builder::new()
                            .spawn_scoped(scope, || post_tool_use(ev, kind))
                            .ok()
                    })
                    .flatten();
                if progress.is_some() {
                    debug_stall();
                }
                let redaction = (kind == EventKind::PostToolUse)
                    .then(|| controls::tool_output::redact(ev, policy, &s.ctx))
                    .flatten();
                let (outcome, context_file) = match outcome.map(|h| h.join()) {
                    Some(Ok(done)) => done,
                    _ => post_tool_use(ev, kind),
                };
                record.duration_ms = ev.duration_ms;
                record.outcome = Some(outcome);
                record.context_file = context_file;
                redaction
            });
            match redaction {
                Some(r) => {
                    let context = r.context(ev.tool());
                    record.red_flags.extend(r.red_flags());
                    let d = Decision {
                        verdict: Verdict::Defer,
                        rule: r.withheld.first().map(|w| w.rule.clone()),
                        control: Some(crate::scan::CONTROL.to_string()),
                        reason: context.clone(),
                        ..Decision::defer()
                    };
                    let out = Outcome {
                        stdout: Some(output::post_tool_use_redacted(r.output, r.mcp, &context)),
                        stderr: None,
                        code: 0,
                    };
                    (out, "redact", Some(d))
                }
                None => (Outcome::quiet(), "pass", None),
            }
        }
        EventKind::Other => (Outcome::quiet(), "pass", None),
    };
    // After the decision, so that what the deadline's answer needs is found first: the record
    // is redacted with the policy's scanner (its gitleaks rules included).
    fill_from_event(&mut record, ev, &s.ctx, &policy.scanner);
    if let Some(d) = &d {
        record.red_flags.extend(scanner_flags(d));
    }
    match &d {
        Some(d) => fill_decision(&mut record, d, label, &policy.scanner),
        None => record.decision = label.to_string(),
    }
    record.input_sha256 = Some(digest.get());
    if progress.is_some_and(|p| !p.start_recording()) {
        // Past the deadline: the main thread has answered and records that answer.
        return outcome;
    }
    let warning = match write_audit(log, &policy.audit, &mut record) {
        Ok(w) => w,
        Err(e) => return audit_failure(policy.profile, kind, &e, outcome),
    };
    match warning {
        // Stdout stays the decision's alone; the warning goes to stderr.
        Some(w) if outcome.stderr.is_none() => Outcome {
            stderr: Some(format!("{}{w}", output::PREFIX)),
            ..outcome
        },
        _ => outcome,
    }
}

/// Debug builds only: `HOOKGUARD_DEBUG_STALL` makes the judging worker stop for ten seconds
/// once the findings so far are shared, so that the tests can reach the deadline's answer
/// (`HOOKGUARD_DEBUG_STALL=panic`: it panics there instead).
fn debug_stall() {
    #[cfg(debug_assertions)]
    match std::env::var("HOOKGUARD_DEBUG_STALL").as_deref() {
        Ok("panic") => panic!("HOOKGUARD_DEBUG_STALL=panic"),
        Ok(_) => std::thread::sleep(std::time::Duration::from_secs(10)),
        Err(_) => {}
    }
}

/// The answer past the deadline (`crate::deadline`), recorded: a deny already found decides;
/// otherwise the opaque decision; a PostToolUse output is withheld whole.
fn past_deadline(
    opts: &HookOptions,
    env: &Environment,
    ev: &Event,
    mut record: Record,
    digest: &InputDigest,
    progress: &crate::deadline::Progress,
) -> Outcome {
    let kind = ev.kind();
    let ms = crate::deadline::DEADLINE.as_millis();
    let Some(policy) = progress.policy.get() else {
        // Not even the policy in time: nothing to judge by.
        let reason = format!(
            "hookguard could not load its policy within its deadline of {ms} ms, so it refuses the call (fail closed). Try again; if it persists, ask the person to check the policy files."
        );
        record.event = ev.name().to_string();
        fill_decision(
            &mut record,
            &Decision::failure("input.deadline", reason.clone()),
            failure_label(kind),
            &Scanner::builtin(),
        );
        record.input_sha256 = Some(digest.get());
        let _ = write_audit(
            audit_path(opts, None, env),
            &Default::default(),
            &mut record,
        );
        return failure_outcome(kind, &reason);
    };
    let s = setup(ev, opts, env);
    record.event = ev.name().to_string();
    record.session_id = ev.session_id.clone();
    record.tool_use_id = ev.tool_use_id.clone();
    record.tool = ev.tool_name.clone();
    record.cwd = Some(s.ctx.cwd.display().to_string());
    record.project = Some(s.ctx.project_root.display().to_string());
    record.profile = Some(policy.profile.to_string());
    record.classification = Some(policy.classification.to_string());
    record.policy_sha256 = Some(policy.sha256.clone());
    let nobody = decision::nobody_to_ask(
        policy.profile,
        ev.permission_mode.as_deref(),
        s.ctx.headless,
    );
    let opaque = || {
        decision::Finding::new(
            crate::shell::programs::OPAQUE,
            "PR-06",
            ev.tool(),
            format!(
                "hookguard could not finish checking this call within its deadline of {ms} ms, so it cannot tell what it would do (PR-06). Split the work into smaller steps or a simpler command."
            ),
        )
    };
    let (outcome, label, d) = match kind {
        EventKind::PreToolUse | EventKind::UserPromptSubmit => {
            let mut findings = progress.findings();
            findings.push(opaque());
            let d = decision::decide(findings, Vec::new(), policy, nobody);
            let (label, stdout) = match kind {
                EventKind::PreToolUse => (d.verdict.as_str(), output::pre_tool_use(&d)),
                _ if d.verdict >= Verdict::Ask => ("block", Some(output::block(&d.reason))),
                _ => ("pass", None),
            };
            let out = Outcome {
                stdout,
                stderr: None,
                code: 0,
            };
            (out, label, d)
        }
        EventKind::PostToolUse => {
            let context = format!(
                "hookguard withheld this {} output whole: it could not finish scanning it for credentials, personal data and classified material within its deadline of {ms} ms, and unscanned output is never put in front of the model (C2, C11, C12, PR-01). Ask for a smaller part of it (fewer lines, a narrower search).",
                ev.tool()
            );
            let mcp = ToolKind::of(ev.tool()) == ToolKind::Mcp;
            let withheld = ev
                .tool_response
                .as_ref()
                .map(controls::tool_output::withhold_all)
                .unwrap_or(serde_json::Value::Null);
            let d = Decision {
                verdict: Verdict::Defer,
                rule: Some("input.deadline".into()),
                control: Some(crate::scan::CONTROL.to_string()),
                reason: context.clone(),
                ..Decision::defer()
            };
            let out = Outcome {
                stdout: Some(output::post_tool_use_redacted(withheld, mcp, &context)),
                stderr: None,
                code: 0,
            };
            (out, "redact", d)
        }
        _ => {
            let reason = format!(
                "hookguard could not finish checking this event within its deadline of {ms} ms, so it refuses it (fail closed)."
            );
            let d = Decision::failure("input.deadline", reason.clone());
            (failure_outcome(kind, &reason), failure_label(kind), d)
        }
    };
    fill_decision(&mut record, &d, label, &policy.scanner);
    record.input_sha256 = Some(digest.get());
    let log = audit_path(opts, Some(policy), env);
    match write_audit(log, &policy.audit, &mut record) {
        Ok(_) => outcome,
        Err(e) => audit_failure(policy.profile, kind, &e, outcome),
    }
}

/// The answer when the audit record could not be written.
fn audit_failure(
    profile: Profile,
    kind: EventKind,
    e: &audit::AuditError,
    outcome: Outcome,
) -> Outcome {
    if profile == Profile::Prototype {
        // Prototype proceeds: the guidance asks production for audit logs, and a prototype
        // that cannot log is better warned than stopped.
        return Outcome {
            stderr: Some(format!(
                "{}warning: {e}; the decision stands",
                output::PREFIX
            )),
            ..outcome
        };
    }
    // Production and ci fail closed: an action that leaves no record is not allowed to happen.
    let reason = format!(
        "the audit record could not be written ({e}), and the {profile} profile requires every action to be logged and auditable (PR-14), so hookguard refuses (fail closed). Ask the person to fix the audit log."
    );
    failure_outcome(kind, &reason)
}

/// Red flags for the audit record: content-scanner rules that refused or blocked the call
/// (`refused:secrets.github-token`).
fn scanner_flags(d: &Decision) -> Vec<String> {
    d.trail
        .iter()
        .filter(|j| j.verdict >= Verdict::Ask)
        .map(|j| j.finding.rule.as_str())
        .filter(|r| {
            r.starts_with("secrets.")
                || r.starts_with("content.")
                || *r == controls::claude_md::SECRET_RULE
        })
        .map(|r| format!("refused:{r}"))
        .collect()
}

fn failure_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::UserPromptSubmit | EventKind::ConfigChange => "block",
        _ => "deny",
    }
}

fn fail_unparsed(
    opts: &HookOptions,
    env: &Environment,
    mut record: Record,
    rule: &str,
    reason: &str,
) -> Outcome {
    record.event = "(unparseable)".into();
    fill_decision(
        &mut record,
        &Decision::failure(rule, reason.to_string()),
        "deny",
        &Scanner::builtin(),
    );
    write_failure_record(opts, env, &mut record);
    failure_outcome(EventKind::Other, reason)
}

/// Writes the record of a call refused because its event or its policy could not be used.
/// The policy cannot say where the log is or which key chains it, so the trusted layers'
/// `[audit]` sections are read on their own (`audit::settings::trusted`): the record goes to
/// the configured log, keyed with the configured key. The call is refused either way.
fn write_failure_record(opts: &HookOptions, env: &Environment, record: &mut Record) {
    let trusted = audit::settings::trusted(
        &opts.policies,
        &opts.managed_dir.join("policy.toml"),
        env.home.as_deref(),
    );
    let path = opts
        .audit_log
        .clone()
        .or(trusted.log)
        .or_else(|| audit::default_path(env.xdg_state_home.as_deref(), env.home.as_deref()));
    let _ = write_audit(path, &trusted.settings, record);
}

/// Writes the record; `Ok(Some(warning))` when it is written but syslog did not take it.
fn write_audit(
    path: Option<PathBuf>,
    settings: &audit::Settings,
    record: &mut Record,
) -> Result<Option<String>, audit::AuditError> {
    let path = path.ok_or(audit::AuditError::NoLocation)?;
    audit::write(&path, settings, record)
}

fn fill_from_event(r: &mut Record, ev: &Event, ctx: &Context, scanner: &Scanner) {
    r.event = ev.name().to_string();
    r.session_id = ev.session_id.clone();
    r.prompt_id = ev.prompt_id.clone();
    r.tool_use_id = ev.tool_use_id.clone();
    r.agent_id = ev.agent_id.clone();
    r.agent_type = ev.agent_type.clone();
    r.tool = ev.tool_name.clone();
    r.permission_mode = ev.permission_mode.clone();
    r.cwd = Some(ctx.cwd.display().to_string());
    r.project = Some(ctx.project_root.display().to_string());
    r.subject = subject(ev, ctx, scanner);
}

/// What the record says the call was about: a path, a redacted command, a host; bounded.
fn subject(ev: &Event, ctx: &Context, scanner: &Scanner) -> Option<String> {
    let subject = match ToolKind::of(ev.tool()) {
        ToolKind::Shell => return ev.input_str("command").map(|c| bounded_command(scanner, c)),
        ToolKind::WebFetch => ev.input_str("url").and_then(crate::url::host),
        ToolKind::Grep | ToolKind::Glob => Some(
            ctx.path(ev.input_str("path").unwrap_or(&ctx.cwd.to_string_lossy()))
                .display(),
        ),
        ToolKind::Mcp => crate::controls::mcp::server_of(ev),
        _ => controls::path_fields(ev)
            .first()
            .map(|p| ctx.path(p).display())
            .or_else(|| ev.file_path.as_deref().map(|p| ctx.path(p).display())),
    };
    subject.map(|s| audit::record::bounded(&s))
}

/// How far past [`audit::record::MAX_SUBJECT`] a command is redacted for the record: a secret
/// that starts in the kept part is seen whole unless it is longer than this.
const SUBJECT_WINDOW: usize = 64 * 1024;

/// A command as the record keeps it ([`redact_command`], then [`audit::record::bounded`]). A
/// command longer than [`SUBJECT_WINDOW`] is scanned whole but redacted only that far: two
/// redacted copies of a 62 MiB command were most of its 256 MB (issue 16).
fn bounded_command(scanner: &Scanner, command: &str) -> String {
    if command.len() <= SUBJECT_WINDOW {
        return audit::record::bounded(&redact_command(scanner, command));
    }
    let mut end = SUBJECT_WINDOW;
    while !command.is_char_boundary(end) {
        end -= 1;
    }
    // Hits past the window are clamped to it by `scan::redact`.
    let hits = scanner.scan(command, crate::scan::Scan::ALL);
    let window = crate::redact::redact(&scanner.redact_fully(
        &command[..end],
        &hits,
        crate::scan::Scan::ALL,
    ));
    audit::record::bounded_beyond(&window, command.len() - end)
}

/// A command as the audit record keeps it: what the policy's content scanners find (every
/// vendor format, the policy's gitleaks rules, personal data) redacted first, then the
/// conservative token floor of `redact`.
fn redact_command(scanner: &Scanner, command: &str) -> String {
    let hits = scanner.scan(command, crate::scan::Scan::ALL);
    crate::redact::redact(&scanner.redact_fully(command, &hits, crate::scan::Scan::ALL))
}

fn fill_decision(r: &mut Record, d: &Decision, label: &str, scanner: &Scanner) {
    r.decision = label.to_string();
    r.rule = d.rule.clone();
    r.control = d.control.clone();
    // Reasons quote commands and values (a shell finding may name an assignment's value), so
    // they are redacted like the subject before they reach the log.
    r.reason = (!d.reason.is_empty()).then(|| redact_command(scanner, &d.reason));
    r.findings = d
        .trail
        .iter()
        .map(|j| format!("{}={}", j.finding.rule, j.verdict))
        .collect();
    r.converted_from_ask = d.converted_from_ask;
    if let Some(s) = &d.subject
        && r.subject.is_none()
    {
        r.subject = Some(bounded_command(scanner, s));
    }
}

/// PostToolUse and PostToolUseFailure: the outcome, and for reads what entered the context.
fn post_tool_use(ev: &Event, kind: EventKind) -> (String, Option<audit::record::ContextFile>) {
    if kind == EventKind::PostToolUseFailure {
        // Only the exit status line: the rest of the error can quote output, which may hold
        // anything.
        let first = ev
            .error
            .as_deref()
            .and_then(|e| e.lines().next())
            .unwrap_or("");
        let status = if first.starts_with("Exit code ") && first.len() < 32 {
            first.to_string()
        } else {
            "error".to_string()
        };
        return (format!("failure: {status}"), None);
    }
    let context_file = (ev.tool() == "Read")
        .then(|| ev.tool_response.as_ref().and_then(|t| t.get("file")))
        .flatten()
        .map(|file| {
            let content = file.get("content").and_then(|c| c.as_str()).unwrap_or("");
            let path = file
                .get("filePath")
                .and_then(|p| p.as_str())
                .map(str::to_string)
                .or_else(|| ev.input_str("file_path").map(str::to_string))
                .unwrap_or_default();
            audit::record::ContextFile {
                path,
                size: content.len() as u64,
                sha256: crate::digest::sha256_hex(content.as_bytes()),
            }
        });
    ("success".into(), context_file)
}

/// The refusal of an event that cannot be judged as it stands ([`Event::malformed`]).
fn malformed(kind: EventKind, problem: &str) -> Decision {
    let reason = if kind == EventKind::UserPromptSubmit {
        format!(
            "{problem}, so hookguard cannot check this prompt and blocks it (fail closed). Claude Code always sends a prompt; submit it again."
        )
    } else {
        format!(
            "{problem}, so hookguard cannot check this call and refuses it (fail closed). Claude Code always sends this field; send the call again with the tool's documented input."
        )
    };
    Decision::failure("input.malformed", reason)
}

/// The decision for a PreToolUse or UserPromptSubmit event, with its audit label (`deny`,
/// `ask`, `allow`, `defer`; `block` or `pass` for prompts). Shared by the hook, `explain` and
/// `policy test`, so all three decide alike.
pub fn evaluate(
    ev: &Event,
    policy: &Policy,
    ctx: &Context,
    nobody: Option<&str>,
) -> (&'static str, Decision) {
    // The hook refuses a malformed event before it judges (`judge`); `explain` and
    // `policy test` come here directly.
    if let Some(problem) = ev.malformed() {
        return (failure_label(ev.kind()), malformed(ev.kind(), &problem));
    }
    let (label, d, _) = evaluate_with(ev, policy, ctx, nobody, None);
    (label, d)
}

/// [`evaluate`] of an event already known to be well formed, sharing the findings with
/// `progress` as they are made (the shell analysis's first, then every control's), for the
/// deadline's answer.
fn evaluate_with(
    ev: &Event,
    policy: &Policy,
    ctx: &Context,
    nobody: Option<&str>,
    progress: Option<&crate::deadline::Progress>,
) -> (&'static str, Decision, crate::effects::Effects) {
    if ev.kind() == EventKind::UserPromptSubmit {
        let mut findings = Vec::new();
        controls::classification::check(policy, &mut findings);
        controls::content::prompt(ev, policy, &mut findings);
        let custom = custom::check(
            &custom::Subject {
                tool: "UserPromptSubmit",
                content: ev.prompt.clone(),
                ..Default::default()
            },
            policy,
        );
        let d = decision::decide(findings, custom, policy, nobody);
        // A prompt cannot be put to the person again: ask rules block too.
        let label = if d.verdict >= Verdict::Ask {
            "block"
        } else {
            "pass"
        };
        return (label, d, Default::default());
    }
    let shell = (ToolKind::of(ev.tool()) == ToolKind::Shell)
        .then(|| controls::shellcmd::report(ev, policy, ctx))
        .flatten();
    if let (Some(p), Some(r)) = (progress, &shell) {
        p.found(&r.findings);
    }
    // What the call does, worked out once for every control (ADR 0014).
    let effects = crate::effects::Effects::of_tool(ev, ctx, shell.as_ref());
    let findings = controls::pre_tool_use(ev, policy, ctx, shell.as_ref(), &effects);
    if let Some(p) = progress {
        p.found(&findings);
        debug_stall();
    }
    let custom = custom::check(
        &custom::Subject::of_tool(ev, ctx, shell.as_ref(), &effects, policy),
        policy,
    );
    let d = decision::decide(findings, custom, policy, nobody);
    (d.verdict.as_str(), d, effects)
}

/// The context an event is judged in, and where its policy layers are.
pub fn context_for(ev: &Event, opts: &HookOptions, env: &Environment) -> (Context, Locations) {
    let s = setup(ev, opts, env);
    (s.ctx, s.locations)
}

/// Used by `explain`: the decision for an event without writing any audit record.
pub fn explain(
    ev: &Event,
    opts: &HookOptions,
    env: &Environment,
) -> Result<(Policy, Decision), crate::policy::PolicyError> {
    let s = setup(ev, opts, env);
    let policy = Policy::load(&s.locations, opts.profile)?;
    let mut ctx = s.ctx;
    if let Some(l) = audit_path(opts, Some(&policy), env) {
        ctx.audit_log = crate::paths::resolve(&l);
    }
    let nobody =
        decision::nobody_to_ask(policy.profile, ev.permission_mode.as_deref(), ctx.headless);
    let (_, d) = evaluate(ev, &policy, &ctx, nobody);
    Ok((policy, d))
}

/// The shell analysis of an event's command as `explain` shows it: each simple command as it
/// would run, and the files it would touch.
pub fn explain_shell(
    ev: &Event,
    opts: &HookOptions,
    env: &Environment,
) -> Result<Option<crate::shell::ShellReport>, crate::policy::PolicyError> {
    if ToolKind::of(ev.tool()) != ToolKind::Shell {
        return Ok(None);
    }
    let s = setup(ev, opts, env);
    let policy = Policy::load(&s.locations, opts.profile)?;
    Ok(controls::shellcmd::report(ev, &policy, &s.ctx))
}

/// Used by `policy check`.
pub fn load_policy(
    opts: &HookOptions,
    env: &Environment,
    cwd: &Path,
) -> Result<Policy, crate::policy::PolicyError> {
    let ev = Event {
        cwd: Some(cwd.display().to_string()),
        ..Event::default()
    };
    let s = setup(&ev, opts, env);
    let policy = Policy::load(&s.locations, opts.profile)?;
    // The hook compiles rule regexes when a call first needs one; `policy check` and `doctor`
    // compile them all, so a regex over the size limits is reported before it matters.
    for r in &policy.rules {
        for (field, re) in [("content", &r.content), ("command", &r.command)] {
            if let Some(Err(e)) = re.as_ref().map(|re| re.compiled()) {
                return Err(crate::policy::PolicyError::Invalid {
                    file: r.source.file.clone(),
                    line: r.source.line(),
                    key: format!("rule `{}`", r.id),
                    message: format!(
                        "{field} regex cannot be compiled ({e}); until it is fixed the rule {}",
                        if r.decision == crate::decision::Verdict::Allow {
                            "allows nothing"
                        } else {
                            "matches every call it applies to"
                        }
                    ),
                });
            }
        }
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A command past the window is redacted as far as the record keeps it, secrets at its
    /// start included, and the record says how much was left out; a shorter one as before.
    #[test]
    fn a_huge_command_is_redacted_only_as_far_as_the_record_keeps() {
        let scanner = Scanner::builtin();
        let secret = "AKIAZ3MTQ5LYXW4BN7KD";
        let long = format!("echo {secret} '{}'", "x ".repeat(SUBJECT_WINDOW));
        let kept = bounded_command(&scanner, &long);
        assert!(!kept.contains(secret), "{kept}");
        let whole = redact_command(&scanner, &long);
        assert_eq!(kept, audit::record::bounded(&whole));
        let short = format!("echo {secret} '{}'", "x ".repeat(3000));
        assert_eq!(
            bounded_command(&scanner, &short),
            audit::record::bounded(&redact_command(&scanner, &short))
        );
    }
}
