//! Monitoring storage (监控数据): devices, interfaces, samples with their rollups, alert and
//! outage events, maintenance windows, and availability computed from the stored events.

use crate::domain::alert::Transition;
use crate::domain::availability::{Availability, MaintenanceWindow, Outage, Period, availability};
use crate::monitor::evaluate::{DeviceState, Evaluated, OutageChange, metric_name};
use crate::monitor::poll::PollResult;
use crate::monitor::snmp::{AuthProto, Credentials, PrivProto};
use chrono::{DateTime, Duration, DurationRound, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;
use std::collections::BTreeMap;
use yiqiao_core::secret::{SecretKey, is_sealed};
use yiqiao_core::{ErrorKind, Refusal};
use yiqiao_store::Db;
use yiqiao_store::secret_key::KeyProvider;

pub mod entities {
    macro_rules! no_relations {
        () => {
            #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
            pub enum Relation {}
            impl ActiveModelBehavior for ActiveModel {}
        };
    }

    /// 监控设备
    pub mod device {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "inspection_monitor_device")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub asset_id: i64,
            pub host: String,
            pub port: i32,
            pub snmp_version: String,
            pub community: Option<String>,
            pub v3_user: Option<String>,
            pub v3_auth_proto: Option<String>,
            pub v3_auth_pass: Option<String>,
            pub v3_priv_proto: Option<String>,
            pub v3_priv_pass: Option<String>,
            pub v3_context: Option<String>,
            pub interval_secs: i32,
            pub timeout_ms: i32,
            pub enabled: bool,
            pub state: String,
            pub failed_polls: i32,
            pub last_poll_at: Option<DateTimeUtc>,
            pub last_ok_at: Option<DateTimeUtc>,
            pub sys_name: Option<String>,
            pub sys_descr: Option<String>,
            pub sys_object_id: Option<String>,
            pub profile: Option<String>,
            pub uptime_seconds: Option<i64>,
            pub cpu_e2: Option<i32>,
            pub memory_e2: Option<i32>,
            pub reboots: i64,
            pub last_error: Option<String>,
            pub created_at: DateTimeUtc,
            pub updated_at: DateTimeUtc,
            /// The hottest sensor of the last poll, hundredths of a ℃.
            pub temperature_e2: Option<i32>,
            /// The device's own temperature alarm limit, ℃ (`None`: its profile's).
            pub temperature_limit_c: Option<i32>,
        }
        no_relations!();
    }

    /// 接口
    pub mod interface {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "inspection_monitor_interface")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub device_id: i64,
            #[sea_orm(primary_key, auto_increment = false)]
            pub if_index: i32,
            pub name: String,
            pub oper_status: i32,
            pub speed_mbps: Option<i64>,
            pub in_bps: Option<i64>,
            pub out_bps: Option<i64>,
            pub broadcast_pps: Option<i64>,
            pub in_errors: Option<i64>,
            pub updated_at: DateTimeUtc,
        }
        no_relations!();
    }

    /// 采样
    pub mod sample {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "inspection_monitor_sample")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub device_id: i64,
            pub metric: String,
            pub entity: String,
            pub resolution: String,
            pub at: DateTimeUtc,
            pub avg: i64,
            pub max: i64,
            pub n: i32,
        }
        no_relations!();
    }

    /// 告警事件
    pub mod alert {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "inspection_monitor_alert")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub device_id: i64,
            pub metric: String,
            pub entity: String,
            pub limit_value: i64,
            pub value: i64,
            pub peak: i64,
            pub since: DateTimeUtc,
            pub opened_at: DateTimeUtc,
            pub closed_at: Option<DateTimeUtc>,
            pub open_key: Option<String>,
        }
        no_relations!();
    }

    /// 中断事件
    pub mod outage {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "inspection_monitor_outage")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub device_id: i64,
            pub started_at: DateTimeUtc,
            pub ended_at: Option<DateTimeUtc>,
            pub cause: String,
            pub open_device_id: Option<i64>,
        }
        no_relations!();
    }

    /// 计划维护
    pub mod maintenance {
        use sea_orm::entity::prelude::*;
        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "inspection_monitor_maintenance")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub device_id: i64,
            pub starts_at: DateTimeUtc,
            pub ends_at: DateTimeUtc,
            pub reason: String,
            pub entered_by: String,
            pub entered_at: DateTimeUtc,
        }
        no_relations!();
    }
}

use entities::{alert, device, interface, maintenance, outage, sample};

/// Why a monitoring request was refused.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    #[error("数据库错误：{0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("资产 {0} 不存在，无法加入监控")]
    NoAsset(i64),
    #[error("资产 {0} 已在监控中")]
    AlreadyMonitored(i64),
    #[error("监控设备 {0} 不存在")]
    NoDevice(i64),
    #[error("{0}")]
    Bad(String),
    /// The credential key cannot be had (a bad `[inspection] secret_key`, an unreadable key file).
    #[error("SNMP 凭据密钥不可用：{0}")]
    Key(String),
}

impl Refusal for MonitorError {
    fn kind(&self) -> ErrorKind {
        match self {
            MonitorError::Db(_) | MonitorError::Key(_) => ErrorKind::Internal,
            MonitorError::NoAsset(_) | MonitorError::NoDevice(_) => ErrorKind::NotFound,
            MonitorError::AlreadyMonitored(_) => ErrorKind::Conflict,
            MonitorError::Bad(_) => ErrorKind::BadRequest,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            MonitorError::Db(_) => "DB",
            MonitorError::NoAsset(_) => "NO_ASSET",
            MonitorError::AlreadyMonitored(_) => "ALREADY_MONITORED",
            MonitorError::NoDevice(_) => "NO_DEVICE",
            MonitorError::Bad(_) => "BAD_MONITOR_REQUEST",
            MonitorError::Key(_) => "CREDENTIAL_KEY",
        }
    }
}

