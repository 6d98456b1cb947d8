//! C6 production systems and mutating infrastructure.
//!
//! `production.system`: any identifier a command uses to reach a system (kube context,
//! namespace, kubeconfig, terraform workspace, var file, pulumi stack, cloud profile, project
//! or subscription, ssh host, database host or DSN, HTTP URL host, environment assignment)
//! that the core's `is_production_identifier` matches. Where `kubectl` names no context, the
//! current context of the kubeconfig in force is read (only when `read_files`).
//! `infra.mutating`: a mutating infrastructure or cloud operation without such an identifier.

use std::path::PathBuf;

use super::{host_of, operands, opt_value};
use crate::decision::Finding;
use crate::shell::{ShellEnv, SimpleCommand};

pub const SYSTEM: &str = "production.system";
pub const MUTATING: &str = "infra.mutating";

/// Environment variables that set a build mode, not a system (`NODE_ENV=production npm run
/// build` builds; it does not reach production). Everything else is checked.
const BUILD_MODE_VARS: &[&str] = &[
    "NODE_ENV",
    "BABEL_ENV",
    "MIX_ENV",
    "VITE_MODE",
    "GENERATE_SOURCEMAP",
];

fn system_finding(cmd: &str, what: &str, id: &str) -> Finding {
    Finding::new(
        SYSTEM,
        "PR-06",
        id,
        format!(
            "Refused `{cmd}`: {what} `{id}` is a production identifier, and an AI assistant \
             must not access production systems (C6, P-01, PR-06). Work against a \
             development or staging environment instead."
        ),
    )
}

fn mutating_finding(cmd: &SimpleCommand, op: &str) -> Finding {
    Finding::new(
        MUTATING,
        "PR-06",
        cmd.to_string(),
        format!(
            "`{}` would change infrastructure (`{op}`), which needs a person's approval \
             (C6, PR-06). Run a read-only or plan step instead (`terraform plan`, \
             `kubectl diff`, `--dry-run`) and let a person apply it.",
            cmd.name
        ),
    )
}

