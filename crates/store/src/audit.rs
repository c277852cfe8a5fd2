//! The audit log (审计日志): every change by a person or a system is one append-only row
//! (who, what, before/after, when), chained by SM3 hashes so that a changed or deleted row is
//! detected by [`verify`] (`yiqiao audit verify`).

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{ConnectionTrait, QueryOrder, QuerySelect, Statement};
use sm3::{Digest, Sm3};

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    /// A username, a HIS client name, a platform app id, or the name of a system job.
    pub name: String,
    /// The HIS staff member (工号) a person's account is linked to, for messages that must name
    /// the licensed person (the pharmacist of an NHSA 3505). Not part of the audit row.
    pub his_staff_code: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorKind {
    /// A person logged in through the web pages (or the command line).
    Person,
    /// A machine with credentials: a HIS feed client, the city platform.
    Machine,
    /// yiqiao itself: a worker, a scheduled job, a migration, the demo loader.
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::Person => "person",
            ActorKind::Machine => "machine",
            ActorKind::System => "system",
        }
    }
}

impl Actor {
    pub fn person(name: impl Into<String>) -> Self {
        Actor {
            kind: ActorKind::Person,
            name: name.into(),
            his_staff_code: None,
        }
    }
    pub fn machine(name: impl Into<String>) -> Self {
        Actor {
            kind: ActorKind::Machine,
            name: name.into(),
            his_staff_code: None,
        }
    }
    /// The same person, linked to a HIS staff member (工号).
    pub fn with_his_staff(mut self, code: Option<String>) -> Self {
        self.his_staff_code = code;
        self
    }
    pub fn system(name: impl Into<String>) -> Self {
        Actor {
            kind: ActorKind::System,
            name: name.into(),
            his_staff_code: None,
        }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change {
    /// What was done, e.g. `user.create`, `his.patient.upsert`, `outbox.retry`.
    pub action: String,
    /// The kind of thing changed, e.g. `user`, `patient`.
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

impl Change {
    pub fn new(action: &str, entity: &str, entity_id: impl Into<String>) -> Self {
        Change {
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: entity_id.into(),
            before: None,
            after: None,
        }
    }
    pub fn before(mut self, v: impl serde::Serialize) -> Self {
        self.before = serde_json::to_value(v).ok();
        self
    }
    pub fn after(mut self, v: impl serde::Serialize) -> Self {
        self.after = serde_json::to_value(v).ok();
        self
    }
}

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub at: DateTimeUtc,
        pub actor_kind: String,
        pub actor: String,
        pub action: String,
        pub entity: String,
        pub entity_id: String,
        pub before: Option<String>,
        pub after: Option<String>,
        pub prev_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as AuditRow;

/// The SM3 hash of a row's content and its link to the previous row (`hash` itself excluded).
fn row_hash(r: &entity::Model) -> String {
    let mut h = Sm3::new();
    // Length-prefixed fields: no two different rows hash the same input.
    for part in [
        r.prev_hash.as_str(),
        &r.seq.to_string(),
        &r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        &r.actor_kind,
        &r.actor,
        &r.action,
        &r.entity,
        &r.entity_id,
        r.before.as_deref().unwrap_or("\u{0}"),
        r.after.as_deref().unwrap_or("\u{0}"),
    ] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Append one row, inside the caller's transaction (so the change and its audit row commit
/// together). Returns the row's sequence number.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    change: Change,
    at: DateTime<Utc>,
) -> Result<i64, DbErr> {
    let backend = conn.get_database_backend();
    // Write first: takes the head's row lock (PostgreSQL) or the write lock (SQLite), so
    // concurrent appenders queue here and the chain stays linear.
    conn.execute_raw(Statement::from_string(
        backend,
        "UPDATE audit_head SET seq = seq + 1 WHERE id = 1",
    ))
    .await?;
    let head = conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT seq, hash FROM audit_head WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_head".into()))?;
    let seq: i64 = head.try_get("", "seq")?;
    let prev_hash: String = head.try_get("", "hash")?;
    let mut row = entity::Model {
        seq,
        at: at.trunc_subsecs(6),
        actor_kind: actor.kind.as_str().to_owned(),
        actor: actor.name.chars().take(100).collect(),
        action: change.action,
        entity: change.entity,
        entity_id: change.entity_id.chars().take(200).collect(),
        before: change.before.as_ref().map(|v| v.to_string()),
        after: change.after.as_ref().map(|v| v.to_string()),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    let hash = row.hash.clone();
    entity::ActiveModel::from(row)
        .reset_all()
        .insert(conn)
        .await?;
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        "UPDATE audit_head SET hash = $1 WHERE id = 1",
        [hash.into()],
    ))
    .await?;
    Ok(seq)
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub rows: u64,
    pub problems: Vec<String>,
}

impl Verification {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Walk the whole chain: every row's hash recomputed, every link and sequence number checked,
/// and the head compared with the last row (so deleting the newest rows is detected too).
pub async fn verify<C: ConnectionTrait>(conn: &C) -> Result<Verification, DbErr> {
    let backend = conn.get_database_backend();
    let mut problems = Vec::new();
    let mut expected_seq = 1i64;
    let mut prev = GENESIS.to_owned();
    let mut rows = 0u64;
    let page = 5_000u64;
    let mut after_seq = 0i64;
    loop {
        let batch = entity::Entity::find()
            .filter(entity::Column::Seq.gt(after_seq))
            .order_by_asc(entity::Column::Seq)
            .limit(page)
            .all(conn)
            .await?;
        if batch.is_empty() {
            break;
        }
        for r in &batch {
            rows += 1;
            if r.seq != expected_seq {
                problems.push(format!(
                    "第 {} 至 {} 条审计记录缺失（已被删除）",
                    expected_seq,
                    r.seq - 1
                ));
            }
            if r.prev_hash != prev {
                problems.push(format!("第 {} 条审计记录与前一条的链接不符", r.seq));
            }
            if row_hash(r) != r.hash {
                problems.push(format!("第 {} 条审计记录的内容已被改动", r.seq));
            }
            prev = r.hash.clone();
            expected_seq = r.seq + 1;
            after_seq = r.seq;
        }
    }
    let head = conn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT seq, hash FROM audit_head WHERE id = 1",
        ))
        .await?;
    match head {
        Some(head) => {
            let seq: i64 = head.try_get("", "seq")?;
            let hash: String = head.try_get("", "hash")?;
            if seq != expected_seq - 1 || hash != prev {
                problems.push(format!(
                    "审计链末端应为第 {} 条，实际最后一条为第 {} 条（最新的记录被删除或改动）",
                    seq,
                    expected_seq - 1
                ));
            }
        }
        None => problems.push("审计链头记录丢失".to_owned()),
    }
    Ok(Verification { rows, problems })
}

/// The newest rows, for the admin page; optionally only those about one entity.
pub async fn recent<C: ConnectionTrait>(
    conn: &C,
    entity: Option<(&str, &str)>,
    limit: u64,
) -> Result<Vec<AuditRow>, DbErr> {
    let mut q = entity::Entity::find().order_by_desc(entity::Column::Seq);
    if let Some((kind, id)) = entity {
        q = q
            .filter(entity::Column::Entity.eq(kind))
            .filter(entity::Column::EntityId.eq(id));
    }
    q.limit(limit).all(conn).await
}
