//! The catalogue in the database: drugs (from the HIS feed) with their trace policy, and the
//! identification codes that map scanned codes to drugs. Every change is audited in the same
//! transaction.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement, Value,
};
use serde::Serialize;
use yiqiao_core::FieldError;
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::{drug_policy, ident_code};
use crate::TraceError;
use crate::domain::catalogue::{
    CatalogueError, IdentCode, IdentKind, ImportRow, NewIdent, PackLevel, PolicySetting,
    TracePolicy, best_match, lookup_keys,
};
use crate::domain::code::TraceCode;

/// A drug as the catalogue pages show it: the HIS's data and this module's policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueDrug {
    /// HIS 药品编码.
    pub code: String,
    pub generic_name: String,
    pub trade_name: Option<String>,
    /// `western`, `patent`, `herbal`.
    pub category: String,
    pub spec: String,
    pub form: String,
    pub manufacturer: String,
    pub approval_no: Option<String>,
    /// 医保目录编码 `med_list_codg`.
    pub nhsa_code: Option<String>,
    pub rx: bool,
    /// 最小单位.
    pub unit: String,
    pub pack_unit: Option<String>,
    pub pack_size: i64,
    pub active: bool,
    /// `scan`, `exempt_no_code`, `exempt_herbal`.
    pub policy: String,
    pub policy_label: String,
    pub policy_reason: Option<String>,
    /// How many identification codes it has.
    pub ident_count: i64,
}

/// An identification code of a drug.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub id: i64,
    /// `prefix`, `gtin`, `ma`.
    pub kind: String,
    pub value: String,
    pub drug_code: String,
    /// `smallest`, `middle`, `case`.
    pub level: String,
    pub level_label: String,
    /// Smallest units one package of this level holds.
    pub units: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl Ident {
    fn of(m: ident_code::Model) -> Ident {
        let level_label = PackLevel::parse(&m.level)
            .map(PackLevel::label)
            .unwrap_or("")
            .to_owned();
        Ident {
            id: m.id,
            kind: m.kind,
            value: m.value,
            drug_code: m.drug_code,
            level: m.level,
            level_label,
            units: m.units,
            created_at: m.created_at,
            created_by: m.created_by,
        }
    }

    pub fn code(&self) -> Option<IdentCode> {
        IdentKind::parse(&self.kind).map(|k| IdentCode::from_stored(k, self.value.clone()))
    }

    pub fn pack_level(&self) -> Option<PackLevel> {
        PackLevel::parse(&self.level).ok()
    }
}

const DRUG_SELECT: &str = "SELECT d.code, d.generic_name, d.trade_name, d.category, d.spec, \
    d.form, d.manufacturer, d.approval_no, d.nhsa_code, d.rx, d.unit, d.pack_unit, d.pack_size, \
    d.active, p.policy, p.reason, \
    (SELECT COUNT(*) FROM trace_ident_code i WHERE i.drug_code = d.code) AS ident_count \
    FROM his_drug d LEFT JOIN trace_drug_policy p ON p.drug_code = d.code";

fn drug_of(r: &sea_orm::QueryResult) -> Result<CatalogueDrug, DbErr> {
    let policy: Option<String> = r.try_get("", "policy")?;
    let policy = policy
        .as_deref()
        .and_then(|p| TracePolicy::parse(p).ok())
        .unwrap_or(TracePolicy::Scan);
    Ok(CatalogueDrug {
        code: r.try_get("", "code")?,
        generic_name: r.try_get("", "generic_name")?,
        trade_name: r.try_get("", "trade_name")?,
        category: r.try_get("", "category")?,
        spec: r.try_get("", "spec")?,
        form: r.try_get("", "form")?,
        manufacturer: r.try_get("", "manufacturer")?,
        approval_no: r.try_get("", "approval_no")?,
        nhsa_code: r.try_get("", "nhsa_code")?,
        rx: r.try_get("", "rx")?,
        unit: r.try_get("", "unit")?,
        pack_unit: r.try_get("", "pack_unit")?,
        pack_size: r.try_get("", "pack_size")?,
        active: r.try_get("", "active")?,
        policy: policy.as_str().to_owned(),
        policy_label: policy.label().to_owned(),
        policy_reason: r.try_get("", "reason")?,
        ident_count: r.try_get("", "ident_count")?,
    })
}

