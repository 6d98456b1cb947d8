//! hookguard: a policy guard that Claude Code runs as a hook on every tool call and prompt.
#![forbid(unsafe_code)]

pub mod decision;
pub mod shell;
