//! What `git` subcommands touch in the work tree: what `clean`, `checkout`/`restore`, `stash`,
//! `rm` and `mv` delete or overwrite, the files `config` and `apply`/`am` read or write.

use super::*;

pub(super) fn git(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let mut out = Vec::new();
    let Some((sub, rest)) = crate::shell::programs::git::subcommand(&cmd.argv) else {
        return out;
    };
    match sub.as_str() {
        "clean" => {
            let forced = rest.iter().any(|a| {
                a.value.starts_with('-') && !a.value.starts_with("--") && a.value.contains('f')
                    || a.value == "--force"
            });
            let dry = rest
                .iter()
                .any(|a| a.value == "-n" || a.value == "--dry-run");
            if forced && !dry {
                let (before, after) = split_dashdash(&rest);
                let specs: Vec<&crate::shell::Arg> = git_operands(before, &["-e", "--exclude"])
                    .into_iter()
                    .chain(after)
                    .collect();
                if specs.is_empty() {
                    out.push(RawAccess {
                        recursive: true,
                        selective: true,
                        ..text(".", AccessKind::Delete, "git clean")
                    });
                }
                for a in specs {
                    out.push(RawAccess {
                        recursive: true,
                        selective: true,
                        ..raw(a, AccessKind::Delete, "git clean")
                    });
                }
            }
        }
        // `git config -f FILE …` writes FILE (unless it only reads).
        "config" => {
            let reads_only = rest.iter().any(|a| {
                matches!(
                    a.value.as_str(),
                    "--get" | "--get-all" | "--get-regexp" | "-l" | "--list" | "get" | "list"
                )
            });
            for (k, a) in rest.iter().enumerate() {
                let file = match a.value.as_str() {
                    "-f" | "--file" => rest.get(k + 1),
                    _ => None,
                };
                if let Some(f) = file {
                    out.push(raw(f, AccessKind::Read, "git config"));
                    if !reads_only {
                        out.push(raw(f, AccessKind::Write, "git config"));
                    }
                }
            }
        }
        // `git stash push -- PATHS` puts the paths back as they were committed.
        "stash" => {
            let (before, after) = split_dashdash(&rest);
            let pushes = before
                .first()
                .is_some_and(|a| a.value == "push" || a.value == "save");
            if pushes {
                for a in git_operands(&before[1..], &["-m", "--message", "--pathspec-from-file"])
                    .into_iter()
                    .chain(after)
                {
                    out.push(RawAccess {
                        recursive: true,
                        ..raw(a, AccessKind::Write, "git stash")
                    });
                }
            }
        }
        "apply" | "am" => {
            for a in rest.iter().filter(|a| !a.value.starts_with('-')) {
                out.push(raw(a, AccessKind::Read, "git apply"));
            }
        }
        // Paths written from the index or another commit.
        "checkout" | "restore" => {
            let by = if sub == "checkout" {
                "git checkout"
            } else {
                "git restore"
            };
            let with_arg = [
                "-b",
                "-B",
                "--orphan",
                "-s",
                "--source",
                "--conflict",
                "--pathspec-from-file",
            ];
            let branch_op = rest
                .iter()
                .any(|a| matches!(a.value.as_str(), "-b" | "-B" | "--orphan" | "--detach"));
            let (before, after) = split_dashdash(&rest);
            let ops = git_operands(before, &with_arg);
            if sub == "restore" {
                for a in ops.iter().copied().chain(after.iter()) {
                    out.push(RawAccess {
                        recursive: true,
                        ..raw(a, AccessKind::Write, by)
                    });
                }
            } else if !branch_op {
                for a in after {
                    out.push(RawAccess {
                        recursive: true,
                        ..raw(a, AccessKind::Write, by)
                    });
                }
                // Without `--`: `git checkout REF PATH…` writes the paths; a lone operand
                // is a branch unless a file of that name exists.
                if after.is_empty() {
                    for (k, a) in ops.iter().enumerate() {
                        out.push(RawAccess {
                            recursive: true,
                            if_exists: k == 0,
                            ..raw(a, AccessKind::Write, by)
                        });
                    }
                }
            }
        }
        "rm" => {
            let (before, after) = split_dashdash(&rest);
            let recursive = before.iter().any(|a| a.value == "-r" || a.value == "-rf");
            let cached = before.iter().any(|a| a.value == "--cached");
            if !cached {
                for a in git_operands(before, &["--pathspec-from-file"])
                    .into_iter()
                    .chain(after)
                {
                    out.push(RawAccess {
                        recursive,
                        ..raw(a, AccessKind::Delete, "git rm")
                    });
                }
            }
        }
        "mv" => {
            let ops = git_operands(&rest, &[]);
            if let Some((target, sources)) = ops.split_last() {
                for s in sources {
                    out.push(RawAccess {
                        recursive: true,
                        change: Change::RenameFrom,
                        ..raw(s, AccessKind::Write, "git mv")
                    });
                }
                out.push(RawAccess {
                    recursive: true,
                    ..raw(target, AccessKind::Write, "git mv")
                });
            }
        }
        _ => {}
    }
    out
}

/// The arguments before and after a `--`.
fn split_dashdash(args: &[crate::shell::Arg]) -> (&[crate::shell::Arg], &[crate::shell::Arg]) {
    match args.iter().position(|a| a.value == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[]),
    }
}

/// Non-option arguments of a git subcommand, skipping the arguments of `with_arg` options.
fn git_operands<'a>(
    args: &'a [crate::shell::Arg],
    with_arg: &[&str],
) -> Vec<&'a crate::shell::Arg> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
        } else if with_arg.contains(&a.value.as_str()) {
            skip = true;
        } else if !a.value.starts_with('-') {
            out.push(a);
        }
    }
    out
}
