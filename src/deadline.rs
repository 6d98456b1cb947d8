//! The hook's deadline (issue 16, ADR 0017): every call is answered within a second, whatever
//! the input.
//!
//! `hookguard hook` judges an event on a worker thread and waits for it until
//! [`DEADLINE`] after the process started. Past it, the main thread answers with what it has:
//! a finding already made whose verdict is deny decides; otherwise the opaque decision (the
//! profile's verdict for `shell.opaque`, as for a command hookguard cannot analyse); a
//! PostToolUse output is withheld whole rather than passed on unscanned. The answer is recorded
//! like any other and the process exits, leaving the worker where it was.
//!
//! What the worker has found so far, and whether it has started writing its audit record, is
//! shared through [`Progress`]. Once the worker has decided and begun its record, the decision
//! is made: the main thread waits for the record rather than write a second one (the audit
//! append has its own lock timeout).

use crate::decision::Finding;
use crate::policy::Policy;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How long after the process starts the hook answers, finished or not: 800 ms, so that the
/// answer, its audit record and the process exit fit in the second the spec allows.
pub const DEADLINE: Duration = Duration::from_millis(800);

/// What the worker judging an event has got to.
#[derive(Default)]
pub struct Progress {
    /// The policy, once loaded.
    pub policy: OnceLock<Policy>,
    /// Findings made so far (the shell analysis's, then the controls').
    findings: Mutex<Vec<Finding>>,
    phase: Mutex<Phase>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    #[default]
    Judging,
    /// The worker has decided and is writing its record.
    Recording,
    /// The deadline passed first: the main thread answers.
    TimedOut,
}

impl Progress {
    /// Adds findings made so far.
    pub fn found(&self, findings: &[Finding]) {
        if let Ok(mut f) = self.findings.lock() {
            f.extend(findings.iter().cloned());
        }
    }

    /// The findings made so far.
    pub fn findings(&self) -> Vec<Finding> {
        self.findings.lock().map(|f| f.clone()).unwrap_or_default()
    }

    /// Called by the worker before it writes its record: `false` if the deadline has passed
    /// (the main thread answers and records instead; the worker stops).
    pub fn start_recording(&self) -> bool {
        let Ok(mut p) = self.phase.lock() else {
            return false;
        };
        if *p == Phase::TimedOut {
            return false;
        }
        *p = Phase::Recording;
        true
    }

    /// Called by the main thread at the deadline: `true` if the worker had not started its
    /// record (from now on it will not), `false` if it has (its answer is coming).
    pub fn time_out(&self) -> bool {
        let Ok(mut p) = self.phase.lock() else {
            return true;
        };
        if *p == Phase::Recording {
            return false;
        }
        *p = Phase::TimedOut;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_to_claim_the_record_wins() {
        let p = Progress::default();
        assert!(p.start_recording());
        assert!(!p.time_out());
        let p = Progress::default();
        assert!(p.time_out());
        assert!(!p.start_recording());
    }
}
