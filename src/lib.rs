//! hookguard: a policy guard that Claude Code runs as a hook on every tool call and prompt.
#![forbid(unsafe_code)]

pub mod audit;
pub mod classification;
pub mod cli;
pub mod clidoc;
pub mod controls;
pub mod deadline;
pub mod decision;
pub mod digest;
pub mod doctor;
pub mod effects;
pub mod event;
pub mod input;
pub mod install;
pub mod lines;
mod onecopy;
pub mod output;
pub mod paths;
pub mod policy;
pub mod policytest;
pub mod redact;
pub mod rules;
pub mod run;
pub mod sandbox;
pub mod scan;
pub mod session;
pub mod shell;
pub mod url;
