//! Vendor profiles (厂商模板): which OIDs give CPU, memory and temperatures, chosen by
//! `sysObjectID`.
//!
//! Profiles are data: adding a vendor is adding a [`Profile`] value, not code. The poller walks
//! [`Profile::subtrees`] and hands the varbinds to [`Profile::read`], which knows each vendor's
//! quirks (Huawei's zero rows, Cisco's used/free pools, HOST-RESOURCES' RAM rows).

use crate::domain::oid::Oid;
use serde::Serialize;
use std::collections::BTreeMap;

/// The profile names the probe prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileName {
    Huawei,
    H3c,
    Cisco,
    Ruijie,
    Generic,
}

impl ProfileName {
    pub fn parse(s: &str) -> Option<ProfileName> {
        [
            ProfileName::Huawei,
            ProfileName::H3c,
            ProfileName::Cisco,
            ProfileName::Ruijie,
            ProfileName::Generic,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Huawei => "huawei",
            ProfileName::H3c => "h3c",
            ProfileName::Cisco => "cisco",
            ProfileName::Ruijie => "ruijie",
            ProfileName::Generic => "generic",
        }
    }
}

/// Which rows of a percentage column are real readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowFilter {
    All,
    /// Huawei `hwEntityStateTable`: every entity has a row, non-CPU ones read 0; keep rows whose
    /// board is enabled (`oper_status` = 3) and whose threshold column is non-zero.
    EnabledWithThreshold {
        oper_status: &'static [u32],
        threshold: &'static [u32],
    },
}

/// Where the CPU figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CpuSource {
    /// A percentage per row of a table column.
    Column {
        column: &'static [u32],
        filter: RowFilter,
    },
    /// One scalar percentage (entity `0`).
    Scalar { oid: &'static [u32] },
    /// The average of a per-processor column (`hrProcessorLoad`), as entity `0`.
    Average { column: &'static [u32] },
}

/// Where the memory figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemorySource {
    Column {
        column: &'static [u32],
        filter: RowFilter,
    },
    /// Percent = used ÷ (used + free) per pool (Cisco `ciscoMemoryPoolTable`).
    UsedFree {
        used: &'static [u32],
        free: &'static [u32],
    },
    /// `hrStorageTable` rows whose type is `ram_type`: used ÷ size.
    StorageOfType {
        kind: &'static [u32],
        size: &'static [u32],
        used: &'static [u32],
        ram_type: &'static [u32],
    },
}

/// Where temperatures (温度) come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemperatureSource {
    /// The profile reads none (the vendor MIB we serve has no temperature table).
    None,
    /// One sensor per row of a column, in whole ℃, or thousandths of a ℃ when `milli`
    /// (LM-SENSORS-MIB). Values outside [`TEMPERATURE_RANGE_C`] are not readings (H3C answers
    /// 65535 for an entity without a sensor).
    Column {
        column: &'static [u32],
        filter: RowFilter,
        milli: bool,
    },
}

/// Temperatures a sensor can honestly report, ℃.
pub const TEMPERATURE_RANGE_C: std::ops::RangeInclusive<i64> = -55..=150;

/// The alarm limit of device sensors when neither the device nor the profile sets one, ℃
/// (the inlet/board level at which vendors' own defaults start warning).
pub const DEFAULT_TEMPERATURE_LIMIT_C: i64 = 70;

/// One vendor's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    pub name: ProfileName,
    /// `sysObjectID` prefixes this profile serves.
    pub prefixes: &'static [&'static [u32]],
    pub cpu: CpuSource,
    pub memory: MemorySource,
    pub temperature: TemperatureSource,
    /// The temperature alarm limit of this vendor's devices, ℃ (a device may set its own).
    pub temperature_limit_c: i64,
}

