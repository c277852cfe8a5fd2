//! Topology links (网络拓扑): comparing what LLDP/CDP discovered with the links on record, and
//! drawing the diagram as SVG grouped by room and network.

use std::collections::BTreeMap;
use std::fmt::Write;

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

/// A device on the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: i64,
    pub label: String,
    pub sub: String,
    /// Room (位置) — one column each.
    pub room: String,
    /// Network label (内网/政务网/互联网) — the rows within a room are grouped by it.
    pub network: String,
}

/// A link on the diagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub a: i64,
    pub b: i64,
    pub label: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Draw the devices in one column per room, grouped by network inside it, and the links as
/// straight lines with their ports. Deterministic: the same data draws the same picture.
pub fn svg(nodes: &[Node], edges: &[Edge]) -> String {
    const COL_W: i64 = 260;
    const BOX_W: i64 = 200;
    const BOX_H: i64 = 44;
    const ROW_H: i64 = 70;
    const TOP: i64 = 50;
    let mut rooms: BTreeMap<&str, BTreeMap<&str, Vec<&Node>>> = BTreeMap::new();
    for n in nodes {
        rooms
            .entry(n.room.as_str())
            .or_default()
            .entry(n.network.as_str())
            .or_default()
            .push(n);
    }
    let mut pos: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut body = String::new();
    let mut height = TOP;
    for (c, (room, nets)) in rooms.iter().enumerate() {
        let x = 20 + c as i64 * COL_W;
        let _ = write!(
            body,
            r##"<text x="{}" y="24" font-size="15" font-weight="bold" text-anchor="middle">{}</text>"##,
            x + BOX_W / 2,
            esc(if room.is_empty() {
                "未填写位置"
            } else {
                room
            })
        );
        let mut y = TOP;
        for (net, ns) in nets {
            let group_top = y;
            y += 20;
            for n in ns {
                pos.insert(n.id, (x + BOX_W / 2, y + BOX_H / 2));
                let _ = write!(
                    body,
                    r##"<g><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="#eef4ff" stroke="#3a6ea5"/><text x="{}" y="{}" font-size="13" text-anchor="middle">{}</text><text x="{}" y="{}" font-size="11" fill="#555" text-anchor="middle">{}</text></g>"##,
                    x + BOX_W / 2,
                    y + 18,
                    esc(&n.label),
                    x + BOX_W / 2,
                    y + 35,
                    esc(&n.sub)
                );
                y += ROW_H;
            }
            let _ = write!(
                body,
                r##"<rect x="{}" y="{group_top}" width="{}" height="{}" fill="none" stroke="#bbb" stroke-dasharray="4 3"/><text x="{}" y="{}" font-size="11" fill="#777">{}</text>"##,
                x - 8,
                BOX_W + 16,
                y - group_top - 10,
                x - 4,
                group_top + 14,
                esc(net)
            );
            y += 10;
        }
        height = height.max(y);
    }
    let mut lines = String::new();
    for e in edges {
        let (Some(&(x1, y1)), Some(&(x2, y2))) = (pos.get(&e.a), pos.get(&e.b)) else {
            continue;
        };
        let _ = write!(
            lines,
            r##"<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#2a7" stroke-width="2"/><text x="{}" y="{}" font-size="10" fill="#264" text-anchor="middle">{}</text>"##,
            (x1 + x2) / 2,
            (y1 + y2) / 2 - 4,
            esc(&e.label)
        );
    }
    let width = 40 + rooms.len().max(1) as i64 * COL_W;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{}" viewBox="0 0 {width} {}" font-family="sans-serif">{lines}{body}</svg>"##,
        height + 20,
        height + 20
    )
}
