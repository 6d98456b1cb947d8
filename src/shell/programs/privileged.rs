//! C5 privileged commands: elevation, system administration, kernel, firewall, users, raw
//! disks and privileged containers. Rule ids `shell.privileged.<word>`.

use crate::decision::Finding;
use crate::shell::{Access, AccessKind, SimpleCommand};

/// Programs that are privileged whatever their arguments.
pub const ALWAYS: &[&str] = &[
    "sudo",
    "su",
    "doas",
    "pkexec",
    "runuser",
    "chroot",
    "nsenter",
    "mount",
    "umount",
    "shutdown",
    "reboot",
    "poweroff",
    "halt",
    "init",
    "telinit",
    "insmod",
    "rmmod",
    "modprobe",
    "iptables",
    "ip6tables",
    "iptables-restore",
    "ip6tables-restore",
    "nft",
    "ufw",
    "firewall-cmd",
    "useradd",
    "usermod",
    "userdel",
    "groupadd",
    "groupmod",
    "groupdel",
    "adduser",
    "deluser",
    "addgroup",
    "delgroup",
    "passwd",
    "chpasswd",
    "gpasswd",
    "chage",
    "visudo",
    "sudoedit",
    "setcap",
    "fdisk",
    "sfdisk",
    "gdisk",
    "cfdisk",
    "parted",
    "wipefs",
    "mkswap",
    "swapon",
    "swapoff",
    "losetup",
    "cryptsetup",
    "pvcreate",
    "vgcreate",
    "lvcreate",
    "lvremove",
    "vgremove",
    "pvremove",
    "debugfs",
    "kexec",
    "sysctl",
    "setenforce",
];

const SYSTEMCTL_READ: &[&str] = &[
    "status",
    "show",
    "cat",
    "list-units",
    "list-unit-files",
    "list-timers",
    "list-sockets",
    "list-dependencies",
    "list-jobs",
    "is-active",
    "is-enabled",
    "is-failed",
    "is-system-running",
    "help",
    "get-default",
    "show-environment",
    "--version",
];

fn finding(word: &str, subject: &str, why: &str) -> Finding {
    Finding::new(
        format!("shell.privileged.{word}"),
        "PR-06",
        subject,
        format!(
            "Refused `{word}`: {why}. An AI assistant must not use privileged credentials or \
             change the system (C5, PR-06). Do the task without elevated privileges, or ask a \
             person to run it outside Claude Code."
        ),
    )
}

pub(crate) fn check(cmd: &SimpleCommand, out: &mut Vec<Finding>) {
    let subject = cmd.to_string();
    for w in cmd.wrappers.iter().chain(std::iter::once(&cmd.name)) {
        if ALWAYS.contains(&w.as_str()) {
            out.push(finding(
                w,
                &subject,
                "it runs with or changes system privileges",
            ));
        }
    }
    let name = cmd.name.as_str();
    if name.starts_with("mkfs") || name.starts_with("mke2fs") {
        out.push(finding(name, &subject, "it formats a disk"));
    }
    let args: Vec<&str> = cmd.args().collect();
    match name {
        "systemctl" | "service" | "launchctl" | "rc-service" => {
            let ops: Vec<&&str> = args.iter().filter(|a| !a.starts_with('-')).collect();
            let mutating = match name {
                "systemctl" => ops.first().is_some_and(|op| !SYSTEMCTL_READ.contains(op)),
                "service" => ops.get(1).is_some_and(|op| *op != &"status"),
                _ => ops
                    .first()
                    .is_some_and(|op| !matches!(**op, "list" | "print" | "status")),
            };
            if mutating && !(name == "systemctl" && args.contains(&"--user")) {
                out.push(finding(name, &subject, "it changes system services"));
            }
        }
        "crontab" if !args.contains(&"-l") => {
            out.push(finding(name, &subject, "it changes scheduled jobs"));
        }
        "chmod" => {
            let mode = args
                .iter()
                .find(|a| !a.starts_with('-') || a.starts_with("-s") || a.starts_with("-g"));
            if let Some(m) = mode {
                let setid = if m.chars().all(|c| c.is_ascii_digit()) {
                    m.len() == 4 && matches!(m.chars().next(), Some('2' | '4' | '6' | '7'))
                } else {
                    m.split(',').any(|clause| {
                        let (_, perms) =
                            clause.split_at(clause.find(['+', '=']).unwrap_or(clause.len()));
                        perms.contains('s')
                    })
                };
                if setid {
                    out.push(finding(
                        "setuid",
                        &subject,
                        "it sets the setuid or setgid bit",
                    ));
                }
            }
        }
        "chown" | "chgrp" => {
            let owner = args.iter().find(|a| !a.starts_with('-'));
            if let Some(o) = owner {
                let user = o.split([':', '.']).next().unwrap_or("");
                if user == "root" || user == "0" || (name == "chgrp" && (*o == "root" || *o == "0"))
                {
                    out.push(finding("chown-root", &subject, "it gives files to root"));
                }
            }
        }
        "dd" if args.iter().any(|a| {
            a.starts_with("of=/dev/")
                && !matches!(*a, "of=/dev/null" | "of=/dev/stdout" | "of=/dev/stderr")
        }) =>
        {
            out.push(finding("dd", &subject, "it writes a raw device"));
        }
        "docker" | "podman" | "nerdctl" => check_container(&args, &subject, out),
        "kubectl"
            if args.iter().any(|a| {
                a.contains("\"privileged\":true")
                    || a.contains("hostPID")
                    || a.contains("hostNetwork")
            }) =>
        {
            out.push(finding("container", &subject, "it starts a privileged pod"));
        }
        _ => {}
    }
}