/// The profiles of the spec's table; `generic` also serves any unknown `sysObjectID`.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: ProfileName::Huawei,
        // hwEntityStateTable (HUAWEI-ENTITY-EXTENT-MIB): .2 oper status, .5 CPU, .6 CPU
        // threshold, .7 memory, .8 memory threshold.
        prefixes: &[&[1, 3, 6, 1, 4, 1, 2011]],
        cpu: CpuSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 5],
            filter: RowFilter::EnabledWithThreshold {
                oper_status: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 2],
                threshold: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 6],
            },
        },
        memory: MemorySource::Column {
            column: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 7],
            filter: RowFilter::EnabledWithThreshold {
                oper_status: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 2],
                threshold: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 8],
            },
        },
        // .11 hwEntityTemperature (℃), .12 its threshold: non-sensor entities read 0 with a 0
        // threshold, so the same rule as CPU keeps the real sensors.
        temperature: TemperatureSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 11],
            filter: RowFilter::EnabledWithThreshold {
                oper_status: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 2],
                threshold: &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 1, 1, 12],
            },
            milli: false,
        },
        temperature_limit_c: DEFAULT_TEMPERATURE_LIMIT_C,
    },
    Profile {
        name: ProfileName::H3c,
        prefixes: &[&[1, 3, 6, 1, 4, 1, 25506]],
        cpu: CpuSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 25506, 2, 6, 1, 1, 1, 1, 6],
            filter: RowFilter::All,
        },
        memory: MemorySource::Column {
            column: &[1, 3, 6, 1, 4, 1, 25506, 2, 6, 1, 1, 1, 1, 8],
            filter: RowFilter::All,
        },
        // hh3cEntityExtTemperature (℃; 65535 where the entity has no sensor).
        temperature: TemperatureSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 25506, 2, 6, 1, 1, 1, 1, 12],
            filter: RowFilter::All,
            milli: false,
        },
        temperature_limit_c: DEFAULT_TEMPERATURE_LIMIT_C,
    },
    Profile {
        name: ProfileName::Cisco,
        prefixes: &[&[1, 3, 6, 1, 4, 1, 9]],
        cpu: CpuSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 8],
            filter: RowFilter::All,
        },
        memory: MemorySource::UsedFree {
            used: &[1, 3, 6, 1, 4, 1, 9, 9, 48, 1, 1, 1, 5],
            free: &[1, 3, 6, 1, 4, 1, 9, 9, 48, 1, 1, 1, 6],
        },
        // ciscoEnvMonTemperatureStatusValue (℃, CISCO-ENVMON-MIB).
        temperature: TemperatureSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 3, 1, 3],
            filter: RowFilter::All,
            milli: false,
        },
        temperature_limit_c: DEFAULT_TEMPERATURE_LIMIT_C,
    },
    Profile {
        name: ProfileName::Ruijie,
        prefixes: &[&[1, 3, 6, 1, 4, 1, 4881]],
        cpu: CpuSource::Scalar {
            oid: &[1, 3, 6, 1, 4, 1, 4881, 1, 1, 10, 2, 36, 1, 1, 3, 0],
        },
        memory: MemorySource::Column {
            column: &[1, 3, 6, 1, 4, 1, 4881, 1, 1, 10, 2, 35, 1, 1, 1, 3],
            filter: RowFilter::All,
        },
        // Not read: no Ruijie temperature object is documented in the spec's table.
        temperature: TemperatureSource::None,
        temperature_limit_c: DEFAULT_TEMPERATURE_LIMIT_C,
    },
    Profile {
        name: ProfileName::Generic,
        // net-snmp (Linux) and Microsoft; anything else falls back here too.
        prefixes: &[&[1, 3, 6, 1, 4, 1, 8072], &[1, 3, 6, 1, 4, 1, 311]],
        cpu: CpuSource::Average {
            column: &[1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2],
        },
        memory: MemorySource::StorageOfType {
            kind: &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 2],
            size: &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 5],
            used: &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 6],
            ram_type: &[1, 3, 6, 1, 2, 1, 25, 2, 1, 2],
        },
        // LM-SENSORS-MIB lmTempSensorsValue (net-snmp with lm-sensors), thousandths of a ℃.
        temperature: TemperatureSource::Column {
            column: &[1, 3, 6, 1, 4, 1, 2021, 13, 16, 2, 1, 3],
            filter: RowFilter::All,
            milli: true,
        },
        temperature_limit_c: DEFAULT_TEMPERATURE_LIMIT_C,
    },
];

