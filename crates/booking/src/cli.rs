//! What `yiqiao platform-app …` and `yiqiao booking …` do (src/main.rs only reads the command).

use chrono::{DateTime, Utc};
use serde_json::Value;
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::client::PlatformClient;
use crate::config::{KeyProvider, Rules};
use crate::store::{Failure, desk, planning, platform};

/// `yiqiao platform-app add`: register an app; returns its secret (shown once).
pub async fn add_app(
    db: &Db,
    key: &KeyProvider,
    app_id: &str,
    name: &str,
    callback_url: Option<&str>,
    secret: Option<&str>,
    now: DateTime<Utc>,
) -> anyhow::Result<String> {
    let user = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    platform::add_app(
        db,
        key,
        app_id,
        name,
        callback_url,
        secret,
        &Actor::person(format!("cli:{user}")),
        now,
    )
    .await
    .map_err(failure)
}

/// `yiqiao platform-app list`.
pub async fn list_apps(db: &Db) -> anyhow::Result<String> {
    let mut out = String::new();
    for a in platform::list_apps(db).await? {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\n",
            a.app_id,
            a.name,
            if a.enabled { "启用" } else { "停用" },
            a.callback_url.unwrap_or_default()
        ));
    }
    Ok(out)
}

fn failure(f: Failure) -> anyhow::Error {
    anyhow::Error::msg(f.to_string())
}

/// `yiqiao booking generate`: schedules from the templates for the next `days` days.
pub async fn generate(
    db: &Db,
    rules: &Rules,
    days: u32,
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    planning::generate(
        db,
        rules,
        crate::store::local_date(now),
        days,
        &Actor::system("booking.generate"),
        now,
    )
    .await
    .map_err(failure)
}

/// `yiqiao booking end-of-day`.
pub async fn end_of_day(
    db: &Db,
    rules: &Rules,
    now: DateTime<Utc>,
) -> anyhow::Result<desk::EndOfDay> {
    desk::end_of_day(db, rules, now).await.map_err(failure)
}

/// `yiqiao booking client`: one signed request; prints the status and the envelope.
#[allow(clippy::too_many_arguments)]
pub async fn client(
    base: &str,
    app_id: &str,
    secret: &str,
    method: &str,
    path: &str,
    query: &[String],
    body: Option<&str>,
    idempotency_key: Option<&str>,
) -> anyhow::Result<(u16, String)> {
    let c = PlatformClient::new(base, app_id, secret);
    let pairs: Vec<(&str, &str)> = query
        .iter()
        .map(|q| q.split_once('=').unwrap_or((q.as_str(), "")))
        .collect();
    let body: Option<Value> = match body {
        Some(b) => Some(
            serde_json::from_str(b).map_err(|e| anyhow::anyhow!("--body 不是合法的 JSON：{e}"))?,
        ),
        None => None,
    };
    let key = match (idempotency_key, method.eq_ignore_ascii_case("POST")) {
        (Some(k), _) => Some(k.to_owned()),
        (None, true) => Some(crate::client::new_nonce()),
        (None, false) => None,
    };
    let r = c
        .send(
            &method.to_ascii_uppercase(),
            path,
            &pairs,
            body.as_ref(),
            key.as_deref(),
        )
        .await?;
    Ok((r.status, serde_json::to_string_pretty(&r.body)?))
}
