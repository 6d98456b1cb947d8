//! C14 dependencies: package-manager commands that add a package by name (`deps.new`), and
//! installs from unofficial registries, direct URLs or VCS (`deps.unofficial-source`).
//! Installing from a lockfile or manifest (`npm ci`, `npm install`, `pip install -r`,
//! `cargo build`) adds nothing new.

use super::{host_of, opt_value};
use crate::decision::Finding;
use crate::shell::SimpleCommand;

pub const NEW: &str = "deps.new";
pub const UNOFFICIAL: &str = "deps.unofficial-source";

/// One package manager: how to find the packages a command adds.
struct Manager {
    /// Program name.
    name: &'static str,
    /// Subcommand words that add packages (empty: the program itself adds, e.g. `pipx`).
    verbs: &'static [&'static str],
    /// Options that take a separate argument (skipped when collecting package names).
    with_arg: &'static [&'static str],
    /// Registry options and the official hosts they may point to.
    registry_opts: &'static [&'static str],
    official: &'static [&'static str],
}

const NPM_ARG: &[&str] = &[
    "--registry",
    "-w",
    "--workspace",
    "--prefix",
    "--tag",
    "--save-prefix",
    "-C",
    "--cwd",
    "--filter",
    "--cache",
    "--userconfig",
];
const PIP_ARG: &[&str] = &[
    "-r",
    "--requirement",
    "-c",
    "--constraint",
    "-e",
    "--editable",
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "-t",
    "--target",
    "--prefix",
    "--root",
    "--python",
    "-p",
    "--platform",
    "--python-version",
    "--implementation",
    "--abi",
    "--src",
    "--upgrade-strategy",
    "--only-binary",
    "--no-binary",
    "--trusted-host",
    "--cache-dir",
    "--log",
    "--index",
    "--default-index",
    "--group",
    "--optional",
    "--extra",
    "--with",
    "--source",
];
const PYPI: &[&str] = &["pypi.org", "files.pythonhosted.org", "pypi.python.org"];