/// The generic (HOST-RESOURCES-MIB) profile.
pub fn generic() -> &'static Profile {
    let last = PROFILES.len() - 1;
    &PROFILES[last]
}

/// The profile whose prefix is the longest prefix of `sys_object_id` among `profiles`.
pub fn select_from<'a>(profiles: &'a [Profile], sys_object_id: &Oid) -> Option<&'a Profile> {
    profiles
        .iter()
        .flat_map(|p| p.prefixes.iter().map(move |pre| (pre.len(), p, *pre)))
        .filter(|(_, _, pre)| sys_object_id.arcs().starts_with(pre))
        .max_by_key(|(len, _, _)| *len)
        .map(|(_, p, _)| p)
}

/// The profile of a name.
pub fn by_name(name: ProfileName) -> &'static Profile {
    PROFILES
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(generic)
}

/// The profile for a device's `sysObjectID`; unknown vendors get the generic profile.
pub fn select(sys_object_id: &Oid) -> &'static Profile {
    select_from(PROFILES, sys_object_id).unwrap_or_else(generic)
}

/// A varbind value, as far as profiles care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// INTEGER.
    Integer(i64),
    /// Counter32/64, Gauge32, TimeTicks, Unsigned32.
    Unsigned(u64),
    ObjectId(Oid),
    /// Anything else (strings, noSuchObject, …): never a reading.
    Other,
}

impl Value {
    fn number(&self) -> Option<u64> {
        match self {
            Value::Integer(i) => u64::try_from(*i).ok(),
            Value::Unsigned(u) => Some(*u),
            _ => None,
        }
    }

    fn signed(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            Value::Unsigned(u) => i64::try_from(*u).ok(),
            _ => None,
        }
    }
}

/// The result of a walk: every varbind received, by OID.
pub type Walk = BTreeMap<Oid, Value>;

/// One percentage reading; `percent_e2` is hundredths of a percent (87 % → 8700).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityPercent {
    /// The table index (entPhysicalIndex, pool or processor index), dotted.
    pub entity: String,
    pub percent_e2: u32,
}

/// One temperature reading; `celsius_e2` is hundredths of a ℃ (42 ℃ → 4200).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntityTemperature {
    /// The table index (entPhysicalIndex, sensor index), dotted.
    pub entity: String,
    pub celsius_e2: i64,
}

/// CPU, memory and temperatures read from one walk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Reading {
    pub cpu: Vec<EntityPercent>,
    pub memory: Vec<EntityPercent>,
    pub temperature: Vec<EntityTemperature>,
}

fn index_text(index: &[u32]) -> String {
    Oid::from_arcs(index.to_vec()).to_string()
}

/// Rows of a column: (index, value).
fn column<'w>(walk: &'w Walk, col: &'static [u32]) -> impl Iterator<Item = (&'w [u32], &'w Value)> {
    let prefix = Oid::from_arcs(col.to_vec());
    walk.range(prefix.clone()..)
        .take_while(move |(k, _)| k.starts_with(&prefix))
        .filter_map(move |(k, v)| {
            let idx = k.arcs().get(col.len()..)?;
            (!idx.is_empty()).then_some((idx, v))
        })
}

fn cell(walk: &Walk, col: &'static [u32], index: &[u32]) -> Option<u64> {
    let mut arcs = col.to_vec();
    arcs.extend_from_slice(index);
    walk.get(&Oid::from_arcs(arcs))?.number()
}

/// A device-reported percentage: only 0–100 is a reading.
fn whole_percent(v: u64) -> Option<u32> {
    u32::try_from(v).ok().filter(|p| *p <= 100).map(|p| p * 100)
}

/// `part ÷ whole` in hundredths of a percent, rounded half up; `None` when whole is 0.
fn ratio_e2(part: u64, whole: u64) -> Option<u32> {
    if whole == 0 || part > whole {
        return None;
    }
    let e2 = (u128::from(part) * 20_000 / u128::from(whole)).div_ceil(2);
    u32::try_from(e2).ok()
}

