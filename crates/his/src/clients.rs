//! HIS feed clients (HIS 接入客户端): each has a name and a random bearer token, of which only
//! the SHA-256 hash is stored. The token is shown once, when the client is created.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use yiqiao_store::audit::{self, Actor, Change};
use yiqiao_store::is_unique_violation;

use crate::HisError;
use crate::store::entities::client as e;

/// Tokens start with this, so that a leaked one is recognisable.
pub const TOKEN_PREFIX: &str = "yqhis_";

/// A HIS client as the admin page shows it (never the token or its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    pub id: i64,
    pub name: String,
    #[serde(with = "yiqiao_core::time::local_datetime")]
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    #[serde(with = "yiqiao_core::time::local_datetime_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl Client {
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

impl From<e::Model> for Client {
    fn from(m: e::Model) -> Self {
        Client {
            id: m.id,
            name: m.name,
            created_at: m.created_at,
            created_by: m.created_by,
            revoked_at: m.revoked_at,
            revoked_by: m.revoked_by,
        }
    }
}

/// The SHA-256 (hex) of a token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

fn audit_view(c: &Client) -> serde_json::Value {
    serde_json::json!({"id": c.id, "name": c.name, "revoked": !c.is_active()})
}

/// Creates a client; returns it and its token, which is not stored and cannot be shown again.
/// Runs in its own transaction (a savepoint when `conn` is a transaction), audited.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    name: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(Client, String), HisError> {
    let name = name.trim();
    let n = name.chars().count();
    if n == 0 {
        return Err(HisError::field("name", "客户端名称不能为空"));
    }
    if n > 100 {
        return Err(HisError::field(
            "name",
            format!("客户端名称长度 {n} 超过上限 100 个字符"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(HisError::field("name", "客户端名称含控制字符"));
    }
    let token = new_token();
    let txn = conn.begin().await?;
    let inserted = e::ActiveModel {
        name: Set(name.to_owned()),
        token_hash: Set(token_hash(&token)),
        created_at: Set(now),
        created_by: Set(actor.name.clone()),
        revoked_at: Set(None),
        revoked_by: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let client = match inserted {
        Ok(m) => Client::from(m),
        Err(err) if is_unique_violation(&err) => {
            return Err(HisError::ClientExists(name.to_owned()));
        }
        Err(err) => return Err(err.into()),
    };
    audit::record(
        &txn,
        actor,
        Change::new("his.client.create", "his_client", client.id.to_string())
            .after(audit_view(&client)),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((client, token))
}

/// Every client, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C) -> Result<Vec<Client>, HisError> {
    Ok(e::Entity::find()
        .order_by_desc(e::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Client::from)
        .collect())
}

/// Revokes a client: its token stops working at once. Revoking a revoked client changes
/// nothing (and writes no audit row).
pub async fn revoke<C: ConnectionTrait + TransactionTrait>(
    conn: &C,
    id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Client, HisError> {
    let txn = conn.begin().await?;
    // Write first (the conditional update), then read what it did.
    let res = e::Entity::update_many()
        .col_expr(e::Column::RevokedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(
            e::Column::RevokedBy,
            sea_orm::sea_query::Expr::value(actor.name.clone()),
        )
        .filter(e::Column::Id.eq(id))
        .filter(e::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    let Some(m) = e::Entity::find_by_id(id).one(&txn).await? else {
        return Err(HisError::NoSuchClient(id));
    };
    let client = Client::from(m);
    if res.rows_affected > 0 {
        let mut before = audit_view(&client);
        before["revoked"] = serde_json::Value::Bool(false);
        audit::record(
            &txn,
            actor,
            Change::new("his.client.revoke", "his_client", id.to_string())
                .before(before)
                .after(audit_view(&client)),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    Ok(client)
}

/// The active client holding this token, if any.
pub async fn authenticate<C: ConnectionTrait>(
    conn: &C,
    token: &str,
) -> Result<Option<Client>, HisError> {
    // The lookup is by hash, so the comparison never touches the secret itself.
    let m = e::Entity::find()
        .filter(e::Column::TokenHash.eq(token_hash(token)))
        .filter(e::Column::RevokedAt.is_null())
        .one(conn)
        .await?;
    Ok(m.map(Client::from))
}
