//! Platform apps (their secrets encrypted with SM4), the nonces seen within the signature window
//! (replay protection) and the stored responses of idempotent writes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, QueryOrder, Set};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use super::entities::{app, idempotency};
use super::{exec, v};
use crate::domain::BookingError;

/// How long a nonce is remembered: longer than the timestamp window on both sides.
pub const NONCE_TTL_SECS: i64 = 660;
/// How long a stored response is replayed.
pub const IDEMPOTENCY_TTL_HOURS: i64 = 24;
/// A claimed key still running after this long was abandoned by a process that stopped.
pub const ABANDONED_AFTER_SECS: i64 = 60;

/// A new secret: 40 letters and digits.
pub fn new_secret() -> String {
    crate::client::new_nonce() + &crate::client::new_nonce()[..8]
}

/// Check an app id: 3–64 of `[A-Za-z0-9_-]`.
pub fn check_app_id(id: &str) -> Result<(), BookingError> {
    if (3..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(())
    } else {
        Err(BookingError::invalid(
            "应用编号应为 3 到 64 位字母、数字、- 或 _",
        ))
    }
}

/// Register an app; returns its secret (the one given, or a new one).
#[allow(clippy::too_many_arguments)]
pub async fn add_app(
    db: &Db,
    key: &crate::config::KeyProvider,
    app_id: &str,
    name: &str,
    callback_url: Option<&str>,
    secret: Option<&str>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> super::Result<String> {
    check_app_id(app_id)?;
    if name.trim().is_empty() || name.chars().count() > 100 {
        return Err(BookingError::invalid("应用名称应为 1 到 100 个字").into());
    }
    if let Some(u) = callback_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return Err(BookingError::invalid("回调地址应以 http:// 或 https:// 开头").into());
    }
    let secret = match secret {
        Some(s) if s.len() < 16 => {
            return Err(BookingError::invalid("密钥至少 16 个字符").into());
        }
        Some(s) => s.to_owned(),
        None => new_secret(),
    };
    // The key only now, after the request is known to be sound.
    let key = key
        .get()
        .map_err(|e| DbErr::Custom(format!("booking secret key: {e}")))?;
    use rand::RngCore;
    let mut iv = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut iv);
    let txn = db.begin_write().await?;
    let res = app::ActiveModel {
        app_id: Set(app_id.to_owned()),
        name: Set(name.trim().to_owned()),
        secret_enc: Set(key.encrypt(secret.as_bytes(), iv)),
        callback_url: Set(callback_url.map(str::to_owned)),
        enabled: Set(true),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await;
    match res {
        Ok(_) => {}
        Err(e) if yiqiao_store::is_unique_violation(&e) => {
            return Err(BookingError::invalid(format!("应用编号 {app_id} 已存在")).into());
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &txn,
        actor,
        Change::new("booking.app.add", "booking_platform_app", app_id)
            .after(serde_json::json!({"name": name, "callback_url": callback_url})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(secret)
}

pub async fn list_apps(db: &Db) -> Result<Vec<app::Model>, DbErr> {
    app::Entity::find()
        .order_by_asc(app::Column::AppId)
        .all(&**db)
        .await
}

/// An enabled app and its secret.
pub async fn app_secret(
    db: &Db,
    key: &crate::config::KeyProvider,
    app_id: &str,
) -> Result<Option<(app::Model, Vec<u8>)>, DbErr> {
    let Some(a) = app::Entity::find_by_id(app_id.to_owned())
        .one(&**db)
        .await?
    else {
        return Ok(None);
    };
    if !a.enabled {
        return Ok(None);
    }
    let key = key
        .get()
        .map_err(|e| DbErr::Custom(format!("booking secret key: {e}")))?;
    match key.decrypt(&a.secret_enc) {
        Ok(s) => Ok(Some((a, s))),
        Err(e) => {
            tracing::error!(app_id, error = %e, "platform app secret cannot be decrypted");
            Ok(None)
        }
    }
}

/// Enable or disable an app.
pub async fn set_enabled(
    db: &Db,
    app_id: &str,
    enabled: bool,
    actor: &Actor,
    now: DateTime<Utc>,
) -> super::Result<()> {
    let txn = db.begin_write().await?;
    let n = exec(
        &txn,
        "UPDATE booking_platform_app SET enabled = $1, updated_at = $2 WHERE app_id = $3",
        vec![v(enabled), v(now), v(app_id)],
    )
    .await?;
    if n != 1 {
        return Err(BookingError::not_found(format!("没有应用 {app_id}")).into());
    }
    audit::record(
        &txn,
        actor,
        Change::new("booking.app.enable", "booking_platform_app", app_id)
            .after(serde_json::json!({"enabled": enabled})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Remember a nonce; `AUTH_REPLAY` when it was seen within the window. The primary key decides.
pub async fn use_nonce(
    db: &Db,
    app_id: &str,
    nonce: &str,
    now: DateTime<Utc>,
) -> super::Result<()> {
    // Forget expired nonces now and then (cheap: indexed by expiry).
    if rand::random::<u8>() < 4 {
        exec(
            &**db,
            "DELETE FROM booking_nonce WHERE expires_at < $1",
            vec![v(now)],
        )
        .await?;
    }
    let res = exec(
        &**db,
        "INSERT INTO booking_nonce (app_id, nonce, expires_at) VALUES ($1, $2, $3)",
        vec![
            v(app_id),
            v(nonce),
            v(now + Duration::seconds(NONCE_TTL_SECS)),
        ],
    )
    .await;
    match res {
        Ok(_) => Ok(()),
        Err(e) if yiqiao_store::is_unique_violation(&e) => {
            // An expired row of a nonce reused much later: replace it.
            let n = exec(
                &**db,
                "UPDATE booking_nonce SET expires_at = $1 WHERE app_id = $2 AND nonce = $3 AND expires_at < $4",
                vec![v(now + Duration::seconds(NONCE_TTL_SECS)), v(app_id), v(nonce), v(now)],
            )
            .await?;
            if n == 1 {
                Ok(())
            } else {
                Err(BookingError::AuthReplay.into())
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// What the idempotency store says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Idem {
    /// First time: go ahead, then call [`finish`].
    Fresh,
    /// Seen and answered: replay this.
    Replay {
        status: u16,
        body: String,
    },
    Conflict,
    InFlight,
}

/// Claim an idempotency key for a request whose body hashes to `hash`.
pub async fn idem_begin(
    db: &Db,
    app_id: &str,
    key: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<Idem, DbErr> {
    for _ in 0..2 {
        let res = exec(
            &**db,
            "INSERT INTO booking_idempotency (app_id, idem_key, request_hash, state, created_at, expires_at) \
             VALUES ($1, $2, $3, 'running', $4, $5)",
            vec![v(app_id), v(key), v(hash), v(now), v(now + Duration::hours(IDEMPOTENCY_TTL_HOURS))],
        )
        .await;
        match res {
            Ok(_) => return Ok(Idem::Fresh),
            Err(e) if yiqiao_store::is_unique_violation(&e) => {}
            Err(e) => return Err(e),
        }
        let Some(row) = idempotency::Entity::find_by_id((app_id.to_owned(), key.to_owned()))
            .one(&**db)
            .await?
        else {
            continue;
        };
        if row.expires_at < now {
            exec(
                &**db,
                "DELETE FROM booking_idempotency WHERE app_id = $1 AND idem_key = $2 AND expires_at < $3",
                vec![v(app_id), v(key), v(now)],
            )
            .await?;
            continue;
        }
        if row.request_hash != hash {
            return Ok(Idem::Conflict);
        }
        // A claim still "running" long after any request could run was left by a process that
        // died between its business commit and storing the answer. Take it over (the database
        // decides which retry gets it): the request runs again, and the business rules make
        // that safe — a ticket is found again by its platform order id.
        if row.state == "running" && row.created_at < now - Duration::seconds(ABANDONED_AFTER_SECS)
        {
            let taken = exec(
                &**db,
                "UPDATE booking_idempotency SET created_at = $1 \
                 WHERE app_id = $2 AND idem_key = $3 AND state = 'running' AND created_at = $4",
                vec![v(now), v(app_id), v(key), v(row.created_at)],
            )
            .await?;
            if taken == 1 {
                return Ok(Idem::Fresh);
            }
            continue;
        }
        return Ok(match (row.state.as_str(), row.status, row.response) {
            ("done", Some(status), Some(body)) => Idem::Replay {
                status: status as u16,
                body,
            },
            _ => Idem::InFlight,
        });
    }
    Ok(Idem::InFlight)
}

/// Store the response of a claimed key.
pub async fn idem_finish(
    db: &Db,
    app_id: &str,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), DbErr> {
    exec(
        &**db,
        "UPDATE booking_idempotency SET state = 'done', status = $1, response = $2 WHERE app_id = $3 AND idem_key = $4",
        vec![v(i32::from(status)), v(body), v(app_id), v(key)],
    )
    .await?;
    Ok(())
}

/// Give up a claimed key (our own failure): a retry may run again.
pub async fn idem_abandon(db: &Db, app_id: &str, key: &str) -> Result<(), DbErr> {
    exec(
        &**db,
        "DELETE FROM booking_idempotency WHERE app_id = $1 AND idem_key = $2 AND state = 'running'",
        vec![v(app_id), v(key)],
    )
    .await?;
    Ok(())
}
