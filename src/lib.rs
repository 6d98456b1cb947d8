//! hookguard: a policy guard that Claude Code runs as a hook on every tool call and prompt.
#![forbid(unsafe_code)]

pub mod classification;
pub mod decision;
pub mod digest;
pub mod event;
pub mod paths;
pub mod policy;
pub mod controls;
pub mod audit;
