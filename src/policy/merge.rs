//! Merging the layers: the one place where precedence is decided.
//!
//! | what                                   | built-in | `--policy`, managed | user          | project                  |
//! |----------------------------------------|----------|---------------------|---------------|--------------------------|
//! | `profile`                              | default `production` | choose (`--profile` above all); `fix-profile` locks it against other trusted layers | raise prototype to production only; else ignored with a note | raise prototype to production only; else ignored with a note |
//! | `classification`                       | `OFFICIAL` | raise             | raise         | raise                    |
//! | `[verdicts]`                           | base     | any (a more trusted layer's entry only tightened) | stricter only | stricter only |
//! | `disable`                              | —        | yes                 | no            | no                       |
//! | `ask-without-person`                   | profile  | any                 | `deny` only   | `deny` only              |
//! | `files.exclude`, `production`, `protect`, `production.identifiers`, `git.protected-branches` | base | add | add | add |
//! | `files.template-exceptions`            | `true`   | any                 | `false` only  | `false` only             |
//! | `read-roots`, `write-roots`, `web.allow-domains`, `mcp.approved-servers`, `git.ai-markers`, every `[audit]` key, `secrets.gitleaks` | — | yes | no | no |
//! | `[[rule]]` with `deny`/`ask`           | —        | yes                 | yes           | yes                      |
//! | `[[rule]]` with `allow`                | —        | yes                 | no            | no                       |
//!
//! Layers are applied most trusted first (`--policy` files in reverse order of the command
//! line, then managed, user, project), so "stricter only" is always measured against what the
//! more trusted layers already decided. A lower layer that tries to loosen is an error, not a
//! silent no-op: the author learns that their line has no force, and the guard fails closed
//! until they fix it. The one exception is `profile` ([`choose_profile`]): a user or project
//! line other than "prototype → production" is ignored with a note, so that a repository can
//! neither lower the profile nor stop every call by trying.

use super::file::{PolicyFile, line_of};
use super::layers::{Layer, LayerKind};
use super::pattern::{PathPatterns, Pattern, anchor, check_glob};
use super::{Policy, PolicyError, Rule, Source, VerdictEntry, builtin_profile_text, claude_rules};
use crate::classification::{Classification, Profile};
use crate::decision::Verdict;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// SHA-256 of each built-in policy file, in hex. `builtin_digests_are_current` fails with the
/// right values when a file in `policies/` changes.
const BUILTIN_DIGESTS: &[(&str, &str)] = &[
    (
        "policies/base.toml",
        "9a87a76e717d57f74cf0838d028d78911f640aeffec056977ab6cbc19f4ae2f7",
    ),
    (
        "policies/prototype.toml",
        "04e11869ca3c7f7fff775edbb6664dbd07bf54fa53dbee58bfeba5252a54fb36",
    ),
    (
        "policies/production.toml",
        "3302518a96633349768fc6123cfdc4fcb785f5997d88ca1d24402af516adaa1f",
    ),
    (
        "policies/ci.toml",
        "d4c4c26fc39400b8c01278dee82b059cebaa2f0cbf6f3972f3494c2a6dae572a",
    ),
];

fn builtin_digest(name: &str) -> Option<&'static str> {
    BUILTIN_DIGESTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

/// How the profile is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileChoice {
    /// By the layers (see the table above).
    Layers,
    /// By the hook command's `--profile`: a layer that declares another profile is an error.
    Fixed(Profile),
    /// By `policy test`: "what would this policy decide under that profile", whatever the
    /// layers declare.
    Forced(Profile),
}

/// Merges `layers` (most trusted first) over the built-in base and the chosen profile.
pub fn merge(
    layers: &[Layer],
    cli_profile: Option<Profile>,
    home: Option<&Path>,
) -> Result<Policy, PolicyError> {
    let choice = cli_profile.map_or(ProfileChoice::Layers, ProfileChoice::Fixed);
    merge_at(layers, choice, home, None)
}

/// [`merge`], with the project root that project-relative rule paths are anchored at.
pub fn merge_at(
    layers: &[Layer],
    choice: ProfileChoice,
    home: Option<&Path>,
    project: Option<&Path>,
) -> Result<Policy, PolicyError> {
    let (profile, profile_source, profile_notes) = match choice {
        ProfileChoice::Forced(p) => (p, "chosen for this test".to_string(), Vec::new()),
        ProfileChoice::Fixed(p) => choose_profile(layers, Some(p))?,
        ProfileChoice::Layers => choose_profile(layers, None)?,
    };
    let base = Layer::builtin(
        "policies/base.toml".into(),
        super::BUILTIN_BASE,
        super::BUILTIN_BASE_JSON,
    )?;
    let prof = Layer::builtin(
        format!("policies/{profile}.toml"),
        builtin_profile_text(profile),
        super::builtin_profile_json(profile),
    )?;

    let mut hasher = crate::digest::Sha256::new();
    let mut m = Merger::new(home);
    m.project = project;
    m.policy.profile = profile;
    m.policy.profile_source = profile_source;
    m.policy.profile_notes = profile_notes;
    for layer in [&base, &prof].into_iter().chain(layers) {
        hasher.update(layer.kind.as_str().as_bytes());
        hasher.update([0]);
        hasher.update(layer.name.as_bytes());
        hasher.update([0]);
        // The built-in texts are hashed ahead of time (a test keeps the digests true): hashing
        // them again on every hook call cost about 0.3 M instructions.
        match builtin_digest(&layer.name).filter(|_| layer.kind == LayerKind::Builtin) {
            Some(d) => hasher.update(d.as_bytes()),
            None => hasher.update(layer.text.as_bytes()),
        }
        hasher.update([0]);
        m.apply(layer)?;
        m.policy.layers.push((layer.kind, layer.name.clone()));
    }
    m.policy.sha256 = hasher.finish_hex();
    super::keys::check(&m.policy)?;
    if m.policy.ai_markers.is_empty() {
        m.policy.ai_markers = vec!["[AI-assisted]".into()];
    }
    Ok(m.policy)
}