/// One drug of the catalogue.
pub async fn drug<C: ConnectionTrait>(
    conn: &C,
    code: &str,
) -> Result<Option<CatalogueDrug>, DbErr> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            format!("{DRUG_SELECT} WHERE d.code = $1"),
            [code.into()],
        ))
        .await?;
    row.as_ref().map(drug_of).transpose()
}

/// Which drugs a catalogue search shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DrugFilter {
    #[default]
    All,
    /// Drugs to be scanned that have no identification code yet (未对照).
    Unmapped,
    /// Drugs exempt from scanning.
    Exempt,
}

impl DrugFilter {
    pub fn parse(s: &str) -> DrugFilter {
        match s {
            "unmapped" => DrugFilter::Unmapped,
            "exempt" => DrugFilter::Exempt,
            _ => DrugFilter::All,
        }
    }
}

/// The largest page of a catalogue search.
pub const MAX_LIST: u64 = 500;

/// Drugs whose code or names contain `q`, by code.
pub async fn list_drugs<C: ConnectionTrait>(
    conn: &C,
    q: &str,
    filter: DrugFilter,
    limit: u64,
) -> Result<Vec<CatalogueDrug>, DbErr> {
    let backend = conn.get_database_backend();
    let pattern = format!(
        "%{}%",
        q.trim()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let extra = match filter {
        DrugFilter::All => "",
        DrugFilter::Unmapped => {
            " AND (p.policy IS NULL OR p.policy = 'scan') AND NOT EXISTS \
             (SELECT 1 FROM trace_ident_code i WHERE i.drug_code = d.code)"
        }
        DrugFilter::Exempt => " AND p.policy IS NOT NULL AND p.policy <> 'scan'",
    };
    let sql = format!(
        "{DRUG_SELECT} WHERE (d.code LIKE $1 ESCAPE '\\' OR d.generic_name LIKE $1 ESCAPE '\\' \
         OR d.trade_name LIKE $1 ESCAPE '\\'){extra} ORDER BY d.code LIMIT {}",
        limit.min(MAX_LIST)
    );
    let rows = conn
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [Value::from(pattern)],
        ))
        .await?;
    rows.iter().map(drug_of).collect()
}

/// The trace policy of a drug (scan when none was set).
pub async fn policy_of<C: ConnectionTrait>(
    conn: &C,
    drug_code: &str,
) -> Result<PolicySetting, DbErr> {
    let row = drug_policy::Entity::find_by_id(drug_code.to_owned())
        .one(conn)
        .await?;
    Ok(match row {
        Some(r) => PolicySetting {
            policy: TracePolicy::parse(&r.policy).unwrap_or(TracePolicy::Scan),
            reason: r.reason,
        },
        None => PolicySetting::default_scan(),
    })
}

async fn require_drug<C: ConnectionTrait>(conn: &C, code: &str) -> Result<(), TraceError> {
    let found = yiqiao_his::store::entities::drug::Entity::find_by_id(code.to_owned())
        .one(conn)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(CatalogueError::NoSuchDrug {
            code: code.chars().take(64).collect(),
        }
        .into()),
    }
}

fn policy_json(p: &PolicySetting) -> serde_json::Value {
    serde_json::json!({"policy": p.policy.as_str(), "reason": p.reason})
}

