//! "Profiles only tighten down the layers", through the binary as a user registers it: the
//! registration of `settings-snippets/user.json` (`hookguard hook`, no `--profile`), a real
//! project directory, and the repository's own `.claude/hookguard.toml` trying to choose the
//! profile.

mod common;
use common::*;

/// A WebFetch to a domain not on the allow list: prototype defers, production asks (C16); an
/// OFFICIAL-SENSITIVE project denies it in every profile.
fn fetch(s: &Scratch) -> String {
    serde_json::json!({
        "session_id": "s-1", "hook_event_name": "PreToolUse", "tool_name": "WebFetch",
        "tool_input": {"url": "https://example.com/docs", "prompt": "summarise"},
        "tool_use_id": "toolu_1", "cwd": s.proj(), "permission_mode": "default",
    })
    .to_string()
}

fn project_policy(s: &Scratch, text: &str) {
    std::fs::create_dir_all(s.proj().join(".claude")).unwrap();
    std::fs::write(s.proj().join(".claude/hookguard.toml"), text).unwrap();
}

fn user_policy(s: &Scratch, text: &str) {
    let dir = s.home().join(".config/hookguard");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("policy.toml"), text).unwrap();
}

fn last_record(s: &Scratch) -> serde_json::Value {
    records(s).pop().expect("an audit record")
}

fn policy_check(s: &Scratch, args: &[&str]) -> Run {
    let managed = s.root.join("no-managed");
    let proj = s.proj();
    let mut all = vec![
        "policy",
        "check",
        "--managed-dir",
        managed.to_str().unwrap(),
        "--cwd",
        proj.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    run(&all, b"", &s.home(), &[])
}

#[test]
fn a_project_cannot_lower_the_profile_of_a_registration_without_one() {
    let s = Scratch::new("lower");
    project_policy(&s, "# the repository says\nprofile = \"prototype\"\n");
    let r = hook(&s, &[], &fetch(&s));
    // Production's answer, not prototype's defer; the call is judged, not refused outright.
    assert_eq!(
        (r.code, r.decision()),
        (0, "ask".to_string()),
        "{}",
        r.stderr
    );
    let rec = last_record(&s);
    assert_eq!(rec["profile"], "production", "{rec}");
    assert_eq!(
        rec["red_flags"],
        serde_json::json!(["ignored:policy.profile"]),
        "{rec}"
    );

    // `policy check` and `explain` say that the line has no force, and where it is.
    let c = policy_check(&s, &[]);
    assert_eq!(c.code, 0, "{}", c.stderr);
    assert!(
        c.stdout.contains("profile = \"production\"  # default"),
        "{}",
        c.stdout
    );
    let note = format!(
        "# note: {}:2: `profile = \"prototype\"` is ignored: a project layer may only raise the profile from prototype to production",
        s.proj().join(".claude/hookguard.toml").display()
    );
    assert!(c.stdout.contains(&note), "{}", c.stdout);
    let managed = s.root.join("no-managed");
    let e = run(
        &[
            "explain",
            "--managed-dir",
            managed.to_str().unwrap(),
            "--cwd",
            s.proj().to_str().unwrap(),
            "--",
            "WebFetch",
            "https://example.com/docs",
        ],
        b"",
        &s.home(),
        &[],
    );
    assert!(e.stdout.contains("decision: ask"), "{}", e.stdout);
    assert!(
        e.stdout.contains("note: ") && e.stdout.contains("is ignored"),
        "{}",
        e.stdout
    );
    let d = run(
        &[
            "doctor",
            "--managed-dir",
            managed.to_str().unwrap(),
            "--project",
            s.proj().to_str().unwrap(),
        ],
        b"",
        &s.home(),
        &[],
    );
    assert!(
        d.stdout
            .contains("warn policy: a policy line has no force: ")
            && d.stdout.contains("`profile = \"prototype\"` is ignored"),
        "{}",
        d.stdout
    );
}

#[test]
fn a_user_layer_cannot_lower_it_either_nor_choose_ci() {
    for wanted in ["prototype", "ci"] {
        let s = Scratch::new("user");
        user_policy(&s, &format!("profile = \"{wanted}\"\n"));
        let r = hook(&s, &[], &fetch(&s));
        assert_eq!(r.decision(), "ask", "{wanted}: {}", r.stderr);
        assert_eq!(last_record(&s)["profile"], "production");
        let c = policy_check(&s, &[]);
        assert!(
            c.stdout.contains("is ignored: a user layer may only raise"),
            "{}",
            c.stdout
        );
    }
}

#[test]
fn a_project_may_raise_prototype_to_production() {
    let s = Scratch::new("raise");
    project_policy(&s, "profile = \"production\"\n");
    let r = hook(&s, &["--profile", "prototype"], &fetch(&s));
    assert_eq!(r.decision(), "ask", "{}", r.stderr);
    let rec = last_record(&s);
    assert_eq!(rec["profile"], "production", "{rec}");
    assert!(rec.get("red_flags").is_none(), "{rec}");
    let c = policy_check(&s, &["--profile", "prototype"]);
    assert!(
        c.stdout
            .contains("profile = \"production\"  # raised from prototype by the project layer"),
        "{}",
        c.stdout
    );
    // Prototype chosen by the registration and not raised: the project's line agrees.
    let s = Scratch::new("agree");
    project_policy(&s, "profile = \"prototype\"\n");
    let r = hook(&s, &["--profile", "prototype"], &fetch(&s));
    assert_eq!(r.decision(), "defer", "{}", r.stderr);
    assert!(last_record(&s).get("red_flags").is_none());
}

#[test]
fn classification_still_tightens_whatever_the_profile_lines_say() {
    // OFFICIAL-SENSITIVE: WebFetch is denied in every profile, the ignored profile line
    // included.
    for args in [&[][..], &["--profile", "prototype"][..]] {
        let s = Scratch::new("sensitive");
        project_policy(
            &s,
            "profile = \"prototype\"\nclassification = \"OFFICIAL-SENSITIVE\"\n",
        );
        let r = hook(&s, args, &fetch(&s));
        assert_eq!(r.decision(), "deny", "{args:?}: {}", r.stderr);
        let rec = last_record(&s);
        assert_eq!(rec["classification"], "OFFICIAL-SENSITIVE", "{rec}");
    }
}