/// The value of an environment variable for a command: its own assignments, then the
/// assignments and exports made earlier in the same command line.
pub(crate) fn env_value(i: usize, cmds: &[SimpleCommand], name: &str) -> Option<String> {
    if let Some((_, v)) = cmds[i].env.iter().rev().find(|(k, _)| k == name) {
        return v.clone();
    }
    for c in cmds[..i].iter().rev() {
        if c.argv.is_empty()
            && let Some((_, v)) = c.env.iter().rev().find(|(k, _)| k == name)
        {
            return v.clone();
        }
        if matches!(
            c.name.as_str(),
            "export" | "declare" | "typeset" | "local" | "readonly"
        ) {
            for a in c.args() {
                if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

pub(crate) fn check(i: usize, cmds: &[SimpleCommand], env: &ShellEnv, out: &mut Vec<Finding>) {
    let cmd = &cmds[i];
    let is_prod = env.is_production_identifier;
    let shown = cmd.to_string();
    let check_id = |what: &str, id: &str, out: &mut Vec<Finding>| {
        if !id.is_empty() && is_prod(id) {
            out.push(system_finding(&shown, what, id));
        }
    };
    // Environment assignments (to this command, or bare assignments).
    for (k, v) in &cmd.env {
        if BUILD_MODE_VARS.contains(&k.as_str()) {
            continue;
        }
        if let Some(v) = v {
            let id = host_of(v).unwrap_or_else(|| v.clone());
            check_id(&format!("the environment variable `{k}`"), &id, out);
        }
    }
    if matches!(
        cmd.name.as_str(),
        "export" | "declare" | "typeset" | "readonly" | "local"
    ) {
        for a in cmd.args() {
            if let Some((k, v)) = a.split_once('=')
                && !BUILD_MODE_VARS.contains(&k)
            {
                let id = host_of(v).unwrap_or_else(|| v.to_string());
                check_id(&format!("the environment variable `{k}`"), &id, out);
            }
        }
    }
    let args: Vec<&str> = cmd.args().collect();
    match cmd.name.as_str() {
        "kubectl" | "oc" | "helm" | "k9s" | "kubectx" | "kubens" | "kustomize" | "argocd"
        | "flux" => {
            let ctx = opt_value(cmd, &["--context", "--kube-context", "--cluster"]);
            for c in &ctx {
                check_id("the Kubernetes context", c, out);
            }
            for n in opt_value(cmd, &["--namespace", "-n"]) {
                check_id("the namespace", &n, out);
            }
            let kubeconfig = opt_value(cmd, &["--kubeconfig"])
                .into_iter()
                .next()
                .or_else(|| env_value(i, cmds, "KUBECONFIG"));
            if let Some(k) = &kubeconfig {
                check_id("the kubeconfig", k, out);
            }
            if matches!(cmd.name.as_str(), "kubectx" | "kubens") {
                for o in operands(cmd, &[], 0) {
                    check_id("the Kubernetes context", o, out);
                }
            }
            if args.first() == Some(&"config")
                && matches!(
                    args.get(1),
                    Some(&"use-context") | Some(&"use") | Some(&"set-context")
                )
                && let Some(c) = args.get(2)
            {
                check_id("the Kubernetes context", c, out);
            }
            if ctx.is_empty()
                && env.read_files
                && let Some(current) = current_context(cmd, kubeconfig.as_deref(), env)
            {
                check_id("the current Kubernetes context", &current, out);
            }
            let ops = operands(
                cmd,
                &[
                    "-n",
                    "--namespace",
                    "--context",
                    "-f",
                    "--filename",
                    "-l",
                    "--selector",
                    "-o",
                    "--output",
                    "--kubeconfig",
                    "-c",
                    "--container",
                    "--kube-context",
                    "--values",
                    "--set",
                    "--version",
                    "--timeout",
                ],
                0,
            );
            let mutating = match cmd.name.as_str() {
                "helm" => matches!(
                    ops.first(),
                    Some(&("install" | "upgrade" | "uninstall" | "delete" | "rollback"))
                ),
                _ => match ops.first() {
                    Some(
                        &("apply" | "create" | "delete" | "patch" | "replace" | "scale" | "edit"
                        | "set" | "label" | "annotate" | "drain" | "cordon" | "uncordon"
                        | "taint" | "autoscale" | "expose" | "run"),
                    ) => !args.iter().any(|a| a.starts_with("--dry-run")),
                    Some(&"rollout") => {
                        matches!(ops.get(1), Some(&("restart" | "undo" | "pause" | "resume")))
                    }
                    _ => false,
                },
            };
            if mutating {
                out.push(mutating_finding(cmd, &ops[..ops.len().min(2)].join(" ")));
            }
        }
        "terraform" | "tofu" | "terragrunt" => {
            for v in opt_value(
                cmd,
                &["-var-file", "--var-file", "-chdir", "-backend-config"],
            ) {
                check_id("the Terraform setting", &v, out);
            }
            if let Some(w) = env_value(i, cmds, "TF_WORKSPACE") {
                check_id("the Terraform workspace", &w, out);
            }
            let ops: Vec<&str> = args
                .iter()
                .copied()
                .filter(|a| !a.starts_with('-'))
                .collect();
            if ops.first() == Some(&"workspace")
                && matches!(ops.get(1), Some(&("select" | "new")))
                && let Some(w) = ops.get(2)
            {
                check_id("the Terraform workspace", w, out);
            }
            let mutating = match ops.first() {
                Some(&("apply" | "destroy" | "import" | "taint" | "untaint" | "force-unlock")) => {
                    true
                }
                Some(&"state") => matches!(
                    ops.get(1),
                    Some(&("rm" | "mv" | "push" | "replace-provider"))
                ),
                Some(&"workspace") => ops.get(1) == Some(&"delete"),
                _ => false,
            };
            if mutating {
                out.push(mutating_finding(cmd, &ops[..ops.len().min(2)].join(" ")));
            }
        }
        "pulumi" => {
            for s in opt_value(cmd, &["--stack", "-s"]) {
                check_id("the Pulumi stack", &s, out);
            }
            if let Some(s) = env_value(i, cmds, "PULUMI_STACK") {
                check_id("the Pulumi stack", &s, out);
            }
            let ops: Vec<&str> = args
                .iter()
                .copied()
                .filter(|a| !a.starts_with('-'))
                .collect();
            if ops.first() == Some(&"stack")
                && matches!(ops.get(1), Some(&("select" | "init")))
                && let Some(s) = ops.get(2)
            {
                check_id("the Pulumi stack", s, out);
            }
            let mutating = match ops.first() {
                Some(&("up" | "update" | "destroy" | "import" | "refresh" | "cancel")) => true,
                Some(&"state") => matches!(ops.get(1), Some(&("delete" | "unprotect" | "rename"))),
                Some(&"stack") => ops.get(1) == Some(&"rm"),
                _ => false,
            };
            if mutating {
                out.push(mutating_finding(cmd, &ops[..ops.len().min(2)].join(" ")));
            }
        }
        "aws" => {
            for p in opt_value(cmd, &["--profile"]) {
                check_id("the AWS profile", &p, out);
            }
            for var in ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] {
                if let Some(p) = env_value(i, cmds, var) {
                    check_id("the AWS profile", &p, out);
                }
            }
            for u in opt_value(cmd, &["--endpoint-url"]) {
                check_id("the endpoint", &host_of(&u).unwrap_or(u.clone()), out);
            }
            let ops = operands(
                cmd,
                &[
                    "--profile",
                    "--region",
                    "--output",
                    "--query",
                    "--endpoint-url",
                    "--cli-input-json",
                    "--filters",
                ],
                0,
            );
            let op = ops.get(1).copied().unwrap_or("");
            let mutating = [
                "create-",
                "delete-",
                "put-",
                "update-",
                "terminate-",
                "modify-",
                "attach-",
                "detach-",
                "run-",
                "start-",
                "stop-",
                "reboot-",
                "remove-",
                "deregister-",
                "register-",
                "revoke-",
                "authorize-",
                "associate-",
                "disassociate-",
                "replace-",
                "reset-",
                "restore-",
                "invoke",
                "deploy",
                "set-",
            ]
            .iter()
            .any(|p| op.starts_with(p))
                || (ops.first() == Some(&"s3")
                    && matches!(op, "rm" | "mv" | "cp" | "sync" | "rb" | "mb")
                    && !(op == "cp" && ops.get(3).is_some_and(|d| !d.starts_with("s3://"))))
                || (ops.first() == Some(&"cloudformation") && op == "deploy");
            if mutating && !args.contains(&"--dry-run") {
                out.push(mutating_finding(cmd, &ops[..ops.len().min(2)].join(" ")));
            }
        }
        "gcloud" | "gsutil" => {
            for p in opt_value(cmd, &["--project", "--configuration"]) {
                check_id("the Google Cloud project", &p, out);
            }
            for var in ["CLOUDSDK_CORE_PROJECT", "GOOGLE_CLOUD_PROJECT"] {
                if let Some(p) = env_value(i, cmds, var) {
                    check_id("the Google Cloud project", &p, out);
                }
            }
            if args.starts_with(&["config", "set", "project"])
                && let Some(p) = args.get(3)
            {
                check_id("the Google Cloud project", p, out);
            }
            let verbs = [
                "create",
                "delete",
                "update",
                "deploy",
                "set-iam-policy",
                "add-iam-policy-binding",
                "remove-iam-policy-binding",
                "resize",
                "patch",
                "rm",
                "mv",
                "cp",
                "rsync",
                "start",
                "stop",
                "reset",
                "import",
                "restore",
            ];
            if let Some(v) = args.iter().find(|a| verbs.contains(*a))
                && !(cmd.name == "gsutil"
                    && *v == "cp"
                    && args.last().is_some_and(|d| !d.starts_with("gs://")))
            {
                out.push(mutating_finding(cmd, v));
            }
        }
        "az" => {
            for s in opt_value(cmd, &["--subscription"]) {
                check_id("the Azure subscription", &s, out);
            }
            if let Some(s) = env_value(i, cmds, "AZURE_SUBSCRIPTION_ID") {
                check_id("the Azure subscription", &s, out);
            }
            let verbs = [
                "create", "delete", "update", "set", "deploy", "start", "stop", "restart", "purge",
                "import", "assign",
            ];
            if let Some(v) = args.iter().find(|a| verbs.contains(*a))
                && !(args.first() == Some(&"account") && *v == "set")
            {
                out.push(mutating_finding(cmd, v));
            }
        }
        "ansible" | "ansible-playbook" => {
            for v in opt_value(cmd, &["-i", "--inventory", "-l", "--limit"]) {
                check_id("the Ansible inventory or host pattern", &v, out);
            }
            if cmd.name == "ansible"
                && let Some(pattern) = operands(
                    cmd,
                    &[
                        "-i",
                        "--inventory",
                        "-l",
                        "--limit",
                        "-m",
                        "--module-name",
                        "-a",
                        "--args",
                        "-u",
                        "--user",
                        "-e",
                        "--extra-vars",
                        "-f",
                        "--forks",
                    ],
                    0,
                )
                .first()
            {
                check_id("the Ansible host pattern", pattern, out);
            }
            let checking = args.iter().any(|a| {
                matches!(
                    *a,
                    "--check" | "-C" | "--syntax-check" | "--list-hosts" | "--list-tasks"
                )
            });
            if cmd.name == "ansible-playbook" && !checking {
                out.push(mutating_finding(cmd, "ansible-playbook"));
            }
        }
        "ssh" | "mosh" | "sftp" | "autossh" => {
            let ops = operands(
                cmd,
                &[
                    "-p", "-i", "-l", "-o", "-F", "-J", "-L", "-R", "-D", "-b", "-c", "-E", "-e",
                    "-I", "-m", "-O", "-Q", "-S", "-W", "-w", "-B", "-P",
                ],
                0,
            );
            if let Some(h) = ops.first() {
                let h = h
                    .strip_prefix("sftp://")
                    .or_else(|| h.strip_prefix("ssh://"))
                    .unwrap_or(h);
                let host = h
                    .rsplit('@')
                    .next()
                    .unwrap_or(h)
                    .split([':', '/'])
                    .next()
                    .unwrap_or(h);
                check_id("the host", host, out);
            }
            for j in opt_value(cmd, &["-J"]) {
                check_id("the jump host", j.rsplit('@').next().unwrap_or(&j), out);
            }
            for o in opt_value(cmd, &["-o"]) {
                if let Some(h) = o
                    .strip_prefix("HostName=")
                    .or_else(|| o.strip_prefix("ProxyJump="))
                {
                    check_id("the host", h, out);
                }
            }
        }
        "scp" | "rsync" => {
            for a in &args {
                if let Some(h) = host_of(a) {
                    check_id("the host", &h, out);
                } else if let Some((host, _)) = a.split_once(':')
                    && !host.contains('/')
                    && !a.starts_with('-')
                {
                    check_id("the host", host.rsplit('@').next().unwrap_or(host), out);
                }
            }
        }
        "psql" | "pg_dump" | "pg_dumpall" | "pg_restore" | "pgcli" | "mysql" | "mysqldump"
        | "mariadb" | "mycli" | "mongosh" | "mongo" | "mongodump" | "mongorestore"
        | "redis-cli" | "sqlcmd" | "sqlplus" | "clickhouse-client" | "cqlsh" | "usql" => {
            for h in opt_value(
                cmd,
                &[
                    "-h",
                    "--host",
                    "-S",
                    "--server",
                    "-d",
                    "--dbname",
                    "-D",
                    "--database",
                    "-u",
                    "--uri",
                    "--url",
                ],
            ) {
                let id = host_of(&h).unwrap_or(h.clone());
                check_id("the database", &id, out);
                for part in h.split_whitespace() {
                    if let Some(v) = part
                        .strip_prefix("host=")
                        .or_else(|| part.strip_prefix("dbname="))
                    {
                        check_id("the database", v, out);
                    }
                }
            }
            for o in operands(
                cmd,
                &[
                    "-h",
                    "--host",
                    "-p",
                    "--port",
                    "-U",
                    "--username",
                    "-d",
                    "--dbname",
                    "-c",
                    "--command",
                    "-f",
                    "--file",
                    "-P",
                    "-S",
                    "-u",
                    "-D",
                    "-e",
                    "--eval",
                    "-n",
                    "-a",
                    "-i",
                    "-o",
                    "-q",
                    "-Q",
                ],
                0,
            ) {
                let id =
                    host_of(o).unwrap_or_else(|| o.rsplit('@').next().unwrap_or(o).to_string());
                check_id("the database", &id, out);
                for part in o.split_whitespace() {
                    if let Some(v) = part
                        .strip_prefix("host=")
                        .or_else(|| part.strip_prefix("dbname="))
                    {
                        check_id("the database", v, out);
                    }
                }
            }
            for var in [
                "PGHOST",
                "PGDATABASE",
                "DATABASE_URL",
                "MYSQL_HOST",
                "REDIS_URL",
                "MONGODB_URI",
            ] {
                if let Some(v) = env_value(i, cmds, var) {
                    check_id("the database", &host_of(&v).unwrap_or(v.clone()), out);
                }
            }
        }
        "curl" | "wget" | "http" | "https" | "xh" | "httpie" | "fetch" | "aria2c" | "websocat"
        | "grpcurl" | "nc" | "telnet" => {
            for a in &args {
                if let Some(h) = host_of(a) {
                    check_id("the URL host", &h, out);
                } else if matches!(
                    cmd.name.as_str(),
                    "http" | "https" | "xh" | "nc" | "telnet" | "grpcurl"
                ) && !a.starts_with('-')
                {
                    let h = a.split(['/', ':']).next().unwrap_or(a);
                    if h.contains('.') {
                        check_id("the host", h, out);
                    }
                } else if cmd.name == "curl"
                    && !a.starts_with('-')
                    && a.contains('.')
                    && !a.contains(' ')
                    && !a.starts_with('@')
                    && !a.contains('=')
                {
                    let h = a.split(['/', ':']).next().unwrap_or(a);
                    if h.contains('.') {
                        check_id("the URL host", h, out);
                    }
                }
            }
        }
        _ => {}
    }
}

/// The current context of the kubeconfig in force.
fn current_context(
    cmd: &SimpleCommand,
    kubeconfig: Option<&str>,
    env: &ShellEnv,
) -> Option<String> {
    let path: PathBuf = match kubeconfig {
        Some(k) => {
            let first = k.split(':').next().unwrap_or(k);
            let p = if let Some(rest) = first.strip_prefix("~/") {
                env.home?.join(rest)
            } else {
                PathBuf::from(first)
            };
            if p.is_absolute() {
                p
            } else {
                cmd.cwd.as_ref()?.join(p)
            }
        }
        None => env.home?.join(".kube/config"),
    };
    let text = crate::input::read_file(&path, 1 << 20).text_lossy()?;
    text.lines().find_map(|l| {
        l.strip_prefix("current-context:")
            .map(|v| v.trim().trim_matches(['"', '\'']).to_string())
    })
}
