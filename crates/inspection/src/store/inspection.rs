//! Inspection records, faults and configuration changes in the database; the run log of a
//! device is read from all three.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::OpsError;
use super::asset::{self as assets, asset};
use crate::domain::asset::{AssetKind, AssetStatus};
use crate::domain::fault::{self, FaultState, FaultStep};
use crate::domain::inspection::{self as insp, Check, Outcome, Period, RecordState};

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod record {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_record")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub asset_id: i64,
        pub period: String,
        pub state: String,
        pub engineer: String,
        pub notes: String,
        pub filled_at: Option<DateTimeUtc>,
        pub signed_at: Option<DateTimeUtc>,
        pub signed_by: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub confirmed_by: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod item {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_item")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub record_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i32,
        pub code: String,
        pub label: String,
        pub check_kind: String,
        pub unit: String,
        pub min_value: Option<f64>,
        pub max_value: Option<f64>,
        pub answer: String,
        pub outcome: String,
        pub note: String,
    }
    no_relations!();
}

pub mod photo {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "inspection_photo")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub record_id: i64,
        pub content_type: String,
        pub bytes: Vec<u8>,
        pub taken_by: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod fault_row {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_fault")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub asset_id: i64,
        pub title: String,
        pub description: String,
        pub source: String,
        pub record_id: Option<i64>,
        pub item_seq: Option<i32>,
        pub state: String,
        pub reported_by: String,
        pub engineer: String,
        pub vendor_case_no: String,
        pub resolution: String,
        pub reported_at: DateTimeUtc,
        pub confirmed_at: Option<DateTimeUtc>,
        pub resolved_at: Option<DateTimeUtc>,
        pub closed_at: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }
    no_relations!();
}

pub mod change {
    use sea_orm::entity::prelude::*;
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "inspection_change")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub asset_id: i64,
        pub engineer: String,
        pub changed_at: DateTimeUtc,
        pub reason: String,
        pub before_text: String,
        pub after_text: String,
        pub recorded_by: String,
        pub created_at: DateTimeUtc,
    }
    no_relations!();
}

/// The largest photo accepted (bytes).
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// Photo types accepted.
pub const PHOTO_TYPES: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

fn not_found(what: &str, id: i64) -> OpsError {
    OpsError::NotFound(format!("没有编号为 {id} 的{what}"))
}

// ---- the monthly plan ----

/// Create the month's records: one per device in service or spare, with its kind's checklist.
/// Running it again creates only what is missing (the unique key on device and month decides).
/// Returns how many records were created.
pub async fn plan_month(db: &Db, period: Period, now: DateTime<Utc>) -> Result<usize, OpsError> {
    let txn = db.begin_write().await?;
    let devices = asset::Entity::find()
        .filter(asset::Column::Status.ne(AssetStatus::Retired.code()))
        .order_by_asc(asset::Column::Code)
        .all(&txn)
        .await?;
    let mut created = 0;
    for d in devices {
        let inserted = record::Entity::insert(record::ActiveModel {
            asset_id: Set(d.id),
            period: Set(period.to_string()),
            state: Set(RecordState::Planned.code().to_owned()),
            engineer: Set(String::new()),
            notes: Set(String::new()),
            filled_at: Set(None),
            signed_at: Set(None),
            signed_by: Set(String::new()),
            confirmed_at: Set(None),
            confirmed_by: Set(String::new()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([record::Column::AssetId, record::Column::Period])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            continue;
        }
        let Some(r) = record::Entity::find()
            .filter(record::Column::AssetId.eq(d.id))
            .filter(record::Column::Period.eq(period.to_string()))
            .one(&txn)
            .await?
        else {
            continue;
        };
        let kind = AssetKind::parse(&d.kind).unwrap_or(AssetKind::Other);
        for (i, it) in insp::template_for(kind).into_iter().enumerate() {
            let (ck, unit, min, max) = match it.check {
                Check::PassFail => ("pass_fail", "", None, None),
                Check::Range { unit, min, max } => ("range", unit, Some(min), Some(max)),
            };
            item::ActiveModel {
                record_id: Set(r.id),
                seq: Set(i as i32 + 1),
                code: Set(it.code.to_owned()),
                label: Set(it.label.to_owned()),
                check_kind: Set(ck.to_owned()),
                unit: Set(unit.to_owned()),
                min_value: Set(min),
                max_value: Set(max),
                answer: Set(String::new()),
                outcome: Set(String::new()),
                note: Set(String::new()),
            }
            .insert(&txn)
            .await?;
        }
        created += 1;
    }
    txn.commit().await?;
    Ok(created)
}

/// A record in the month's list.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub record: record::Model,
    pub asset_code: String,
    pub asset_name: String,
    pub asset_kind: String,
    pub items: u64,
    pub answered: u64,
    pub failed: u64,
}

impl RecordView {
    pub fn state_label(&self) -> &'static str {
        RecordState::parse(&self.record.state).map_or("", RecordState::label)
    }
}

