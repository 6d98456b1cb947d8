//! Data classifications (UK Government Security Classifications) and the profiles hookguard
//! enforces, each ordered so that `max` is the stricter one.

use serde::Deserialize;
use std::fmt;

/// The classification of the data a project holds. `OFFICIAL` unless a policy says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Classification {
    #[default]
    Official,
    OfficialSensitive,
    Secret,
    TopSecret,
}

impl Classification {
    pub const ALL: [Classification; 4] = [
        Classification::Official,
        Classification::OfficialSensitive,
        Classification::Secret,
        Classification::TopSecret,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Official => "OFFICIAL",
            Classification::OfficialSensitive => "OFFICIAL-SENSITIVE",
            Classification::Secret => "SECRET",
            Classification::TopSecret => "TOP SECRET",
        }
    }

    /// Accepts the marking in any case, with a space, hyphen, underscore or en dash between
    /// words (`official-sensitive`, `OFFICIAL SENSITIVE`, `top_secret`).
    pub fn parse(s: &str) -> Option<Classification> {
        let norm: String = s
            .trim()
            .chars()
            .map(|c| match c {
                ' ' | '_' | '\u{2013}' => '-',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        match norm.as_str() {
            "OFFICIAL" => Some(Classification::Official),
            "OFFICIAL-SENSITIVE" => Some(Classification::OfficialSensitive),
            "SECRET" => Some(Classification::Secret),
            "TOP-SECRET" => Some(Classification::TopSecret),
            _ => None,
        }
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Classification {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Classification::parse(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown classification `{s}`, expected one of `OFFICIAL`, `OFFICIAL-SENSITIVE`, `SECRET`, `TOP SECRET`"
            ))
        })
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
    fn classification_spellings() {
        assert_eq!(
            Classification::parse("official sensitive"),
            Some(Classification::OfficialSensitive)
        );
        assert_eq!(
            Classification::parse("OFFICIAL\u{2013}SENSITIVE"),
            Some(Classification::OfficialSensitive)
        );
        assert_eq!(
            Classification::parse("Top Secret"),
            Some(Classification::TopSecret)
        );
        assert_eq!(Classification::parse("restricted"), None);
    }

    #[test]
    fn strictness_orders() {
        assert!(Classification::Secret > Classification::OfficialSensitive);
        assert!(Profile::Ci > Profile::Production && Profile::Production > Profile::Prototype);
    }
}
