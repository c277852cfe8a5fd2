//! Topology in the database: the poller's discovered neighbours, the links on record, their
//! differences and the diagram.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::OpsError;
use super::asset::{self as assets, asset};
use crate::domain::asset::{AssetKind, NetworkZone};
use crate::domain::layout::{self, Device, Link, LinkState, Role};
use crate::domain::links::{self, Difference, FarEnd};
use crate::domain::topology::{Neighbour, Protocol};

pub mod link {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_link")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub asset_id: i64,
        pub local_port: String,
        pub remote_asset_id: Option<i64>,
        pub remote_name: String,
        pub remote_port: String,
        pub origin: String,
        pub recorded_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

pub mod neighbour {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_neighbour")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub asset_id: i64,
        pub local_port: String,
        pub remote_name: String,
        pub remote_port: String,
        pub remote_mgmt_ip: Option<String>,
        pub protocol: String,
        pub seen_at: DateTimeUtc,
    }
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}
    impl ActiveModelBehavior for ActiveModel {}
}

/// Replace what was discovered on a device with this poll's neighbours (one transaction: the
/// set is never half old, half new). Called by the poller after an LLDP/CDP walk.
pub async fn store_neighbours(
    db: &Db,
    asset_id: i64,
    found: &[Neighbour],
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let txn = db.begin_write().await?;
    neighbour::Entity::delete_many()
        .filter(neighbour::Column::AssetId.eq(asset_id))
        .exec(&txn)
        .await?;
    for n in found {
        neighbour::ActiveModel {
            asset_id: Set(asset_id),
            local_port: Set(n.local_port.chars().take(64).collect()),
            remote_name: Set(n.remote_name.chars().take(200).collect()),
            remote_port: Set(n.remote_port.chars().take(64).collect()),
            remote_mgmt_ip: Set(n.remote_mgmt_ip.map(|ip| ip.to_string())),
            protocol: Set(match n.protocol {
                Protocol::Lldp => "lldp",
                Protocol::Cdp => "cdp",
            }
            .to_owned()),
            seen_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| {
            if yiqiao_store::db::is_foreign_key_violation(&e) {
                OpsError::NotFound(format!("没有编号为 {asset_id} 的设备"))
            } else {
                OpsError::Db(e)
            }
        })?;
    }
    txn.commit().await?;
    Ok(())
}

/// The device a neighbour names: by management address, else by name or code (ignoring case).
fn resolve(devices: &[asset::Model], name: &str, ip: Option<&str>) -> Option<i64> {
    ip.and_then(|ip| devices.iter().find(|d| d.mgmt_ip.as_deref() == Some(ip)))
        .or_else(|| {
            devices.iter().find(|d| {
                d.name.eq_ignore_ascii_case(name.trim()) || d.code.eq_ignore_ascii_case(name.trim())
            })
        })
        .map(|d| d.id)
}

/// A link as typed in (or confirmed from a difference).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct LinkDraft {
    pub asset_code: String,
    pub local_port: String,
    /// The far device's asset code or, for a device not on record, its name.
    pub remote: String,
    pub remote_port: String,
}