/// Chooses the profile: `(profile, where it came from, notes)`.
///
/// The profile is the registration's `--profile`, else the most trusted managed or `--policy`
/// layer's (`fix-profile = true` locks it against the other trusted layers), else
/// `production`. A user or project layer is within reach of the agent being guarded (the
/// repository is exactly what it edits), so it may only **raise `prototype` to `production`**:
/// any other `profile` there (a lowering, or `ci`, which is not a stricter production but a
/// different environment: no person to ask, background tasks deferred) is ignored, never
/// honoured, and each such line becomes a note for `policy check`, `explain`, `doctor` and the
/// audit record. Ignoring it rather than failing the policy means a cloned repository cannot
/// lower the profile, and cannot stop every call either.
fn choose_profile(
    layers: &[Layer],
    cli_profile: Option<Profile>,
) -> Result<(Profile, String, Vec<String>), PolicyError> {
    // Fixed: by the command line, or by the most trusted layer that says `fix-profile = true`.
    let fixed: Option<(Profile, String)> = match cli_profile {
        Some(p) => Some((p, "hook command's --profile".to_string())),
        None => layers.iter().find_map(|l| {
            (l.kind.trusted() && l.file.fix_profile == Some(true))
                .then(|| {
                    l.file
                        .profile
                        .map(|p| (p, format!("{} layer ({})", l.kind, l.name)))
                })
                .flatten()
        }),
    };
    for l in layers {
        if l.file.fix_profile.is_some() && !l.kind.trusted() {
            return Err(forbidden(l, "fix-profile"));
        }
        if l.file.fix_profile == Some(true) && l.file.profile.is_none() {
            return Err(invalid(
                l,
                "fix-profile",
                "`fix-profile = true` needs a `profile` in the same file",
            ));
        }
    }
    let mut chosen = match fixed {
        Some((p, by)) => {
            // Trusted layers that disagree with the fixed profile are a deployment to correct,
            // not a lowering to ignore.
            for l in layers.iter().filter(|l| l.kind.trusted()) {
                if let Some(wanted) = l.file.profile
                    && wanted != p
                {
                    return Err(PolicyError::ProfileFixed {
                        file: l.name.clone(),
                        line: line_of(&l.text, "profile"),
                        wanted,
                        fixed: p,
                        by: by.clone(),
                    });
                }
            }
            (p, format!("fixed by the {by}"))
        }
        None => layers
            .iter()
            .find(|l| l.kind.trusted() && l.file.profile.is_some())
            .map_or((Profile::Production, "default".to_string()), |l| {
                (
                    l.file.profile.expect("checked"),
                    format!("{} layer ({})", l.kind, l.name),
                )
            }),
    };
    let mut notes = Vec::new();
    for l in layers.iter().filter(|l| !l.kind.trusted()) {
        let Some(wanted) = l.file.profile else {
            continue;
        };
        if wanted == chosen.0 {
            continue;
        }
        if chosen.0 == Profile::Prototype && wanted == Profile::Production {
            chosen = (
                wanted,
                format!("raised from prototype by the {} layer ({})", l.kind, l.name),
            );
            continue;
        }
        notes.push(format!(
            "{}:{}: `profile = \"{wanted}\"` is ignored: a {} layer may only raise the profile from prototype to production, and it is {} ({})",
            l.name,
            line_of(&l.text, "profile"),
            l.kind,
            chosen.0,
            chosen.1,
        ));
    }
    Ok((chosen.0, chosen.1, notes))
}

fn forbidden(l: &Layer, key: &str) -> PolicyError {
    PolicyError::Forbidden {
        file: l.name.clone(),
        line: line_of(&l.text, key.rsplit('.').next().unwrap_or(key)),
        key: key.to_string(),
        layer: l.kind,
    }
}

fn invalid(l: &Layer, key: &str, message: impl Into<String>) -> PolicyError {
    PolicyError::Invalid {
        file: l.name.clone(),
        line: line_of(&l.text, key.rsplit('.').next().unwrap_or(key)),
        key: key.to_string(),
        message: message.into(),
    }
}

struct Merger<'h> {
    policy: Policy,
    home: Option<&'h Path>,
    project: Option<&'h Path>,
    /// Which non-built-in layer set each verdict key, so a later (less trusted) trusted layer
    /// cannot loosen what a more trusted one decided.
    verdict_set_by_layer: BTreeMap<String, LayerKind>,
    classification_set: bool,
    template_exceptions_set_by: Option<LayerKind>,
    /// The `[audit]` keys merged so far.
    audit: super::file::AuditSection,
}

