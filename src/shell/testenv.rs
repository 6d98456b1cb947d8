//! An owned [`ShellEnv`] for analysing commands outside a hook call: unit and integration
//! tests, benchmarks and fuzz targets. The hook builds its `ShellEnv` from the event and the
//! policy (`controls::shellcmd`); everything else starts here, so that a field added to
//! `ShellEnv` is given a default in one place.

use std::path::PathBuf;

use super::{ShellEnv, ShellReport, analyse, builtin_production_identifier};

/// A project directory (also the working directory and the first write root), no home, no
/// protected branches or AI markers, the built-in production identifier test, and no disk
/// access; each can be changed with the methods below.
#[derive(Debug, Clone)]
pub struct TestEnv {
    pub cwd: PathBuf,
    pub home: Option<PathBuf>,
    pub project_root: PathBuf,
    pub write_roots: Vec<PathBuf>,
    pub protected_branches: Vec<String>,
    pub ai_markers: Vec<String>,
    pub read_files: bool,
}

impl TestEnv {
    /// The project at `project`, which is also the working directory and the one write root.
    pub fn new(project: impl Into<PathBuf>) -> TestEnv {
        let project = project.into();
        TestEnv {
            cwd: project.clone(),
            home: None,
            write_roots: vec![project.clone()],
            project_root: project,
            protected_branches: Vec::new(),
            ai_markers: Vec::new(),
            read_files: false,
        }
    }

    /// The home directory.
    pub fn home(mut self, home: impl Into<PathBuf>) -> TestEnv {
        self.home = Some(home.into());
        self
    }

    /// The working directory, where it is not the project.
    pub fn cwd(mut self, cwd: impl Into<PathBuf>) -> TestEnv {
        self.cwd = cwd.into();
        self
    }

    /// One more write root (the temp directory, say).
    pub fn write_root(mut self, root: impl Into<PathBuf>) -> TestEnv {
        self.write_roots.push(root.into());
        self
    }

    /// The markers a commit message must carry.
    pub fn ai_markers(mut self, markers: &[&str]) -> TestEnv {
        self.ai_markers = markers.iter().map(|m| m.to_string()).collect();
        self
    }

    /// Whether the analyser may read files (scripts, globs, kubeconfig).
    pub fn read_files(mut self, read: bool) -> TestEnv {
        self.read_files = read;
        self
    }

    /// The borrowed environment the analyser takes.
    pub fn env(&self) -> ShellEnv<'_> {
        ShellEnv {
            cwd: &self.cwd,
            home: self.home.as_deref(),
            project_root: &self.project_root,
            write_roots: &self.write_roots,
            protected_branches: &self.protected_branches,
            ai_markers: &self.ai_markers,
            is_production_identifier: &builtin_production_identifier,
            read_files: self.read_files,
        }
    }

    /// Analyses `command` in this environment.
    pub fn analyse(&self, command: &str) -> ShellReport {
        analyse(command, &self.env())
    }
}
