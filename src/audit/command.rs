//! `hookguard audit …`: the subcommands that read the log (verify, export, report).
//!
//! The arguments are defined here, beside the code that runs them, and `cli` re-exports them;
//! `main` only prints what `run` returns and exits with its code.

use super::key::ChainKey;
use clap::Subcommand;
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain of an audit log and its rotated files (`PATH.1` …, oldest first);
    /// exit 1 naming the first bad line.
    Verify {
        /// A copy of the HMAC key, for a keyed chain.
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
        path: PathBuf,
    },
}

/// What a subcommand prints and its exit code (0 success, 1 the log is not intact, 2 error).
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
}

/// Runs one audit subcommand.
pub fn run(cmd: &AuditCommand) -> CommandOutput {
    match cmd {
        AuditCommand::Verify { key, path } => verify(path, key.as_deref()),
    }
}

fn load_key(key: Option<&std::path::Path>) -> Result<Option<ChainKey>, String> {
    key.map(|k| ChainKey::load_unchecked(k).map_err(|e| e.to_string()))
        .transpose()
}

fn verify(path: &std::path::Path, key: Option<&std::path::Path>) -> CommandOutput {
    let key = match load_key(key) {
        Ok(k) => k,
        Err(e) => return CommandOutput::error(e),
    };
    let r = match super::verify(path, key.as_ref()) {
        Ok(r) => r,
        Err(e) => return CommandOutput::error(format!("{}: {e}", path.display())),
    };
    let mut out = String::new();
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    let files = if r.files.len() > 1 {
        format!(" in {} files", r.files.len())
    } else {
        String::new()
    };
    match &r.first_error {
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
            CommandOutput {
                stdout: out,
                stderr: None,
                code: 0,
            }
        }
        Some(b) => {
            out.push_str(&format!(
                "{}:{}: chain broken: {} ({} records verified before it)\n",
                b.file.display(),
                b.line,
                b.message,
                r.records
            ));
            CommandOutput {
                stdout: out,
                stderr: None,
                code: 1,
            }
        }
    }
}
