//! The address plan in the database: VLANs, prefixes, addresses bound to devices and
//! interfaces; utilisation and conflicts computed from what is stored.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::OpsError;
use super::asset::asset;
use crate::domain::asset::NetworkZone;
use crate::domain::ipam::{
    self, AddressRow, AddressStatus, Conflict, IpamError, Prefix, PrefixRow, VlanId,
};

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod vlan {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_vlan")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub network: String,
        pub vid: i32,
        pub name: String,
        pub purpose: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod prefix {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_prefix")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub network: String,
        pub prefix: String,
        pub vlan_id: Option<i64>,
        pub description: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod ip_address {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_ip_address")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub network: String,
        pub address: String,
        pub asset_id: Option<i64>,
        pub interface: String,
        pub status: String,
        pub dns_name: String,
        pub description: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

fn network(s: &str) -> Result<NetworkZone, OpsError> {
    NetworkZone::parse(s)
        .ok_or_else(|| OpsError::Bad(format!("所属网络「{}」应是 内网/政务网/互联网", s.trim())))
}

fn text(s: &str, max: usize, label: &str) -> Result<String, OpsError> {
    let t = s.trim();
    if t.chars().count() > max {
        return Err(OpsError::Bad(format!("{label}太长（最多 {max} 个字）")));
    }
    Ok(t.to_owned())
}

fn bad(e: IpamError) -> OpsError {
    OpsError::Bad(e.to_string())
}

/// A VLAN as typed in.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct VlanDraft {
    pub network: String,
    pub vid: String,
    pub name: String,
    #[serde(default)]
    pub purpose: String,
}

pub async fn add_vlan(
    db: &Db,
    d: &VlanDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let net = network(&d.network)?;
    let vid = VlanId::parse(&d.vid).map_err(bad)?;
    let name = text(&d.name, 100, "VLAN 名称")?;
    if name.is_empty() {
        return Err(bad(IpamError::EmptyName));
    }
    let txn = db.begin_write().await?;
    let row = vlan::ActiveModel {
        network: Set(net.code().to_owned()),
        vid: Set(i32::from(vid.get())),
        name: Set(name),
        purpose: Set(text(&d.purpose, 200, "用途")?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if yiqiao_store::db::is_unique_violation(&e) {
            OpsError::Conflict(format!("{}已有 VLAN {}", net.label(), vid.get()))
        } else {
            OpsError::Db(e)
        }
    })?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "inspection.vlan.create",
            "inspection_vlan",
            row.id.to_string(),
        )
        .after(&row),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// A prefix as typed in.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct PrefixDraft {
    pub network: String,
    pub prefix: String,
    /// The VLAN's row id, empty for none.
    #[serde(default)]
    pub vlan_id: String,
    #[serde(default)]
    pub description: String,
}

pub async fn add_prefix(
    db: &Db,
    d: &PrefixDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let net = network(&d.network)?;
    let p = Prefix::parse(&d.prefix).map_err(bad)?;
    let vlan_id = match d.vlan_id.trim() {
        "" => None,
        s => Some(
            s.parse::<i64>()
                .map_err(|_| OpsError::Bad(format!("VLAN「{s}」不存在")))?,
        ),
    };
    let txn = db.begin_write().await?;
    let row = prefix::ActiveModel {
        network: Set(net.code().to_owned()),
        prefix: Set(p.to_string()),
        vlan_id: Set(vlan_id),
        description: Set(text(&d.description, 200, "说明")?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if yiqiao_store::db::is_unique_violation(&e) {
            OpsError::Conflict(format!("{}已有网段 {p}", net.label()))
        } else if yiqiao_store::db::is_foreign_key_violation(&e) {
            OpsError::Bad("所选 VLAN 不存在".into())
        } else {
            OpsError::Db(e)
        }
    })?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "inspection.prefix.create",
            "inspection_prefix",
            row.id.to_string(),
        )
        .after(&row),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// An address binding as typed in.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AddressDraft {
    pub network: String,
    pub address: String,
    /// The device's asset code (资产编号), empty for none.
    #[serde(default)]
    pub asset_code: String,
    #[serde(default)]
    pub interface: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub dns_name: String,
    #[serde(default)]
    pub description: String,
}

