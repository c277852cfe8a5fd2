//! The release-rush benchmark (`yiqiao booking bench`): thousands of concurrent signed
//! take-number requests over many connections against one schedule, next to the same
//! reservation done as a raw SQL transaction loop in the same run (the database's own limit).
//! On a fresh SQLite database, and on PostgreSQL when a server URL is given.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{NaiveTime, Utc};
use sea_orm::ConnectionTrait;
use yiqiao_core::time::{Clock, SystemClock};
use yiqiao_store::audit::Actor;
use yiqiao_store::{Db, DbConfig};

use crate::api::BookingState;
use crate::client::PlatformClient;
use crate::config::{KeyProvider, Rules};
use crate::domain::schedule::{Level, Session, SlotLayout};
use crate::store::planning::{self, NewSchedule};
use crate::store::{exec, one, v};

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchArgs {
    /// Take-number requests in the rush.
    pub requests: usize,
    /// Concurrent connections (one request in flight on each).
    pub connections: usize,
    /// Online places of the schedule (the rest of the requests lose).
    pub places: u32,
    /// A PostgreSQL server (`postgres://…/postgres`); a fresh database is made on it.
    pub postgres: Option<String>,
    /// Database pool size of the server.
    pub pool: u32,
}

/// The result of one rush on one database.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub database: &'static str,
    pub requests: usize,
    pub codes: BTreeMap<String, usize>,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub wall_s: f64,
    pub tickets: usize,
    pub tickets_per_s: f64,
    pub overbooked: bool,
    /// The raw SQL loop: reservations per second at the same concurrency.
    pub raw_per_s: f64,
    pub raw_reserved: usize,
}

const APP: &str = "bench-app";
const SECRET: &str = "bench-secret-0123456789abcdef";

fn migrations() -> Vec<yiqiao_store::Migration> {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(crate::migrations());
    m
}