/// Record a link on a port, replacing what was recorded there (one row per port: the unique
/// key decides). `origin` is `manual` or `confirmed`.
pub async fn record_link(
    db: &Db,
    d: &LinkDraft,
    origin: &str,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let (lp, rp) = (d.local_port.trim(), d.remote_port.trim());
    if lp.is_empty()
        || d.remote.trim().is_empty()
        || lp.chars().count() > 64
        || rp.chars().count() > 64
    {
        return Err(OpsError::Bad(
            "本端端口和对端设备不能为空，端口名最多 64 字".into(),
        ));
    }
    let devices = assets::list_assets(db.conn()).await?;
    let Some(a) = devices.iter().find(|x| x.code == d.asset_code.trim()) else {
        return Err(OpsError::NotFound(format!(
            "没有资产编号为「{}」的设备",
            d.asset_code.trim()
        )));
    };
    let remote_id = resolve(&devices, &d.remote, None);
    let remote_name = remote_id
        .and_then(|id| devices.iter().find(|x| x.id == id))
        .map_or_else(|| d.remote.trim().to_owned(), |x| x.name.clone());
    let txn = db.begin_write().await?;
    link::Entity::insert(link::ActiveModel {
        asset_id: Set(a.id),
        local_port: Set(lp.to_owned()),
        remote_asset_id: Set(remote_id),
        remote_name: Set(remote_name.chars().take(200).collect()),
        remote_port: Set(rp.to_owned()),
        origin: Set(origin.to_owned()),
        recorded_by: Set(by.name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([link::Column::AssetId, link::Column::LocalPort])
            .update_columns([
                link::Column::RemoteAssetId,
                link::Column::RemoteName,
                link::Column::RemotePort,
                link::Column::Origin,
                link::Column::RecordedBy,
                link::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        by,
        Change::new(
            "inspection.link.record",
            "inspection_link",
            format!("{}:{lp}", a.code),
        )
        .after(serde_json::json!({"remote": remote_name, "remote_port": rp, "origin": origin})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Remove the link recorded on a port (a confirmed "missing" difference).
pub async fn remove_link(
    db: &Db,
    asset_code: &str,
    local_port: &str,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let Some(a) = assets::asset_by_code(db.conn(), asset_code.trim()).await? else {
        return Err(OpsError::NotFound(format!(
            "没有资产编号为「{}」的设备",
            asset_code.trim()
        )));
    };
    let txn = db.begin_write().await?;
    let r = link::Entity::delete_many()
        .filter(link::Column::AssetId.eq(a.id))
        .filter(link::Column::LocalPort.eq(local_port.trim()))
        .exec(&txn)
        .await?;
    if r.rows_affected == 0 {
        return Err(OpsError::Conflict(
            "该端口没有记录的连接（可能已被他人处理）".into(),
        ));
    }
    audit::record(
        &txn,
        by,
        Change::new(
            "inspection.link.remove",
            "inspection_link",
            format!("{}:{}", a.code, local_port.trim()),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A difference with its device, for the confirmation list.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceDifference {
    pub asset_id: i64,
    pub asset_code: String,
    pub asset_name: String,
    pub difference: Difference,
}

/// The recorded links and the differences from discovery, per device.
pub async fn differences<C: ConnectionTrait>(conn: &C) -> Result<Vec<DeviceDifference>, OpsError> {
    let devices = assets::list_assets(conn).await?;
    let recorded = link::Entity::find().all(conn).await?;
    let found = neighbour::Entity::find().all(conn).await?;
    let mut out = Vec::new();
    for d in &devices {
        let rec: BTreeMap<String, FarEnd> = recorded
            .iter()
            .filter(|l| l.asset_id == d.id)
            .map(|l| {
                (
                    l.local_port.clone(),
                    FarEnd {
                        asset_id: l.remote_asset_id,
                        name: l.remote_name.clone(),
                        port: l.remote_port.clone(),
                    },
                )
            })
            .collect();
        let disc: BTreeMap<String, FarEnd> = found
            .iter()
            .filter(|n| n.asset_id == d.id)
            .map(|n| {
                let id = resolve(&devices, &n.remote_name, n.remote_mgmt_ip.as_deref());
                (
                    n.local_port.clone(),
                    FarEnd {
                        asset_id: id,
                        name: id
                            .and_then(|i| devices.iter().find(|x| x.id == i))
                            .map_or_else(|| n.remote_name.clone(), |x| x.name.clone()),
                        port: n.remote_port.clone(),
                    },
                )
            })
            .collect();
        for diff in links::differences(&rec, &disc) {
            out.push(DeviceDifference {
                asset_id: d.id,
                asset_code: d.code.clone(),
                asset_name: d.name.clone(),
                difference: diff,
            });
        }
    }
    Ok(out)
}

/// Every recorded link, by device and port.
pub async fn all_links<C: ConnectionTrait>(conn: &C) -> Result<Vec<link::Model>, OpsError> {
    Ok(link::Entity::find()
        .order_by_asc(link::Column::AssetId)
        .order_by_asc(link::Column::LocalPort)
        .all(conn)
        .await?)
}

/// The devices and links of the diagram: the devices in service that have a link or are
/// switches, routers or firewalls; the recorded links (each drawn once, whichever side recorded
/// it), marked down when monitoring sees either device or the local port down; and the links
/// discovered but not yet confirmed.
pub async fn diagram_parts<C: ConnectionTrait>(
    conn: &C,
) -> Result<(Vec<Device>, Vec<Link>), OpsError> {
    use crate::store::monitor::entities::{device as mdevice, interface as miface};
    let devices = assets::list_assets(conn).await?;
    let ls = all_links(conn).await?;
    let monitored = mdevice::Entity::find().all(conn).await?;
    let ifaces = miface::Entity::find().all(conn).await?;
    let down_device: BTreeSet<i64> = monitored
        .iter()
        .filter(|m| m.state == "down")
        .map(|m| m.asset_id)
        .collect();
    // (asset, normalised port) of interfaces the last poll saw down: ifOperStatus down(2),
    // notPresent(6) or lowerLayerDown(7); 0 means the agent did not say.
    let down_port: BTreeSet<(i64, String)> = ifaces
        .iter()
        .filter(|i| matches!(i.oper_status, 2 | 6 | 7))
        .filter_map(|i| {
            let m = monitored.iter().find(|m| m.id == i.device_id)?;
            Some((m.asset_id, links::normalise_port(&i.name)))
        })
        .collect();
    let mut seen: BTreeSet<(i64, String, i64, String)> = BTreeSet::new();
    let mut key = |a: i64, ap: &str, b: i64, bp: &str| {
        let (ap, bp) = (links::normalise_port(ap), links::normalise_port(bp));
        let k = if (a, &ap) <= (b, &bp) {
            (a, ap, b, bp)
        } else {
            (b, bp, a, ap)
        };
        seen.insert(k)
    };
    let mut edges = Vec::new();
    for l in &ls {
        let Some(b) = l.remote_asset_id else { continue };
        if !key(l.asset_id, &l.local_port, b, &l.remote_port) {
            continue;
        }
        let down = down_device.contains(&l.asset_id)
            || down_device.contains(&b)
            || down_port.contains(&(l.asset_id, links::normalise_port(&l.local_port)))
            || down_port.contains(&(b, links::normalise_port(&l.remote_port)));
        edges.push(Link {
            a: l.asset_id,
            a_port: l.local_port.clone(),
            b,
            b_port: l.remote_port.clone(),
            state: if down { LinkState::Down } else { LinkState::Up },
        });
    }
    for d in differences(conn).await? {
        let found = match &d.difference {
            Difference::New { found, .. } | Difference::Changed { found, .. } => found,
            Difference::Missing { .. } => continue,
        };
        let Some(b) = found.asset_id else { continue };
        if !key(d.asset_id, d.difference.local_port(), b, &found.port) {
            continue;
        }
        edges.push(Link {
            a: d.asset_id,
            a_port: d.difference.local_port().to_owned(),
            b,
            b_port: found.port.clone(),
            state: LinkState::Unconfirmed,
        });
    }
    let linked: BTreeSet<i64> = edges.iter().flat_map(|l| [l.a, l.b]).collect();
    let nodes: Vec<Device> = devices
        .iter()
        .filter(|d| {
            linked.contains(&d.id)
                || d.kind.contains("switch")
                || d.kind == "router"
                || d.kind == "firewall"
        })
        .filter(|d| d.status != "retired")
        .map(|d| {
            let zone = NetworkZone::parse(&d.network);
            Device {
                id: d.id,
                name: d.name.clone(),
                sub: format!(
                    "{} {}",
                    d.kind_label(),
                    d.mgmt_ip.clone().unwrap_or_default()
                )
                .trim()
                .to_owned(),
                room: d.location.clone(),
                zone: zone.map_or("", NetworkZone::label).to_owned(),
                // Internet on the left, the intranet in the middle, the government network on
                // the right: the order the hospital's own drawings use.
                zone_rank: match zone {
                    Some(NetworkZone::Internet) => 0,
                    Some(NetworkZone::Intranet) => 1,
                    Some(NetworkZone::Government) => 2,
                    None => 3,
                },
                role: AssetKind::parse(&d.kind).map_or(Role::Edge, Role::of),
                down: down_device.contains(&d.id),
            }
        })
        .collect();
    Ok((nodes, edges))
}

/// The diagram as SVG.
pub async fn diagram<C: ConnectionTrait>(conn: &C) -> Result<String, OpsError> {
    let (nodes, edges) = diagram_parts(conn).await?;
    Ok(layout::svg(&layout::layout(&nodes, &edges)))
}