fn kept(walk: &Walk, filter: RowFilter, idx: &[u32]) -> bool {
    match filter {
        RowFilter::All => true,
        RowFilter::EnabledWithThreshold {
            oper_status,
            threshold,
        } => {
            cell(walk, oper_status, idx) == Some(3)
                && cell(walk, threshold, idx).is_some_and(|t| t != 0)
        }
    }
}

fn temperature_column(
    walk: &Walk,
    col: &'static [u32],
    filter: RowFilter,
    milli: bool,
) -> Vec<EntityTemperature> {
    column(walk, col)
        .filter(|(idx, _)| kept(walk, filter, idx))
        .filter_map(|(idx, v)| {
            let raw = v.signed()?;
            // Thousandths to hundredths, truncated; whole degrees to hundredths.
            let celsius_e2 = if milli {
                raw / 10
            } else {
                raw.checked_mul(100)?
            };
            TEMPERATURE_RANGE_C
                .contains(&celsius_e2.div_euclid(100))
                .then(|| EntityTemperature {
                    entity: index_text(idx),
                    celsius_e2,
                })
        })
        .collect()
}

fn percent_column(walk: &Walk, col: &'static [u32], filter: RowFilter) -> Vec<EntityPercent> {
    column(walk, col)
        .filter(|(idx, _)| kept(walk, filter, idx))
        .filter_map(|(idx, v)| {
            Some(EntityPercent {
                entity: index_text(idx),
                percent_e2: whole_percent(v.number()?)?,
            })
        })
        .collect()
}