/// A device to monitor, as entered.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub asset_id: i64,
    pub host: String,
    pub port: u16,
    pub credentials: Credentials,
    pub interval_secs: u32,
    pub timeout_ms: u32,
    /// Temperature alarm limit, ℃, when the device's differs from its profile's.
    pub temperature_limit_c: Option<i64>,
}

/// What the poller needs of a device.
#[derive(Debug, Clone)]
pub struct PollTarget {
    pub id: i64,
    pub asset_id: i64,
    pub host: String,
    pub port: u16,
    /// Decrypted here and in the probe only; `Err` says why they cannot be (wrong key, a
    /// damaged value), which the poller shows on the device instead of polling.
    pub credentials: Result<Credentials, String>,
    pub interval_secs: u32,
    pub timeout_ms: u32,
    pub temperature_limit_c: Option<i64>,
}

/// The derivation label of SNMP credential keys (separate from booking's).
pub const SECRET_LABEL: &str = "yiqiao-inspection-snmp";

fn seal(key: &SecretKey, plain: &str) -> String {
    key.encrypt(plain.as_bytes(), rand::random())
}

/// Add a device to monitoring. The asset must exist; one device per asset. The community and
/// the v3 passwords are stored encrypted (SM4, [`yiqiao_core::secret`]).
pub async fn add_device(
    db: &Db,
    key: &KeyProvider,
    now: DateTime<Utc>,
    d: &NewDevice,
) -> Result<i64, MonitorError> {
    if d.host.trim().parse::<std::net::IpAddr>().is_err() {
        return Err(MonitorError::Bad(format!(
            "管理地址“{}”不是 IP 地址",
            d.host.trim()
        )));
    }
    if !(10..=86_400).contains(&d.interval_secs) {
        return Err(MonitorError::Bad("轮询间隔应在 10 秒到 1 天之间".into()));
    }
    if !(100..=60_000).contains(&d.timeout_ms) {
        return Err(MonitorError::Bad("超时应在 100 到 60000 毫秒之间".into()));
    }
    let temperature_limit_c = temperature_limit(d.temperature_limit_c)?;
    let key = key.get().map_err(MonitorError::Key)?;
    let (version, community, user, ap, apass, pp, ppass, ctx) = match &d.credentials {
        Credentials::V2c { community } => (
            "v2c",
            Some(seal(&key, community)),
            None,
            None,
            None,
            None,
            None,
            None,
        ),
        Credentials::V3 {
            user,
            auth,
            auth_pass,
            privacy,
            context,
        } => (
            "v3",
            None,
            Some(user.clone()),
            Some(auth.as_str().to_owned()),
            Some(seal(&key, auth_pass)),
            privacy.as_ref().map(|(p, _)| p.as_str().to_owned()),
            privacy.as_ref().map(|(_, s)| seal(&key, s)),
            Some(context.clone()),
        ),
    };
    let row = device::ActiveModel {
        asset_id: Set(d.asset_id),
        host: Set(d.host.trim().to_owned()),
        port: Set(i32::from(d.port)),
        snmp_version: Set(version.into()),
        community: Set(community),
        v3_user: Set(user),
        v3_auth_proto: Set(ap),
        v3_auth_pass: Set(apass),
        v3_priv_proto: Set(pp),
        v3_priv_pass: Set(ppass),
        v3_context: Set(ctx),
        interval_secs: Set(i32::try_from(d.interval_secs).unwrap_or(60)),
        timeout_ms: Set(i32::try_from(d.timeout_ms).unwrap_or(2_000)),
        enabled: Set(true),
        state: Set(DeviceState::Unknown.as_str().into()),
        failed_polls: Set(0),
        last_poll_at: Set(None),
        last_ok_at: Set(None),
        sys_name: Set(None),
        sys_descr: Set(None),
        sys_object_id: Set(None),
        profile: Set(None),
        uptime_seconds: Set(None),
        cpu_e2: Set(None),
        memory_e2: Set(None),
        reboots: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        temperature_e2: Set(None),
        temperature_limit_c: Set(temperature_limit_c),
        ..Default::default()
    };
    let tx = db.begin_write().await?;
    let res = row.insert(&tx).await;
    match res {
        Ok(m) => {
            tx.commit().await?;
            Ok(m.id)
        }
        Err(e) if yiqiao_store::db::is_foreign_key_violation(&e) => {
            Err(MonitorError::NoAsset(d.asset_id))
        }
        Err(e) if yiqiao_store::db::is_unique_violation(&e) => {
            Err(MonitorError::AlreadyMonitored(d.asset_id))
        }
        Err(e) => Err(e.into()),
    }
}

