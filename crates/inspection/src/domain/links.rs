//! Topology links (网络拓扑): comparing what LLDP/CDP discovered with the links on record. The
//! diagram is drawn by [`super::layout`].

use std::collections::BTreeMap;

use serde::Serialize;

/// The far end of a link on one local port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FarEnd {
    /// The device on record, when the neighbour's name or address matched one.
    pub asset_id: Option<i64>,
    /// The name the neighbour gave (or the device's name on record).
    pub name: String,
    pub port: String,
}

impl FarEnd {
    /// Same far end: the same device (when known on both sides, else the same name, ignoring
    /// case) and the same port.
    pub fn same_as(&self, other: &FarEnd) -> bool {
        let device = match (self.asset_id, other.asset_id) {
            (Some(a), Some(b)) => a == b,
            _ => self.name.eq_ignore_ascii_case(&other.name),
        };
        device && normalise_port(&self.port) == normalise_port(&other.port)
    }
}

/// Port names as vendors abbreviate them: `GigabitEthernet0/0/1` = `GE0/0/1` = `Gi0/0/1`.
pub fn normalise_port(p: &str) -> String {
    let p = p.trim().to_ascii_lowercase().replace(' ', "");
    let (letters, rest): (String, String) = {
        let i = p.find(|c: char| c.is_ascii_digit()).unwrap_or(p.len());
        (p[..i].to_owned(), p[i..].to_owned())
    };
    let kind = match letters.as_str() {
        "gigabitethernet" | "ge" | "gi" | "gige" => "ge",
        "xgigabitethernet" | "tengigabitethernet" | "xge" | "te" | "ten-gigabitethernet" => "xge",
        "fastethernet" | "fe" | "fa" => "fe",
        "ethernet" | "eth" | "et" => "eth",
        "25ge" | "twentyfivegige" => "25ge",
        "40ge" | "fortygigabitethernet" | "fo" => "40ge",
        "100ge" | "hundredgige" | "hu" => "100ge",
        "eth-trunk" | "port-channel" | "po" | "bridge-aggregation" | "bagg" => "agg",
        other => other,
    };
    format!("{kind}{rest}")
}

/// A difference between discovery and the record, offered for confirmation (待确认差异).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Difference {
    /// Discovered on a port with nothing on record.
    New { local_port: String, found: FarEnd },
    /// The record says one far end, discovery another.
    Changed {
        local_port: String,
        recorded: FarEnd,
        found: FarEnd,
    },
    /// On record but no longer seen (only for a device whose neighbours were read).
    Missing {
        local_port: String,
        recorded: FarEnd,
    },
}

impl Difference {
    pub fn local_port(&self) -> &str {
        match self {
            Difference::New { local_port, .. }
            | Difference::Changed { local_port, .. }
            | Difference::Missing { local_port, .. } => local_port,
        }
    }
    pub fn describe(&self) -> String {
        match self {
            Difference::New { local_port, found } => {
                format!("{local_port} 发现新邻居 {} {}", found.name, found.port)
            }
            Difference::Changed {
                local_port,
                recorded,
                found,
            } => format!(
                "{local_port} 记录为 {} {}，实际发现 {} {}",
                recorded.name, recorded.port, found.name, found.port
            ),
            Difference::Missing {
                local_port,
                recorded,
            } => format!(
                "{local_port} 记录的 {} {} 未被发现",
                recorded.name, recorded.port
            ),
        }
    }
}

/// Compare one device's discovered neighbours with its recorded links, by local port.
pub fn differences(
    recorded: &BTreeMap<String, FarEnd>,
    discovered: &BTreeMap<String, FarEnd>,
) -> Vec<Difference> {
    let key = |m: &BTreeMap<String, FarEnd>| -> BTreeMap<String, (String, FarEnd)> {
        m.iter()
            .map(|(p, f)| (normalise_port(p), (p.clone(), f.clone())))
            .collect()
    };
    let rec = key(recorded);
    let disc = key(discovered);
    let mut out = Vec::new();
    for (k, (port, found)) in &disc {
        match rec.get(k) {
            None => out.push(Difference::New {
                local_port: port.clone(),
                found: found.clone(),
            }),
            Some((_, r)) if !r.same_as(found) => out.push(Difference::Changed {
                local_port: port.clone(),
                recorded: r.clone(),
                found: found.clone(),
            }),
            Some(_) => {}
        }
    }
    if !disc.is_empty() {
        for (k, (port, r)) in &rec {
            if !disc.contains_key(k) {
                out.push(Difference::Missing {
                    local_port: port.clone(),
                    recorded: r.clone(),
                });
            }
        }
    }
    out
}
