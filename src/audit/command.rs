//! `hookguard audit …`: the subcommands that read the log (verify, export, report).
//!
//! The arguments are defined here, beside the code that runs them, and `cli` re-exports them;
//! `main` only prints what `run` returns and exits with its code.

use super::key::ChainKey;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of an audit log and its rotated files (`PATH.1` …, oldest first)
    /// against its head; exit 1 naming the first bad line. With `--format`, check an export
    /// (or the record lines a SIEM received) instead; with `--against`, also compare the log
    /// with such a file and list the records missing, extra or altered.
    Verify {
        /// A copy of the HMAC key, for a keyed chain: every record must then be keyed with it.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        /// What PATH is: the log set with its head (`log`), record lines without a head
        /// (`lines`: a copy, or what a SIEM received), or an export.
        #[arg(long, value_enum, default_value = "log")]
        format: super::verify::Source,
        /// Check a copy of a log that has no head (truncation cannot then be ruled out).
        #[arg(long)]
        no_head: bool,
        /// Compare the log with what was shipped: an export, or the record lines a SIEM
        /// received (`--against-format`).
        #[arg(long, value_name = "FILE")]
        against: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "lines", value_name = "FORMAT")]
        against_format: super::verify::Source,
        path: PathBuf,
    },
    /// Write the log set (oldest first) as newline-delimited JSON for a SIEM: OTLP logs, Splunk
    /// HTTP Event Collector events, or Elastic Common Schema documents.
    Export {
        #[arg(long, value_enum)]
        format: super::export::Format,
        /// Only records at or after this time: `2026-11-21` (UTC), RFC 3339 with any offset, or a
        /// time before now (`1h`, `7d`).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only records before this time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        #[arg(required = true, value_name = "LOG")]
        logs: Vec<PathBuf>,
    },
    /// Report what the log evidences: the guidance's compliance indicators and red flags,
    /// decisions by control and rule over time, sessions, top refused actions, the files that
    /// entered the context, and chain integrity.
    Report {
        #[arg(long, value_enum, default_value = "text")]
        format: super::report::Format,
        /// Only records at or after this time: `2026-11-21` (UTC), RFC 3339 with any offset, or a
        /// time before now (`1h`, `7d`).
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only records before this time.
        #[arg(long, value_name = "DATE")]
        until: Option<String>,
        /// A copy of the HMAC key, to check a keyed chain.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        #[arg(required = true, value_name = "LOG")]
        logs: Vec<PathBuf>,
    },
    /// Appends COUNT synthetic records, timing each append (tests and benchmarks only).
    #[command(hide = true)]
    Stress {
        #[arg(long, default_value_t = 100)]
        count: u32,
        /// A label for this writer, kept in each record's subject.
        #[arg(long, default_value = "w")]
        worker: String,
        #[arg(long)]
        fsync: bool,
        #[arg(long, value_name = "BYTES")]
        rotate_bytes: Option<u64>,
        #[arg(long, value_name = "N")]
        keep: Option<u32>,
        log: PathBuf,
    },
}

/// What a subcommand prints and its exit code (0 success, 1 the log is not intact, 2 error).
/// Large output (`export`, `report`) is streamed to the writer given to [`run`] instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    pub stdout: String,
    pub stderr: Option<String>,
    pub code: u8,
}

impl CommandOutput {
    fn error(message: String) -> CommandOutput {
        CommandOutput {
            stdout: String::new(),
            stderr: Some(format!("hookguard: {message}")),
            code: 2,
        }
    }

    fn ok() -> CommandOutput {
        CommandOutput {
            stdout: String::new(),
            stderr: None,
            code: 0,
        }
    }
}

/// Runs one audit subcommand; `out` is stdout, where `export` and `report` stream.
pub fn run(cmd: &AuditCommand, out: &mut dyn std::io::Write) -> CommandOutput {
    match cmd {
        AuditCommand::Verify {
            key,
            format,
            no_head,
            against,
            against_format,
            path,
        } => verify(
            path,
            key.as_deref(),
            *format,
            *no_head,
            against.as_deref().map(|a| (a, *against_format)),
        ),
        AuditCommand::Export {
            format,
            since,
            until,
            logs,
        } => export(*format, since.as_deref(), until.as_deref(), logs, out),
        AuditCommand::Report {
            format,
            since,
            until,
            key,
            logs,
        } => report(
            *format,
            since.as_deref(),
            until.as_deref(),
            key.as_deref(),
            logs,
            out,
        ),
        AuditCommand::Stress {
            count,
            worker,
            fsync,
            rotate_bytes,
            keep,
            log,
        } => {
            let settings = super::Settings {
                fsync: *fsync,
                rotate_bytes: rotate_bytes.unwrap_or(super::settings::DEFAULT_ROTATE_BYTES),
                keep: keep.unwrap_or(super::settings::DEFAULT_KEEP),
                // Many writers on two cores: wait as long as a stalled machine needs.
                lock_timeout: std::time::Duration::from_secs(60),
                ..Default::default()
            };
            stress(log, &settings, *count, worker)
        }
    }
}