fn check_container(args: &[&str], subject: &str, out: &mut Vec<Finding>) {
    let sub = args
        .iter()
        .find(|a| !a.starts_with('-'))
        .copied()
        .unwrap_or("");
    let runs = matches!(sub, "run" | "create" | "exec" | "container") || (sub == "compose");
    if !runs {
        return;
    }
    let mut bad = None;
    for (i, a) in args.iter().enumerate() {
        let next = args.get(i + 1).copied().unwrap_or("");
        let val = |opt: &str| -> Option<String> {
            if *a == opt {
                Some(next.to_string())
            } else {
                a.strip_prefix(opt)
                    .and_then(|r| r.strip_prefix('='))
                    .map(str::to_string)
            }
        };
        if *a == "--privileged" || a.starts_with("--privileged=true") {
            bad = Some("--privileged");
        }
        for ns in [
            "--pid",
            "--net",
            "--network",
            "--ipc",
            "--uts",
            "--userns",
            "--cgroupns",
        ] {
            if val(ns).as_deref() == Some("host") {
                bad = Some("a host namespace");
            }
        }
        if val("--cap-add").is_some() {
            bad = Some("--cap-add");
        }
        if val("--device").is_some() {
            bad = Some("--device");
        }
        if let Some(s) = val("--security-opt")
            && s.contains("unconfined")
        {
            bad = Some("an unconfined security profile");
        }
        for vol in ["-v", "--volume", "--mount"] {
            if let Some(v) = val(vol) {
                let src = v.split(':').next().unwrap_or("");
                let src = src
                    .strip_prefix("type=bind,source=")
                    .or_else(|| src.strip_prefix("source="))
                    .unwrap_or(src);
                let src = src.split(',').next().unwrap_or(src);
                if matches!(
                    src.trim_end_matches('/'),
                    "" | "/etc"
                        | "/var/run/docker.sock"
                        | "/run/docker.sock"
                        | "/root"
                        | "/boot"
                        | "/dev"
                        | "/proc"
                        | "/sys"
                        | "/var/run"
                        | "/run"
                ) && src.starts_with('/')
                {
                    bad = Some("a host system mount");
                }
            }
        }
    }
    if let Some(what) = bad {
        out.push(finding(
            "container",
            subject,
            &format!("it starts a container with {what}"),
        ));
    }
}

/// System directories: writes there need privileges and change the machine.
const SYSTEM_DIRS: &[&str] = &[
    "/etc",
    "/usr",
    "/bin",
    "/sbin",
    "/boot",
    "/lib",
    "/lib32",
    "/lib64",
    "/sys",
    "/proc",
    "/var/lib",
    "/var/spool/cron",
    "/System",
    "/Library",
];

pub(crate) fn check_accesses(accesses: &[Access], out: &mut Vec<Finding>) {
    for a in accesses {
        if !matches!(a.kind, AccessKind::Write | AccessKind::Delete) {
            continue;
        }
        if SYSTEM_DIRS.iter().any(|d| a.path.starts_with(d))
            && !a.path.starts_with("/usr/local/src")
        {
            out.push(finding(
                "system-dir",
                &a.path.to_string_lossy(),
                &format!(
                    "`{}` writes to the system directory `{}`",
                    a.by,
                    a.path.display()
                ),
            ));
        }
    }
}