impl<'h> Merger<'h> {
    fn new(home: Option<&'h Path>) -> Merger<'h> {
        Merger {
            policy: Policy {
                profile: Profile::Production,
                profile_source: String::new(),
                profile_notes: Vec::new(),
                classification: Classification::Official,
                classification_source: "default".into(),
                ask_without_person: Verdict::Deny,
                verdicts: BTreeMap::new(),
                floors: BTreeMap::new(),
                disabled: BTreeMap::new(),
                excluded: PathPatterns::new(true),
                template_exceptions: true,
                production_paths: PathPatterns::new(false),
                protected: PathPatterns::new(false),
                read_roots: Vec::new(),
                write_roots: Vec::new(),
                production_identifiers: Vec::new(),
                web_allow: Vec::new(),
                mcp_approved: Vec::new(),
                protected_branches: Vec::new(),
                ai_markers: Vec::new(),
                audit_log: None,
                audit: crate::audit::Settings::default(),
                rules: Vec::new(),
                scanner: crate::scan::Scanner::builtin(),
                layers: Vec::new(),
                sha256: String::new(),
            },
            home,
            project: None,
            verdict_set_by_layer: BTreeMap::new(),
            classification_set: false,
            template_exceptions_set_by: None,
            audit: Default::default(),
        }
    }

    fn source(l: &Layer, needle: &str) -> Source {
        Source::quoted(l, needle)
    }

    fn apply(&mut self, l: &Layer) -> Result<(), PolicyError> {
        let f: &PolicyFile = &l.file;
        let trusted = l.kind.trusted();

        if let Some(c) = f.classification {
            if !self.classification_set || c > self.policy.classification {
                self.policy.classification = c.max(if self.classification_set {
                    self.policy.classification
                } else {
                    c
                });
                self.policy.classification_source = format!("{} layer ({})", l.kind, l.name);
            }
            self.classification_set = true;
        }

        if let Some(v) = f.ask_without_person {
            if !matches!(v, Verdict::Ask | Verdict::Deny) {
                return Err(invalid(l, "ask-without-person", "must be `deny` or `ask`"));
            }
            if trusted || v >= self.policy.ask_without_person {
                self.policy.ask_without_person = v;
            } else {
                return Err(PolicyError::loosen(
                    &l.name,
                    line_of(&l.text, "ask-without-person"),
                    "ask-without-person",
                    v.to_string(),
                    self.policy.ask_without_person.to_string(),
                    "profile",
                    l.kind,
                ));
            }
        }

        if let Some(verdicts) = &f.verdicts {
            for (key, &v) in verdicts {
                self.apply_verdict(l, key, v)?;
            }
        }

        if let Some(disable) = &f.disable {
            if !trusted {
                return Err(forbidden(l, "disable"));
            }
            for d in disable {
                self.policy.disabled.insert(d.clone(), Self::source(l, d));
            }
        }

        if let Some(files) = &f.files {
            for g in files.exclude.iter().flatten() {
                let p = self.pattern(l, "files.exclude", g)?;
                self.policy.excluded.push(p);
            }
            for g in files.production.iter().flatten() {
                let p = self.pattern(l, "files.production", g)?;
                self.policy.production_paths.push(p);
            }
            for g in files.protect.iter().flatten() {
                let p = self.pattern(l, "files.protect", g)?;
                self.policy.protected.push(p);
            }
            if let Some(t) = files.template_exceptions {
                if trusted {
                    // A more trusted layer's `false` is not undone by a less trusted `true`.
                    let locked = self
                        .template_exceptions_set_by
                        .is_some_and(|k| k != LayerKind::Builtin);
                    if !(locked && t && !self.policy.template_exceptions) {
                        self.policy.template_exceptions = t;
                        self.template_exceptions_set_by = Some(l.kind);
                    }
                } else if !t {
                    self.policy.template_exceptions = false;
                } else if !self.policy.template_exceptions {
                    return Err(forbidden(l, "files.template-exceptions"));
                }
            }
            for (key, list, roots) in [
                ("files.read-roots", &files.read_roots, true),
                ("files.write-roots", &files.write_roots, false),
            ] {
                let Some(list) = list else { continue };
                if !trusted {
                    return Err(forbidden(l, key));
                }
                for r in list {
                    let expanded = crate::paths::expand_home(r, self.home);
                    if !expanded.starts_with('/') {
                        return Err(invalid(
                            l,
                            key,
                            format!("root `{r}` must be an absolute path (or start with `~/`)"),
                        ));
                    }
                    let path = crate::paths::fold(Path::new(&expanded));
                    let entry = (path, Self::source(l, r));
                    if roots {
                        self.policy.read_roots.push(entry);
                    } else {
                        self.policy.write_roots.push(entry);
                    }
                }
            }
        }

        if let Some(p) = &f.production {
            for id in p.identifiers.iter().flatten() {
                self.policy.production_identifiers.push(Pattern {
                    written: id.clone(),
                    glob: id.clone(),
                    source: Self::source(l, id),
                });
            }
        }

        if let Some(w) = &f.web
            && let Some(list) = &w.allow_domains
        {
            if !trusted {
                return Err(forbidden(l, "web.allow-domains"));
            }
            for d in list {
                if d.contains('/') || d.contains(':') || d.is_empty() {
                    return Err(invalid(
                        l,
                        "web.allow-domains",
                        format!(
                            "`{d}` is not a domain: write `example.gov.uk` or `*.example.gov.uk`"
                        ),
                    ));
                }
                self.policy.web_allow.push(Pattern {
                    written: d.clone(),
                    glob: d.clone(),
                    source: Self::source(l, d),
                });
            }
        }

        if let Some(m) = &f.mcp
            && let Some(list) = &m.approved_servers
        {
            if !trusted {
                return Err(forbidden(l, "mcp.approved-servers"));
            }
            for s in list {
                self.policy.mcp_approved.push(Pattern {
                    written: s.clone(),
                    glob: s.clone(),
                    source: Self::source(l, s),
                });
            }
        }

        if let Some(g) = &f.git {
            self.policy
                .protected_branches
                .extend(g.protected_branches.iter().flatten().cloned());
            if let Some(markers) = &g.ai_markers {
                if !trusted {
                    return Err(forbidden(l, "git.ai-markers"));
                }
                if markers.iter().any(|m| m.trim().is_empty()) {
                    return Err(invalid(l, "git.ai-markers", "a marker may not be empty"));
                }
                if l.kind == LayerKind::Builtin || self.policy.ai_markers.is_empty() {
                    self.policy.ai_markers = markers.clone();
                } else {
                    self.policy.ai_markers.extend(markers.iter().cloned());
                }
            }
        }

        if let Some(sec) = &f.secrets
            && let Some(path) = &sec.gitleaks
        {
            if !trusted {
                // What is scanned for is the organisation's call, like where the log goes.
                return Err(forbidden(l, "secrets.gitleaks"));
            }
            let expanded = crate::paths::expand_home(path, self.home);
            if !expanded.starts_with('/') {
                return Err(invalid(l, "secrets.gitleaks", "must be an absolute path"));
            }
            // Read and compiled here, so that a bad file fails the load (and every call is
            // refused) rather than silently scanning with fewer rules.
            let text = match crate::input::read_file(
                std::path::Path::new(&expanded),
                super::layers::MAX_POLICY_BYTES,
            ) {
                crate::input::FileRead::Bytes(b) => {
                    String::from_utf8(b).map_err(|_| "not valid UTF-8".to_string())
                }
                crate::input::FileRead::Missing => Err("no such file".to_string()),
                crate::input::FileRead::Unreadable(e) => Err(e),
            }
            .map_err(|e| {
                invalid(
                    l,
                    "secrets.gitleaks",
                    format!("cannot read `{expanded}`: {e}"),
                )
            })?;
            self.policy.scanner = self
                .policy
                .scanner
                .clone()
                .with_gitleaks(&text)
                .map_err(|e| invalid(l, "secrets.gitleaks", format!("`{expanded}`: {e}")))?;
        }

        if let Some(a) = &f.audit {
            if let Some(key) = a.first_key().filter(|_| !trusted) {
                return Err(forbidden(l, &format!("audit.{key}")));
            }
            let mut a = a.clone();
            if let Some(log) = &a.log {
                let expanded = crate::paths::expand_home(log, self.home);
                if !expanded.starts_with('/') {
                    return Err(invalid(l, "audit.log", "must be an absolute path"));
                }
                a.log = Some(expanded);
            }
            for (key, p) in [
                ("audit.hmac-key", &a.hmac_key),
                ("audit.syslog-socket", &a.syslog_socket),
            ] {
                if p.as_deref().is_some_and(|p| !p.starts_with('/')) {
                    return Err(invalid(l, key, "must be an absolute path"));
                }
            }
            // Most trusted first: a key already set by a more trusted layer stays.
            self.audit.fill_from(&a);
            self.policy.audit_log = self.audit.log.as_deref().map(PathBuf::from);
            self.policy.audit = crate::audit::Settings::from_section(&self.audit);
        }

        for (i, r) in f.rule.iter().flatten().enumerate() {
            let rule = self.rule(l, i, r)?;
            self.policy.rules.push(rule);
        }
        for (key, list, verdict) in [
            ("deny", &f.deny, Verdict::Deny),
            ("ask", &f.ask, Verdict::Ask),
            ("allow", &f.allow, Verdict::Allow),
        ] {
            let Some(list) = list else { continue };
            if verdict == Verdict::Allow && !trusted {
                return Err(forbidden(l, "allow"));
            }
            for text in list {
                let source = Self::source(l, text);
                let rule = claude_rules::parse(text, verdict, self.home, self.project)
                    .and_then(|p| claude_rules::rule(text, verdict, p, source.clone()))
                    .map_err(|message| PolicyError::Invalid {
                        file: l.name.clone(),
                        line: source.line(),
                        key: key.to_string(),
                        message,
                    })?;
                self.policy.rules.push(rule);
            }
        }
        Ok(())
    }

    fn apply_verdict(&mut self, l: &Layer, key: &str, v: Verdict) -> Result<(), PolicyError> {
        if key.is_empty()
            || !key
                .split('.')
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(invalid(
                l,
                key,
                "a rule id is dotted words of letters, digits and `-` (`files.excluded`)",
            ));
        }
        let source = Self::source(l, key);
        let current = self.policy.lookup(key);
        let cur_verdict = match &current {
            super::Lookup::Verdict { verdict, .. } => *verdict,
            super::Lookup::Disabled(_) => Verdict::Defer,
        };
        // Formatting a source looks its line up: only the error below needs it.
        let cur_by = || match &current {
            super::Lookup::Verdict { source, .. } => source.to_string(),
            super::Lookup::Disabled(s) => format!("`disable` in the {s}"),
        };
        let has_entry = self
            .policy
            .verdicts
            .keys()
            .any(|k| super::is_prefix_of_rule(k, key));
        let set_by_trusted_layer = self.verdict_set_by_layer.get(key).copied();
        if l.kind.trusted()
            && (l.kind == LayerKind::Builtin
                || set_by_trusted_layer.is_none_or(|k| k == l.kind)
                || v >= cur_verdict)
        {
            if l.kind != LayerKind::Builtin {
                // A trusted layer's entry for a family replaces the built-in entries beneath it.
                let beneath: Vec<String> = self
                    .policy
                    .verdicts
                    .keys()
                    .filter(|k| *k != key && super::is_prefix_of_rule(key, k))
                    .filter(|k| !self.verdict_set_by_layer.contains_key(*k))
                    .cloned()
                    .collect();
                for k in beneath {
                    self.policy.verdicts.remove(&k);
                }
                self.verdict_set_by_layer.insert(key.to_string(), l.kind);
            }
            self.policy
                .verdicts
                .insert(key.to_string(), VerdictEntry { verdict: v, source });
            return Ok(());
        }
        if has_entry && v < cur_verdict {
            return Err(PolicyError::loosen(
                &l.name,
                source.line(),
                key,
                v.to_string(),
                cur_verdict.to_string(),
                &cur_by(),
                l.kind,
            ));
        }
        // Lower layers set floors: they raise every rule under the key, never lower one.
        let e = self
            .policy
            .floors
            .entry(key.to_string())
            .or_insert(VerdictEntry {
                verdict: v,
                source: source.clone(),
            });
        if v > e.verdict {
            *e = VerdictEntry { verdict: v, source };
        }
        Ok(())
    }

