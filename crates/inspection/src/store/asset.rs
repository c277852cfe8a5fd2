//! Devices, contracts and expiry notices in the database.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};
use yiqiao_store::outbox::{self, NewMessage};

use super::ops_error::OpsError;
use crate::domain::asset::{
    AssetDraft, AssetKind, AssetStatus, ContractDraft, NewAsset, NewContract,
};
use crate::domain::expiry::{self, Ending, Urgency};

/// The outbox kind of expiry notices (到期提醒).
pub const EXPIRY_NOTICE_KIND: &str = "inspection.expiry";

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// 设备档案.
// The entity is named for its table like every other here; `store::asset::asset` reads fine.
#[allow(clippy::module_inception)]
pub mod asset {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_asset")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub code: String,
        pub name: String,
        pub kind: String,
        pub vendor: String,
        pub model: String,
        pub serial_no: String,
        pub location: String,
        pub rack: String,
        pub rack_u: Option<i32>,
        pub mgmt_ip: Option<String>,
        pub network: String,
        pub owner: String,
        pub purchase_date: Option<Date>,
        pub signature_end: Option<Date>,
        pub status: String,
        pub notes: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 维保合同.
pub mod contract {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_contract")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub asset_id: i64,
        pub contract_no: String,
        pub vendor: String,
        pub sla: String,
        pub start_date: Date,
        pub end_date: Date,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

/// 已发送的到期提醒.
pub mod expiry_notice {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inspection_expiry_notice")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ending: String,
        pub ref_id: i64,
        pub end_date: Date,
        pub threshold_days: i32,
        pub outbox_id: i64,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

impl asset::Model {
    pub fn kind_label(&self) -> &'static str {
        AssetKind::parse(&self.kind).map_or("其他", AssetKind::label)
    }
    pub fn status_label(&self) -> &'static str {
        AssetStatus::parse(&self.status).map_or("", AssetStatus::label)
    }
    pub fn network_label(&self) -> &'static str {
        crate::domain::asset::NetworkZone::parse(&self.network)
            .map_or("", crate::domain::asset::NetworkZone::label)
    }
    /// The stored row as a form would show it.
    pub fn draft(&self) -> AssetDraft {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        AssetDraft {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind.clone(),
            vendor: self.vendor.clone(),
            model: self.model.clone(),
            serial_no: self.serial_no.clone(),
            location: self.location.clone(),
            rack: self.rack.clone(),
            rack_u: self.rack_u.map(|u| u.to_string()).unwrap_or_default(),
            mgmt_ip: self.mgmt_ip.clone().unwrap_or_default(),
            network: self.network.clone(),
            owner: self.owner.clone(),
            purchase_date: day(self.purchase_date),
            signature_end: day(self.signature_end),
            status: self.status.clone(),
            notes: self.notes.clone(),
        }
    }
}