/// A device kept for its recorded history only (演示数据，不轮询): no credentials and
/// `enabled` false, so [`poll_targets`] never hands it to a poller — the demo's devices have
/// private addresses that may belong to real equipment wherever the demo runs.
pub async fn add_unpolled_device(
    db: &Db,
    now: DateTime<Utc>,
    asset_id: i64,
    host: &str,
    interval_secs: u32,
) -> Result<i64, MonitorError> {
    if host.trim().parse::<std::net::IpAddr>().is_err() {
        return Err(MonitorError::Bad(format!(
            "管理地址“{}”不是 IP 地址",
            host.trim()
        )));
    }
    let row = device::ActiveModel {
        asset_id: Set(asset_id),
        host: Set(host.trim().to_owned()),
        port: Set(161),
        snmp_version: Set("v2c".into()),
        community: Set(None),
        v3_user: Set(None),
        v3_auth_proto: Set(None),
        v3_auth_pass: Set(None),
        v3_priv_proto: Set(None),
        v3_priv_pass: Set(None),
        v3_context: Set(None),
        interval_secs: Set(i32::try_from(interval_secs).unwrap_or(i32::MAX)),
        timeout_ms: Set(2_000),
        enabled: Set(false),
        state: Set(DeviceState::Unknown.as_str().into()),
        failed_polls: Set(0),
        last_poll_at: Set(None),
        last_ok_at: Set(None),
        sys_name: Set(None),
        sys_descr: Set(None),
        sys_object_id: Set(None),
        profile: Set(None),
        uptime_seconds: Set(None),
        cpu_e2: Set(None),
        memory_e2: Set(None),
        reboots: Set(0),
        last_error: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        temperature_e2: Set(None),
        temperature_limit_c: Set(None),
        ..Default::default()
    };
    let tx = db.begin_write().await?;
    match row.insert(&tx).await {
        Ok(m) => {
            tx.commit().await?;
            Ok(m.id)
        }
        Err(e) if yiqiao_store::db::is_foreign_key_violation(&e) => {
            Err(MonitorError::NoAsset(asset_id))
        }
        Err(e) if yiqiao_store::db::is_unique_violation(&e) => {
            Err(MonitorError::AlreadyMonitored(asset_id))
        }
        Err(e) => Err(e.into()),
    }
}

/// A temperature alarm limit as entered: whole ℃ within what sensors report.
fn temperature_limit(c: Option<i64>) -> Result<Option<i32>, MonitorError> {
    match c {
        None => Ok(None),
        Some(c) if (20..=120).contains(&c) => Ok(i32::try_from(c).ok()),
        Some(c) => Err(MonitorError::Bad(format!(
            "温度告警阈值 {c} ℃ 不合理（应在 20 到 120 ℃ 之间）"
        ))),
    }
}

/// Set (or, with `None`, clear back to the profile's) a device's temperature alarm limit.
pub async fn set_temperature_limit(
    db: &Db,
    now: DateTime<Utc>,
    device_id: i64,
    limit_c: Option<i64>,
) -> Result<(), MonitorError> {
    let limit = temperature_limit(limit_c)?;
    let tx = db.begin_write().await?;
    let n = device::Entity::update_many()
        .col_expr(device::Column::TemperatureLimitC, Expr::value(limit))
        .col_expr(device::Column::UpdatedAt, Expr::value(now))
        .filter(device::Column::Id.eq(device_id))
        .exec(&tx)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(MonitorError::NoDevice(device_id));
    }
    tx.commit().await?;
    Ok(())
}

/// The stored credentials of a device, decrypted with `key`.
fn credentials(m: &device::Model, key: &SecretKey) -> Result<Credentials, String> {
    let open = |what: &str, v: &Option<String>| -> Result<String, String> {
        match v.as_deref() {
            None => Ok(String::new()),
            Some(s) => key.decrypt_text(s).map_err(|e| {
                format!("无法解密{what}：{e}（检查 [inspection] secret_key 或密钥文件）")
            }),
        }
    };
    Ok(if m.snmp_version == "v3" {
        let privacy = match m.v3_priv_proto.as_deref().and_then(PrivProto::parse) {
            Some(p) => Some((p, open("加密密码", &m.v3_priv_pass)?)),
            None => None,
        };
        Credentials::V3 {
            user: m.v3_user.clone().unwrap_or_default(),
            auth: m
                .v3_auth_proto
                .as_deref()
                .and_then(AuthProto::parse)
                .unwrap_or(AuthProto::Sha256),
            auth_pass: open("认证密码", &m.v3_auth_pass)?,
            privacy,
            context: m.v3_context.clone().unwrap_or_default(),
        }
    } else {
        Credentials::V2c {
            community: open("团体名", &m.community)?,
        }
    })
}

/// Encrypt the credentials still stored as plain text (rows from before they were encrypted),
/// in one transaction at start-up. Each row is changed only if it still holds the plain text it
/// was read with, so two nodes starting together never encrypt a value twice. Returns how many
/// values were encrypted.
pub async fn seal_legacy_credentials(db: &Db, key: &KeyProvider) -> Result<u64, MonitorError> {
    let tx = db.begin_write().await?;
    let rows = device::Entity::find().all(&tx).await?;
    let plain = |v: &Option<String>| v.as_deref().filter(|s| !is_sealed(s)).map(str::to_owned);
    let pending: Vec<(i64, device::Column, String)> = rows
        .iter()
        .flat_map(|m| {
            [
                (device::Column::Community, plain(&m.community)),
                (device::Column::V3AuthPass, plain(&m.v3_auth_pass)),
                (device::Column::V3PrivPass, plain(&m.v3_priv_pass)),
            ]
            .into_iter()
            .filter_map(move |(c, v)| v.map(|v| (m.id, c, v)))
        })
        .collect();
    if pending.is_empty() {
        return Ok(0);
    }
    // The key is needed only when there is something to encrypt.
    let key = key.get().map_err(MonitorError::Key)?;
    let mut done = 0;
    for (id, col, value) in pending {
        done += device::Entity::update_many()
            .col_expr(col, Expr::value(seal(&key, &value)))
            .filter(device::Column::Id.eq(id))
            .filter(col.eq(value))
            .exec(&tx)
            .await?
            .rows_affected;
    }
    tx.commit().await?;
    Ok(done)
}