    fn pattern(&self, l: &Layer, key: &str, written: &str) -> Result<Pattern, PolicyError> {
        let glob = anchor(written, self.home);
        // The built-in globs are checked by a test, not on every hook call.
        if l.kind != LayerKind::Builtin {
            check_glob(&glob)
                .map_err(|e| located(l, key, written, format!("glob `{written}`{{col}}: {e}")))?;
        }
        Ok(Pattern {
            written: written.to_string(),
            glob,
            source: Self::source(l, written),
        })
    }

    fn rule(&self, l: &Layer, i: usize, r: &super::file::RuleFile) -> Result<Rule, PolicyError> {
        let at = |msg: String| PolicyError::Invalid {
            file: l.name.clone(),
            line: r.id.as_deref().map_or_else(
                || crate::lines::header_line(&l.text, "[[rule]]", i),
                |id| line_of(&l.text, id),
            ),
            key: format!("rule[{i}]"),
            message: msg,
        };
        let id =
            r.id.clone()
                .ok_or_else(|| at("a rule needs an `id`".into()))?;
        let decision = r.decision.ok_or_else(|| {
            at(format!(
                "rule `{id}` needs a `decision` (`deny`, `ask` or `allow`)"
            ))
        })?;
        if decision == Verdict::Allow && !l.kind.trusted() {
            return Err(forbidden(l, &format!("rule `{id}` decision = \"allow\"")));
        }
        if decision == Verdict::Defer {
            return Err(at(format!(
                "rule `{id}`: `defer` is the absence of a decision; use `deny`, `ask` or `allow`"
            )));
        }
        let tools: Vec<String> = r
            .tool
            .as_ref()
            .map(|t| t.to_vec())
            .unwrap_or_default()
            .into_iter()
            .filter(|t| t != "*")
            .collect();
        check_never_matches(&id, &tools, r).map_err(at)?;
        let path = match &r.path {
            Some(g) => {
                let glob = anchor(g, self.home);
                check_glob(&glob).map_err(|e| {
                    let msg = format!("rule `{id}`: glob `{g}`{{col}}: {e}");
                    located(l, &format!("rule[{i}]"), g, msg)
                })?;
                let mut set = PathPatterns::new(false);
                set.push(Pattern {
                    written: g.clone(),
                    glob,
                    source: Self::source(l, g),
                });
                Some(set)
            }
            None => None,
        };
        let regex =
            |field: &str, src: &Option<String>| -> Result<Option<super::RuleRegex>, PolicyError> {
                src.as_deref()
                    .map(|s| {
                        super::RuleRegex::new(s).map_err(|e| {
                            let msg = format!("rule `{id}`: {field} regex `{s}`{{col}}: {e}");
                            located(l, &format!("rule[{i}]"), s, msg)
                        })
                    })
                    .transpose()
            };
        Ok(Rule {
            tools,
            path,
            content: regex("content", &r.content)?,
            command: regex("command", &r.command)?,
            domain: None,
            decision,
            reason: r
                .reason
                .clone()
                .unwrap_or_else(|| format!("refused by the policy rule `{id}` in {}", l.name)),
            control: r.control.clone().unwrap_or_else(|| "policy".into()),
            profiles: r.profiles.clone().unwrap_or_default(),
            source: Source::quoted(l, &id),
            id,
        })
    }
}

