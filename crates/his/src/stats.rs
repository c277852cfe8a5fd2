//! Counts for the dashboard.

use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::Kind;

/// `(label, count)` for each kind of HIS record, in feed order, then the active HIS clients.
pub async fn counts<C: ConnectionTrait>(conn: &C) -> Result<Vec<(&'static str, i64)>, DbErr> {
    let mut out = Vec::with_capacity(Kind::ALL.len() + 1);
    for kind in Kind::ALL {
        out.push((kind.label(), crate::store::count(conn, kind).await?));
    }
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM his_client WHERE revoked_at IS NULL",
        ))
        .await?;
    let clients = match row {
        Some(r) => r.try_get::<i64>("", "n")?,
        None => 0,
    };
    out.push(("HIS 接入客户端", clients));
    Ok(out)
}
