//! One poll of one device (一次轮询): system group, the vendor profile's CPU and memory,
//! interfaces and neighbours — what the poller stores and what `inspection probe` prints.

use super::snmp::{Session, SnmpError, SnmpValue, Varbinds};
use crate::domain::oid::Oid;
use crate::domain::profile::{
    self, CpuSource, EntityPercent, EntityTemperature, ProfileName, Walk,
};
use crate::domain::topology::{Neighbour, Protocol};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

fn o(arcs: &[u32]) -> Oid {
    Oid::from_arcs(arcs.to_vec())
}

const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
const SYS_UPTIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
const SYS_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 5, 0];

const IF_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
const IF_OPER: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 8];
const IF_IN_ERRORS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 14];
const IF_NAME: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1];
const IF_HC_IN: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6];
const IF_HC_IN_BCAST: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 9];
const IF_HC_OUT: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10];
const IF_HIGH_SPEED: &[u32] = &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 15];

/// lldpRemTable columns: index is (timeMark, localPortNum, remIndex).
const LLDP_REM: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
const LLDP_LOC_PORT_DESC: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 4];
const LLDP_LOC_PORT_ID: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, 3];
/// cdpCacheTable columns: index is (ifIndex, deviceIndex).
const CDP_CACHE: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];

/// One interface as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceReading {
    pub index: u32,
    pub name: String,
    /// ifOperStatus: 1 up, 2 down, … (0 when absent).
    pub oper_status: u32,
    pub in_octets: Option<u64>,
    pub out_octets: Option<u64>,
    pub in_broadcast_pkts: Option<u64>,
    pub in_errors: Option<u64>,
    pub speed_mbps: Option<u64>,
}

/// One LLDP row as the probe prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LldpRow {
    pub local_port: String,
    pub chassis_id: String,
    pub port_id: String,
    pub sys_name: String,
}

/// A percentage as the probe prints it (`percent` is what the device reports).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Percent {
    pub entity: String,
    pub percent: f64,
}

/// A temperature as the probe prints it, ℃.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Celsius {
    pub entity: String,
    pub celsius: f64,
}

/// What one poll learned. `error` is set when the device did not answer properly; the parts
/// read before the failure are kept.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PollResult {
    pub target: String,
    pub reachable: bool,
    pub sys_name: Option<String>,
    pub sys_descr: Option<String>,
    pub sys_object_id: Option<String>,
    pub profile: Option<ProfileName>,
    pub uptime_seconds: Option<u64>,
    #[serde(skip)]
    pub uptime_ticks: Option<u32>,
    #[serde(skip)]
    pub cpu_e2: Vec<EntityPercent>,
    #[serde(skip)]
    pub memory_e2: Vec<EntityPercent>,
    pub cpu: Vec<Percent>,
    pub memory: Vec<Percent>,
    #[serde(skip)]
    pub temperature_e2: Vec<EntityTemperature>,
    /// Temperatures of the profile's sensors (beside the spec's fields).
    pub temperature: Vec<Celsius>,
    pub interfaces: Vec<InterfaceReading>,
    pub lldp_neighbors: Vec<LldpRow>,
    #[serde(skip)]
    pub neighbours: Vec<Neighbour>,
    pub error: Option<String>,
}

/// What to read besides the system group and the profile.
#[derive(Debug, Clone, Copy)]
pub struct PollPlan {
    pub interfaces: bool,
    pub neighbours: bool,
    /// Bound on GETBULK requests per table walk.
    pub max_requests: usize,
}

impl Default for PollPlan {
    fn default() -> Self {
        Self {
            interfaces: true,
            neighbours: true,
            max_requests: 400,
        }
    }
}

fn to_percent(v: &[EntityPercent]) -> Vec<Percent> {
    v.iter()
        .map(|e| Percent {
            entity: e.entity.clone(),
            percent: f64::from(e.percent_e2) / 100.0,
        })
        .collect()
}

impl PollResult {
    /// A poll that learned nothing.
    pub fn failed(target: std::net::SocketAddr, error: String) -> PollResult {
        let mut r = PollResult::empty(target);
        r.error = Some(error);
        r
    }

    fn empty(target: std::net::SocketAddr) -> PollResult {
        PollResult {
            target: target.to_string(),
            reachable: false,
            sys_name: None,
            sys_descr: None,
            sys_object_id: None,
            profile: None,
            uptime_seconds: None,
            uptime_ticks: None,
            cpu_e2: Vec::new(),
            memory_e2: Vec::new(),
            cpu: Vec::new(),
            memory: Vec::new(),
            temperature_e2: Vec::new(),
            temperature: Vec::new(),
            interfaces: Vec::new(),
            lldp_neighbors: Vec::new(),
            neighbours: Vec::new(),
            error: None,
        }
    }
}

