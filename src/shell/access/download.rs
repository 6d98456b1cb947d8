//! What `curl` and `wget` read and write: uploads, output files, config and cookie files,
//! certificates and keys, and the files their options name.

use super::*;

pub(super) fn curl(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let mut out = Vec::new();
    let args: Vec<&crate::shell::Arg> = cmd.argv.iter().skip(1).collect();
    let mut remote_name = false;
    let mut urls = Vec::new();
    let mut i = 0;
    let with_arg = [
        "-H",
        "--header",
        "-X",
        "--request",
        "-u",
        "--user",
        "-A",
        "--user-agent",
        "-e",
        "--referer",
        "-m",
        "--max-time",
        "--connect-timeout",
        "-w",
        "--write-out",
        "-x",
        "--proxy",
        "-b",
        "--cookie",
        "-c",
        "--cookie-jar",
        "-r",
        "--range",
        "--retry",
        "-U",
        "--proxy-user",
        "--resolve",
        "--cacert",
        "--cert",
        "--key",
        "-E",
    ];
    while i < args.len() {
        let a = args[i];
        let v = a.value.as_str();
        let next = args.get(i + 1).copied();
        let (opt, inline) = match v.split_once('=') {
            Some((o, val)) if o.starts_with("--") => (o, Some(val.to_string())),
            _ => (v, None),
        };
        let val =
            |inline: &Option<String>| inline.clone().or_else(|| next.map(|n| n.value.clone()));
        let unknown = a.unknown || next.is_some_and(|n| n.unknown);
        match opt {
            "-o" | "--output" => {
                if let Some(f) = val(&inline) {
                    out.push(RawAccess {
                        unknown,
                        ..text(&f, AccessKind::Write, "curl")
                    });
                }
                i += usize::from(inline.is_none());
            }
            "-O" | "--remote-name" | "--remote-name-all" => remote_name = true,
            "-d" | "--data" | "--data-binary" | "--data-urlencode" | "--data-ascii" | "--json" => {
                if let Some(d) = val(&inline) {
                    let f = d
                        .strip_prefix('@')
                        .or_else(|| d.split_once("=@").map(|(_, f)| f));
                    if let Some(f) = f.filter(|f| *f != "-") {
                        out.push(RawAccess {
                            unknown,
                            ..text(f, AccessKind::Read, "curl")
                        });
                    }
                }
                i += usize::from(inline.is_none());
            }
            "-T" | "--upload-file" | "-K" | "--config" | "--netrc-file" => {
                if let Some(f) = val(&inline).filter(|f| f != "-" && f != ".") {
                    out.push(RawAccess {
                        unknown,
                        ..text(&f, AccessKind::Read, "curl")
                    });
                }
                i += usize::from(inline.is_none());
            }
            "-F" | "--form" => {
                if let Some(d) = val(&inline)
                    && let Some((_, rest)) = d.split_once('=')
                {
                    let f = rest.strip_prefix('@').or_else(|| rest.strip_prefix('<'));
                    if let Some(f) = f {
                        let f = f.split(';').next().unwrap_or(f);
                        out.push(RawAccess {
                            unknown,
                            ..text(f, AccessKind::Read, "curl")
                        });
                    }
                }
                i += usize::from(inline.is_none());
            }
            o if with_arg.contains(&o) && inline.is_none() => i += 1,
            o if o.starts_with('-') => {}
            _ => urls.push(a),
        }
        i += 1;
    }
    if remote_name {
        for u in urls {
            let name = u
                .value
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap_or("");
            if !name.is_empty() {
                out.push(RawAccess {
                    unknown: u.unknown,
                    ..text(name, AccessKind::Write, "curl")
                });
            }
        }
    }
    out
}

pub(super) fn wget(cmd: &SimpleCommand) -> Vec<RawAccess> {
    let mut out = Vec::new();
    let mut explicit = false;
    let mut prefix: Option<String> = None;
    let mut urls = Vec::new();
    let args: Vec<&crate::shell::Arg> = cmd.argv.iter().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        let v = a.value.as_str();
        let next = args.get(i + 1).copied();
        match v {
            "-O" | "--output-document" => {
                if let Some(n) = next {
                    explicit = true;
                    if n.value != "-" {
                        out.push(raw(n, AccessKind::Write, "wget"));
                    }
                }
                i += 1;
            }
            "-i" | "--input-file" | "--post-file" | "--body-file" | "--load-cookies" => {
                if let Some(n) = next {
                    out.push(raw(n, AccessKind::Read, "wget"));
                }
                i += 1;
            }
            "-P" | "--directory-prefix" => {
                prefix = next.map(|n| n.value.clone());
                i += 1;
            }
            "-o" | "-a" | "--output-file" | "--append-output" => {
                if let Some(n) = next {
                    out.push(raw(n, AccessKind::Write, "wget"));
                }
                i += 1;
            }
            _ if v.starts_with("-O") && v.len() > 2 => {
                explicit = true;
                let f = &v[2..];
                if f != "-" {
                    out.push(RawAccess {
                        text: f.into(),
                        ..raw(a, AccessKind::Write, "wget")
                    });
                }
            }
            _ if v.starts_with("--output-document=") => {
                explicit = true;
                let f = &v["--output-document=".len()..];
                if f != "-" {
                    out.push(RawAccess {
                        text: f.into(),
                        ..raw(a, AccessKind::Write, "wget")
                    });
                }
            }
            _ if v.starts_with('-') => {}
            _ => urls.push(a),
        }
        i += 1;
    }
    if !explicit {
        for u in urls {
            let name = u
                .value
                .split(['?', '#'])
                .next()
                .unwrap_or("")
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("");
            let name = if name.is_empty() || !u.value.contains('/') {
                "index.html"
            } else {
                name
            };
            let path = match &prefix {
                Some(p) => format!("{p}/{name}"),
                None => name.to_string(),
            };
            out.push(RawAccess {
                unknown: u.unknown,
                ..text(&path, AccessKind::Write, "wget")
            });
        }
    }
    out
}
