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
        assert_eq!(r.code, 2, "{text}");
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
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("hookguard.toml:2: `deps.new` = `defer` would loosen `ask` set by the built-in layer, policies/production.toml:"), "{}", r.stderr);
}