/// The month's records, by device code.
pub async fn records<C: ConnectionTrait>(
    conn: &C,
    period: Period,
) -> Result<Vec<RecordView>, OpsError> {
    let rs = record::Entity::find()
        .filter(record::Column::Period.eq(period.to_string()))
        .all(conn)
        .await?;
    let devices = assets::list_assets(conn).await?;
    let ids: Vec<i64> = rs.iter().map(|r| r.id).collect();
    let items = item::Entity::find()
        .filter(item::Column::RecordId.is_in(ids))
        .all(conn)
        .await?;
    let mut out: Vec<RecordView> = rs
        .into_iter()
        .map(|r| {
            let d = devices.iter().find(|d| d.id == r.asset_id);
            let mine: Vec<&item::Model> = items.iter().filter(|i| i.record_id == r.id).collect();
            RecordView {
                asset_code: d.map(|d| d.code.clone()).unwrap_or_default(),
                asset_name: d.map(|d| d.name.clone()).unwrap_or_default(),
                asset_kind: d.map(|d| d.kind_label().to_owned()).unwrap_or_default(),
                items: mine.len() as u64,
                answered: mine.iter().filter(|i| !i.outcome.is_empty()).count() as u64,
                failed: mine.iter().filter(|i| i.outcome == "fail").count() as u64,
                record: r,
            }
        })
        .collect();
    out.sort_by(|a, b| a.asset_code.cmp(&b.asset_code));
    Ok(out)
}

/// One record with everything on it.
#[derive(Debug, Clone, Serialize)]
pub struct RecordDetail {
    pub record: record::Model,
    pub asset: asset::Model,
    pub items: Vec<item::Model>,
    /// Photo ids.
    pub photos: Vec<i64>,
    pub faults: Vec<fault_row::Model>,
}

impl RecordDetail {
    pub fn state(&self) -> RecordState {
        RecordState::parse(&self.record.state).unwrap_or(RecordState::Planned)
    }
}

pub async fn record_detail<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<RecordDetail, OpsError> {
    let r = record::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| not_found("巡检记录", id))?;
    let a = assets::get_asset(conn, r.asset_id)
        .await?
        .ok_or_else(|| not_found("设备", r.asset_id))?;
    let items = item::Entity::find()
        .filter(item::Column::RecordId.eq(id))
        .order_by_asc(item::Column::Seq)
        .all(conn)
        .await?;
    let photos = photo::Entity::find()
        .select_only()
        .column(photo::Column::Id)
        .filter(photo::Column::RecordId.eq(id))
        .order_by_asc(photo::Column::Id)
        .into_tuple::<i64>()
        .all(conn)
        .await?;
    let faults = fault_row::Entity::find()
        .filter(fault_row::Column::RecordId.eq(id))
        .order_by_asc(fault_row::Column::ItemSeq)
        .all(conn)
        .await?;
    Ok(RecordDetail {
        record: r,
        asset: a,
        items,
        photos,
        faults,
    })
}

/// One item's answer as sent by the tablet page.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub seq: i32,
    pub answer: String,
    pub note: String,
}

