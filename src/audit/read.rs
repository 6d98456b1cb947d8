//! Reading a log back for `export` and `report`: the rotated set of each log named, oldest
//! first, one line at a time (a large log is streamed, never loaded whole), optionally cut to
//! a time window.

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// A time window over records' `ts`, in Unix milliseconds: `since` included, `until` excluded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
}

impl Window {
    /// Parses `--since`/`--until` values (`super::when`: `2026-11-21`,
    /// `2026-11-21T09:00:00+01:00`, or a time before now such as `1h` or `7d`).
    pub fn parse(since: Option<&str>, until: Option<&str>) -> Result<Window, String> {
        let now = super::when::now_millis();
        let p = |name: &str, v: Option<&str>| {
            v.map(|v| {
                super::when::parse_instant(v, now).ok_or_else(|| {
                    format!(
                        "{name} `{v}`: expected a date (2026-11-21, UTC), an RFC 3339 time \
                         (2026-11-21T09:00:00Z, 2026-11-21T10:00:00+01:00) or a time before \
                         now (30m, 1h, 7d, 2w)"
                    )
                })
            })
            .transpose()
        };
        Ok(Window {
            since: p("--since", since)?,
            until: p("--until", until)?,
        })
    }

    /// Whether a record line falls in the window (a line without a readable `ts` does not,
    /// unless the window is open on both sides).
    pub fn contains_line(&self, line: &str) -> bool {
        if self.since.is_none() && self.until.is_none() {
            return true;
        }
        let Some(ms) = ts_of(line).and_then(super::time::parse_millis) else {
            return false;
        };
        self.since.is_none_or(|s| ms >= s) && self.until.is_none_or(|u| ms < u)
    }
}

/// The `ts` of a record line without parsing the whole line: records begin with it.
fn ts_of(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("{\"ts\":\"")?;
    rest.split_once('"').map(|(ts, _)| ts)
}

/// Every file to read for `logs`, each expanded to its rotated set, oldest first.
pub fn files(logs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for log in logs {
        let set: Vec<PathBuf> = super::verify::log_set(log)
            .into_iter()
            .filter(|p| p.exists())
            .collect();
        if set.is_empty() {
            return Err(format!("{}: no such audit log", log.display()));
        }
        for f in &set {
            // Checked here, where it can be reported: a FIFO would otherwise block the read
            // or be skipped without a word.
            if !std::fs::metadata(f).is_ok_and(|m| m.is_file()) {
                return Err(not_regular(f).to_string());
            }
        }
        out.extend(set);
    }
    Ok(out)
}

/// The record lines of `files` within `window`, streamed.
pub fn lines(files: Vec<PathBuf>, window: Window) -> impl Iterator<Item = String> {
    files
        .into_iter()
        .flat_map(|f| open_lines(&f))
        .filter(move |l| !l.trim().is_empty() && window.contains_line(l))
}

fn open_lines(f: &Path) -> Box<dyn Iterator<Item = String>> {
    match open_regular(f) {
        Ok(file) => Box::new(
            std::io::BufReader::new(file)
                .split(b'\n')
                .map_while(Result::ok)
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
        ),
        Err(_) => Box::new(std::iter::empty()),
    }
}

/// Opens `path` for reading only if it is a regular file: non-blocking, so a FIFO (which
/// would block `open` until a writer came) is refused at once, like a socket or a device.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    open_regular_with(path, 0)
}

/// As [`open_regular`], refusing a symbolic link too: for the files of a log set, which the
/// log never writes through a link (one there was put there by someone else).
pub fn open_regular_nofollow(path: &Path) -> std::io::Result<std::fs::File> {
    open_regular_with(path, libc::O_NOFOLLOW).map_err(|e| {
        if e.raw_os_error() == Some(libc::ELOOP) {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "`{}` is a symbolic link; the audit log never writes through one",
                    path.display()
                ),
            )
        } else {
            e
        }
    })
}

fn open_regular_with(path: &Path, flags: i32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC | flags)
        .open(path)?;
    if !f.metadata()?.file_type().is_file() {
        return Err(not_regular(path));
    }
    Ok(f)
}

/// The error for a FIFO, socket or device where a regular file was expected.
pub fn not_regular(path: &Path) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!(
            "`{}` is not a regular file (a FIFO, socket or device); refusing to read it",
            path.display()
        ),
    )
}
