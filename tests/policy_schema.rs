//! `docs/hookguard-policy.schema.json` (`hookguard policy schema`) accepts every policy the
//! project ships and refuses what hookguard refuses for its shape, validated by a real JSON
//! Schema validator (ajv, draft 2020-12, from `scripts/ci-deps.sh`), as an editor through taplo
//! would. The TOML is turned into JSON with the `toml` crate first.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `tools/sdk-types/node_modules` with ajv, or `None` (a skip, or a failure under
/// `HOOKGUARD_REQUIRE_TOOLS=1`).
fn ajv() -> Option<PathBuf> {
    let tools = std::env::var_os("HOOKGUARD_TOOLS_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/ci-tools"));
    let modules = tools.join("sdk-types/node_modules");
    if modules.join("ajv/dist/2020.js").is_file()
        && Command::new("node").arg("--version").output().is_ok()
    {
        return Some(modules);
    }
    assert!(
        std::env::var_os("HOOKGUARD_REQUIRE_TOOLS").is_none_or(|v| v != "1"),
        "ajv is required (HOOKGUARD_REQUIRE_TOOLS=1); run scripts/ci-deps.sh"
    );
    eprintln!("note: ajv not found under {}; skipping", modules.display());
    None
}

/// Validates each document; `name → None` (valid) or the validator's errors.
fn validate(modules: &Path, docs: &[(String, serde_json::Value)]) -> Vec<(String, Option<String>)> {
    let script = r#"
const Ajv2020 = require(process.argv[1] + "/ajv/dist/2020.js").default;
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const { schema, docs } = JSON.parse(input);
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  const out = docs.map(([name, doc]) => [name, validate(doc) ? null : JSON.stringify(validate.errors)]);
  process.stdout.write(JSON.stringify(out));
});
"#;
    let schema: serde_json::Value =
        serde_json::from_str(hookguard::policy::schema::SCHEMA).unwrap();
    let input = serde_json::json!({ "schema": schema, "docs": docs }).to_string();
    let mut child = Command::new("node")
        .args(["-e", script])
        .arg(modules)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn json_of(toml_text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(toml_text).unwrap();
    serde_json::to_value(v).unwrap()
}

#[test]
fn the_schema_accepts_shipped_policies_and_refuses_bad_shapes() {
    let Some(modules) = ajv() else {
        return;
    };
    let mut good = Vec::new();
    for dir in ["policies", "examples/policies"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                let text = std::fs::read_to_string(&p).unwrap();
                // Each is also a policy hookguard parses.
                hookguard::policy::file::PolicyFile::parse(&text)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", p.display()));
                good.push((p.display().to_string(), json_of(&text)));
            }
        }
    }
    assert!(good.len() >= 6, "{}", good.len());
    good.push((
        "other spellings of a classification".into(),
        json_of("classification = \"official-sensitive\"\n"),
    ));
    for (name, err) in validate(&modules, &good) {
        assert!(err.is_none(), "{name}: {}", err.unwrap_or_default());
    }

    let bad = [
        "clasification = \"SECRET\"\n",
        "profile = \"staging\"\n",
        "classification = \"RESTRICTED\"\n",
        "[verdicts]\n\"deps.new\" = \"block\"\n",
        "[files]\nexclud = []\n",
        "[audit]\nkeep = \"nine\"\n",
        "[[rule]]\nid = \"x\"\ndecision = \"deny\"\ntools = [\"Bash\"]\n",
        "[[test]]\nbash = \"ls\"\nexpect = \"deny\"\nprofile = \"dev\"\n",
    ];
    let docs: Vec<(String, serde_json::Value)> =
        bad.iter().map(|t| (t.to_string(), json_of(t))).collect();
    for (name, err) in validate(&modules, &docs) {
        assert!(err.is_some(), "the schema accepts {name:?}");
        // hookguard refuses the same file.
        assert!(
            hookguard::policy::file::PolicyFile::parse(&name).is_err(),
            "hookguard accepts {name:?}"
        );
    }
}