async fn fresh_postgres(server: &str, pool: u32) -> anyhow::Result<Db> {
    let admin = Db::connect(&DbConfig {
        url: server.to_owned(),
        max_connections: 2,
    })
    .await?;
    let name = format!("yq_bench_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await?;
    admin.close().await?;
    let mut u = url::Url::parse(server)?;
    u.set_path(&format!("/{name}"));
    Ok(Db::connect(&DbConfig {
        url: u.to_string(),
        max_connections: pool,
    })
    .await?)
}

/// A schedule of `places` online numbers the day after tomorrow from 02:00 (windows of 30 minutes, ≤ 200 per window).
async fn rush_schedule(
    db: &Db,
    rules: &Rules,
    places: u32,
    doctor: &str,
) -> anyhow::Result<String> {
    let per_window = places.div_ceil(40).clamp(1, 200);
    let windows = places.div_ceil(per_window).clamp(1, 40);
    let now = Utc::now();
    let n = NewSchedule {
        dept_code: "BENCH".into(),
        doctor_code: doctor.into(),
        date: crate::store::local_date(now) + chrono::Duration::days(2),
        session: Session::Am,
        level: Level::General,
        fee_fen: 1000,
        layout: SlotLayout::new(
            NaiveTime::from_hms_opt(2, 0, 0).unwrap_or_default(),
            30,
            windows,
            per_window,
            0,
        )?,
        template_id: None,
    };
    let s = planning::create_schedule(
        db,
        rules,
        &n,
        &Actor::system("bench"),
        now - chrono::Duration::days(30),
    )
    .await?;
    Ok(s.id)
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn rush_on(
    db: Db,
    name: &'static str,
    args: &BenchArgs,
    log: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<Outcome> {
    yiqiao_store::migrate::run(&db, &migrations()).await?;
    let key = crate::domain::secret::key_from_bytes(&rand::random::<[u8; 32]>());
    let rules = Rules {
        daily_limit: 1000,
        ..Rules::default()
    };
    crate::store::platform::add_app(
        &db,
        &KeyProvider::fixed(key.clone()),
        APP,
        "压测",
        None,
        Some(SECRET),
        &Actor::system("bench"),
        Utc::now(),
    )
    .await?;
    let schedule = rush_schedule(&db, &rules, args.places, "B001").await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = BookingState {
        db: db.clone(),
        clock,
        rules,
        key: Arc::new(KeyProvider::fixed(key)),
        // The benchmark measures how fast numbers are taken, not the budget that caps a flood.
        limiter: Arc::new(crate::api::AppLimiter::new(crate::domain::rate::RateRule {
            per_second: u32::MAX,
            burst: u32::MAX,
        })),
    };
    let (router, _) = crate::routes(state).into_parts();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    let base = format!("http://{addr}");
    log(&format!(
        "{name}: {} 个请求、{} 个连接、网上号 {} 个……",
        args.requests, args.connections, args.places
    ));

    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..args.connections {
        let next = next.clone();
        let base = base.clone();
        let schedule = schedule.clone();
        let total = args.requests;
        workers.push(tokio::spawn(async move {
            // One connection per worker.
            let mut c = PlatformClient::new(&base, APP, SECRET);
            c.http = reqwest::Client::builder().pool_max_idle_per_host(1).build().unwrap_or_default();
            let mut out: Vec<(f64, Result<String, String>)> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let id_no = yiqiao_core::IdCardNo::compose(
                    "331002",
                    chrono::NaiveDate::from_ymd_opt(1950, 1, 1).unwrap_or_default() + chrono::Duration::days((i % 20_000) as i64),
                    (i / 20_000 % 1000) as u16,
                )
                .map(|x| x.as_str().to_owned())
                .unwrap_or_default();
                let body = serde_json::json!({
                    "schedule_id": schedule,
                    "patient": {"name": "压测", "id_type": "01", "id_no": id_no, "phone": "13800000000"},
                    "platform_order_id": format!("BENCH{i:08}"),
                    "channel": "anzhener",
                });
                let t = Instant::now();
                let r = c.post("/platform/v1/tickets", &body, &format!("bench-{i}")).await;
                let ms = t.elapsed().as_secs_f64() * 1000.0;
                out.push((ms, match r {
                    Ok(r) if r.status >= 500 => Err(format!("HTTP {}", r.status)),
                    Ok(r) => Ok(r.code().to_owned()),
                    Err(e) => Err(e.to_string()),
                }));
            }
            out
        }));
    }
    let mut lat = Vec::with_capacity(args.requests);
    let mut codes = BTreeMap::new();
    let mut errors = 0;
    for w in workers {
        for (ms, r) in w.await? {
            lat.push(ms);
            match r {
                Ok(code) => *codes.entry(code).or_insert(0) += 1,
                Err(_) => errors += 1,
            }
        }
    }
    let wall = started.elapsed().as_secs_f64();
    server.abort();
    lat.sort_by(|a, b| a.total_cmp(b));
    let row = one(&*db, "SELECT COUNT(*) AS n, COUNT(DISTINCT seq_no) AS d FROM booking_ticket WHERE schedule_id = $1", vec![v(&schedule)]).await?;
    let (tickets, distinct) = match row {
        Some(r) => (
            r.try_get::<i64>("", "n")? as usize,
            r.try_get::<i64>("", "d")? as usize,
        ),
        None => (0, 0),
    };
    let overbooked = tickets > args.places as usize || distinct != tickets;

    // The baseline: the same reservation as a raw SQL transaction loop at the same concurrency.
    let raw_schedule = rush_schedule(&db, &rules, args.places, "B002").await?;
    let reserved = Arc::new(AtomicUsize::new(0));
    let next = Arc::new(AtomicUsize::new(0));
    let raw_started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.connections {
        let db = db.clone();
        let next = next.clone();
        let reserved = reserved.clone();
        let sid = raw_schedule.clone();
        let total = args.requests;
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    break;
                }
                let Ok(txn) = db.begin_write().await else { continue };
                let tid = format!("raw{i:08}");
                let pick = match db.backend() {
                    yiqiao_store::Backend::Postgres => "SELECT seq_no FROM booking_slot WHERE schedule_id = $2 AND state = 'free' ORDER BY seq_no LIMIT 1 FOR UPDATE SKIP LOCKED",
                    yiqiao_store::Backend::Sqlite => "SELECT MIN(seq_no) FROM booking_slot WHERE schedule_id = $2 AND state = 'free'",
                };
                let sql = format!("UPDATE booking_slot SET state = 'taken', ticket_id = $1 WHERE schedule_id = $2 AND state = 'free' AND seq_no = ({pick})");
                match exec(&txn, &sql, vec![v(&tid), v(&sid)]).await {
                    Ok(1) => {
                        if txn.commit().await.is_ok() {
                            reserved.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    _ => {
                        let _ = txn.rollback().await;
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let raw_wall = raw_started.elapsed().as_secs_f64();
    let raw_reserved = reserved.load(Ordering::Relaxed);
    Ok(Outcome {
        database: name,
        requests: args.requests,
        codes,
        errors,
        p50_ms: percentile(&lat, 0.50),
        p99_ms: percentile(&lat, 0.99),
        wall_s: wall,
        tickets,
        tickets_per_s: tickets as f64 / wall.max(1e-9),
        overbooked,
        raw_per_s: raw_reserved as f64 / raw_wall.max(1e-9),
        raw_reserved,
    })
}

/// Run the benchmark; returns a Markdown report.
pub async fn run(args: &BenchArgs, log: &mut (dyn FnMut(&str) + Send)) -> anyhow::Result<String> {
    let mut results = Vec::new();
    let dir = tempfile::tempdir()?;
    let sqlite = Db::connect(&DbConfig {
        url: Db::sqlite_url_in(dir.path()),
        max_connections: args.pool,
    })
    .await?;
    results.push(rush_on(sqlite, "SQLite", args, log).await?);
    if let Some(pg) = &args.postgres {
        let db = fresh_postgres(pg, args.pool).await?;
        results.push(rush_on(db, "PostgreSQL", args, log).await?);
    }
    let mut out = String::new();
    out.push_str(&format!(
        "release rush: {} signed take-number requests over {} connections against one schedule of {} online numbers; database pool {}.\n\n",
        args.requests, args.connections, args.places, args.pool
    ));
    out.push_str("| database | tickets | refusals by code | errors (5xx, network) | overbooked | p50 ms | p99 ms | rush wall s | tickets/s (API) | tickets/s (raw SQL loop) | API / raw |\n");
    out.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in &results {
        let refusals: Vec<String> = r
            .codes
            .iter()
            .filter(|(c, _)| c.as_str() != "OK")
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {:.1} | {:.1} | {:.2} | {:.0} | {:.0} ({} reserved) | {:.2} |\n",
            r.database,
            r.tickets,
            refusals.join(", "),
            r.errors,
            if r.overbooked { "**YES**" } else { "no" },
            r.p50_ms,
            r.p99_ms,
            r.wall_s,
            r.tickets_per_s,
            r.raw_per_s,
            r.raw_reserved,
            r.tickets_per_s / r.raw_per_s.max(1e-9),
        ));
    }
    Ok(out)
}
