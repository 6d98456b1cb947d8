//! Data classifications (UK Government Security Classifications) and the profiles hookguard
//! enforces, each ordered so that `max` is the stricter one.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};

use serde::{Serialize, Serializer};

/// A classification level, least sensitive first so that `Ord` and `max` do the right thing.
///
/// Pre-2014 markings map onto these levels in `markings.rs` (see `docs/adr/0003-scanners.md`):
/// `PROTECT` → `Official`, `RESTRICTED` → `OfficialSensitive`, `CONFIDENTIAL` → `Secret`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Classification {
    /// `OFFICIAL`: the default for government business.
    #[default]
    Official,
    /// `OFFICIAL-SENSITIVE`: OFFICIAL with the `SENSITIVE` handling marking.
    OfficialSensitive,
    /// `SECRET`.
    Secret,
    /// `TOP SECRET`.
    TopSecret,
}

impl Classification {
    /// Every level, least sensitive first.
    pub const ALL: [Classification; 4] = [
        Classification::Official,
        Classification::OfficialSensitive,
        Classification::Secret,
        Classification::TopSecret,
    ];

    /// The canonical spelling used in policies, reasons and audit records.
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Official => "OFFICIAL",
            Classification::OfficialSensitive => "OFFICIAL-SENSITIVE",
            Classification::Secret => "SECRET",
            Classification::TopSecret => "TOP SECRET",
        }
    }

    /// Parses `OFFICIAL`, `OFFICIAL-SENSITIVE`, `SECRET` or `TOP SECRET`, ignoring case and
    /// treating hyphens, underscores, en and em dashes and runs of whitespace alike
    /// (`official sensitive`, `Top-Secret`, `OFFICIAL – SENSITIVE`). Anything else is `None`:
    /// a policy that names an unknown level must fail to load rather than default.
    pub fn parse(s: &str) -> Option<Classification> {
        let mut words = s
            .split(|c: char| c.is_whitespace() || matches!(c, '-' | '_' | '–' | '—'))
            .filter(|w| !w.is_empty())
            .map(|w| w.to_ascii_uppercase());
        let first = words.next()?;
        let second = words.next();
        if words.next().is_some() {
            return None;
        }
        match (first.as_str(), second.as_deref()) {
            ("OFFICIAL", None) => Some(Classification::Official),
            ("OFFICIAL", Some("SENSITIVE")) => Some(Classification::OfficialSensitive),
            ("SECRET", None) => Some(Classification::Secret),
            ("TOP", Some("SECRET")) => Some(Classification::TopSecret),
            _ => None,
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Classification {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Classification {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct LevelVisitor;

        impl Visitor<'_> for LevelVisitor {
            type Value = Classification;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("one of `OFFICIAL`, `OFFICIAL-SENSITIVE`, `SECRET`, `TOP SECRET`")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Classification, E> {
                Classification::parse(v).ok_or_else(|| {
                    E::custom(format!(
                        "unknown classification `{v}`: expected `OFFICIAL`, \
                         `OFFICIAL-SENSITIVE`, `SECRET` or `TOP SECRET`"
                    ))
                })
            }
        }

        deserializer.deserialize_str(LevelVisitor)
    }
}

/// The environment's control set. Ordered by strictness: prototype < production < ci.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Profile {
    Prototype,
    #[default]
    Production,
    Ci,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Prototype, Profile::Production, Profile::Ci];

    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Prototype => "prototype",
            Profile::Production => "production",
            Profile::Ci => "ci",
        }
    }

    pub fn parse(s: &str) -> Option<Profile> {
        match s {
            "prototype" => Some(Profile::Prototype),
            "production" => Some(Profile::Production),
            "ci" => Some(Profile::Ci),
            _ => None,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Profile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Profile::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown profile `{s}`, expected one of `prototype`, `production`, `ci`"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strictness_orders() {
        assert!(Classification::Secret > Classification::OfficialSensitive);
        assert!(Profile::Ci > Profile::Production && Profile::Production > Profile::Prototype);
    }
}

#[cfg(test)]
mod classification_tests {
    use super::Classification::{self, *};

    #[test]
    fn parse_table() {
        let cases: &[(&str, Option<Classification>)] = &[
            ("OFFICIAL", Some(Official)),
            ("official", Some(Official)),
            ("  Official  ", Some(Official)),
            ("OFFICIAL-SENSITIVE", Some(OfficialSensitive)),
            ("official sensitive", Some(OfficialSensitive)),
            ("OFFICIAL_SENSITIVE", Some(OfficialSensitive)),
            ("OFFICIAL – SENSITIVE", Some(OfficialSensitive)),
            ("OFFICIAL—SENSITIVE", Some(OfficialSensitive)),
            ("SECRET", Some(Secret)),
            ("secret", Some(Secret)),
            ("TOP SECRET", Some(TopSecret)),
            ("top-secret", Some(TopSecret)),
            ("Top  Secret", Some(TopSecret)),
            ("", None),
            ("TOP", None),
            ("RESTRICTED", None),
            ("SECRET SECRET", None),
            ("OFFICIAL SENSITIVE PERSONAL", None),
            ("UK SECRET", None),
        ];
        for (input, want) in cases {
            assert_eq!(Classification::parse(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn ordered_least_sensitive_first() {
        assert!(Official < OfficialSensitive);
        assert!(OfficialSensitive < Secret);
        assert!(Secret < TopSecret);
        for level in Classification::ALL {
            assert_eq!(Classification::parse(level.as_str()), Some(level));
        }
    }

    #[test]
    fn serde_round_trip_and_error() {
        #[derive(serde::Deserialize, serde::Serialize)]
        struct Doc {
            level: Classification,
        }
        let doc: Doc = toml::from_str("level = \"official-sensitive\"").unwrap();
        assert_eq!(doc.level, OfficialSensitive);
        assert_eq!(
            toml::to_string(&doc).unwrap().trim(),
            "level = \"OFFICIAL-SENSITIVE\""
        );
        let err = toml::from_str::<Doc>("level = \"RESTRICTED\"")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("unknown classification `RESTRICTED`"), "{err}");
    }
}