fn load_key(key: Option<&std::path::Path>) -> Result<Option<ChainKey>, String> {
    key.map(|k| ChainKey::load_unchecked(k).map_err(|e| e.to_string()))
        .transpose()
}

fn verify(
    path: &std::path::Path,
    key: Option<&std::path::Path>,
    format: super::verify::Source,
    no_head: bool,
    against: Option<(&std::path::Path, super::verify::Source)>,
) -> CommandOutput {
    let key = match load_key(key) {
        Ok(k) => k,
        Err(e) => return CommandOutput::error(e),
    };
    let opts = super::verify::Options {
        key: key.as_ref(),
        no_head,
    };
    let r = match super::verify::verify_source(path, format, opts) {
        Ok(r) => r,
        Err(e) => return CommandOutput::error(format!("{}: {e}", path.display())),
    };
    let mut out = String::new();
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    for s in &r.stalls {
        out.push_str(&format!("stall: {s}\n"));
    }
    let files = if r.files.len() > 1 {
        format!(" in {} files", r.files.len())
    } else {
        String::new()
    };
    let mut code = match &r.first_error {
        None => {
            let keyed = if key.is_some() {
                ", HMAC authenticated"
            } else {
                ""
            };
            out.push_str(&format!(
                "{}: {} records{files}, chain intact{keyed}\n",
                path.display(),
                r.records
            ));
            0
        }
        Some(b) => {
            out.push_str(&format!(
                "{}:{}: chain broken: {} ({} records verified before it)\n",
                b.file.display(),
                b.line,
                b.message,
                r.records
            ));
            1
        }
    };
    if let Some((other, other_format)) = against {
        let c = match super::verify::compare(path, format, other, other_format) {
            Ok(c) => c,
            Err(e) => return CommandOutput::error(e),
        };
        out.push_str(&c.describe(path, other));
        if !c.agrees() {
            code = 1;
        }
    }
    CommandOutput {
        stdout: out,
        stderr: None,
        code,
    }
}

/// Appends `count` synthetic records and reports the cost of each append: what a hook call
/// pays for its audit record. The records say what they are (`event` `(stress)`).
fn stress(
    log: &std::path::Path,
    settings: &super::Settings,
    count: u32,
    worker: &str,
) -> CommandOutput {
    let log = match super::Log::new(log, settings) {
        Ok(l) => l,
        Err(e) => return CommandOutput::error(e.to_string()),
    };
    let mut micros = Vec::with_capacity(count as usize);
    for i in 0..count {
        let mut r = super::Record {
            ts: super::time::now_rfc3339(),
            event: "(stress)".into(),
            decision: "pass".into(),
            subject: Some(format!("{worker}-{i}")),
            hookguard: env!("CARGO_PKG_VERSION"),
            ..Default::default()
        };
        let start = std::time::Instant::now();
        if let Err(e) = log.append(&mut r) {
            return CommandOutput::error(e.to_string());
        }
        micros.push(start.elapsed().as_secs_f64() * 1e6);
    }
    micros.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        micros
            .get(((micros.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let mean = micros.iter().sum::<f64>() / micros.len().max(1) as f64;
    CommandOutput {
        stdout: format!(
            "appends={count} mean_us={mean:.1} p50_us={:.1} p99_us={:.1} max_us={:.1}\n",
            pct(0.5),
            pct(0.99),
            pct(1.0)
        ),
        stderr: None,
        code: 0,
    }
}

fn export(
    format: super::export::Format,
    since: Option<&str>,
    until: Option<&str>,
    logs: &[PathBuf],
    out: &mut dyn std::io::Write,
) -> CommandOutput {
    let window = match super::read::Window::parse(since, until) {
        Ok(w) => w,
        Err(e) => return CommandOutput::error(e),
    };
    let files = match super::read::files(logs) {
        Ok(f) => f,
        Err(e) => return CommandOutput::error(e),
    };
    let mut out = std::io::BufWriter::new(out);
    match super::export::export(format, super::read::lines(files, window), &mut out)
        .and_then(|_| out.flush())
    {
        Ok(()) => CommandOutput::ok(),
        // A reader that stops early (`| head`) is not an error worth a message.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => CommandOutput::ok(),
        Err(e) => CommandOutput::error(e.to_string()),
    }
}

fn report(
    format: super::report::Format,
    since: Option<&str>,
    until: Option<&str>,
    key: Option<&std::path::Path>,
    logs: &[PathBuf],
    out: &mut dyn std::io::Write,
) -> CommandOutput {
    let built = super::read::Window::parse(since, until).and_then(|window| {
        let key = load_key(key)?;
        super::report::build(
            logs,
            window,
            since.map(String::from),
            until.map(String::from),
            key.as_ref(),
        )
    });
    let r = match built {
        Ok(r) => r,
        Err(e) => return CommandOutput::error(e),
    };
    let body = match format {
        super::report::Format::Text => super::report::text(&r),
        super::report::Format::Json => serde_json::to_string_pretty(&r).unwrap_or_default() + "\n",
        super::report::Format::Html => super::html::render(&r),
    };
    match out.write_all(body.as_bytes()) {
        Ok(()) => CommandOutput::ok(),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => CommandOutput::ok(),
        Err(e) => CommandOutput::error(e.to_string()),
    }
}