/// A device whose credentials cannot be decrypted: say so on the device (`last_error`); an "up"
/// becomes "unknown" (it is no longer watched), while a "down" stays down with its outage open —
/// nothing was learnt about the device itself, so no event opens or closes.
pub async fn record_unusable(
    db: &Db,
    device_id: i64,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), MonitorError> {
    let tx = db.begin_write().await?;
    device::Entity::update_many()
        .col_expr(device::Column::LastPollAt, Expr::value(at))
        .col_expr(device::Column::LastError, Expr::value(error.to_owned()))
        .col_expr(device::Column::UpdatedAt, Expr::value(at))
        .filter(device::Column::Id.eq(device_id))
        .exec(&tx)
        .await?;
    device::Entity::update_many()
        .col_expr(
            device::Column::State,
            Expr::value(DeviceState::Unknown.as_str()),
        )
        .filter(device::Column::Id.eq(device_id))
        .filter(device::Column::State.eq(DeviceState::Up.as_str()))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Enabled devices of one shard (`id % shards == shard`), for the poller, with their
/// credentials decrypted. A key that cannot be had fails every device's credentials (each says
/// why), not the list.
pub async fn poll_targets(
    db: &Db,
    key: &KeyProvider,
    shard: u32,
    shards: u32,
) -> Result<Vec<PollTarget>, MonitorError> {
    let key = key.get();
    let rows = device::Entity::find()
        .filter(device::Column::Enabled.eq(true))
        .order_by_asc(device::Column::Id)
        .all(db.conn())
        .await?;
    let shards = i64::from(shards.max(1));
    Ok(rows
        .into_iter()
        .filter(|m| m.id.rem_euclid(shards) == i64::from(shard))
        .map(|m| PollTarget {
            id: m.id,
            asset_id: m.asset_id,
            host: m.host.clone(),
            port: u16::try_from(m.port).unwrap_or(161),
            credentials: match &key {
                Ok(k) => credentials(&m, k),
                Err(e) => Err(format!("SNMP 凭据密钥不可用：{e}")),
            },
            interval_secs: u32::try_from(m.interval_secs).unwrap_or(60),
            timeout_ms: u32::try_from(m.timeout_ms).unwrap_or(2_000),
            temperature_limit_c: m.temperature_limit_c.map(i64::from),
        })
        .collect())
}

/// Shown in place of a stored secret.
pub const SECRET_SET: &str = "已设置";

/// A device as the pages and the API show it: the secrets themselves never, only whether one is
/// stored ([`SECRET_SET`]).
#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub id: i64,
    pub asset_id: i64,
    pub host: String,
    pub port: i32,
    pub snmp_version: String,
    pub community: Option<&'static str>,
    pub v3_user: Option<String>,
    pub v3_auth_proto: Option<String>,
    pub v3_auth_pass: Option<&'static str>,
    pub v3_priv_proto: Option<String>,
    pub v3_priv_pass: Option<&'static str>,
    pub interval_secs: i32,
    pub enabled: bool,
    pub state: String,
    pub failed_polls: i32,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_ok_at: Option<DateTime<Utc>>,
    pub sys_name: Option<String>,
    pub sys_descr: Option<String>,
    pub sys_object_id: Option<String>,
    pub profile: Option<String>,
    pub uptime_seconds: Option<i64>,
    pub cpu_e2: Option<i32>,
    pub memory_e2: Option<i32>,
    pub reboots: i64,
    pub last_error: Option<String>,
    /// The hottest sensor of the last poll, hundredths of a ℃.
    pub temperature_e2: Option<i32>,
    /// The temperature alarm limit in force, ℃ (the device's own, or its profile's).
    pub temperature_limit_c: i64,
    /// Whether that limit is the device's own.
    pub temperature_limit_own: bool,
}

impl From<device::Model> for DeviceView {
    fn from(m: device::Model) -> Self {
        let set = |v: &Option<String>| v.as_ref().map(|_| SECRET_SET);
        let profile_limit = m
            .profile
            .as_deref()
            .and_then(crate::domain::profile::ProfileName::parse)
            .map_or(crate::domain::profile::DEFAULT_TEMPERATURE_LIMIT_C, |p| {
                crate::domain::profile::by_name(p).temperature_limit_c
            });
        DeviceView {
            id: m.id,
            asset_id: m.asset_id,
            host: m.host,
            port: m.port,
            snmp_version: m.snmp_version,
            community: set(&m.community),
            v3_user: m.v3_user,
            v3_auth_proto: m.v3_auth_proto,
            v3_auth_pass: set(&m.v3_auth_pass),
            v3_priv_proto: m.v3_priv_proto,
            v3_priv_pass: set(&m.v3_priv_pass),
            interval_secs: m.interval_secs,
            enabled: m.enabled,
            state: m.state,
            failed_polls: m.failed_polls,
            last_poll_at: m.last_poll_at,
            last_ok_at: m.last_ok_at,
            sys_name: m.sys_name,
            sys_descr: m.sys_descr,
            sys_object_id: m.sys_object_id,
            profile: m.profile,
            uptime_seconds: m.uptime_seconds,
            cpu_e2: m.cpu_e2,
            memory_e2: m.memory_e2,
            reboots: m.reboots,
            last_error: m.last_error,
            temperature_e2: m.temperature_e2,
            temperature_limit_c: m.temperature_limit_c.map_or(profile_limit, i64::from),
            temperature_limit_own: m.temperature_limit_c.is_some(),
        }
    }
}

pub async fn devices(db: &Db) -> Result<Vec<DeviceView>, MonitorError> {
    Ok(device::Entity::find()
        .order_by_asc(device::Column::Id)
        .all(db.conn())
        .await?
        .into_iter()
        .map(DeviceView::from)
        .collect())
}

