//! Policy authoring through the binary: tests inside policies, Claude Code rule syntax and
//! import, explain, and errors an author can fix.

mod common;
use common::*;

#[test]
fn policy_test_reports_each_failure_with_a_diff_and_counts() {
    let s = Scratch::new("ptest");
    let f = s.root.join("p.toml");
    std::fs::write(
        &f,
        "deny = [\"Bash(terraform apply:*)\"]\n\n[[test]]\nbash = \"cd infra && terraform apply\"\nexpect = \"deny\"\nrule = \"Bash(terraform apply:*)\"\n\n[[test]]\nname = \"plan is refused\"\nbash = \"terraform plan\"\nprofile = \"ci\"\nexpect = \"deny\"\n",
    )
    .unwrap();
    let r = run(
        &["policy", "test", f.to_str().unwrap()],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("p.toml:8: test `plan is refused` [ci] failed"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("  - expected: deny\n  + got:      defer"),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().last(), Some("3 passed, 1 failed"));
}

#[test]
fn builtin_profiles_carry_passing_tests() {
    let s = Scratch::new("pbuiltin");
    let r = run(&["policy", "test", "--builtin"], b"", &s.home(), &[]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.trim_end().ends_with(" passed, 0 failed"),
        "{}",
        r.stdout
    );
}

#[test]
fn import_converts_claude_permissions_into_a_loadable_policy() {
    let s = Scratch::new("pimport");
    let settings = s.root.join("settings.json");
    std::fs::write(
        &settings,
        r#"{"permissions":{"deny":["Bash(curl:*)","Read(./.env.local)","mcp__jira"],"ask":["WebFetch(domain:*.internal)"],"allow":["Bash(npm test)"]}}"#,
    )
    .unwrap();
    let r = run(
        &["policy", "import", settings.to_str().unwrap()],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("\"Bash(curl:*)\""));
    let policy = s.root.join("imported.toml");
    std::fs::write(&policy, &r.stdout).unwrap();
    let check = run(
        &[
            "policy",
            "check",
            "--managed-dir",
            s.root.join("nm").to_str().unwrap(),
            policy.to_str().unwrap(),
        ],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(check.code, 0, "{}", check.stderr);
    let explain = run(
        &[
            "explain",
            "--policy",
            policy.to_str().unwrap(),
            "--managed-dir",
            s.root.join("nm").to_str().unwrap(),
            "--cwd",
            s.proj().to_str().unwrap(),
            "--format",
            "json",
            "--",
            "Bash",
            "timeout 5 curl https://x",
        ],
        b"",
        &s.home(),
        &[],
    );
    let v: serde_json::Value = serde_json::from_str(&explain.stdout).unwrap();
    assert_eq!(v["decision"], "deny", "{v}");
    assert_eq!(v["rule"], "Bash(curl:*)");
    assert_eq!(v["commands"][0], "curl https://x");
    assert!(
        v["to_change"][0]
            .as_str()
            .unwrap()
            .contains("edit or remove it")
    );
}

#[test]
fn explain_names_the_layer_line_and_the_way_to_change_it() {
    let s = Scratch::new("pexplain");
    let r = run(
        &[
            "explain",
            "--managed-dir",
            s.root.join("nm").to_str().unwrap(),
            "--cwd",
            s.proj().to_str().unwrap(),
            "--",
            "Read",
            "/opt/notes.txt",
        ],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.starts_with("decision: ask\n"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "decided by `scope.read-outside` in the built-in layer, policies/production.toml:"
        ),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("to change the outcome:"), "{}", r.stdout);
}

#[test]
fn authors_get_errors_they_can_fix() {
    let s = Scratch::new("perrors");
    let f = s.root.join("p.toml");
    for (text, needle) in [
        (
            "[files]\nexclud = [\"x\"]\n",
            "p.toml:2:1: unknown field `exclud`",
        ),
        ("[files]\nexclud = [\"x\"]\n", "did you mean `exclude`?"),
        (
            "[[rule]]\nid = \"r\"\ndecision = \"deny\"\ntool = \"Raed\"\n",
            "did you mean `Read`?",
        ),
        (
            "[[rule]]\nid = \"r\"\ndecision = \"deny\"\ncommand = \"a(\"\n",
            "p.toml:4: rule[0]: rule `r`: command regex `a(` at column 12",
        ),
        ("deny = [\"Write(./x)\"]\n", "write `Edit(./x)`"),
        // Valid syntax, but over the compiled size limit: found by `policy check`, which
        // compiles every rule regex (the hook compiles them on first use).
        (
            "[[rule]]\nid = \"huge\"\ndecision = \"deny\"\ncommand = '\\w{500}\\w{500}'\n",
            "p.toml:2: rule `huge`: command regex cannot be compiled",
        ),
    ] {
        std::fs::write(&f, text).unwrap();
        let r = run(
            &[
                "policy",
                "check",
                "--managed-dir",
                s.root.join("nm").to_str().unwrap(),
                f.to_str().unwrap(),
            ],
            b"",
            &s.home(),
            &[],
        );
        assert_eq!(r.code, 1, "an invalid policy: {text}");
        assert!(r.stderr.contains(needle), "{text}: {}", r.stderr);
    }
    // A lower layer loosening names the key and the layer that set what it tried to loosen.
    std::fs::create_dir_all(s.proj().join(".claude")).unwrap();
    std::fs::write(
        s.proj().join(".claude/hookguard.toml"),
        "[verdicts]\n\"deps.new\" = \"defer\"\n",
    )
    .unwrap();
    let r = run(
        &[
            "policy",
            "check",
            "--managed-dir",
            s.root.join("nm").to_str().unwrap(),
            "--cwd",
            s.proj().to_str().unwrap(),
        ],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("hookguard.toml:2: `deps.new` = `defer` would loosen `ask` set by the built-in layer, policies/production.toml:"), "{}", r.stderr);
}

/// `policy check` with `args` (and a managed directory of its own) in `s`.
fn check(s: &Scratch, args: &[&str]) -> Run {
    let nm = s.root.join("nm");
    let mut all = vec!["policy", "check", "--managed-dir", nm.to_str().unwrap()];
    all.extend_from_slice(args);
    run(&all, b"", &s.home(), &[])
}

#[test]
fn policy_check_prints_a_policy_that_loads_back_to_itself() {
    let s = Scratch::new("pcheck-roundtrip");
    std::fs::create_dir_all(s.proj().join(".claude")).unwrap();
    // A project layer that raises a family (a floor) and adds files and a rule.
    std::fs::write(
        s.proj().join(".claude/hookguard.toml"),
        "[verdicts]\n\"deps.new\" = \"deny\"\nshell = \"ask\"\n[files]\nexclude = [\"**/private/**\", \"secrets/*.pem\"]\n[git]\nprotected-branches = [\"stable/*\"]\n[[rule]]\nid = \"team.no-migrations\"\ntool = [\"Write\", \"Edit\"]\npath = \"**/migrations/**\"\ndecision = \"ask\"\nreason = \"migrations, with \\\"quotes\\\" and # hashes\"\ncontrol = \"PR-06\"\n",
    )
    .unwrap();
    // A trusted layer with permission rules, a switched-off rule, audit settings and its own
    // secret rules.
    let gitleaks = s.root.join("gitleaks.toml");
    std::fs::write(
        &gitleaks,
        "[[rules]]\nid = \"acme-key\"\nregex = 'acme_[a-z0-9]{24}'\nkeywords = [\"acme_\"]\n",
    )
    .unwrap();
    let trusted = s.root.join("org.toml");
    std::fs::write(
        &trusted,
        "profile = \"production\"\nfix-profile = true\ndeny = [\"Bash(terraform apply:*)\", \"Read(./secrets/**)\"]\nask = [\"WebFetch(domain:example.com)\"]\ndisable = [\"shell.opaque\"]\n[git]\nai-markers = [\"Co-Authored-By: Claude\"]\n[web]\nallow-domains = [\"*.gov.uk\"]\n[audit]\nsyslog = true\nkeep = 4\n[secrets]\ngitleaks = \"GITLEAKS\"\n"
            .replace("GITLEAKS", gitleaks.to_str().unwrap()),
    )
    .unwrap();
    let first = check(
        &s,
        &[
            "--cwd",
            s.proj().to_str().unwrap(),
            "--policy",
            trusted.to_str().unwrap(),
        ],
    );
    assert_eq!(first.code, 0, "{}", first.stderr);
    // It parses as TOML, and as a policy file.
    let v1: toml::Value =
        toml::from_str(&first.stdout).unwrap_or_else(|e| panic!("{e}\n{}", first.stdout));
    let printed = s.root.join("printed.toml");
    std::fs::write(&printed, &first.stdout).unwrap();
    // Loaded again as the only layer, from a directory with no project policy.
    let empty = s.root.join("elsewhere");
    std::fs::create_dir_all(&empty).unwrap();
    let second = check(
        &s,
        &[
            "--cwd",
            empty.to_str().unwrap(),
            "--policy",
            printed.to_str().unwrap(),
        ],
    );
    assert_eq!(
        second.code, 0,
        "hookguard rejects its own output: {}\n{}",
        second.stderr, first.stdout
    );
    let v2: toml::Value = toml::from_str(&second.stdout).unwrap();
    assert_eq!(
        v1, v2,
        "first:\n{}\nsecond:\n{}",
        first.stdout, second.stdout
    );
    // The things the layers set are there, with where they came from.
    assert_eq!(v1["verdicts"]["deps.new"].as_str(), Some("deny"));
    assert_eq!(v1["fix-profile"].as_bool(), Some(true));
    assert_eq!(v1["secrets"]["gitleaks"].as_str(), gitleaks.to_str());
    // The floor on `shell` prints as what a rule of that very id gets: it has no entry of its
    // own, so denied (the floor is lower); the members keep theirs.
    assert_eq!(v1["verdicts"]["shell"].as_str(), Some("deny"));
    assert_eq!(v1["verdicts"]["shell.privileged"].as_str(), Some("deny"));
    assert_eq!(v1["deny"].as_array().unwrap().len(), 2);
    assert_eq!(
        v1["rule"][0]["reason"].as_str(),
        Some("migrations, with \"quotes\" and # hashes")
    );
    assert!(
        first
            .stdout
            .contains("\"**/private/**\", # project layer, "),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("# \"**/.env\"  (built-in layer, policies/base.toml:"),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains("# policy-sha256: "),
        "{}",
        first.stdout
    );
}

#[test]
fn a_verdict_or_disable_key_that_names_no_rule_is_an_error_with_a_suggestion() {
    let s = Scratch::new("pcheck-typo");
    let f = s.root.join("p.toml");
    for (text, line, best) in [
        ("[verdicts]\n\"dep.new\" = \"deny\"\n", 2, "deps.new"),
        (
            "profile = \"ci\"\n[verdicts]\n\"shell.privilegd\" = \"ask\"\n",
            3,
            "shell.privileged",
        ),
        ("disable = [\"shel.opaque\"]\n", 1, "shell.opaque"),
    ] {
        std::fs::write(&f, text).unwrap();
        let r = check(&s, &[f.to_str().unwrap()]);
        assert_eq!(r.code, 1, "{text}: {}", r.stdout);
        assert!(
            r.stderr.contains(&format!("p.toml:{line}: ")),
            "{text}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(&format!("did you mean `{best}`?")),
            "{text}: {}",
            r.stderr
        );
    }
    // Families, members beneath a rule, and custom rules' ids are all rule keys.
    std::fs::write(
        &f,
        "[verdicts]\nshell = \"deny\"\n\"shell.privileged.sudo\" = \"deny\"\n\"secrets.custom.acme\" = \"deny\"\n\"team.x\" = \"deny\"\n[[rule]]\nid = \"team.x\"\ndecision = \"ask\"\ncommand = \"make deploy\"\n",
    )
    .unwrap();
    let r = check(&s, &[f.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The hook refuses every call under a policy with such a typo (fail closed).
    std::fs::write(&f, "[verdicts]\n\"dep.new\" = \"deny\"\n").unwrap();
    let ev = serde_json::json!({
        "hook_event_name": "PreToolUse", "session_id": "t", "tool_name": "Read",
        "tool_input": {"file_path": s.proj().join("README.md")}, "cwd": s.proj(),
    });
    let h = hook(&s, &["--policy", f.to_str().unwrap()], &ev.to_string());
    assert!(h.stdout.contains("\"deny\""), "{}", h.stdout);
}

#[test]
fn a_relative_cwd_is_taken_from_the_current_directory() {
    let s = Scratch::new("pcheck-relcwd");
    std::fs::create_dir_all(s.proj().join(".claude")).unwrap();
    std::fs::write(
        s.proj().join(".claude/hookguard.toml"),
        "profile = \"prototype\"\n",
    )
    .unwrap();
    let rel = s.proj().file_name().unwrap().to_str().unwrap().to_string();
    let nm = s.root.join("nm");
    for args in [
        vec![
            "policy",
            "check",
            "--managed-dir",
            nm.to_str().unwrap(),
            "--cwd",
            &rel,
        ],
        vec![
            "explain",
            "--managed-dir",
            nm.to_str().unwrap(),
            "--cwd",
            &rel,
            "--",
            "Read",
            "README.md",
        ],
    ] {
        let out = std::process::Command::new(bin())
            .args(&args)
            .current_dir(&s.root)
            .env_clear()
            .env("HOME", s.home())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains(".claude/hookguard.toml"),
            "{args:?}: the project layer is missing:\n{stdout}"
        );
        assert!(stdout.contains("prototype"), "{args:?}:\n{stdout}");
    }
}

#[test]
fn policy_test_speaks_json_and_junit_for_ci() {
    let s = Scratch::new("ptest-formats");
    let f = s.root.join("p.toml");
    std::fs::write(
        &f,
        "deny = [\"Bash(terraform apply:*)\"]\n\n[[test]]\nbash = \"terraform apply\"\nexpect = \"deny\"\n\n[[test]]\nname = \"plan <is> refused & \\\"logged\\\"\"\nbash = \"terraform plan\"\nprofile = \"ci\"\nexpect = \"deny\"\n",
    )
    .unwrap();
    let json = run(
        &["policy", "test", "--format", "json", f.to_str().unwrap()],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(json.code, 1, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["passed"], 3);
    assert_eq!(v["failed"], 1);
    let tests = v["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 4);
    let bad = tests.iter().find(|t| t["passed"] == false).unwrap();
    assert_eq!(bad["line"], 7);
    assert_eq!(bad["profile"], "ci");
    assert!(
        bad["failure"]
            .as_str()
            .unwrap()
            .contains("+ got:      defer")
    );

    let junit = run(
        &["policy", "test", "--format", "junit", f.to_str().unwrap()],
        b"",
        &s.home(),
        &[],
    );
    assert_eq!(junit.code, 1, "{}", junit.stderr);
    let x = &junit.stdout;
    assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"hookguard policy test\" tests=\"4\" failures=\"1\">"), "{x}");
    assert!(
        x.contains("name=\"plan &lt;is&gt; refused &amp; &quot;logged&quot; [ci]\""),
        "{x}"
    );
    assert_eq!(x.matches("<testcase ").count(), 4, "{x}");
    assert_eq!(x.matches("<failure message=").count(), 1, "{x}");
    // Well-formed XML, by a real parser where there is one.
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok()
    {
        let out = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys, xml.etree.ElementTree as E; r = E.fromstring(sys.stdin.read()); print(len(r.findall('.//testcase')), len(r.findall('.//failure')))",
            ])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(x.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "4 1", "{x}");
    }
}

#[test]
fn policy_schema_prints_the_committed_schema() {
    let s = Scratch::new("pschema");
    let r = run(&["policy", "schema"], b"", &s.home(), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["additionalProperties"], false, "unknown keys are errors");
    assert!(v["properties"]["verdicts"].is_object());
    assert_eq!(
        r.stdout,
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/hookguard-policy.schema.json"
        ))
        .unwrap()
    );
}

#[test]
fn every_example_policy_prints_as_a_policy_that_loads_back_to_itself() {
    let s = Scratch::new("pcheck-examples");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/policies");
    let empty = s.root.join("elsewhere");
    std::fs::create_dir_all(&empty).unwrap();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "toml") {
            continue;
        }
        let first = check(
            &s,
            &[
                "--cwd",
                empty.to_str().unwrap(),
                "--policy",
                p.to_str().unwrap(),
            ],
        );
        assert_eq!(first.code, 0, "{}: {}", p.display(), first.stderr);
        let printed = s.root.join("printed.toml");
        std::fs::write(&printed, &first.stdout).unwrap();
        let second = check(
            &s,
            &[
                "--cwd",
                empty.to_str().unwrap(),
                "--policy",
                printed.to_str().unwrap(),
            ],
        );
        assert_eq!(
            second.code,
            0,
            "{}: {}\n{}",
            p.display(),
            second.stderr,
            first.stdout
        );
        let v1: toml::Value = toml::from_str(&first.stdout).unwrap();
        let v2: toml::Value = toml::from_str(&second.stdout).unwrap();
        assert_eq!(v1, v2, "{}", p.display());
    }
}