impl Profile {
    /// The subtrees the poller must walk (or get) for this profile.
    pub fn subtrees(&self) -> Vec<Oid> {
        let mut v: Vec<&'static [u32]> = Vec::new();
        let filter_cols = |f: RowFilter, v: &mut Vec<&'static [u32]>| {
            if let RowFilter::EnabledWithThreshold {
                oper_status,
                threshold,
            } = f
            {
                v.push(oper_status);
                v.push(threshold);
            }
        };
        match self.cpu {
            CpuSource::Column { column, filter } => {
                v.push(column);
                filter_cols(filter, &mut v);
            }
            CpuSource::Scalar { oid } => v.push(oid),
            CpuSource::Average { column } => v.push(column),
        }
        match self.memory {
            MemorySource::Column { column, filter } => {
                v.push(column);
                filter_cols(filter, &mut v);
            }
            MemorySource::UsedFree { used, free } => v.extend([used, free]),
            MemorySource::StorageOfType {
                kind, size, used, ..
            } => v.extend([kind, size, used]),
        }
        if let TemperatureSource::Column { column, filter, .. } = self.temperature {
            v.push(column);
            filter_cols(filter, &mut v);
        }
        let mut out: Vec<Oid> = v.into_iter().map(|a| Oid::from_arcs(a.to_vec())).collect();
        out.sort();
        out.dedup();
        out
    }

    /// CPU and memory per entity from a walk of [`Profile::subtrees`]. Rows that are missing,
    /// out of range or of the wrong type are left out rather than guessed.
    pub fn read(&self, walk: &Walk) -> Reading {
        let cpu = match self.cpu {
            CpuSource::Column { column, filter } => percent_column(walk, column, filter),
            CpuSource::Scalar { oid } => walk
                .get(&Oid::from_arcs(oid.to_vec()))
                .and_then(Value::number)
                .and_then(whole_percent)
                .map(|p| {
                    vec![EntityPercent {
                        entity: "0".into(),
                        percent_e2: p,
                    }]
                })
                .unwrap_or_default(),
            CpuSource::Average { column: col } => {
                let loads: Vec<u64> = column(walk, col)
                    .filter_map(|(_, v)| v.number())
                    .filter(|p| *p <= 100)
                    .collect();
                let n = loads.len() as u64;
                ratio_e2(loads.iter().sum(), n.saturating_mul(100))
                    .map(|p| {
                        vec![EntityPercent {
                            entity: "0".into(),
                            percent_e2: p,
                        }]
                    })
                    .unwrap_or_default()
            }
        };
        let memory = match self.memory {
            MemorySource::Column { column, filter } => percent_column(walk, column, filter),
            MemorySource::UsedFree { used, free } => column(walk, used)
                .filter_map(|(idx, v)| {
                    let u = v.number()?;
                    let f = cell(walk, free, idx)?;
                    Some(EntityPercent {
                        entity: index_text(idx),
                        percent_e2: ratio_e2(u, u.checked_add(f)?)?,
                    })
                })
                .collect(),
            MemorySource::StorageOfType {
                kind,
                size,
                used,
                ram_type,
            } => column(walk, kind)
                .filter(|(_, v)| matches!(v, Value::ObjectId(o) if o.arcs() == ram_type))
                .filter_map(|(idx, _)| {
                    let s = cell(walk, size, idx)?;
                    let u = cell(walk, used, idx)?;
                    Some(EntityPercent {
                        entity: index_text(idx),
                        percent_e2: ratio_e2(u, s)?,
                    })
                })
                .collect(),
        };
        let temperature = match self.temperature {
            TemperatureSource::None => Vec::new(),
            TemperatureSource::Column {
                column,
                filter,
                milli,
            } => temperature_column(walk, column, filter, milli),
        };
        Reading {
            cpu,
            memory,
            temperature,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(s: &str) -> Oid {
        s.parse().unwrap()
    }

    fn walk(rows: &[(&str, Value)]) -> Walk {
        rows.iter().map(|(k, v)| (oid(k), v.clone())).collect()
    }

    fn ep(entity: &str, percent_e2: u32) -> EntityPercent {
        EntityPercent {
            entity: entity.into(),
            percent_e2,
        }
    }

    use Value::{Integer as I, Unsigned as U};

    #[test]
    fn huawei_keeps_enabled_boards_with_a_threshold() {
        // S5720-style sysObjectID.
        let p = select(&oid("1.3.6.1.4.1.2011.2.23.459"));
        assert_eq!(p.name, ProfileName::Huawei);
        let b = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1";
        let w = walk(&[
            // 67108867: the main board (enabled, thresholds 95/95).
            (&format!("{b}.2.67108867"), I(3)),
            (&format!("{b}.5.67108867"), I(12)),
            (&format!("{b}.6.67108867"), I(95)),
            (&format!("{b}.7.67108867"), I(41)),
            (&format!("{b}.8.67108867"), I(95)),
            // 67108869: a fan — enabled but no threshold, reads 0.
            (&format!("{b}.2.67108869"), I(3)),
            (&format!("{b}.5.67108869"), I(0)),
            (&format!("{b}.6.67108869"), I(0)),
            (&format!("{b}.7.67108869"), I(0)),
            (&format!("{b}.8.67108869"), I(0)),
            // 67108870: a board that is offline (4).
            (&format!("{b}.2.67108870"), I(4)),
            (&format!("{b}.5.67108870"), I(7)),
            (&format!("{b}.6.67108870"), I(90)),
            (&format!("{b}.7.67108870"), I(9)),
            (&format!("{b}.8.67108870"), I(90)),
        ]);
        let r = p.read(&w);
        assert_eq!(r.cpu, vec![ep("67108867", 1200)]);
        assert_eq!(r.memory, vec![ep("67108867", 4100)]);
        assert!(p.subtrees().contains(&oid(&format!("{b}.6"))));
    }

    #[test]
    fn h3c_reads_every_row() {
        let p = select(&oid("1.3.6.1.4.1.25506.1.1037"));
        assert_eq!(p.name, ProfileName::H3c);
        let b = "1.3.6.1.4.1.25506.2.6.1.1.1.1";
        let w = walk(&[
            (&format!("{b}.6.212"), I(8)),
            (&format!("{b}.6.213"), I(3)),
            (&format!("{b}.8.212"), I(47)),
            // Out of range: not a reading.
            (&format!("{b}.8.213"), I(255)),
        ]);
        let r = p.read(&w);
        assert_eq!(r.cpu, vec![ep("212", 800), ep("213", 300)]);
        assert_eq!(r.memory, vec![ep("212", 4700)]);
    }

    #[test]
    fn cisco_memory_is_used_over_used_plus_free() {
        let p = select(&oid("1.3.6.1.4.1.9.1.563"));
        assert_eq!(p.name, ProfileName::Cisco);
        let w = walk(&[
            ("1.3.6.1.4.1.9.9.109.1.1.1.1.8.1", U(5)),
            // Processor pool 1: 22,134,616 used, 66,403,848 free → 25.000 %.
            ("1.3.6.1.4.1.9.9.48.1.1.1.5.1", U(22_134_616)),
            ("1.3.6.1.4.1.9.9.48.1.1.1.6.1", U(66_403_848)),
            // I/O pool 2: 1 used of 3 → 33.33 %.
            ("1.3.6.1.4.1.9.9.48.1.1.1.5.2", U(1)),
            ("1.3.6.1.4.1.9.9.48.1.1.1.6.2", U(2)),
            // Pool 3 lacks its free value: left out.
            ("1.3.6.1.4.1.9.9.48.1.1.1.5.3", U(10)),
        ]);
        let r = p.read(&w);
        assert_eq!(r.cpu, vec![ep("1", 500)]);
        assert_eq!(r.memory, vec![ep("1", 2500), ep("2", 3333)]);
    }

    #[test]
    fn ruijie_cpu_is_a_scalar() {
        let p = select(&oid("1.3.6.1.4.1.4881.1.1.10.1.107"));
        assert_eq!(p.name, ProfileName::Ruijie);
        let w = walk(&[
            ("1.3.6.1.4.1.4881.1.1.10.2.36.1.1.3.0", I(4)),
            ("1.3.6.1.4.1.4881.1.1.10.2.35.1.1.1.3.1", I(36)),
        ]);
        let r = p.read(&w);
        assert_eq!(r.cpu, vec![ep("0", 400)]);
        assert_eq!(r.memory, vec![ep("1", 3600)]);
    }

    #[test]
    fn linux_uses_host_resources() {
        let p = select(&oid("1.3.6.1.4.1.8072.3.2.10"));
        assert_eq!(p.name, ProfileName::Generic);
        let ram = Value::ObjectId(oid("1.3.6.1.2.1.25.2.1.2"));
        let disk = Value::ObjectId(oid("1.3.6.1.2.1.25.2.1.4"));
        let w = walk(&[
            ("1.3.6.1.2.1.25.3.3.1.2.196608", I(10)),
            ("1.3.6.1.2.1.25.3.3.1.2.196609", I(15)),
            ("1.3.6.1.2.1.25.2.3.1.2.1", ram),
            ("1.3.6.1.2.1.25.2.3.1.5.1", I(8_000_000)),
            ("1.3.6.1.2.1.25.2.3.1.6.1", I(6_000_000)),
            ("1.3.6.1.2.1.25.2.3.1.2.31", disk),
            ("1.3.6.1.2.1.25.2.3.1.5.31", I(100)),
            ("1.3.6.1.2.1.25.2.3.1.6.31", I(99)),
        ]);
        let r = p.read(&w);
        assert_eq!(r.cpu, vec![ep("0", 1250)]);
        assert_eq!(r.memory, vec![ep("1", 7500)]);
    }

    #[test]
    fn unknown_vendor_falls_back_to_generic_and_prefix_is_by_arcs() {
        assert_eq!(
            select(&oid("1.3.6.1.4.1.99999.1")).name,
            ProfileName::Generic
        );
        // 1.3.6.1.4.1.90 is not Cisco (enterprise 9).
        assert_eq!(select(&oid("1.3.6.1.4.1.90.1")).name, ProfileName::Generic);
        assert_eq!(
            select(&oid("1.3.6.1.4.1.311.1.1.3.1.2")).name,
            ProfileName::Generic
        );
    }

    #[test]
    fn longest_prefix_wins() {
        // A model-specific profile beside its vendor's.
        let mut special = PROFILES[0];
        special.name = ProfileName::Generic;
        special.prefixes = &[&[1, 3, 6, 1, 4, 1, 2011, 2, 23]];
        let set = [PROFILES[0], special];
        assert_eq!(
            select_from(&set, &oid("1.3.6.1.4.1.2011.2.23.459")).map(|p| p.name),
            Some(ProfileName::Generic)
        );
        assert_eq!(
            select_from(&set, &oid("1.3.6.1.4.1.2011.2.170.1")).map(|p| p.name),
            Some(ProfileName::Huawei)
        );
        assert_eq!(select_from(&set, &oid("1.3.6.1.4.1.9.1")), None);
    }

    fn t(entity: &str, celsius_e2: i64) -> EntityTemperature {
        EntityTemperature {
            entity: entity.into(),
            celsius_e2,
        }
    }

    #[test]
    fn temperatures_per_vendor() {
        // Huawei: the board's sensor; a fan (no threshold) and an offline board are left out.
        let b = "1.3.6.1.4.1.2011.5.25.31.1.1.1.1";
        let p = select(&oid("1.3.6.1.4.1.2011.2.23.459"));
        let w = walk(&[
            (&format!("{b}.2.67108873"), I(3)),
            (&format!("{b}.11.67108873"), I(42)),
            (&format!("{b}.12.67108873"), I(56)),
            (&format!("{b}.2.67108869"), I(3)),
            (&format!("{b}.11.67108869"), I(0)),
            (&format!("{b}.12.67108869"), I(0)),
            (&format!("{b}.2.67108870"), I(4)),
            (&format!("{b}.11.67108870"), I(40)),
            (&format!("{b}.12.67108870"), I(60)),
        ]);
        assert_eq!(p.read(&w).temperature, vec![t("67108873", 4200)]);
        assert!(p.subtrees().contains(&oid(&format!("{b}.12"))));
        // H3C: 65535 is "no sensor".
        let h = "1.3.6.1.4.1.25506.2.6.1.1.1.1.12";
        let p = select(&oid("1.3.6.1.4.1.25506.1.1037"));
        let w = walk(&[(&format!("{h}.1"), I(65535)), (&format!("{h}.1432"), I(37))]);
        assert_eq!(p.read(&w).temperature, vec![t("1432", 3700)]);
        // Cisco: Gauge32.
        let p = select(&oid("1.3.6.1.4.1.9.1.563"));
        let w = walk(&[("1.3.6.1.4.1.9.9.13.1.3.1.3.1005", U(61))]);
        assert_eq!(p.read(&w).temperature, vec![t("1005", 6100)]);
        // LM-SENSORS: thousandths; a broken sensor's absurd value is not a reading.
        let p = select(&oid("1.3.6.1.4.1.8072.3.2.10"));
        let l = "1.3.6.1.4.1.2021.13.16.2.1.3";
        let w = walk(&[
            (&format!("{l}.1"), U(45_500)),
            (&format!("{l}.2"), U(45_678)),
            (&format!("{l}.3"), U(4_294_967_295)),
        ]);
        assert_eq!(p.read(&w).temperature, vec![t("1", 4550), t("2", 4567)]);
        // Ruijie: none read.
        let p = select(&oid("1.3.6.1.4.1.4881.1"));
        assert_eq!(p.temperature, TemperatureSource::None);
        // A negative Integer32 is a reading (an outdoor sensor in winter).
        let p = select(&oid("1.3.6.1.4.1.25506.1"));
        let w = walk(&[(&format!("{h}.7"), I(-12))]);
        assert_eq!(p.read(&w).temperature, vec![t("7", -1200)]);
    }

    #[test]
    fn garbage_values_are_not_readings() {
        let p = select(&oid("1.3.6.1.4.1.4881.1"));
        let w = walk(&[
            ("1.3.6.1.4.1.4881.1.1.10.2.36.1.1.3.0", Value::Other),
            ("1.3.6.1.4.1.4881.1.1.10.2.35.1.1.1.3.1", I(-5)),
        ]);
        assert_eq!(p.read(&w), Reading::default());
    }
}