/// Tool names Claude Code sends (2.1.330), and the old names hookguard still accepts.
pub const KNOWN_TOOLS: &[&str] = &[
    "Agent",
    "AskUserQuestion",
    "Bash",
    "CronCreate",
    "CronDelete",
    "CronList",
    "Edit",
    "EnterPlanMode",
    "EnterWorktree",
    "ExitPlanMode",
    "ExitWorktree",
    "Glob",
    "Grep",
    "LSP",
    "ListMcpResourcesTool",
    "Monitor",
    "MultiEdit",
    "NotebookEdit",
    "PowerShell",
    "Read",
    "ReadMcpResourceDirTool",
    "ReadMcpResourceTool",
    "SendMessage",
    "Skill",
    "Task",
    "TaskCreate",
    "TaskGet",
    "TaskList",
    "TaskStop",
    "TaskUpdate",
    "TodoWrite",
    "ToolSearch",
    "WebFetch",
    "WebSearch",
    "Workflow",
    "Write",
    "UserPromptSubmit",
];

/// Tools whose calls carry a path a rule's `path` can match.
const PATH_TOOLS: &[&str] = &[
    "Read",
    "Write",
    "Edit",
    "MultiEdit",
    "NotebookEdit",
    "Grep",
    "Glob",
    "LSP",
];