pub async fn device(db: &Db, id: i64) -> Result<DeviceView, MonitorError> {
    device::Entity::find_by_id(id)
        .one(db.conn())
        .await?
        .map(DeviceView::from)
        .ok_or(MonitorError::NoDevice(id))
}

/// The monitored device of an asset, if any (for the operations half's asset page).
pub async fn device_of_asset(db: &Db, asset_id: i64) -> Result<Option<DeviceView>, MonitorError> {
    Ok(device::Entity::find()
        .filter(device::Column::AssetId.eq(asset_id))
        .one(db.conn())
        .await?
        .map(DeviceView::from))
}

pub async fn interfaces(db: &Db, device_id: i64) -> Result<Vec<interface::Model>, MonitorError> {
    Ok(interface::Entity::find()
        .filter(interface::Column::DeviceId.eq(device_id))
        .order_by_asc(interface::Column::IfIndex)
        .all(db.conn())
        .await?)
}

fn max_e2(v: &[crate::domain::profile::EntityPercent]) -> Option<i32> {
    v.iter()
        .map(|e| i32::try_from(e.percent_e2).unwrap_or(i32::MAX))
        .max()
}

/// Store one poll and what it means, in one transaction. Alert and outage events rest on the
/// unique `open_key`/`open_device_id`: an event is opened once and closed once.
pub async fn record_poll(
    db: &Db,
    device_id: i64,
    r: &PollResult,
    ev: &Evaluated,
) -> Result<(), MonitorError> {
    record(db, device_id, r, ev, true).await
}

/// [`record_poll`] of a poll from the past (the demo's history): stored the same way, but its
/// alert events queue no notice — nobody is to be told today of an alert that ended weeks ago.
pub async fn record_past_poll(
    db: &Db,
    device_id: i64,
    r: &PollResult,
    ev: &Evaluated,
) -> Result<(), MonitorError> {
    record(db, device_id, r, ev, false).await
}

