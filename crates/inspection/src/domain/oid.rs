//! Object identifiers (OID) as parsed values, so prefix tests work on arcs, not on text
//! (`1.3.6.1.4.1.9` is not a prefix of `1.3.6.1.4.1.99`).

use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// A parsed OID such as `1.3.6.1.4.1.2011.2.23.1` (a leading dot is accepted).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Oid(Vec<u32>);

/// Why a text is not an OID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}” 不是有效的 OID（应为以点分隔的数字，如 1.3.6.1.2.1.1.2.0）")]
pub struct OidError(pub String);

impl yiqiao_core::Refusal for OidError {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        "BAD_OID"
    }
}

impl Oid {
    pub fn from_arcs(arcs: Vec<u32>) -> Self {
        Oid(arcs)
    }

    pub fn arcs(&self) -> &[u32] {
        &self.0
    }

    pub fn starts_with(&self, prefix: &Oid) -> bool {
        self.0.starts_with(&prefix.0)
    }

    /// The arcs after `prefix` (the table index of a column instance), if it is a prefix.
    pub fn suffix_after(&self, prefix: &Oid) -> Option<&[u32]> {
        self.0.strip_prefix(prefix.0.as_slice())
    }

    /// This OID with `arcs` appended.
    pub fn child(&self, arcs: &[u32]) -> Oid {
        let mut v = self.0.clone();
        v.extend_from_slice(arcs);
        Oid(v)
    }
}

impl FromStr for Oid {
    type Err = OidError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let body = s.trim().strip_prefix('.').unwrap_or(s.trim());
        if body.is_empty() {
            return Err(OidError(s.to_owned()));
        }
        body.split('.')
            .map(|a| a.parse::<u32>().map_err(|_| OidError(s.to_owned())))
            .collect::<Result<Vec<_>, _>>()
            .map(Oid)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{a}")?;
        }
        Ok(())
    }
}

impl Serialize for Oid {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_prints() {
        let o: Oid = ".1.3.6.1.4.1.2011.2.23".parse().unwrap();
        assert_eq!(o.to_string(), "1.3.6.1.4.1.2011.2.23");
        for bad in ["", ".", "1..3", "1.3.x", "1.3.", "99999999999"] {
            assert!(bad.parse::<Oid>().is_err(), "{bad}");
        }
    }

    #[test]
    fn prefix_is_by_arcs() {
        let cisco: Oid = "1.3.6.1.4.1.9".parse().unwrap();
        let other: Oid = "1.3.6.1.4.1.99.1".parse().unwrap();
        let c3560: Oid = "1.3.6.1.4.1.9.1.563".parse().unwrap();
        assert!(!other.starts_with(&cisco));
        assert!(c3560.starts_with(&cisco));
        assert_eq!(c3560.suffix_after(&cisco), Some(&[1, 563][..]));
    }

    proptest! {
        #[test]
        fn round_trips(arcs in proptest::collection::vec(any::<u32>(), 1..20)) {
            let o = Oid::from_arcs(arcs);
            prop_assert_eq!(o.to_string().parse::<Oid>().unwrap(), o);
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = s.parse::<Oid>();
        }
    }
}