/// Sets a drug's trace policy, audited.
pub async fn set_policy(
    db: &Db,
    drug_code: &str,
    setting: &PolicySetting,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TraceError> {
    let txn = db.begin_write().await?;
    require_drug(&txn, drug_code).await?;
    // Lock the row first (PostgreSQL), so the "before" of the audit row is the one replaced.
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        "UPDATE trace_drug_policy SET policy = policy WHERE drug_code = $1",
        [drug_code.into()],
    ))
    .await?;
    let before = policy_of(&txn, drug_code).await?;
    if &before == setting {
        return Ok(());
    }
    let row = drug_policy::ActiveModel {
        drug_code: Set(drug_code.to_owned()),
        policy: Set(setting.policy.as_str().to_owned()),
        reason: Set(setting.reason.clone()),
        updated_at: Set(now),
        updated_by: Set(actor.name.clone()),
    };
    drug_policy::Entity::insert(row)
        .on_conflict(
            OnConflict::column(drug_policy::Column::DrugCode)
                .update_columns([
                    drug_policy::Column::Policy,
                    drug_policy::Column::Reason,
                    drug_policy::Column::UpdatedAt,
                    drug_policy::Column::UpdatedBy,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.policy.set", "trace_drug_policy", drug_code)
            .before(policy_json(&before))
            .after(policy_json(setting)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The identification codes of a drug.
pub async fn idents_of<C: ConnectionTrait>(conn: &C, drug_code: &str) -> Result<Vec<Ident>, DbErr> {
    Ok(ident_code::Entity::find()
        .filter(ident_code::Column::DrugCode.eq(drug_code))
        .order_by_asc(ident_code::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Ident::of)
        .collect())
}

async fn find_ident<C: ConnectionTrait>(
    conn: &C,
    code: &IdentCode,
) -> Result<Option<ident_code::Model>, DbErr> {
    ident_code::Entity::find()
        .filter(ident_code::Column::Kind.eq(code.kind().as_str()))
        .filter(ident_code::Column::Value.eq(code.value()))
        .one(conn)
        .await
}

fn ident_json(drug_code: &str, n: &NewIdent) -> serde_json::Value {
    serde_json::json!({"drug_code": drug_code, "kind": n.code.kind().as_str(),
        "value": n.code.value(), "level": n.level.as_str(), "units": n.units})
}

/// What inserting one identification code did.
enum Inserted {
    New(ident_code::Model),
    /// The same mapping was already there.
    Same(ident_code::Model),
    /// The code is mapped otherwise.
    Taken(ident_code::Model),
}

/// Inserts unless the code is already mapped: the unique index decides.
async fn insert_ident<C: ConnectionTrait>(
    conn: &C,
    drug_code: &str,
    n: &NewIdent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Inserted, DbErr> {
    let row = ident_code::ActiveModel {
        kind: Set(n.code.kind().as_str().to_owned()),
        value: Set(n.code.value().to_owned()),
        drug_code: Set(drug_code.to_owned()),
        level: Set(n.level.as_str().to_owned()),
        units: Set(n.units),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        ..Default::default()
    };
    let affected = ident_code::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([ident_code::Column::Kind, ident_code::Column::Value])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let stored = find_ident(conn, &n.code)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_ident_code".into()))?;
    if affected == 1 {
        audit::record(
            conn,
            actor,
            Change::new(
                "tracecode.ident.add",
                "trace_ident_code",
                stored.id.to_string(),
            )
            .after(ident_json(drug_code, n)),
            now,
        )
        .await?;
        return Ok(Inserted::New(stored));
    }
    let same = stored.drug_code == drug_code
        && stored.level == n.level.as_str()
        && stored.units == n.units;
    Ok(if same {
        Inserted::Same(stored)
    } else {
        Inserted::Taken(stored)
    })
}

/// Adds an identification code to a drug, audited. A code already mapped is refused, naming
/// the drug it belongs to.
pub async fn add_ident(
    db: &Db,
    drug_code: &str,
    n: &NewIdent,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Ident, TraceError> {
    let txn = db.begin_write().await?;
    require_drug(&txn, drug_code).await?;
    match insert_ident(&txn, drug_code, n, actor, now).await? {
        Inserted::New(m) => {
            txn.commit().await?;
            Ok(Ident::of(m))
        }
        Inserted::Same(m) | Inserted::Taken(m) => Err(CatalogueError::IdentTaken {
            value: m.value,
            drug: m.drug_code,
        }
        .into()),
    }
}

/// Removes an identification code, audited.
pub async fn remove_ident(
    db: &Db,
    id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Ident, TraceError> {
    let txn = db.begin_write().await?;
    let Some(row) = ident_code::Entity::find_by_id(id).one(&txn).await? else {
        return Err(CatalogueError::NoSuchIdent.into());
    };
    let gone = ident_code::Entity::delete_by_id(id).exec(&txn).await?;
    if gone.rows_affected != 1 {
        return Err(CatalogueError::NoSuchIdent.into());
    }
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.ident.remove", "trace_ident_code", id.to_string()).before(
            serde_json::json!({"drug_code": row.drug_code, "kind": row.kind,
                "value": row.value, "level": row.level, "units": row.units}),
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(Ident::of(row))
}

/// Which drug a scanned code belongs to, with the identification code that matched
/// (8-digit prefix before 7-digit; GTIN; MA product). `None`: 未对照.
pub async fn identify<C: ConnectionTrait>(
    conn: &C,
    code: &TraceCode,
) -> Result<Option<Ident>, DbErr> {
    let keys = lookup_keys(code);
    let mut cond = sea_orm::Condition::any();
    for k in &keys {
        cond = cond.add(
            sea_orm::Condition::all()
                .add(ident_code::Column::Kind.eq(k.kind().as_str()))
                .add(ident_code::Column::Value.eq(k.value())),
        );
    }
    let found: Vec<(IdentCode, ident_code::Model)> = ident_code::Entity::find()
        .filter(cond)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|m| {
            IdentKind::parse(&m.kind).map(|k| (IdentCode::from_stored(k, m.value.clone()), m))
        })
        .collect();
    Ok(best_match(code, &found, |f| &f.0).map(|(_, m)| Ident::of(m.clone())))
}

/// Which drug a scanned code belongs to, or `unmapped` (未对照) naming the code's longest
/// prefix, in the refusal of the document being scanned.
pub async fn identify_or<C: ConnectionTrait, E: Into<TraceError>>(
    conn: &C,
    code: &TraceCode,
    unmapped: impl FnOnce(String) -> E,
) -> Result<Ident, TraceError> {
    match identify(conn, code).await? {
        Some(ident) => Ok(ident),
        None => {
            let prefix = lookup_keys(code)
                .last()
                .map(|k| k.value().to_owned())
                .unwrap_or_default();
            Err(unmapped(prefix).into())
        }
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Rows read.
    pub rows: usize,
    /// Codes added.
    pub added: usize,
    /// Codes already mapped exactly so (importing the same file twice changes nothing).
    pub unchanged: usize,
}

/// Imports identification codes in one transaction: all rows or none. Each added code is
/// audited; a code already mapped to another drug, level or count fails its row.
pub async fn import_idents(
    db: &Db,
    rows: &[ImportRow],
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<ImportSummary, TraceError> {
    let txn = db.begin_write().await?;
    let known = existing_drugs(&txn, rows).await?;
    let mut errors = Vec::new();
    let mut summary = ImportSummary {
        rows: rows.len(),
        added: 0,
        unchanged: 0,
    };
    for r in rows {
        if !known.contains(&r.drug_code) {
            errors.push(FieldError::new(
                format!("第 {} 行", r.line),
                format!("没有药品「{}」（药品由 HIS 推送）", r.drug_code),
            ));
            continue;
        }
        match insert_ident(&txn, &r.drug_code, &r.ident, actor, now).await? {
            Inserted::New(_) => summary.added += 1,
            Inserted::Same(_) => summary.unchanged += 1,
            Inserted::Taken(m) => errors.push(FieldError::new(
                format!("第 {} 行", r.line),
                if m.drug_code == r.drug_code {
                    format!(
                        "标识码 {} 已对照到本药品，但包装层级或包装数量不同（{}，{}）",
                        m.value, m.level, m.units
                    )
                } else {
                    format!("标识码 {} 已对照到药品 {}", m.value, m.drug_code)
                },
            )),
        }
    }
    if !errors.is_empty() {
        return Err(TraceError::Import(errors));
    }
    txn.commit().await?;
    Ok(summary)
}

async fn existing_drugs<C: ConnectionTrait>(
    conn: &C,
    rows: &[ImportRow],
) -> Result<std::collections::HashSet<String>, DbErr> {
    use yiqiao_his::store::entities::drug;
    let mut codes: Vec<&str> = rows.iter().map(|r| r.drug_code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let mut known = std::collections::HashSet::new();
    for chunk in codes.chunks(500) {
        let found = drug::Entity::find()
            .filter(drug::Column::Code.is_in(chunk.iter().copied()))
            .all(conn)
            .await?;
        known.extend(found.into_iter().map(|d| d.code));
    }
    Ok(known)
}