async fn record(
    db: &Db,
    device_id: i64,
    r: &PollResult,
    ev: &Evaluated,
    notify: bool,
) -> Result<(), MonitorError> {
    let at = ev.at;
    let tx = db.begin_write().await?;
    let mut upd = device::Entity::update_many()
        .col_expr(device::Column::State, Expr::value(ev.state.as_str()))
        .col_expr(
            device::Column::FailedPolls,
            Expr::value(i32::try_from(ev.failed_polls).unwrap_or(i32::MAX)),
        )
        .col_expr(device::Column::LastPollAt, Expr::value(at))
        .col_expr(device::Column::LastError, Expr::value(r.error.clone()))
        .col_expr(device::Column::UpdatedAt, Expr::value(at));
    if r.reachable {
        upd = upd
            .col_expr(device::Column::LastOkAt, Expr::value(at))
            .col_expr(device::Column::SysName, Expr::value(r.sys_name.clone()))
            .col_expr(device::Column::SysDescr, Expr::value(r.sys_descr.clone()))
            .col_expr(
                device::Column::SysObjectId,
                Expr::value(r.sys_object_id.clone()),
            )
            .col_expr(
                device::Column::Profile,
                Expr::value(r.profile.map(|p| p.as_str().to_owned())),
            )
            .col_expr(
                device::Column::UptimeSeconds,
                Expr::value(r.uptime_seconds.and_then(|u| i64::try_from(u).ok())),
            )
            .col_expr(device::Column::CpuE2, Expr::value(max_e2(&r.cpu_e2)))
            .col_expr(device::Column::MemoryE2, Expr::value(max_e2(&r.memory_e2)))
            .col_expr(
                device::Column::TemperatureE2,
                Expr::value(
                    r.temperature_e2
                        .iter()
                        .map(|t| i32::try_from(t.celsius_e2).unwrap_or(i32::MAX))
                        .max(),
                ),
            );
    }
    if ev.rebooted {
        use sea_orm::sea_query::ExprTrait;
        upd = upd.col_expr(
            device::Column::Reboots,
            Expr::col(device::Column::Reboots).add(1),
        );
    }
    let n = upd
        .filter(device::Column::Id.eq(device_id))
        .exec(&tx)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(MonitorError::NoDevice(device_id));
    }
    for i in &ev.interfaces {
        let clamp = |v: Option<u64>| v.map(|x| i64::try_from(x).unwrap_or(i64::MAX));
        let row = interface::ActiveModel {
            device_id: Set(device_id),
            if_index: Set(i32::try_from(i.index).unwrap_or(i32::MAX)),
            name: Set(i.name.chars().take(255).collect()),
            oper_status: Set(i32::try_from(i.oper_status).unwrap_or(0)),
            speed_mbps: Set(clamp(i.speed_mbps)),
            in_bps: Set(clamp(i.in_bps)),
            out_bps: Set(clamp(i.out_bps)),
            broadcast_pps: Set(clamp(i.broadcast_pps)),
            in_errors: Set(clamp(i.in_errors)),
            updated_at: Set(at),
        };
        interface::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([interface::Column::DeviceId, interface::Column::IfIndex])
                    .update_columns([
                        interface::Column::Name,
                        interface::Column::OperStatus,
                        interface::Column::SpeedMbps,
                        interface::Column::InBps,
                        interface::Column::OutBps,
                        interface::Column::BroadcastPps,
                        interface::Column::InErrors,
                        interface::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(&tx)
            .await?;
    }
    // A restart is kept as a sample of its own ("reboot", value 1) so the rollups carry the
    // count (`n`) into the monthly report after the raw rows are gone.
    let reboot = ev.rebooted.then(|| ("reboot", String::new(), 1_i64));
    let raw: Vec<sample::ActiveModel> = ev
        .samples
        .iter()
        .chain(reboot.iter())
        .map(|(metric, entity, v)| sample::ActiveModel {
            device_id: Set(device_id),
            metric: Set((*metric).to_owned()),
            entity: Set(entity.chars().take(64).collect()),
            resolution: Set("raw".into()),
            at: Set(at),
            avg: Set(*v),
            max: Set(*v),
            n: Set(1),
            ..Default::default()
        })
        .collect();
    for chunk in raw.chunks(200) {
        sample::Entity::insert_many(chunk.to_vec())
            .on_conflict_do_nothing_on([
                sample::Column::DeviceId,
                sample::Column::Metric,
                sample::Column::Entity,
                sample::Column::Resolution,
                sample::Column::At,
            ])
            .exec(&tx)
            .await?;
    }
    let mut about: Option<NoticeSubject> = None;
    for a in &ev.alerts {
        let metric = metric_name(a.metric);
        let key = format!("{device_id}/{metric}/{}", a.entity);
        if about.is_none() {
            about = Some(NoticeSubject::read(&tx, device_id).await?);
        }
        let about = about.as_ref().ok_or(MonitorError::NoDevice(device_id))?;
        match a.transition {
            Transition::Opened { at, since, value } => {
                let row = alert::ActiveModel {
                    device_id: Set(device_id),
                    metric: Set(metric.into()),
                    entity: Set(a.entity.chars().take(64).collect()),
                    limit_value: Set(a.limit),
                    value: Set(value),
                    peak: Set(value),
                    since: Set(since),
                    opened_at: Set(at),
                    closed_at: Set(None),
                    open_key: Set(Some(key.clone())),
                    ..Default::default()
                };
                // Already open (a poller restarted mid-alert, another node): keep the open
                // one, and its notice went out when it opened.
                let inserted = alert::Entity::insert(row)
                    .on_conflict_do_nothing_on([alert::Column::OpenKey])
                    .exec_without_returning(&tx)
                    .await?;
                if notify && matches!(inserted, sea_orm::TryInsertResult::Inserted(1)) {
                    let opened = alert::Entity::find()
                        .filter(alert::Column::OpenKey.eq(key))
                        .one(&tx)
                        .await?;
                    if let Some(opened) = opened {
                        enqueue_alert_notice(&tx, about, a, &opened, at).await?;
                    }
                }
            }
            Transition::Closed { at, peak, .. } => {
                let Some(open) = alert::Entity::find()
                    .filter(alert::Column::OpenKey.eq(key.clone()))
                    .one(&tx)
                    .await?
                else {
                    continue;
                };
                // Only the run that closes it (the event as read, still open) sends the notice.
                let closed = alert::Entity::update_many()
                    .col_expr(alert::Column::ClosedAt, Expr::value(Some(at)))
                    .col_expr(alert::Column::Peak, Expr::value(peak.max(open.peak)))
                    .col_expr(alert::Column::OpenKey, Expr::value(Option::<String>::None))
                    .filter(alert::Column::Id.eq(open.id))
                    .filter(alert::Column::OpenKey.eq(key))
                    .exec(&tx)
                    .await?
                    .rows_affected;
                if notify && closed == 1 {
                    let row = alert::Model {
                        closed_at: Some(at),
                        peak: peak.max(open.peak),
                        open_key: None,
                        ..open
                    };
                    enqueue_alert_notice(&tx, about, a, &row, at).await?;
                }
            }
        }
    }
    match ev.outage {
        Some(OutageChange::Opened(start)) => {
            let row = outage::ActiveModel {
                device_id: Set(device_id),
                started_at: Set(start),
                ended_at: Set(None),
                cause: Set(r.error.clone().unwrap_or_else(|| "无应答".to_owned())),
                open_device_id: Set(Some(device_id)),
                ..Default::default()
            };
            outage::Entity::insert(row)
                .on_conflict_do_nothing_on([outage::Column::OpenDeviceId])
                .exec(&tx)
                .await?;
        }
        Some(OutageChange::Closed(end)) => {
            outage::Entity::update_many()
                .col_expr(outage::Column::EndedAt, Expr::value(Some(end)))
                .col_expr(
                    outage::Column::OpenDeviceId,
                    Expr::value(Option::<i64>::None),
                )
                .filter(outage::Column::OpenDeviceId.eq(device_id))
                .exec(&tx)
                .await?;
        }
        None => {}
    }
    tx.commit().await?;
    Ok(())
}

/// Outbox kind of alert notices (告警通知), delivered to `[inspection] notice_url`.
pub const ALERT_NOTICE_KIND: &str = "inspection.alert";

/// The device an alert notice is about.
struct NoticeSubject {
    device_id: i64,
    host: String,
    sys_name: Option<String>,
    asset_code: String,
    asset_name: String,
}

impl NoticeSubject {
    async fn read(
        tx: &impl sea_orm::ConnectionTrait,
        device_id: i64,
    ) -> Result<NoticeSubject, MonitorError> {
        use crate::store::asset::asset;
        let d = device::Entity::find_by_id(device_id)
            .one(tx)
            .await?
            .ok_or(MonitorError::NoDevice(device_id))?;
        let a = asset::Entity::find_by_id(d.asset_id).one(tx).await?;
        Ok(NoticeSubject {
            device_id,
            host: d.host,
            sys_name: d.sys_name,
            asset_code: a.as_ref().map(|a| a.code.clone()).unwrap_or_default(),
            asset_name: a.map(|a| a.name).unwrap_or_default(),
        })
    }
}

/// Queue the notice of one alert transition in the poll's transaction. Its message id names the
/// event and the transition, so it exists once whatever runs the poll.
async fn enqueue_alert_notice(
    tx: &impl sea_orm::ConnectionTrait,
    about: &NoticeSubject,
    change: &crate::monitor::evaluate::AlertChange,
    event: &alert::Model,
    now: DateTime<Utc>,
) -> Result<(), MonitorError> {
    use yiqiao_store::outbox::{self, NewMessage};
    let m = change.metric;
    let (transition, verb) = match event.closed_at {
        None => ("opened", "告警"),
        Some(_) => ("closed", "恢复"),
    };
    let who = if about.asset_name.is_empty() {
        about.sys_name.clone().unwrap_or_else(|| about.host.clone())
    } else {
        format!("{}（{}）", about.asset_name, about.asset_code)
    };
    let part = if event.entity.is_empty() {
        String::new()
    } else {
        format!(" #{}", event.entity)
    };
    let (u, limit) = (m.unit(), event.limit_value);
    let text = match event.closed_at {
        None => format!(
            "【机房告警】{who} {}{part} 为 {} {u}，达到阈值 {limit} {u}（自 {} 起）",
            m.label(),
            event.value,
            yiqiao_core::time::format_local(event.since)
        ),
        Some(closed) => format!(
            "【告警恢复】{who} {}{part} 已恢复（阈值 {limit} {u}，峰值 {} {u}，{} 至 {}）",
            m.label(),
            event.peak,
            yiqiao_core::time::format_local(event.opened_at),
            yiqiao_core::time::format_local(closed)
        ),
    };
    outbox::enqueue(
        tx,
        NewMessage::new(
            ALERT_NOTICE_KIND,
            serde_json::json!({
                "type": "alert",
                "transition": transition,
                "alert_id": event.id,
                "device_id": about.device_id,
                "host": about.host,
                "sys_name": about.sys_name,
                "asset_code": about.asset_code,
                "asset_name": about.asset_name,
                "metric": event.metric,
                "entity": event.entity,
                "limit": limit,
                "unit": u,
                "value": event.value,
                "peak": event.peak,
                "since": event.since,
                "opened_at": event.opened_at,
                "closed_at": event.closed_at,
                "text": text,
            }),
        )
        .msg_id(format!("inspection-alert-{}-{transition}", event.id))
        .subject(format!("{who} {}{verb}", m.label())),
        now,
    )
    .await?;
    Ok(())
}

/// A planned maintenance window (计划维护), entered before it starts to count.
pub async fn add_maintenance(
    db: &Db,
    now: DateTime<Utc>,
    device_id: i64,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: &str,
    entered_by: &str,
) -> Result<i64, MonitorError> {
    if ends_at <= starts_at {
        return Err(MonitorError::Bad("维护结束时间必须晚于开始时间".into()));
    }
    if reason.trim().is_empty() {
        return Err(MonitorError::Bad("请填写维护原因".into()));
    }
    let row = maintenance::ActiveModel {
        device_id: Set(device_id),
        starts_at: Set(starts_at),
        ends_at: Set(ends_at),
        reason: Set(reason.trim().chars().take(500).collect()),
        entered_by: Set(entered_by.chars().take(64).collect()),
        entered_at: Set(now),
        ..Default::default()
    };
    let tx = db.begin_write().await?;
    match row.insert(&tx).await {
        Ok(m) => {
            tx.commit().await?;
            Ok(m.id)
        }
        Err(e) if yiqiao_store::db::is_foreign_key_violation(&e) => {
            Err(MonitorError::NoDevice(device_id))
        }
        Err(e) => Err(e.into()),
    }
}

/// Outage events of a device that touch `[from, to)`.
pub async fn outages(
    db: &Db,
    device_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<outage::Model>, MonitorError> {
    use sea_orm::sea_query::ExprTrait;
    Ok(outage::Entity::find()
        .filter(outage::Column::DeviceId.eq(device_id))
        .filter(outage::Column::StartedAt.lt(to))
        .filter(
            outage::Column::EndedAt
                .is_null()
                .or(outage::Column::EndedAt.gt(from)),
        )
        .order_by_asc(outage::Column::StartedAt)
        .all(db.conn())
        .await?)
}

pub async fn maintenance_windows(
    db: &Db,
    device_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<maintenance::Model>, MonitorError> {
    Ok(maintenance::Entity::find()
        .filter(maintenance::Column::DeviceId.eq(device_id))
        .filter(maintenance::Column::StartsAt.lt(to))
        .filter(maintenance::Column::EndsAt.gt(from))
        .order_by_asc(maintenance::Column::StartsAt)
        .all(db.conn())
        .await?)
}

/// Availability of a device over a period, from the stored outage events and maintenance
/// windows (可用率).
pub async fn device_availability(
    db: &Db,
    device_id: i64,
    period: Period,
    now: DateTime<Utc>,
) -> Result<Availability, MonitorError> {
    let from = DateTime::from_timestamp(period.start(), 0).unwrap_or(now);
    let to = DateTime::from_timestamp(period.end(), 0).unwrap_or(now);
    let outs: Vec<Outage> = outages(db, device_id, from, to)
        .await?
        .into_iter()
        .map(|o| Outage {
            start: o.started_at,
            end: o.ended_at,
        })
        .collect();
    let wins: Vec<MaintenanceWindow> = maintenance_windows(db, device_id, from, to)
        .await?
        .into_iter()
        .map(|w| MaintenanceWindow {
            start: w.starts_at,
            end: w.ends_at,
            entered_at: w.entered_at,
        })
        .collect();
    Ok(availability(period, &outs, &wins, now))
}

/// Alert events, open ones first.
pub async fn alerts(
    db: &Db,
    device_id: Option<i64>,
    open_only: bool,
) -> Result<Vec<alert::Model>, MonitorError> {
    let mut q = alert::Entity::find();
    if let Some(d) = device_id {
        q = q.filter(alert::Column::DeviceId.eq(d));
    }
    if open_only {
        q = q.filter(alert::Column::ClosedAt.is_null());
    }
    Ok(q.order_by_desc(alert::Column::OpenedAt)
        .order_by_desc(alert::Column::Id)
        .all(db.conn())
        .await?)
}

/// A series of samples of one metric at one resolution.
pub async fn series(
    db: &Db,
    device_id: i64,
    metric: &str,
    entity: Option<&str>,
    resolution: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<sample::Model>, MonitorError> {
    let mut q = sample::Entity::find()
        .filter(sample::Column::DeviceId.eq(device_id))
        .filter(sample::Column::Metric.eq(metric))
        .filter(sample::Column::Resolution.eq(resolution))
        .filter(sample::Column::At.gte(from))
        .filter(sample::Column::At.lt(to));
    if let Some(e) = entity {
        q = q.filter(sample::Column::Entity.eq(e));
    }
    Ok(q.order_by_asc(sample::Column::At).all(db.conn()).await?)
}

/// Retention (数据保留): raw samples 7 days, aggregates 400 days.
pub const RAW_DAYS: i64 = 7;
pub const AGGREGATE_DAYS: i64 = 400;

/// (device, metric, entity, bucket start).
type BucketKey = (i64, String, String, DateTime<Utc>);

/// What one rollup did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Rollup {
    pub five_minute: u64,
    pub hourly: u64,
    pub deleted: u64,
}

/// Roll raw samples up into 5-minute and hourly avg/max for every bucket that has ended by
/// `now`, then drop what is past retention. Re-running inserts nothing twice (unique key).
pub async fn rollup(db: &Db, now: DateTime<Utc>) -> Result<Rollup, MonitorError> {
    let mut done = Rollup::default();
    for (res, step) in [("5m", Duration::minutes(5)), ("1h", Duration::hours(1))] {
        let end = now.duration_trunc(step).unwrap_or(now);
        let start = end - Duration::days(RAW_DAYS);
        let rows = sample::Entity::find()
            .filter(sample::Column::Resolution.eq("raw"))
            .filter(sample::Column::At.gte(start))
            .filter(sample::Column::At.lt(end))
            .all(db.conn())
            .await?;
        let mut buckets: BTreeMap<BucketKey, (i128, i64, i32)> = BTreeMap::new();
        for r in rows {
            let b = r.at.duration_trunc(step).unwrap_or(r.at);
            let e = buckets
                .entry((r.device_id, r.metric, r.entity, b))
                .or_insert((0, i64::MIN, 0));
            e.0 += i128::from(r.avg);
            e.1 = e.1.max(r.max);
            e.2 += r.n;
        }
        let models: Vec<sample::ActiveModel> = buckets
            .into_iter()
            .map(|((d, m, en, at), (sum, max, n))| sample::ActiveModel {
                device_id: Set(d),
                metric: Set(m),
                entity: Set(en),
                resolution: Set(res.into()),
                at: Set(at),
                avg: Set(i64::try_from(sum / i128::from(n.max(1))).unwrap_or(i64::MAX)),
                max: Set(max),
                n: Set(n),
                ..Default::default()
            })
            .collect();
        let tx = db.begin_write().await?;
        for chunk in models.chunks(200) {
            let r = sample::Entity::insert_many(chunk.to_vec())
                .on_conflict_do_nothing_on([
                    sample::Column::DeviceId,
                    sample::Column::Metric,
                    sample::Column::Entity,
                    sample::Column::Resolution,
                    sample::Column::At,
                ])
                .exec_without_returning(&tx)
                .await?;
            let inserted = match r {
                sea_orm::TryInsertResult::Inserted(n) => n,
                _ => 0,
            };
            if res == "5m" {
                done.five_minute += inserted;
            } else {
                done.hourly += inserted;
            }
        }
        tx.commit().await?;
    }
    let tx = db.begin_write().await?;
    let raw = sample::Entity::delete_many()
        .filter(sample::Column::Resolution.eq("raw"))
        .filter(sample::Column::At.lt(now - Duration::days(RAW_DAYS)))
        .exec(&tx)
        .await?
        .rows_affected;
    let agg = sample::Entity::delete_many()
        .filter(sample::Column::Resolution.ne("raw"))
        .filter(sample::Column::At.lt(now - Duration::days(AGGREGATE_DAYS)))
        .exec(&tx)
        .await?
        .rows_affected;
    tx.commit().await?;
    done.deleted = raw + agg;
    Ok(done)
}

/// Counts for the dashboard.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Overview {
    pub devices: usize,
    pub up: usize,
    pub down: usize,
    pub unknown: usize,
    pub open_alerts: usize,
    pub open_outages: usize,
}

pub async fn overview(db: &Db) -> Result<Overview, MonitorError> {
    let ds = devices(db).await?;
    let open_alerts = alerts(db, None, true).await?.len();
    let open_outages = outage::Entity::find()
        .filter(outage::Column::EndedAt.is_null())
        .all(db.conn())
        .await?
        .len();
    let count = |s: &str| ds.iter().filter(|d| d.state == s).count();
    Ok(Overview {
        devices: ds.len(),
        up: count("up"),
        down: count("down"),
        unknown: count("unknown"),
        open_alerts,
        open_outages,
    })
}