fn active(a: &NewAsset, now: DateTime<Utc>) -> asset::ActiveModel {
    asset::ActiveModel {
        code: Set(a.code.clone()),
        name: Set(a.name.clone()),
        kind: Set(a.kind.code().to_owned()),
        vendor: Set(a.vendor.clone()),
        model: Set(a.model.clone()),
        serial_no: Set(a.serial_no.clone()),
        location: Set(a.location.clone()),
        rack: Set(a.rack.clone()),
        rack_u: Set(a.rack_u),
        mgmt_ip: Set(a.mgmt_ip.map(|ip| ip.to_string())),
        network: Set(a.network.code().to_owned()),
        owner: Set(a.owner.clone()),
        purchase_date: Set(a.purchase_date),
        signature_end: Set(a.signature_end),
        status: Set(a.status.code().to_owned()),
        notes: Set(a.notes.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn code_taken(e: sea_orm::DbErr, code: &str) -> OpsError {
    if yiqiao_store::db::is_unique_violation(&e) {
        OpsError::Conflict(format!("资产编号「{code}」已存在"))
    } else {
        OpsError::Db(e)
    }
}

/// Register a device (audited).
pub async fn create_asset(
    db: &Db,
    a: &NewAsset,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let txn = db.begin_write().await?;
    let row = active(a, now)
        .insert(&txn)
        .await
        .map_err(|e| code_taken(e, &a.code))?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "inspection.asset.create",
            "inspection_asset",
            row.id.to_string(),
        )
        .after(a),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Change a device's record (audited).
pub async fn update_asset(
    db: &Db,
    id: i64,
    a: &NewAsset,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let txn = db.begin_write().await?;
    let Some(before) = asset::Entity::find_by_id(id).one(&txn).await? else {
        return Err(OpsError::NotFound(format!("没有编号为 {id} 的设备")));
    };
    let mut row = active(a, now);
    row.id = Set(id);
    row.created_at = Set(before.created_at);
    row.update(&txn).await.map_err(|e| code_taken(e, &a.code))?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "inspection.asset.update",
            "inspection_asset",
            id.to_string(),
        )
        .before(&before)
        .after(a),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn get_asset<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<asset::Model>, OpsError> {
    Ok(asset::Entity::find_by_id(id).one(conn).await?)
}

pub async fn asset_by_code<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<asset::Model>, OpsError> {
    Ok(asset::Entity::find()
        .filter(asset::Column::Code.eq(code))
        .one(conn)
        .await?)
}

/// Every device, by code.
pub async fn list_assets<C: ConnectionTrait>(conn: &C) -> Result<Vec<asset::Model>, OpsError> {
    Ok(asset::Entity::find()
        .order_by_asc(asset::Column::Code)
        .all(conn)
        .await?)
}

/// Record a maintenance contract for a device (audited).
pub async fn add_contract(
    db: &Db,
    asset_id: i64,
    c: &NewContract,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let txn = db.begin_write().await?;
    let row = contract_row(asset_id, c, now)
        .insert(&txn)
        .await
        .map_err(|e| {
            if yiqiao_store::db::is_unique_violation(&e) {
                OpsError::Conflict(format!("该设备已有合同「{}」", c.contract_no))
            } else if yiqiao_store::db::is_foreign_key_violation(&e) {
                OpsError::NotFound(format!("没有编号为 {asset_id} 的设备"))
            } else {
                OpsError::Db(e)
            }
        })?;
    audit::record(
        &txn,
        actor,
        Change::new(
            "inspection.contract.create",
            "inspection_contract",
            row.id.to_string(),
        )
        .after(c),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

fn contract_row(asset_id: i64, c: &NewContract, now: DateTime<Utc>) -> contract::ActiveModel {
    contract::ActiveModel {
        asset_id: Set(asset_id),
        contract_no: Set(c.contract_no.clone()),
        vendor: Set(c.vendor.clone()),
        sla: Set(c.sla.clone()),
        start_date: Set(c.start_date),
        end_date: Set(c.end_date),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// A device's contracts, latest end first.
pub async fn contracts_of<C: ConnectionTrait>(
    conn: &C,
    asset_id: i64,
) -> Result<Vec<contract::Model>, OpsError> {
    Ok(contract::Entity::find()
        .filter(contract::Column::AssetId.eq(asset_id))
        .order_by_desc(contract::Column::EndDate)
        .all(conn)
        .await?)
}

/// Every contract (for the export).
pub async fn all_contracts<C: ConnectionTrait>(conn: &C) -> Result<Vec<contract::Model>, OpsError> {
    Ok(contract::Entity::find()
        .order_by_asc(contract::Column::AssetId)
        .order_by_asc(contract::Column::EndDate)
        .all(conn)
        .await?)
}

/// One end date that deserves a warning (到期提醒).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Expiring {
    pub ending: Ending,
    /// The contract's id, or the device's for a signature library.
    pub ref_id: i64,
    pub asset_id: i64,
    pub asset_code: String,
    pub asset_name: String,
    /// The contract number (empty for a signature library).
    pub contract_no: String,
    pub vendor: String,
    pub end_date: NaiveDate,
    pub days_left: i64,
    pub urgency: Urgency,
}

/// End dates within 90 days (or passed) of devices in service, most urgent first. A device
/// whose contract was renewed (a later contract covers today+90) is not warned about its old
/// one.
pub async fn expiring<C: ConnectionTrait>(
    conn: &C,
    today: NaiveDate,
) -> Result<Vec<Expiring>, OpsError> {
    let horizon = today + chrono::Days::new(90);
    let assets: Vec<asset::Model> = asset::Entity::find()
        .filter(asset::Column::Status.ne(AssetStatus::Retired.code()))
        .all(conn)
        .await?;
    let contracts = all_contracts(conn).await?;
    let mut out = Vec::new();
    for a in &assets {
        if let Some(end) = a.signature_end
            && end <= horizon
            && let Some(urgency) = Urgency::of(today, end)
        {
            out.push(Expiring {
                ending: Ending::Signature,
                ref_id: a.id,
                asset_id: a.id,
                asset_code: a.code.clone(),
                asset_name: a.name.clone(),
                contract_no: String::new(),
                vendor: a.vendor.clone(),
                end_date: end,
                days_left: expiry::days_left(today, end),
                urgency,
            });
        }
        let mine: Vec<&contract::Model> = contracts.iter().filter(|c| c.asset_id == a.id).collect();
        // Only the contract that ends last speaks for the device: an older one is superseded.
        if let Some(c) = mine.iter().max_by_key(|c| c.end_date)
            && c.end_date <= horizon
            && let Some(urgency) = Urgency::of(today, c.end_date)
        {
            out.push(Expiring {
                ending: Ending::Contract,
                ref_id: c.id,
                asset_id: a.id,
                asset_code: a.code.clone(),
                asset_name: a.name.clone(),
                contract_no: c.contract_no.clone(),
                vendor: c.vendor.clone(),
                end_date: c.end_date,
                days_left: expiry::days_left(today, c.end_date),
                urgency,
            });
        }
    }
    out.sort_by(|x, y| {
        (x.days_left, &x.asset_code, x.ending).cmp(&(y.days_left, &y.asset_code, y.ending))
    });
    Ok(out)
}

/// Enqueue a notice for every end date that reached a 90/30/7-day threshold not yet noticed.
/// Safe to run any number of times and on several nodes: the unique key on (what, which, end
/// date, threshold) lets exactly one run send each notice. Returns how many were enqueued.
pub async fn send_expiry_notices(
    db: &Db,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, OpsError> {
    expiry_notices(db, today, now, true).await
}

/// Like [`send_expiry_notices`], but with `send` false (no notice address configured) each
/// threshold reached is only marked as noticed, with no outbox message: the warning shows on
/// the dashboard, and nothing waits in the outbox to be refused. Returns how many thresholds
/// were reached for the first time.
pub async fn expiry_notices(
    db: &Db,
    today: NaiveDate,
    now: DateTime<Utc>,
    send: bool,
) -> Result<usize, OpsError> {
    let mut sent = 0;
    for e in expiring(db.conn(), today).await? {
        let Some(threshold) = expiry::threshold_reached(today, e.end_date) else {
            continue;
        };
        let txn = db.begin_write().await?;
        let inserted = expiry_notice::Entity::insert(expiry_notice::ActiveModel {
            ending: Set(e.ending.code().to_owned()),
            ref_id: Set(e.ref_id),
            end_date: Set(e.end_date),
            threshold_days: Set(threshold as i32),
            outbox_id: Set(0),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                expiry_notice::Column::Ending,
                expiry_notice::Column::RefId,
                expiry_notice::Column::EndDate,
                expiry_notice::Column::ThresholdDays,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            // Another run (or an earlier one) already sent it.
            continue;
        }
        if !send {
            txn.commit().await?;
            sent += 1;
            continue;
        }
        let text = format!(
            "设备「{}」（{}）的{}{}将于 {} 到期，剩余 {} 天",
            e.asset_name,
            e.asset_code,
            e.ending.label(),
            if e.contract_no.is_empty() {
                String::new()
            } else {
                format!("（合同 {}）", e.contract_no)
            },
            e.end_date,
            e.days_left
        );
        let msg = outbox::enqueue(
            &txn,
            NewMessage::new(
                EXPIRY_NOTICE_KIND,
                serde_json::json!({
                    "type": "expiry",
                    "ending": e.ending.code(),
                    "asset_code": e.asset_code,
                    "asset_name": e.asset_name,
                    "contract_no": e.contract_no,
                    "vendor": e.vendor,
                    "end_date": e.end_date.to_string(),
                    "days_left": e.days_left,
                    "threshold_days": threshold,
                    "text": text,
                }),
            )
            .subject(format!("{} {}", e.asset_code, e.ending.label())),
            now,
        )
        .await?;
        expiry_notice::Entity::update_many()
            .col_expr(
                expiry_notice::Column::OutboxId,
                sea_orm::sea_query::Expr::value(msg.id),
            )
            .filter(expiry_notice::Column::Ending.eq(e.ending.code()))
            .filter(expiry_notice::Column::RefId.eq(e.ref_id))
            .filter(expiry_notice::Column::EndDate.eq(e.end_date))
            .filter(expiry_notice::Column::ThresholdDays.eq(threshold as i32))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        sent += 1;
    }
    Ok(sent)
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub assets_created: usize,
    pub assets_updated: usize,
    pub contracts: usize,
}

/// One spreadsheet row: its number as people see it (header is row 1) and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub row: usize,
    pub asset: AssetDraft,
    pub contract: ContractDraft,
}

/// Import devices (and their contracts) all or nothing: every bad row is named in Chinese and
/// nothing is written while any row is bad. A device whose code exists is updated; a contract
/// whose number exists for that device is updated.
pub async fn import(
    db: &Db,
    rows: &[ImportRow],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ImportReport, OpsError> {
    let mut errors = Vec::new();
    let mut parsed = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rows {
        let a = r.asset.parse();
        let c = if r.contract.is_blank() {
            Ok(None)
        } else {
            r.contract.parse().map(Some)
        };
        let mut msgs: Vec<String> = Vec::new();
        if let Err(e) = &a {
            msgs.extend(
                yiqiao_core::Refusal::fields(e)
                    .into_iter()
                    .map(|f| f.message),
            );
        }
        if let Err(e) = &c {
            msgs.extend(
                yiqiao_core::Refusal::fields(e)
                    .into_iter()
                    .map(|f| f.message),
            );
        }
        if let Ok(a) = &a
            && !seen.insert(a.code.clone())
        {
            msgs.push(format!("资产编号「{}」在表中重复", a.code));
        }
        if msgs.is_empty()
            && let (Ok(a), Ok(c)) = (a, c)
        {
            parsed.push((a, c));
        } else {
            errors.push(format!("第 {} 行：{}", r.row, msgs.join("，")));
        }
    }
    if rows.is_empty() {
        errors.push("表中没有设备行".to_owned());
    }
    if !errors.is_empty() {
        return Err(OpsError::Import(errors));
    }
    let mut report = ImportReport::default();
    let txn = db.begin_write().await?;
    for (a, c) in &parsed {
        let existed = asset_by_code(&txn, &a.code).await?.is_some();
        asset::Entity::insert(active(a, now))
            .on_conflict(
                OnConflict::column(asset::Column::Code)
                    .update_columns([
                        asset::Column::Name,
                        asset::Column::Kind,
                        asset::Column::Vendor,
                        asset::Column::Model,
                        asset::Column::SerialNo,
                        asset::Column::Location,
                        asset::Column::Rack,
                        asset::Column::RackU,
                        asset::Column::MgmtIp,
                        asset::Column::Network,
                        asset::Column::Owner,
                        asset::Column::PurchaseDate,
                        asset::Column::SignatureEnd,
                        asset::Column::Status,
                        asset::Column::Notes,
                        asset::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
        if existed {
            report.assets_updated += 1;
        } else {
            report.assets_created += 1;
        }
        if let Some(c) = c {
            let Some(row) = asset_by_code(&txn, &a.code).await? else {
                return Err(OpsError::NotFound(format!(
                    "资产编号「{}」导入后未找到",
                    a.code
                )));
            };
            contract::Entity::insert(contract_row(row.id, c, now))
                .on_conflict(
                    OnConflict::columns([contract::Column::AssetId, contract::Column::ContractNo])
                        .update_columns([
                            contract::Column::Vendor,
                            contract::Column::Sla,
                            contract::Column::StartDate,
                            contract::Column::EndDate,
                            contract::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await?;
            report.contracts += 1;
        }
    }
    audit::record(
        &txn,
        actor,
        Change::new("inspection.asset.import", "inspection_asset", "xlsx").after(&report),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(report)
}