/// Poll a device once. Never fails: a failure is written into the result.
pub async fn poll(session: &mut Session, plan: PollPlan) -> PollResult {
    let mut r = PollResult::empty(session.target());
    if let Err(e) = poll_into(session, plan, &mut r).await {
        r.error = Some(e.to_string());
    }
    r
}

async fn poll_into(
    session: &mut Session,
    plan: PollPlan,
    r: &mut PollResult,
) -> Result<(), SnmpError> {
    let sys = session
        .get(&[o(SYS_DESCR), o(SYS_OBJECT_ID), o(SYS_UPTIME), o(SYS_NAME)])
        .await?;
    r.reachable = true;
    let value = |arcs: &[u32]| sys.iter().find(|(k, _)| k.arcs() == arcs).map(|(_, v)| v);
    r.sys_descr = value(SYS_DESCR).and_then(SnmpValue::text);
    r.sys_name = value(SYS_NAME).and_then(SnmpValue::text);
    let sys_oid = match value(SYS_OBJECT_ID) {
        Some(SnmpValue::ObjectId(oid)) => Some(oid.clone()),
        _ => None,
    };
    r.sys_object_id = sys_oid.as_ref().map(ToString::to_string);
    if let Some(SnmpValue::TimeTicks(t)) = value(SYS_UPTIME) {
        r.uptime_ticks = Some(*t);
        r.uptime_seconds = Some(u64::from(*t) / 100);
    }
    let prof = sys_oid
        .as_ref()
        .map_or_else(profile::generic, profile::select);
    r.profile = Some(prof.name);

    // The profile: scalars by GET, columns by walking.
    let mut walk: Walk = BTreeMap::new();
    let subtrees = prof.subtrees();
    let (scalars, columns): (Vec<Oid>, Vec<Oid>) = subtrees
        .into_iter()
        .partition(|s| matches!(prof.cpu, CpuSource::Scalar { oid } if s.arcs() == oid));
    if !scalars.is_empty() {
        for (k, v) in session.get(&scalars).await? {
            walk.insert(k, v.for_profile());
        }
    }
    if !columns.is_empty() {
        for (k, v) in session.walk_columns(&columns, plan.max_requests).await? {
            walk.insert(k, v.for_profile());
        }
    }
    let reading = prof.read(&walk);
    r.cpu = to_percent(&reading.cpu);
    r.memory = to_percent(&reading.memory);
    r.cpu_e2 = reading.cpu;
    r.memory_e2 = reading.memory;
    r.temperature = reading
        .temperature
        .iter()
        .map(|t| Celsius {
            entity: t.entity.clone(),
            celsius: t.celsius_e2 as f64 / 100.0,
        })
        .collect();
    r.temperature_e2 = reading.temperature;

    let mut if_names: BTreeMap<u32, String> = BTreeMap::new();
    if plan.interfaces {
        let cols = [
            IF_DESCR,
            IF_OPER,
            IF_IN_ERRORS,
            IF_NAME,
            IF_HC_IN,
            IF_HC_IN_BCAST,
            IF_HC_OUT,
            IF_HIGH_SPEED,
        ];
        let cols: Vec<Oid> = cols.iter().map(|c| o(c)).collect();
        let rows = session.walk_columns(&cols, plan.max_requests).await?;
        r.interfaces = interfaces(&cols, &rows);
        if_names = r
            .interfaces
            .iter()
            .map(|i| (i.index, i.name.clone()))
            .collect();
    }
    if plan.neighbours {
        let lldp = session
            .walk_columns(
                &[o(LLDP_REM), o(LLDP_LOC_PORT_DESC), o(LLDP_LOC_PORT_ID)],
                plan.max_requests,
            )
            .await?;
        let (rows, ns) = lldp_rows(&lldp);
        r.lldp_neighbors = rows;
        r.neighbours = ns;
        if prof.name == ProfileName::Cisco {
            let cdp = session
                .walk_columns(&[o(CDP_CACHE)], plan.max_requests)
                .await?;
            r.neighbours.extend(cdp_rows(&cdp, &if_names));
        }
    }
    Ok(())
}

fn interfaces(cols: &[Oid], rows: &Varbinds) -> Vec<InterfaceReading> {
    let mut by_index: BTreeMap<u32, InterfaceReading> = BTreeMap::new();
    for (oid, v) in rows {
        let Some((c, idx)) = cols.iter().enumerate().find_map(|(c, col)| {
            let rest = oid.suffix_after(col)?;
            (rest.len() == 1).then(|| (c, rest[0]))
        }) else {
            continue;
        };
        let e = by_index.entry(idx).or_insert_with(|| InterfaceReading {
            index: idx,
            name: String::new(),
            oper_status: 0,
            in_octets: None,
            out_octets: None,
            in_broadcast_pkts: None,
            in_errors: None,
            speed_mbps: None,
        });
        match c {
            0 => {
                if e.name.is_empty() {
                    e.name = v.text().unwrap_or_default();
                }
            }
            1 => e.oper_status = v.number().and_then(|n| u32::try_from(n).ok()).unwrap_or(0),
            2 => e.in_errors = v.number(),
            3 => {
                if let Some(t) = v.text().filter(|t| !t.is_empty()) {
                    e.name = t;
                }
            }
            // Only Counter64 values are taken as 64-bit counters.
            4 => e.in_octets = counter64(v),
            5 => e.in_broadcast_pkts = counter64(v),
            6 => e.out_octets = counter64(v),
            _ => e.speed_mbps = v.number(),
        }
    }
    by_index.into_values().collect()
}