/// A rule whose conditions can never hold together is an error: its author believes it
/// protects something, and it does not.
fn check_never_matches(
    id: &str,
    tools: &[String],
    r: &super::file::RuleFile,
) -> Result<(), String> {
    for t in tools {
        if !t.starts_with("mcp__") && !t.contains('*') && !KNOWN_TOOLS.contains(&t.as_str()) {
            let hint = super::file::closest(t, KNOWN_TOOLS)
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "rule `{id}` names the unknown tool `{t}`{hint}, so it can never match"
            ));
        }
    }
    let named = |set: &[&str]| tools.iter().any(|t| set.contains(&t.as_str()));
    if r.command.is_some() && !tools.is_empty() && !named(claude_rules::SHELL_TOOLS) {
        return Err(format!(
            "rule `{id}` has a `command` but names no shell tool (Bash, PowerShell, Monitor), so it can never match"
        ));
    }
    if r.path.is_some() && !tools.is_empty() && !named(PATH_TOOLS) {
        return Err(format!(
            "rule `{id}` has a `path` but names no tool that takes a path ({}), so it can never match",
            PATH_TOOLS.join(", ")
        ));
    }
    if r.profiles.as_ref().is_some_and(|p| p.is_empty()) {
        return Err(format!(
            "rule `{id}` has `profiles = []`, so it can never match; leave `profiles` out to match every profile"
        ));
    }
    Ok(())
}