/// Bind an address in a network. The database refuses the same address twice in one network;
/// the refusal names who holds it.
pub async fn add_address(
    db: &Db,
    d: &AddressDraft,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let net = network(&d.network)?;
    let ip = ipam::parse_address(&d.address).map_err(bad)?;
    let status = AddressStatus::parse(&d.status).map_err(bad)?;
    let interface = text(&d.interface, 64, "接口")?;
    let asset_id = match d.asset_code.trim() {
        "" => None,
        code => Some(
            super::asset::asset_by_code(db.conn(), code)
                .await?
                .ok_or_else(|| OpsError::NotFound(format!("没有资产编号为「{code}」的设备")))?
                .id,
        ),
    };
    let txn = db.begin_write().await?;
    let inserted = ip_address::ActiveModel {
        network: Set(net.code().to_owned()),
        address: Set(ip.to_string()),
        asset_id: Set(asset_id),
        interface: Set(interface),
        status: Set(status.code().to_owned()),
        dns_name: Set(text(&d.dns_name, 200, "域名")?),
        description: Set(text(&d.description, 200, "说明")?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match inserted {
        Ok(r) => r,
        Err(e) if yiqiao_store::db::is_unique_violation(&e) => {
            drop(txn);
            let holder = holder_of(db.conn(), net, ip).await?;
            return Err(OpsError::Conflict(format!(
                "{}的地址 {ip} 已分配{holder}",
                net.label()
            )));
        }
        Err(e) if yiqiao_store::db::is_foreign_key_violation(&e) => {
            return Err(OpsError::NotFound("所选设备已不存在".into()));
        }
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &txn,
        actor,
        Change::new(
            "inspection.address.create",
            "inspection_ip_address",
            row.id.to_string(),
        )
        .after(&row),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

async fn holder_of<C: ConnectionTrait>(
    conn: &C,
    net: NetworkZone,
    ip: IpAddr,
) -> Result<String, OpsError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let Some(a) = ip_address::Entity::find()
        .filter(ip_address::Column::Network.eq(net.code()))
        .filter(ip_address::Column::Address.eq(ip.to_string()))
        .one(conn)
        .await?
    else {
        return Ok(String::new());
    };
    Ok(match a.asset_id {
        Some(id) => match super::asset::get_asset(conn, id).await? {
            Some(d) => format!("给设备「{}」（{}）", d.name, d.code),
            None => String::new(),
        },
        None => "（未绑定设备）".to_owned(),
    })
}

/// A prefix with its use.
#[derive(Debug, Clone, Serialize)]
pub struct PrefixUse {
    pub row: prefix::Model,
    pub vlan: Option<i32>,
    pub used: u64,
    /// Hosts it can hold (as text: an IPv6 /64 is beyond any integer people read).
    pub usable: String,
    pub permille: u64,
}

impl PrefixUse {
    pub fn percent(&self) -> String {
        format!("{}.{}%", self.permille / 10, self.permille % 10)
    }
}

/// An address with what it is bound to.
#[derive(Debug, Clone, Serialize)]
pub struct AddressView {
    pub row: ip_address::Model,
    pub asset_code: String,
    pub asset_name: String,
    pub prefix: String,
}

impl AddressView {
    pub fn status_label(&self) -> &'static str {
        AddressStatus::parse(&self.row.status).map_or("", AddressStatus::label)
    }
}

/// The whole plan, computed once.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub vlans: Vec<vlan::Model>,
    pub prefixes: Vec<PrefixUse>,
    pub addresses: Vec<AddressView>,
    pub conflicts: Vec<Conflict>,
}

/// Read the plan: utilisation per prefix (addresses not deprecated, in the most specific
/// containing prefix of their network) and every conflict, including a device's management
/// address that another device holds in IPAM.
pub async fn plan<C: ConnectionTrait>(conn: &C) -> Result<Plan, OpsError> {
    let vlans = vlan::Entity::find()
        .order_by_asc(vlan::Column::Network)
        .order_by_asc(vlan::Column::Vid)
        .all(conn)
        .await?;
    let prefixes = prefix::Entity::find()
        .order_by_asc(prefix::Column::Network)
        .order_by_asc(prefix::Column::Prefix)
        .all(conn)
        .await?;
    let addresses = ip_address::Entity::find()
        .order_by_asc(ip_address::Column::Network)
        .order_by_asc(ip_address::Column::Address)
        .all(conn)
        .await?;
    let assets = asset::Entity::find().all(conn).await?;
    let prefix_rows: Vec<PrefixRow> = prefixes
        .iter()
        .filter_map(|p| {
            Prefix::parse(&p.prefix).ok().map(|prefix| PrefixRow {
                id: p.id,
                network: p.network.clone(),
                prefix,
            })
        })
        .collect();
    let mut rows: Vec<AddressRow> = Vec::new();
    let mut views = Vec::new();
    for a in &addresses {
        let Ok(ip) = ipam::parse_address(&a.address) else {
            continue;
        };
        let pid = ipam::containing(&prefix_rows, &a.network, ip);
        rows.push(AddressRow {
            id: Some(a.id),
            network: a.network.clone(),
            address: ip,
            prefix_id: pid,
            asset_id: a.asset_id,
        });
        let dev = a.asset_id.and_then(|id| assets.iter().find(|d| d.id == id));
        views.push(AddressView {
            row: a.clone(),
            asset_code: dev.map(|d| d.code.clone()).unwrap_or_default(),
            asset_name: dev.map(|d| d.name.clone()).unwrap_or_default(),
            prefix: pid
                .and_then(|p| prefix_rows.iter().find(|r| r.id == p))
                .map(|r| r.prefix.to_string())
                .unwrap_or_default(),
        });
    }
    // Management addresses from the device archive take part in the duplicate check only.
    let mut check = rows.clone();
    for d in &assets {
        if let Some(ip) = d.mgmt_ip.as_deref().and_then(|s| s.parse::<IpAddr>().ok()) {
            check.push(AddressRow {
                id: None,
                network: d.network.clone(),
                address: ip,
                prefix_id: None,
                asset_id: Some(d.id),
            });
        }
    }
    let conflicts = ipam::conflicts(&prefix_rows, &check);
    let uses = prefixes
        .into_iter()
        .map(|p| {
            let parsed = prefix_rows.iter().find(|r| r.id == p.id).map(|r| r.prefix);
            let used = rows
                .iter()
                .zip(&addresses)
                .filter(|(r, a)| {
                    r.prefix_id == Some(p.id)
                        && AddressStatus::parse(&a.status).is_ok_and(AddressStatus::counts_as_used)
                })
                .count() as u64;
            PrefixUse {
                vlan: p
                    .vlan_id
                    .and_then(|v| vlans.iter().find(|x| x.id == v))
                    .map(|v| v.vid),
                used,
                usable: parsed.map(|x| x.usable().to_string()).unwrap_or_default(),
                permille: parsed.map_or(0, |x| x.utilisation_permille(used)),
                row: p,
            }
        })
        .collect();
    Ok(Plan {
        vlans,
        prefixes: uses,
        addresses: views,
        conflicts,
    })
}