fn counter64(v: &SnmpValue) -> Option<u64> {
    match v {
        SnmpValue::Counter64(c) => Some(*c),
        _ => None,
    }
}

fn text_of(v: &SnmpValue) -> String {
    match v {
        // Devices often end a name with NUL bytes.
        SnmpValue::Text(b)
            if b.iter()
                .all(|c| c.is_ascii_graphic() || *c == b' ' || *c == 0) =>
        {
            String::from_utf8_lossy(b).trim_end_matches('\0').to_owned()
        }
        SnmpValue::Text(b) => b
            .iter()
            .map(|c| format!("{c:02x}"))
            .collect::<Vec<_>>()
            .join(":"),
        other => other.number().map(|n| n.to_string()).unwrap_or_default(),
    }
}

/// lldpRemTable rows (5 chassis id, 7 port id, 8 port description, 9 system name) with the
/// local port's description from lldpLocPortTable.
fn lldp_rows(rows: &Varbinds) -> (Vec<LldpRow>, Vec<Neighbour>) {
    let rem = o(LLDP_REM);
    let loc_desc = o(LLDP_LOC_PORT_DESC);
    let loc_id = o(LLDP_LOC_PORT_ID);
    let mut local: BTreeMap<u32, String> = BTreeMap::new();
    let mut remote: BTreeMap<Vec<u32>, BTreeMap<u32, String>> = BTreeMap::new();
    for (oid, v) in rows {
        if let Some(rest) = oid.suffix_after(&rem) {
            if let [col, idx @ ..] = rest
                && idx.len() == 3
            {
                remote
                    .entry(idx.to_vec())
                    .or_default()
                    .insert(*col, text_of(v));
            }
        } else if let Some([port]) = oid.suffix_after(&loc_desc) {
            let t = text_of(v);
            if !t.is_empty() {
                local.insert(*port, t);
            }
        } else if let Some([port]) = oid.suffix_after(&loc_id) {
            local.entry(*port).or_insert_with(|| text_of(v));
        }
    }
    let mut out = Vec::new();
    let mut ns = Vec::new();
    for (idx, cols) in remote {
        let port = idx[1];
        let local_port = local
            .get(&port)
            .cloned()
            .unwrap_or_else(|| port.to_string());
        let get = |c: u32| cols.get(&c).cloned().unwrap_or_default();
        let row = LldpRow {
            local_port: local_port.clone(),
            chassis_id: get(5),
            port_id: get(7),
            sys_name: get(9),
        };
        let remote_port = if get(8).is_empty() { get(7) } else { get(8) };
        ns.push(Neighbour {
            local_port,
            remote_name: if row.sys_name.is_empty() {
                row.chassis_id.clone()
            } else {
                row.sys_name.clone()
            },
            remote_port,
            remote_mgmt_ip: None,
            protocol: Protocol::Lldp,
        });
        out.push(row);
    }
    (out, ns)
}

/// cdpCacheTable rows (3 address type, 4 address, 6 device id, 7 device port).
fn cdp_rows(rows: &Varbinds, if_names: &BTreeMap<u32, String>) -> Vec<Neighbour> {
    let base = o(CDP_CACHE);
    let mut by: BTreeMap<(u32, u32), BTreeMap<u32, &SnmpValue>> = BTreeMap::new();
    for (oid, v) in rows {
        if let Some([col, ifi, dev]) = oid.suffix_after(&base) {
            by.entry((*ifi, *dev)).or_default().insert(*col, v);
        }
    }
    by.into_iter()
        .map(|((ifi, _), cols)| {
            let text = |c: u32| cols.get(&c).map(|v| text_of(v)).unwrap_or_default();
            // Address type 1 is IPv4 (four bytes).
            let ip = match (cols.get(&3).and_then(|v| v.number()), cols.get(&4)) {
                (Some(1), Some(SnmpValue::Text(b))) if b.len() == 4 => {
                    Some(IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3])))
                }
                _ => None,
            };
            Neighbour {
                local_port: if_names
                    .get(&ifi)
                    .cloned()
                    .unwrap_or_else(|| ifi.to_string()),
                remote_name: text(6),
                remote_port: text(7),
                remote_mgmt_ip: ip,
                protocol: Protocol::Cdp,
            }
        })
        .collect()
}