/// An error about a value (a glob, a regex), located at the value's own line, with `{col}` in
/// the message replaced by " at column N" (1-based, where the value starts inside its quotes).
fn located(l: &Layer, key: &str, value: &str, message: String) -> PolicyError {
    let line = l.line_of(value);
    let col = l
        .text
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|text| text.find(value))
        .map(|i| format!(" at column {}", i + 1))
        .unwrap_or_default();
    PolicyError::Invalid {
        file: l.name.clone(),
        line,
        key: key.to_string(),
        message: message.replace("{col}", &col),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Lookup;

    fn layer(kind: LayerKind, text: &str) -> Layer {
        Layer::parse(kind, format!("{kind}.toml"), text.to_string()).unwrap()
    }

    fn verdict(p: &Policy, rule: &str) -> Verdict {
        match p.lookup(rule) {
            Lookup::Verdict { verdict, .. } => verdict,
            Lookup::Disabled(_) => Verdict::Defer,
        }
    }

    #[test]
    fn default_is_production_official() {
        let p = merge(&[], None, None).unwrap();
        assert_eq!(p.profile, Profile::Production);
        assert_eq!(p.classification, Classification::Official);
        assert_eq!(verdict(&p, "shell.privileged.sudo"), Verdict::Deny);
        assert_eq!(verdict(&p, "deps.new"), Verdict::Ask);
        assert_eq!(verdict(&p, "no.such.rule"), Verdict::Deny);
    }

    /// `(profile, notes)` for layers merged with an optional `--profile`.
    fn chosen(layers: &[Layer], cli: Option<Profile>) -> (Profile, Vec<String>) {
        let p = merge(layers, cli, None).unwrap();
        (p.profile, p.profile_notes)
    }

    #[test]
    fn user_and_project_may_only_raise_prototype_to_production() {
        use Profile::*;
        let trusted = |p: &str| layer(LayerKind::Managed, &format!("profile = \"{p}\"\n"));
        for kind in [LayerKind::User, LayerKind::Project] {
            let lower = |p: &str| layer(kind, &format!("# {kind}\nprofile = \"{p}\"\n"));
            // Raised: prototype (by --profile or a trusted layer) to production.
            for above in [
                chosen(&[lower("production")], Some(Prototype)),
                chosen(&[trusted("prototype"), lower("production")], None),
            ] {
                assert_eq!(above, (Production, vec![]), "{kind}");
            }
            // Everything else is ignored with a note naming the file and line: lowering, and
            // ci (not a stricter production but another environment).
            for (layers, cli, stays) in [
                (vec![lower("prototype")], None, Production),
                (vec![lower("prototype")], Some(Production), Production),
                (vec![lower("prototype")], Some(Ci), Ci),
                (vec![lower("production")], Some(Ci), Ci),
                (vec![trusted("ci"), lower("prototype")], None, Ci),
                (vec![lower("ci")], None, Production),
                (vec![lower("ci")], Some(Prototype), Prototype),
            ] {
                let (p, notes) = chosen(&layers, cli);
                assert_eq!(p, stays, "{kind} {cli:?}");
                assert_eq!(notes.len(), 1, "{kind}: {notes:?}");
                assert!(
                    notes[0].starts_with(&format!("{kind}.toml:2: `profile = ")),
                    "{}",
                    notes[0]
                );
                assert!(notes[0].contains("is ignored"), "{}", notes[0]);
            }
            // The same profile again is no note.
            assert_eq!(chosen(&[lower("production")], None), (Production, vec![]));
        }
        // A user layer's raise holds against the project's attempt to lower it again.
        let user = layer(LayerKind::User, "profile = \"production\"\n");
        let proj = layer(LayerKind::Project, "profile = \"prototype\"\n");
        let (p, notes) = chosen(&[user, proj], Some(Prototype));
        assert_eq!((p, notes.len()), (Production, 1));
    }

    #[test]
    fn trusted_layers_choose_and_fix_the_profile() {
        let managed = layer(LayerKind::Managed, "profile = \"prototype\"\n");
        assert_eq!(
            chosen(std::slice::from_ref(&managed), None).0,
            Profile::Prototype
        );
        let fixed = layer(
            LayerKind::Managed,
            "profile = \"production\"\nfix-profile = true\n",
        );
        let cli = layer(LayerKind::CommandLine, "profile = \"ci\"\n");
        let e = merge(&[cli, fixed.clone()], None, None).unwrap_err();
        assert!(matches!(e, PolicyError::ProfileFixed { .. }), "{e}");
        let e = merge(&[managed], Some(Profile::Ci), None).unwrap_err();
        assert!(e.to_string().contains("--profile"), "{e}");
        // Under a fixed profile, a project's lowering is ignored like any other.
        let proj = layer(LayerKind::Project, "profile = \"prototype\"\n");
        let (p, notes) = chosen(&[fixed, proj], None);
        assert_eq!((p, notes.len()), (Profile::Production, 1));
    }

    #[test]
    fn lower_layers_only_tighten_verdicts() {
        let proj = layer(LayerKind::Project, "[verdicts]\n\"deps.new\" = \"defer\"\n");
        let e = merge(&[proj], None, None).unwrap_err();
        assert!(
            e.to_string()
                .contains("`deps.new` = `defer` would loosen `ask`"),
            "{e}"
        );
        let proj = layer(LayerKind::Project, "[verdicts]\n\"deps\" = \"deny\"\n");
        let p = merge(&[proj], None, None).unwrap();
        assert_eq!(verdict(&p, "deps.new"), Verdict::Deny);
        assert_eq!(verdict(&p, "depsx"), Verdict::Deny);
    }

    #[test]
    fn trusted_layers_may_loosen_and_disable() {
        let managed = layer(
            LayerKind::Managed,
            "disable = []\n[verdicts]\n\"deps.new\" = \"defer\"\n\"git\" = \"ask\"\n",
        );
        let p = merge(&[managed], None, None).unwrap();
        assert_eq!(verdict(&p, "deps.new"), Verdict::Defer);
        assert_eq!(verdict(&p, "git.force-push-protected"), Verdict::Ask);
        let managed = layer(LayerKind::Managed, "disable = [\"prohibited\"]\n");
        let p = merge(&[managed], None, None).unwrap();
        assert!(matches!(
            p.lookup("prohibited.area.crypto"),
            Lookup::Disabled(_)
        ));
        let proj = layer(LayerKind::Project, "disable = [\"prohibited\"]\n");
        assert!(matches!(
            merge(&[proj], None, None),
            Err(PolicyError::Forbidden { .. })
        ));
    }

    #[test]
    fn a_less_trusted_trusted_layer_cannot_undo_a_more_trusted_one() {
        let cli = layer(
            LayerKind::CommandLine,
            "[verdicts]\n\"deps.new\" = \"deny\"\n",
        );
        let managed = layer(LayerKind::Managed, "[verdicts]\n\"deps.new\" = \"defer\"\n");
        assert!(matches!(
            merge(&[cli, managed], None, None),
            Err(PolicyError::Loosen { .. })
        ));
    }

    #[test]
    fn trusted_only_keys() {
        // An empty gitleaks file (a device such as /dev/null is refused: issue 16).
        let empty = std::env::temp_dir().join(format!("hg-empty-gitleaks-{}", std::process::id()));
        std::fs::write(&empty, "").unwrap();
        let gitleaks = format!("[secrets]\ngitleaks = \"{}\"\n", empty.display());
        for text in [
            "[files]\nread-roots = [\"/opt\"]\n",
            "[web]\nallow-domains = [\"docs.rs\"]\n",
            "[mcp]\napproved-servers = [\"github\"]\n",
            "[git]\nai-markers = [\"AI\"]\n",
            "[audit]\nlog = \"/tmp/x\"\n",
            gitleaks.as_str(),
            "fix-profile = true\nprofile = \"ci\"\n",
            "[[rule]]\nid = \"a\"\ndecision = \"allow\"\n",
        ] {
            let e = merge(&[layer(LayerKind::Project, text)], None, None).unwrap_err();
            assert!(matches!(e, PolicyError::Forbidden { .. }), "{text}: {e}");
            merge(&[layer(LayerKind::Managed, text)], None, None).unwrap();
        }
    }

    #[test]
    fn gitleaks_rules_load_or_fail_the_policy() {
        let dir = std::env::temp_dir().join(format!("hg-gitleaks-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good.toml");
        std::fs::write(
            &good,
            "[[rules]]\nid = \"acme-key\"\nregex = 'acme_[a-z0-9]{24}'\nkeywords = [\"acme_\"]\n",
        )
        .unwrap();
        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "[[rules]]\nid = \"x\"\nregex = '(unclosed'\n").unwrap();
        let text = |p: &Path| format!("[secrets]\ngitleaks = \"{}\"\n", p.display());
        let p = merge(&[layer(LayerKind::Managed, &text(&good))], None, None).unwrap();
        let hits = p.scanner.scan(
            "k = acme_abcdefghijklmnopqrstuvwx",
            crate::scan::Scan::SECRETS,
        );
        assert_eq!(hits[0].rule, "secrets.custom.acme-key");
        for p in [bad, dir.join("missing.toml")] {
            let e = merge(&[layer(LayerKind::Managed, &text(&p))], None, None).unwrap_err();
            assert!(matches!(e, PolicyError::Invalid { .. }), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn classification_only_rises() {
        let managed = layer(
            LayerKind::Managed,
            "classification = \"OFFICIAL-SENSITIVE\"\n",
        );
        let proj = layer(LayerKind::Project, "classification = \"OFFICIAL\"\n");
        let p = merge(&[managed, proj], None, None).unwrap();
        assert_eq!(p.classification, Classification::OfficialSensitive);
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let proj = layer(
            LayerKind::Project,
            "# comment\n[[rule]]\nid = \"bad\"\ndecision = \"deny\"\npath = \"[a-\"\n",
        );
        let e = merge(&[proj], None, None).unwrap_err().to_string();
        assert!(
            e.starts_with("project.toml:5: rule[0]: rule `bad`: glob `[a-` at column 9:"),
            "{e}"
        );
        let proj = layer(
            LayerKind::Project,
            "[[rule]]\nid = \"r\"\ndecision = \"deny\"\ncommand = \"(\"\n",
        );
        let e = merge(&[proj], None, None).unwrap_err().to_string();
        assert!(e.contains("command regex `(`"), "{e}");
    }

    #[test]
    fn builtin_digests_are_current() {
        for (name, text) in [
            ("policies/base.toml", super::super::BUILTIN_BASE),
            ("policies/prototype.toml", super::super::BUILTIN_PROTOTYPE),
            ("policies/production.toml", super::super::BUILTIN_PRODUCTION),
            ("policies/ci.toml", super::super::BUILTIN_CI),
        ] {
            let actual = crate::digest::sha256_hex(text.as_bytes());
            assert_eq!(
                builtin_digest(name),
                Some(actual.as_str()),
                "update BUILTIN_DIGESTS for {name} to {actual}"
            );
        }
    }

    #[test]
    fn builtin_json_is_the_toml() {
        // What the hook parses (build.rs's JSON) is what the TOML files say.
        let mut pairs = vec![(super::super::BUILTIN_BASE, super::super::BUILTIN_BASE_JSON)];
        for p in Profile::ALL {
            pairs.push((
                builtin_profile_text(p),
                super::super::builtin_profile_json(p),
            ));
        }
        for (toml, json) in pairs {
            let from_toml = PolicyFile::parse(toml).unwrap();
            let from_json: PolicyFile = serde_json::from_str(json).unwrap();
            assert_eq!(format!("{from_toml:?}"), format!("{from_json:?}"));
        }
    }

    #[test]
    fn rules_that_can_never_match_are_errors() {
        for (text, needle) in [
            ("tool = \"Bsh\"\n", "did you mean `Bash`"),
            ("tool = \"Read\"\ncommand = \"x\"\n", "names no shell tool"),
            (
                "tool = \"WebFetch\"\npath = \"**/x\"\n",
                "no tool that takes a path",
            ),
            ("profiles = []\n", "profiles = []"),
        ] {
            let src = format!("[[rule]]\nid = \"r\"\ndecision = \"deny\"\n{text}");
            let e = merge(&[layer(LayerKind::Project, &src)], None, None)
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{text}: {e}");
        }
    }

    #[test]
    fn every_builtin_rule_family_has_a_decision_in_every_profile() {
        let keys = |p: Profile| {
            let f = PolicyFile::parse(builtin_profile_text(p)).unwrap();
            f.verdicts.unwrap().into_keys().collect::<Vec<_>>()
        };
        let prod = keys(Profile::Production);
        for p in Profile::ALL {
            assert_eq!(keys(p), prod, "{p} lists the same rules as production");
        }
    }
}

#[cfg(test)]
mod builtin_globs {
    #[test]
    fn every_builtin_glob_compiles() {
        let base = super::super::file::PolicyFile::parse(super::super::BUILTIN_BASE).unwrap();
        let files = base.files.unwrap();
        for g in files
            .exclude
            .unwrap()
            .iter()
            .chain(files.production.unwrap().iter())
        {
            let anchored = super::anchor(g, Some(std::path::Path::new("/home/u")));
            super::check_glob(&anchored).unwrap_or_else(|e| panic!("{g}: {e}"));
        }
    }
}
