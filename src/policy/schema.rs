//! The policy file's JSON Schema, for editors (taplo, the VS Code "Even Better TOML"
//! extension) and CI linters: `hookguard policy schema` prints it.
//!
//! Generated from the types in `file.rs` (with `schemars`, in a unit test only, so the binary
//! carries just the text): the test below fails when the committed
//! `docs/hookguard-policy.schema.json` differs from what the types give, and rewrites it when
//! `HOOKGUARD_UPDATE_SCHEMA=1` is set. The schema describes shape (keys, types, allowed values);
//! `hookguard policy check` still does what a schema cannot: layer rights, globs, regexes,
//! rule ids.

/// The schema, as committed.
pub const SCHEMA: &str = include_str!("../../docs/hookguard-policy.schema.json");

#[cfg(test)]
mod tests {
    use crate::classification::{Classification, Profile};
    use crate::decision::Verdict;
    use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
    use std::borrow::Cow;

    impl JsonSchema for Profile {
        fn schema_name() -> Cow<'static, str> {
            "Profile".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            json_schema!({
                "type": "string",
                "enum": Profile::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            })
        }
    }

    impl JsonSchema for Verdict {
        fn schema_name() -> Cow<'static, str> {
            "Verdict".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            let all: Vec<&str> = ["defer", "allow", "ask", "deny"]
                .into_iter()
                .filter(|v| Verdict::parse(v).is_some())
                .collect();
            json_schema!({ "type": "string", "enum": all })
        }
    }

    impl JsonSchema for Classification {
        fn schema_name() -> Cow<'static, str> {
            "Classification".into()
        }
        fn json_schema(_: &mut SchemaGenerator) -> Schema {
            // hookguard also takes other cases and separators (`official-sensitive`); the
            // pattern admits what `Classification::parse` does, the enum offers the spelling.
            let words = |w: &str| -> String {
                w.chars()
                    .map(|c| format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase()))
                    .collect()
            };
            let sep = r"[\s_–—-]+";
            let pattern = format!(
                r"^\s*({official}({sep}{sensitive})?|{secret}|{top}{sep}{secret})\s*$",
                official = words("official"),
                sensitive = words("sensitive"),
                secret = words("secret"),
                top = words("top"),
            );
            json_schema!({
                "type": "string",
                "anyOf": [
                    { "enum": ["OFFICIAL", "OFFICIAL-SENSITIVE", "SECRET", "TOP SECRET"] },
                    { "pattern": pattern },
                ],
            })
        }
    }

    fn generated() -> String {
        let schema = schemars::schema_for!(crate::policy::file::PolicyFile);
        let mut v = serde_json::to_value(&schema).expect("serialisable");
        no_nulls(&mut v);
        let obj = v.as_object_mut().expect("an object schema");
        obj.insert(
            "$id".into(),
            "https://hookguard.invalid/hookguard-policy.schema.json".into(),
        );
        obj.insert("title".into(), "hookguard policy file".into());
        let mut s = serde_json::to_string_pretty(&v).expect("serialisable");
        s.push('\n');
        s
    }

    /// TOML has no null (an absent key is how a file leaves a setting to other layers), so
    /// `Option`'s null is taken out: from `type` lists, `anyOf` alternatives and defaults.
    fn no_nulls(v: &mut serde_json::Value) {
        use serde_json::Value;
        match v {
            Value::Object(m) => {
                if m.get("default").is_some_and(Value::is_null) {
                    m.remove("default");
                }
                if let Some(Value::Array(types)) = m.get_mut("type") {
                    types.retain(|t| t != "null");
                    if types.len() == 1 {
                        let only = types.remove(0);
                        m.insert("type".into(), only);
                    }
                }
                if let Some(Value::Array(any)) = m.get_mut("anyOf") {
                    any.retain(|a| a.get("type").is_none_or(|t| t != "null"));
                    if any.len() == 1
                        && let Some(Value::Object(only)) = any.pop()
                    {
                        m.remove("anyOf");
                        m.extend(only);
                    }
                }
                m.values_mut().for_each(no_nulls);
            }
            Value::Array(a) => a.iter_mut().for_each(no_nulls),
            _ => {}
        }
    }

    #[test]
    fn the_committed_schema_is_the_one_the_types_give() {
        let now = generated();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/docs/hookguard-policy.schema.json"
        );
        if std::env::var_os("HOOKGUARD_UPDATE_SCHEMA").is_some_and(|v| v == "1") {
            std::fs::write(path, &now).unwrap();
            return;
        }
        assert!(
            super::SCHEMA == now,
            "docs/hookguard-policy.schema.json is out of date: run \
             `HOOKGUARD_UPDATE_SCHEMA=1 cargo test --lib schema` and commit it"
        );
    }

    #[test]
    fn the_classification_pattern_admits_what_hookguard_parses() {
        let s = generated();
        let v: serde_json::Value = serde_json::from_str(&s).unwrap();
        let pattern = v["$defs"]["Classification"]["anyOf"][1]["pattern"]
            .as_str()
            .unwrap()
            .to_string();
        let re = regex::Regex::new(&pattern).unwrap();
        for ok in [
            "OFFICIAL",
            "official",
            "Official-Sensitive",
            "OFFICIAL_SENSITIVE",
            "secret",
            "TOP SECRET",
            "top-secret",
        ] {
            assert!(Classification::parse(ok).is_some(), "{ok}");
            assert!(re.is_match(ok), "{ok} against {pattern}");
        }
        for bad in ["OFFICIAL SECRET", "TOP", "SENSITIVE", "restricted"] {
            assert!(Classification::parse(bad).is_none(), "{bad}");
            assert!(!re.is_match(bad), "{bad} against {pattern}");
        }
    }
}