static MANAGERS: &[Manager] = &[
    Manager {
        name: "npm",
        verbs: &[
            "install",
            "i",
            "add",
            "in",
            "ins",
            "inst",
            "insta",
            "instal",
            "isnt",
            "isnta",
            "isntal",
            "isntall",
            "install-test",
            "it",
            "install-ci-test",
        ],
        with_arg: NPM_ARG,
        registry_opts: &["--registry"],
        official: &["registry.npmjs.org"],
    },
    Manager {
        name: "pnpm",
        verbs: &["add", "install", "i"],
        with_arg: NPM_ARG,
        registry_opts: &["--registry"],
        official: &["registry.npmjs.org"],
    },
    Manager {
        name: "yarn",
        verbs: &["add"],
        with_arg: NPM_ARG,
        registry_opts: &["--registry"],
        official: &["registry.npmjs.org", "registry.yarnpkg.com"],
    },
    Manager {
        name: "bun",
        verbs: &["add", "install", "i", "a"],
        with_arg: NPM_ARG,
        registry_opts: &["--registry"],
        official: &["registry.npmjs.org"],
    },
    Manager {
        name: "pip",
        verbs: &["install", "download"],
        with_arg: PIP_ARG,
        registry_opts: &[
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "--index",
            "--default-index",
        ],
        official: PYPI,
    },
    Manager {
        name: "pipenv",
        verbs: &["install"],
        with_arg: PIP_ARG,
        registry_opts: &["-i", "--index-url", "--extra-index-url", "--pypi-mirror"],
        official: PYPI,
    },
    Manager {
        name: "poetry",
        verbs: &["add"],
        with_arg: PIP_ARG,
        registry_opts: &["--source"],
        official: &[],
    },
    Manager {
        name: "pipx",
        verbs: &["install", "inject", "run"],
        with_arg: PIP_ARG,
        registry_opts: &["-i", "--index-url", "--pip-args"],
        official: PYPI,
    },
    Manager {
        name: "conda",
        verbs: &["install"],
        with_arg: &["-c", "--channel", "-n", "--name", "-p", "--prefix"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "mamba",
        verbs: &["install"],
        with_arg: &["-c", "--channel", "-n", "--name", "-p", "--prefix"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "cargo",
        verbs: &["add", "install"],
        with_arg: &[
            "--git",
            "--branch",
            "--tag",
            "--rev",
            "--registry",
            "--index",
            "--path",
            "-p",
            "--package",
            "--features",
            "-F",
            "--rename",
            "--vers",
            "--version",
            "--root",
            "--target",
            "-j",
            "--jobs",
            "--profile",
            "--manifest-path",
            "--bin",
            "--example",
        ],
        registry_opts: &["--registry", "--index", "--git"],
        official: &["crates.io", "index.crates.io"],
    },
    Manager {
        name: "go",
        verbs: &["get", "install"],
        with_arg: &[
            "-C", "-modfile", "-tags", "-ldflags", "-gcflags", "-o", "-p",
        ],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "gem",
        verbs: &["install", "i"],
        with_arg: &[
            "-v",
            "--version",
            "-s",
            "--source",
            "-i",
            "--install-dir",
            "-n",
            "--bindir",
            "--platform",
        ],
        registry_opts: &["-s", "--source"],
        official: &["rubygems.org"],
    },
    Manager {
        name: "bundle",
        verbs: &["add"],
        with_arg: &[
            "-v",
            "--version",
            "--group",
            "-g",
            "--source",
            "--git",
            "--github",
            "--branch",
            "--ref",
            "--path",
        ],
        registry_opts: &["--source", "--git", "--github"],
        official: &["rubygems.org"],
    },
    Manager {
        name: "composer",
        verbs: &["require"],
        with_arg: &["-d", "--working-dir"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "dotnet",
        verbs: &["add"],
        with_arg: &[
            "-v",
            "--version",
            "-s",
            "--source",
            "-f",
            "--framework",
            "--package-directory",
        ],
        registry_opts: &["-s", "--source"],
        official: &["api.nuget.org"],
    },
    Manager {
        name: "apt",
        verbs: &["install"],
        with_arg: &["-o", "-t", "--target-release", "-c"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "apt-get",
        verbs: &["install"],
        with_arg: &["-o", "-t", "--target-release", "-c"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "aptitude",
        verbs: &["install"],
        with_arg: &["-o", "-t"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "dnf",
        verbs: &["install"],
        with_arg: &[
            "--repo",
            "--enablerepo",
            "--disablerepo",
            "-c",
            "--releasever",
        ],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "yum",
        verbs: &["install"],
        with_arg: &["--enablerepo", "--disablerepo", "-c", "--releasever"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "zypper",
        verbs: &["install", "in"],
        with_arg: &["-r", "--repo"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "apk",
        verbs: &["add"],
        with_arg: &["-X", "--repository", "-t", "--virtual", "-p", "--root"],
        registry_opts: &["-X", "--repository"],
        official: &[],
    },
    Manager {
        name: "pacman",
        verbs: &["-S", "-Sy", "-Syu", "-U"],
        with_arg: &[],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "brew",
        verbs: &["install", "reinstall", "tap"],
        with_arg: &[],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "port",
        verbs: &["install"],
        with_arg: &[],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "snap",
        verbs: &["install"],
        with_arg: &["--channel"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "choco",
        verbs: &["install"],
        with_arg: &["-s", "--source", "--version"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "winget",
        verbs: &["install"],
        with_arg: &["-s", "--source", "--version", "-v"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "deno",
        verbs: &["add", "install"],
        with_arg: &["-c", "--config"],
        registry_opts: &[],
        official: &[],
    },
    Manager {
        name: "uv",
        verbs: &["add"],
        with_arg: PIP_ARG,
        registry_opts: &[
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "--index",
            "--default-index",
        ],
        official: PYPI,
    },
];

fn new_finding(cmd: &SimpleCommand, pkgs: &[String]) -> Finding {
    Finding::new(
        NEW,
        "PR-09",
        cmd.to_string(),
        format!(
            "`{}` would add the new dependency {}: new dependencies need a person's review for \
             licence, maintenance and supply-chain risk (C14, PR-09). Ask the person to \
             approve the package, or use what the project already depends on.",
            cmd.name,
            pkgs.iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

fn unofficial_finding(cmd: &SimpleCommand, source: &str) -> Finding {
    Finding::new(
        UNOFFICIAL,
        "PR-09",
        source,
        format!(
            "Refused `{}` from `{source}`: packages must come from the official registry, not \
             another index, a direct URL or a version-control checkout (C14, PR-09). Install \
             the published package from the official registry, after review.",
            cmd.name
        ),
    )
}

fn is_direct(pkg: &str) -> bool {
    pkg.contains("://")
        || pkg.starts_with("git+")
        || pkg.starts_with("git@")
        || pkg.starts_with("github:")
        || pkg.starts_with("gitlab:")
        || pkg.starts_with("bitbucket:")
        || pkg.starts_with("gist:")
        || pkg.contains(" @ ")
        || (pkg.contains('@') && pkg.split_once('@').is_some_and(|(_, r)| r.contains("://")))
}

fn is_local(pkg: &str) -> bool {
    pkg.starts_with('.')
        || pkg.starts_with('/')
        || pkg.starts_with("file:")
        || pkg.starts_with("~/")
        || pkg.ends_with(".whl") && !pkg.contains("://")
        || pkg.ends_with(".tgz") && !pkg.contains("://")
        || pkg.ends_with(".tar.gz") && !pkg.contains("://")
}

pub(crate) fn check(cmd: &SimpleCommand, out: &mut Vec<Finding>) {
    // `python -m pip install x`, `uv pip install x`: look at the inner manager.
    let args: Vec<&str> = cmd.args().collect();
    let (mgr_name, skip) = match cmd.name.as_str() {
        n if n.starts_with("python") && args.first() == Some(&"-m") => match args.get(1) {
            Some(&"pip") => ("pip", 2),
            _ => return,
        },
        "uv" if args.first() == Some(&"pip") => ("pip", 1),
        "uv" if args.first() == Some(&"tool") && args.get(1) == Some(&"install") => ("pipx", 1),
        n if n.starts_with("pip") => ("pip", 0),
        "yarn" if args.first() == Some(&"global") => ("yarn", 1),
        n => (n, 0),
    };
    let Some(m) = MANAGERS.iter().find(|m| m.name == mgr_name) else {
        return;
    };
    let rest = &args[skip..];
    // The verb is the first operand (global options like `-g` may come first).
    let mut i = 0;
    while i < rest.len() && rest[i].starts_with('-') && !m.verbs.contains(&rest[i]) {
        i += if m.with_arg.contains(&rest[i]) { 2 } else { 1 };
    }
    let Some(verb) = rest.get(i) else { return };
    if !m.verbs.contains(verb) {
        return;
    }
    if m.name == "pipx" && *verb == "run" {
        return;
    }
    // Registries.
    for r in opt_value(cmd, m.registry_opts) {
        let host = host_of(&r).unwrap_or_else(|| r.clone());
        if m.official.is_empty() || !m.official.contains(&host.as_str()) {
            if m.name == "cargo" && r.is_empty() {
                continue;
            }
            out.push(unofficial_finding(cmd, &r));
        }
    }
    // Packages named.
    let mut pkgs = Vec::new();
    let mut j = i + 1;
    let mut upgrade = false;
    while j < rest.len() {
        let a = rest[j];
        if a == "--" {
            j += 1;
            continue;
        }
        if a == "-U" || a == "--upgrade" {
            upgrade = true;
        }
        if a.starts_with('-') {
            if m.with_arg.contains(&a) {
                j += 1;
            }
            j += 1;
            continue;
        }
        pkgs.push(a.to_string());
        j += 1;
    }
    let mut named = Vec::new();
    for p in pkgs {
        if is_direct(&p) {
            out.push(unofficial_finding(cmd, &p));
            continue;
        }
        if is_local(&p) {
            continue;
        }
        if m.name == "go"
            && (p.starts_with("./") || p == "." || p.ends_with("/...") && !p.contains('.'))
        {
            continue;
        }
        if m.name == "pip" && upgrade && matches!(p.as_str(), "pip" | "setuptools" | "wheel") {
            continue;
        }
        if m.name == "npm" && (p.contains('/') && !p.starts_with('@') && !p.contains(':')) {
            // `user/repo`: a GitHub shorthand.
            out.push(unofficial_finding(cmd, &p));
            continue;
        }
        named.push(p);
    }
    if !named.is_empty() {
        out.push(new_finding(cmd, &named));
    }
}