/// Save answers while the record is not signed. The state change is a conditional UPDATE: a
/// record signed meanwhile refuses the save.
pub async fn save_answers(
    db: &Db,
    id: i64,
    answers: &[Answer],
    notes: &str,
    engineer: &Actor,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let txn = db.begin_write().await?;
    let items = item::Entity::find()
        .filter(item::Column::RecordId.eq(id))
        .all(&txn)
        .await?;
    let mut problems = Vec::new();
    let mut judged = Vec::new();
    for a in answers {
        let Some(it) = items.iter().find(|i| i.seq == a.seq) else {
            problems.push(format!("第 {} 项不存在", a.seq));
            continue;
        };
        let check = match (it.check_kind.as_str(), it.min_value, it.max_value) {
            ("range", Some(min), Some(max)) => Check::Range { unit: "", min, max },
            _ => Check::PassFail,
        };
        match insp::judge(&check, &it.label, &a.answer) {
            Ok(o) => judged.push((a, o)),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if !problems.is_empty() {
        return Err(OpsError::Bad(problems.join("；")));
    }
    let changed = record::Entity::update_many()
        .col_expr(
            record::Column::State,
            Expr::value(RecordState::Filled.code()),
        )
        .col_expr(record::Column::Engineer, Expr::value(engineer.name.clone()))
        .col_expr(record::Column::Notes, Expr::value(notes.trim().to_owned()))
        .col_expr(record::Column::FilledAt, Expr::value(now))
        .col_expr(record::Column::UpdatedAt, Expr::value(now))
        .filter(record::Column::Id.eq(id))
        .filter(
            record::Column::State.is_in([RecordState::Planned.code(), RecordState::Filled.code()]),
        )
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(match record::Entity::find_by_id(id).one(&txn).await? {
            None => not_found("巡检记录", id),
            Some(_) => OpsError::Conflict("巡检记录已签字，不能再修改".into()),
        });
    }
    for (a, o) in judged {
        item::Entity::update_many()
            .col_expr(
                item::Column::Answer,
                Expr::value(a.answer.trim().to_owned()),
            )
            .col_expr(
                item::Column::Outcome,
                Expr::value(match o {
                    None => "",
                    Some(Outcome::Pass) => "pass",
                    Some(Outcome::Fail) => "fail",
                }),
            )
            .col_expr(
                item::Column::Note,
                Expr::value(a.note.trim().chars().take(500).collect::<String>()),
            )
            .filter(item::Column::RecordId.eq(id))
            .filter(item::Column::Seq.eq(a.seq))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The engineer signs the record: every item must be answered; each failed item opens a fault
/// (once — the unique key on record and item decides). Returns the faults opened.
pub async fn sign(
    db: &Db,
    id: i64,
    engineer: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, OpsError> {
    let txn = db.begin_write().await?;
    let open = item::Entity::find()
        .filter(item::Column::RecordId.eq(id))
        .filter(item::Column::Outcome.eq(""))
        .count(&txn)
        .await?;
    if open > 0 {
        return Err(OpsError::Unprocessable(format!(
            "尚有 {open} 项未填写，不能签字"
        )));
    }
    let changed = record::Entity::update_many()
        .col_expr(
            record::Column::State,
            Expr::value(RecordState::Signed.code()),
        )
        .col_expr(record::Column::SignedBy, Expr::value(engineer.name.clone()))
        .col_expr(record::Column::SignedAt, Expr::value(now))
        .col_expr(record::Column::UpdatedAt, Expr::value(now))
        .filter(record::Column::Id.eq(id))
        .filter(record::Column::State.eq(RecordState::Filled.code()))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(match record::Entity::find_by_id(id).one(&txn).await? {
            None => not_found("巡检记录", id),
            Some(r) if r.state == RecordState::Planned.code() => {
                OpsError::Unprocessable("尚未填写巡检结果，不能签字".into())
            }
            Some(_) => OpsError::Conflict("巡检记录已签字".into()),
        });
    }
    let Some(r) = record::Entity::find_by_id(id).one(&txn).await? else {
        return Err(not_found("巡检记录", id));
    };
    let failed = item::Entity::find()
        .filter(item::Column::RecordId.eq(id))
        .filter(item::Column::Outcome.eq("fail"))
        .order_by_asc(item::Column::Seq)
        .all(&txn)
        .await?;
    let mut opened = 0;
    for it in &failed {
        let detail = if it.unit.is_empty() && it.check_kind == "pass_fail" {
            "异常".to_owned()
        } else {
            format!("读数 {}{}", it.answer, it.unit)
        };
        let n = fault_row::Entity::insert(fault_row::ActiveModel {
            asset_id: Set(r.asset_id),
            title: Set(format!("{} 巡检：{}{}", r.period, it.label, detail)),
            description: Set(it.note.clone()),
            source: Set("inspection".into()),
            record_id: Set(Some(id)),
            item_seq: Set(Some(it.seq)),
            state: Set(FaultState::Reported.code().into()),
            reported_by: Set(engineer.name.clone()),
            engineer: Set(engineer.name.clone()),
            vendor_case_no: Set(String::new()),
            resolution: Set(String::new()),
            reported_at: Set(now),
            confirmed_at: Set(None),
            resolved_at: Set(None),
            closed_at: Set(None),
            updated_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([fault_row::Column::RecordId, fault_row::Column::ItemSeq])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        opened += n as usize;
    }
    audit::record(
        &txn,
        engineer,
        Change::new(
            "inspection.record.sign",
            "inspection_record",
            id.to_string(),
        )
        .after(serde_json::json!({"failed": failed.len(), "faults_opened": opened})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(opened)
}

/// The data-centre staff confirm a signed record.
pub async fn confirm(db: &Db, id: i64, staff: &Actor, now: DateTime<Utc>) -> Result<(), OpsError> {
    let txn = db.begin_write().await?;
    let changed = record::Entity::update_many()
        .col_expr(
            record::Column::State,
            Expr::value(RecordState::Confirmed.code()),
        )
        .col_expr(record::Column::ConfirmedBy, Expr::value(staff.name.clone()))
        .col_expr(record::Column::ConfirmedAt, Expr::value(now))
        .col_expr(record::Column::UpdatedAt, Expr::value(now))
        .filter(record::Column::Id.eq(id))
        .filter(record::Column::State.eq(RecordState::Signed.code()))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(match record::Entity::find_by_id(id).one(&txn).await? {
            None => not_found("巡检记录", id),
            Some(r) if r.state == RecordState::Confirmed.code() => {
                OpsError::Conflict("巡检记录已确认".into())
            }
            Some(_) => OpsError::Unprocessable("工程师尚未签字，不能确认".into()),
        });
    }
    audit::record(
        &txn,
        staff,
        Change::new(
            "inspection.record.confirm",
            "inspection_record",
            id.to_string(),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Attach a photo (jpeg/png/webp, at most 2 MB) to a record not yet confirmed.
pub async fn add_photo(
    db: &Db,
    record_id: i64,
    content_type: &str,
    bytes: &[u8],
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let ct = content_type.split(';').next().unwrap_or("").trim();
    if !PHOTO_TYPES.contains(&ct) {
        return Err(OpsError::Bad("照片应为 JPEG、PNG 或 WebP 图片".into()));
    }
    if bytes.is_empty() {
        return Err(OpsError::Bad("照片是空的".into()));
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(OpsError::Bad(format!(
            "照片太大（最多 {} MB）",
            MAX_PHOTO_BYTES / 1024 / 1024
        )));
    }
    let txn = db.begin_write().await?;
    let Some(r) = record::Entity::find_by_id(record_id).one(&txn).await? else {
        return Err(not_found("巡检记录", record_id));
    };
    if r.state == RecordState::Confirmed.code() {
        return Err(OpsError::Conflict("巡检记录已确认，不能再添加照片".into()));
    }
    let row = photo::ActiveModel {
        record_id: Set(record_id),
        content_type: Set(ct.to_owned()),
        bytes: Set(bytes.to_vec()),
        taken_by: Set(by.name.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

pub async fn photo<C: ConnectionTrait>(conn: &C, id: i64) -> Result<photo::Model, OpsError> {
    photo::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| not_found("照片", id))
}

// ---- faults ----

/// A fault reported by hand (by phone or on the page).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct FaultDraft {
    pub asset_code: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// phone / page
    #[serde(default)]
    pub source: String,
}

pub async fn report_fault(
    db: &Db,
    d: &FaultDraft,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let title = d.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(OpsError::Bad("故障标题不能为空，最多 200 字".into()));
    }
    let source = match d.source.trim() {
        "" | "page" => "page",
        "phone" => "phone",
        s => return Err(OpsError::Bad(format!("来源「{s}」应是 page 或 phone"))),
    };
    let Some(a) = assets::asset_by_code(db.conn(), d.asset_code.trim()).await? else {
        return Err(OpsError::NotFound(format!(
            "没有资产编号为「{}」的设备",
            d.asset_code.trim()
        )));
    };
    let txn = db.begin_write().await?;
    let row = fault_row::ActiveModel {
        asset_id: Set(a.id),
        title: Set(title.to_owned()),
        description: Set(d.description.trim().to_owned()),
        source: Set(source.into()),
        record_id: Set(None),
        item_seq: Set(None),
        state: Set(FaultState::Reported.code().into()),
        reported_by: Set(by.name.clone()),
        engineer: Set(String::new()),
        vendor_case_no: Set(String::new()),
        resolution: Set(String::new()),
        reported_at: Set(now),
        confirmed_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        by,
        Change::new(
            "inspection.fault.report",
            "inspection_fault",
            row.id.to_string(),
        )
        .after(&row),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

/// Take one step in a fault's life (a conditional UPDATE from the states the step allows).
/// `text` is the resolution for repair/replace, and the vendor case number when given.
pub async fn step_fault(
    db: &Db,
    id: i64,
    step: FaultStep,
    resolution: &str,
    vendor_case_no: &str,
    by: &Actor,
    now: DateTime<Utc>,
) -> Result<(), OpsError> {
    let (from, to) = step.transition();
    let txn = db.begin_write().await?;
    let mut q = fault_row::Entity::update_many()
        .col_expr(fault_row::Column::State, Expr::value(to.code()))
        .col_expr(fault_row::Column::UpdatedAt, Expr::value(now));
    match step {
        FaultStep::Confirm => {
            q = q.col_expr(fault_row::Column::ConfirmedAt, Expr::value(now));
        }
        FaultStep::Repair | FaultStep::Replace => {
            q = q
                .col_expr(fault_row::Column::ResolvedAt, Expr::value(now))
                .col_expr(fault_row::Column::Engineer, Expr::value(by.name.clone()))
                .col_expr(
                    fault_row::Column::Resolution,
                    Expr::value(resolution.trim().to_owned()),
                );
        }
        FaultStep::ApproveReplacement => {}
        FaultStep::Close => {
            q = q.col_expr(fault_row::Column::ClosedAt, Expr::value(now));
        }
    }
    if !vendor_case_no.trim().is_empty() {
        q = q.col_expr(
            fault_row::Column::VendorCaseNo,
            Expr::value(vendor_case_no.trim().chars().take(64).collect::<String>()),
        );
    }
    let changed = q
        .filter(fault_row::Column::Id.eq(id))
        .filter(fault_row::Column::State.is_in(from.iter().map(|s| s.code())))
        .exec(&txn)
        .await?;
    if changed.rows_affected == 0 {
        return Err(match fault_row::Entity::find_by_id(id).one(&txn).await? {
            None => not_found("故障", id),
            Some(f) => OpsError::Conflict(format!(
                "故障当前为「{}」，不能{}",
                FaultState::parse(&f.state).map_or("", FaultState::label),
                step.label()
            )),
        });
    }
    audit::record(
        &txn,
        by,
        Change::new("inspection.fault.step", "inspection_fault", id.to_string())
            .after(serde_json::json!({"to": to.code(), "resolution": resolution.trim()})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// A fault with its device and durations.
#[derive(Debug, Clone, Serialize)]
pub struct FaultView {
    pub fault: fault_row::Model,
    pub asset_code: String,
    pub asset_name: String,
    /// Reported → confirmed, minutes.
    pub response_minutes: Option<i64>,
    /// Reported → repaired or replaced, minutes.
    pub repair_minutes: Option<i64>,
}

impl FaultView {
    pub fn state(&self) -> FaultState {
        FaultState::parse(&self.fault.state).unwrap_or(FaultState::Reported)
    }
    pub fn state_label(&self) -> &'static str {
        self.state().label()
    }
    pub fn response(&self) -> String {
        self.response_minutes
            .map(fault::human_minutes)
            .unwrap_or_default()
    }
    pub fn repair(&self) -> String {
        self.repair_minutes
            .map(fault::human_minutes)
            .unwrap_or_default()
    }
}

fn fault_view(f: fault_row::Model, devices: &[asset::Model]) -> FaultView {
    let d = devices.iter().find(|d| d.id == f.asset_id);
    FaultView {
        asset_code: d.map(|d| d.code.clone()).unwrap_or_default(),
        asset_name: d.map(|d| d.name.clone()).unwrap_or_default(),
        response_minutes: f
            .confirmed_at
            .map(|t| fault::minutes_between(f.reported_at, t)),
        repair_minutes: f
            .resolved_at
            .map(|t| fault::minutes_between(f.reported_at, t)),
        fault: f,
    }
}

/// Faults, newest first; `open_only` leaves out closed ones. `asset` narrows to one device.
pub async fn faults<C: ConnectionTrait>(
    conn: &C,
    open_only: bool,
    asset_id: Option<i64>,
) -> Result<Vec<FaultView>, OpsError> {
    let mut q = fault_row::Entity::find().order_by_desc(fault_row::Column::ReportedAt);
    if open_only {
        q = q.filter(fault_row::Column::State.ne(FaultState::Closed.code()));
    }
    if let Some(a) = asset_id {
        q = q.filter(fault_row::Column::AssetId.eq(a));
    }
    let devices = assets::list_assets(conn).await?;
    Ok(q.all(conn)
        .await?
        .into_iter()
        .map(|f| fault_view(f, &devices))
        .collect())
}

/// Faults reported in `[from, to)`.
pub async fn faults_between<C: ConnectionTrait>(
    conn: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<FaultView>, OpsError> {
    let devices = assets::list_assets(conn).await?;
    Ok(fault_row::Entity::find()
        .filter(fault_row::Column::ReportedAt.gte(from))
        .filter(fault_row::Column::ReportedAt.lt(to))
        .order_by_asc(fault_row::Column::ReportedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(|f| fault_view(f, &devices))
        .collect())
}

pub async fn fault<C: ConnectionTrait>(conn: &C, id: i64) -> Result<FaultView, OpsError> {
    let f = fault_row::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| not_found("故障", id))?;
    let devices = assets::list_assets(conn).await?;
    Ok(fault_view(f, &devices))
}

// ---- configuration changes ----

/// A configuration change as typed in.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ChangeDraft {
    pub asset_code: String,
    /// Local time `YYYY-MM-DD HH:MM`; empty for now.
    #[serde(default)]
    pub changed_at: String,
    pub reason: String,
    #[serde(default)]
    pub before_text: String,
    #[serde(default)]
    pub after_text: String,
}

/// The most configuration text kept per side (bytes).
pub const MAX_CONFIG_TEXT: usize = 1024 * 1024;

pub async fn record_change(
    db: &Db,
    d: &ChangeDraft,
    engineer: &Actor,
    now: DateTime<Utc>,
) -> Result<i64, OpsError> {
    let reason = d.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(OpsError::Bad("变更原因不能为空，最多 500 字".into()));
    }
    if d.before_text.len() > MAX_CONFIG_TEXT || d.after_text.len() > MAX_CONFIG_TEXT {
        return Err(OpsError::Bad("配置文本太长（每份最多 1 MB）".into()));
    }
    let changed_at = if d.changed_at.trim().is_empty() {
        now
    } else {
        let t = d.changed_at.trim();
        // A form's minutes-only time (and the browser's datetime-local) gets its seconds.
        let t = if t.chars().count() == 16 {
            format!("{t}:00")
        } else {
            t.to_owned()
        };
        yiqiao_core::time::parse_local(&t).map_err(|_| {
            OpsError::Bad(format!(
                "变更时间「{}」应写成 2026-11-29 10:30",
                d.changed_at.trim()
            ))
        })?
    };
    let Some(a) = assets::asset_by_code(db.conn(), d.asset_code.trim()).await? else {
        return Err(OpsError::NotFound(format!(
            "没有资产编号为「{}」的设备",
            d.asset_code.trim()
        )));
    };
    let txn = db.begin_write().await?;
    let row = change::ActiveModel {
        asset_id: Set(a.id),
        engineer: Set(engineer.name.clone()),
        changed_at: Set(changed_at),
        reason: Set(reason.to_owned()),
        before_text: Set(d.before_text.replace("\r\n", "\n")),
        after_text: Set(d.after_text.replace("\r\n", "\n")),
        recorded_by: Set(engineer.name.clone()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        engineer,
        Change::new(
            "inspection.change.record",
            "inspection_change",
            row.id.to_string(),
        )
        .after(serde_json::json!({"asset": a.code, "reason": reason})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(row.id)
}

pub async fn change<C: ConnectionTrait>(conn: &C, id: i64) -> Result<change::Model, OpsError> {
    change::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| not_found("配置变更", id))
}

pub async fn changes<C: ConnectionTrait>(
    conn: &C,
    asset_id: Option<i64>,
) -> Result<Vec<change::Model>, OpsError> {
    let mut q = change::Entity::find().order_by_desc(change::Column::ChangedAt);
    if let Some(a) = asset_id {
        q = q.filter(change::Column::AssetId.eq(a));
    }
    Ok(q.all(conn).await?)
}

/// The before/after diff of a change, unified, three lines of context.
pub fn diff(c: &change::Model) -> String {
    similar::TextDiff::from_lines(&c.before_text, &c.after_text)
        .unified_diff()
        .context_radius(3)
        .header("变更前", "变更后")
        .to_string()
}

// ---- the run log ----

/// One line of a device's run log and service archive (运行日志/服务档案).
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub text: String,
    pub href: String,
}

/// Everything done on a device: inspections, faults and changes, newest first.
pub async fn run_log<C: ConnectionTrait>(
    conn: &C,
    asset_id: i64,
) -> Result<Vec<LogEntry>, OpsError> {
    let mut out = Vec::new();
    for r in record::Entity::find()
        .filter(record::Column::AssetId.eq(asset_id))
        .all(conn)
        .await?
    {
        let at = r.signed_at.or(r.filled_at).unwrap_or(r.created_at);
        out.push(LogEntry {
            at,
            kind: "巡检",
            text: format!(
                "{} 月度巡检（{}）{}",
                r.period,
                RecordState::parse(&r.state).map_or("", RecordState::label),
                if r.engineer.is_empty() {
                    String::new()
                } else {
                    format!("，工程师 {}", r.engineer)
                }
            ),
            href: format!("/inspection/rounds/{}", r.id),
        });
    }
    for f in faults(conn, false, Some(asset_id)).await? {
        out.push(LogEntry {
            at: f.fault.reported_at,
            kind: "故障",
            text: format!("{}（{}）", f.fault.title, f.state_label()),
            href: format!("/inspection/faults/{}", f.fault.id),
        });
    }
    for c in changes(conn, Some(asset_id)).await? {
        out.push(LogEntry {
            at: c.changed_at,
            kind: "配置变更",
            text: format!("{}（{}）", c.reason, c.engineer),
            href: format!("/inspection/changes/{}", c.id),
        });
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(out)
}
