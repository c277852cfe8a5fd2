//! The scan benchmark (`yiqiao tracecode bench`): the server-side scan check of outpatient
//! dispensing (parse, identify, choose the line, take the code with its conditional write,
//! count the line — one transaction) from many concurrent windows, beside a raw SQL look-up of
//! the same code in the same database in the same run; and the time to confirm a receipt of
//! 10,000 codes. On a fresh SQLite database, and on PostgreSQL when a server URL is given.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;
use yiqiao_store::{Db, DbConfig};

use crate::domain::catalogue::NewIdent;
use crate::domain::receipt::{NewReceipt, RawReceipt};
use crate::store::{catalogue as cat, dispense as dp, receipt as rc};

/// What to run.
#[derive(Debug, Clone)]
pub struct BenchArgs {
    /// Codes received on the one receipt whose confirmation is timed (also the codes scanned).
    pub codes: u32,
    /// Concurrent dispensing windows.
    pub windows: usize,
    /// A PostgreSQL server (`postgres://…/postgres`); a fresh database is made on it.
    pub postgres: Option<String>,
    /// Database pool size.
    pub pool: u32,
}

/// Boxes per prescription (one line of 24 boxes of 24 粒).
const BOXES: u32 = 24;

fn code(n: u32) -> String {
    format!("8123456{n:013}")
}

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
    let name = format!("yq_tcbench_{}", uuid::Uuid::new_v4().simple());
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

/// One database's figures.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub database: &'static str,
    pub receipt_scan: Duration,
    pub confirm: Duration,
    pub scans: usize,
    pub refused: usize,
    pub scan_p50: Duration,
    pub scan_p99: Duration,
    pub scan_wall: Duration,
    pub lookups: usize,
    pub lookup_p50: Duration,
    pub lookup_p99: Duration,
    pub lookup_wall: Duration,
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn per_s(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

async fn put(db: &Db, kind: Kind, id: &str, v: serde_json::Value) -> anyhow::Result<()> {
    yiqiao_his::store::upsert_value(db, kind, id, &v, &Actor::machine("bench"), Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{id}: {e}"))?;
    Ok(())
}

async fn run_on(
    db: Db,
    database: &'static str,
    args: &BenchArgs,
    log: &mut (dyn FnMut(&str) + Send),
) -> anyhow::Result<Outcome> {
    yiqiao_store::migrate::run(&db, &migrations()).await?;
    let his = Actor::machine("bench");
    let now = Utc::now();
    let drug = json!({"generic_name": "阿莫西林胶囊", "category": "western", "spec": "0.25g*24粒",
        "form": "胶囊剂", "manufacturer": "某药业有限公司", "approval_no": "国药准字H00000000",
        "nhsa_code": "XD1", "rx": true, "unit": "粒", "pack_unit": "盒", "pack_size": 24,
        "price": 10});
    put(&db, Kind::Drug, "D1", drug).await?;
    put(
        &db,
        Kind::Department,
        "A01",
        json!({"name": "内科", "kind": "clinic", "tcm": false, "online_booking": false}),
    )
    .await?;
    put(
        &db,
        Kind::Department,
        "YF01",
        json!({"name": "门诊西药房", "kind": "pharmacy", "tcm": false, "online_booking": false}),
    )
    .await?;
    put(&db, Kind::Staff, "D001", json!({"name": "李明华", "role": "doctor", "dept_code": "A01", "title": "主任医师", "licence_no": "120331000123456"})).await?;
    put(&db, Kind::Patient, "P0001", json!({"card_no": "MZ0001234", "name": "王小明",
        "sex": "1", "birth_date": "1985-06-12", "id_type": "1", "id_no": "331002198506122010",
        "nationality": "CHN", "ethnicity": "01", "marital": "20",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "东山路18号"},
        "phone": "13805761234", "drug_allergy": "1", "other_allergy": "1"})).await?;
    put(
        &db,
        Kind::Visit,
        "V0001",
        json!({"patient_id": "P0001", "visit_type": "2",
        "dept_code": "A01", "doctor_code": "D001", "registered_at": "2026-11-02 08:01:10",
        "revisit": false, "infusion": false, "chronic_special": false,
        "western_diagnoses": [{"code": "J06.900", "name": "急性上呼吸道感染"}]}),
    )
    .await?;
    let keeper = Actor::person("bench-yaoku");
    cat::add_ident(
        &db,
        "D1",
        &NewIdent::parse("8123456", "smallest", "24")?,
        &keeper,
        now,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let prescriptions = args.codes / BOXES;
    for i in 0..prescriptions {
        put(
            &db,
            Kind::Prescription,
            &format!("RX{i}"),
            json!({"visit_id": "V0001",
            "patient_id": "P0001", "doctor_code": "D001", "dept_code": "A01",
            "pharmacy_code": "YF01", "prescribed_at": "2026-11-02 08:50:00",
            "rx_type": "western", "self_pay": true,
            "lines": [{"line_no": 1, "drug_code": "D1", "quantity": BOXES * 24}]}),
        )
        .await?;
    }
    let _ = his;
    log(&format!(
        "{database}: 处方 {prescriptions} 张已载入，开始入库扫码 {} 盒",
        args.codes
    ));

    // One receipt of `codes` boxes, scanned by the windows in parallel, then confirmed (timed).
    let raw: RawReceipt = serde_json::from_value(json!({"supplier_name": "华东医药",
        "location": "YF01", "invoice_no": "INV1",
        "lines": [{"drug_code": "D1", "batch_no": "B1", "manu_date": "2026-01-10",
                   "expiry": "2028-01-09", "packages": args.codes}]}))?;
    let parsed = NewReceipt::parse(&raw).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let r = rc::create(&db, &parsed, &keeper, now)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let mut tasks = Vec::new();
    for _ in 0..args.windows {
        let (db, next, keeper, codes, id) =
            (db.clone(), next.clone(), keeper.clone(), args.codes, r.id);
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= codes {
                    return Ok::<(), anyhow::Error>(());
                }
                rc::scan(&db, id, &code(i), &keeper, Utc::now())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    let receipt_scan = started.elapsed();
    let started = Instant::now();
    rc::confirm(&db, r.id, &keeper, Utc::now())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let confirm = started.elapsed();
    log(&format!(
        "{database}: 入库单 {} 码 扫码 {:.1} s，确认 {:.0} ms",
        args.codes,
        receipt_scan.as_secs_f64(),
        ms(confirm)
    ));

    // The windows dispense: each takes the next prescription and scans its 24 boxes; every
    // tenth scan repeats the previous code (refused: already dispensed), as a slip would.
    let mut ids = Vec::new();
    for i in 0..prescriptions {
        let d = dp::open(&db, &format!("RX{i}"), &keeper, Utc::now())
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        ids.push(d.id);
    }
    let ids = Arc::new(ids);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..args.windows {
        let (db, ids, next) = (db.clone(), ids.clone(), next.clone());
        let who = Actor::person(format!("bench-yaoshi{w}"));
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut refused = 0usize;
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(id) = ids.get(k) else {
                    return Ok::<_, anyhow::Error>((times, refused));
                };
                let first = u32::try_from(k)? * BOXES;
                for b in 0..BOXES {
                    let c = code(first + b);
                    let t = Instant::now();
                    dp::scan(&db, *id, &c, &who, Utc::now())
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    times.push(t.elapsed());
                    if b % 10 == 9 {
                        let t = Instant::now();
                        if dp::scan(&db, *id, &c, &who, Utc::now()).await.is_err() {
                            refused += 1;
                        }
                        times.push(t.elapsed());
                    }
                }
            }
        }));
    }
    let mut times = Vec::new();
    let mut refused = 0;
    for t in tasks {
        let (mut tt, r) = t.await??;
        times.append(&mut tt);
        refused += r;
    }
    let scan_wall = started.elapsed();
    times.sort_unstable();
    log(&format!("{database}: 发药扫码 {} 次完成", times.len()));

    // The baseline: the same codes looked up by raw SQL from as many connections at once.
    let next = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    let total = prescriptions * BOXES;
    for _ in 0..args.windows {
        let (db, next) = (db.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let backend = db.get_database_backend();
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= total {
                    return Ok::<_, anyhow::Error>(times);
                }
                let t = Instant::now();
                let row = db
                    .query_one_raw(Statement::from_sql_and_values(
                        backend,
                        "SELECT state, location FROM trace_code WHERE code_key = $1",
                        [code(i).into()],
                    ))
                    .await?;
                times.push(t.elapsed());
                if row.is_none() {
                    anyhow::bail!("code {i} missing");
                }
            }
        }));
    }
    let mut lookups = Vec::new();
    for t in tasks {
        lookups.append(&mut t.await??);
    }
    let lookup_wall = started.elapsed();
    lookups.sort_unstable();
    Ok(Outcome {
        database,
        receipt_scan,
        confirm,
        scans: times.len(),
        refused,
        scan_p50: pct(&times, 0.50),
        scan_p99: pct(&times, 0.99),
        scan_wall,
        lookups: lookups.len(),
        lookup_p50: pct(&lookups, 0.50),
        lookup_p99: pct(&lookups, 0.99),
        lookup_wall,
    })
}

/// Runs the benchmark and returns its report (a Markdown table).
pub async fn run(args: &BenchArgs, log: &mut (dyn FnMut(&str) + Send)) -> anyhow::Result<String> {
    let mut results = Vec::new();
    let dir = tempfile::tempdir()?;
    let sqlite = Db::connect(&DbConfig {
        url: Db::sqlite_url_in(dir.path()),
        max_connections: args.pool,
    })
    .await?;
    results.push(run_on(sqlite, "SQLite", args, log).await?);
    if let Some(pg) = &args.postgres {
        let db = fresh_postgres(pg, args.pool).await?;
        results.push(run_on(db, "PostgreSQL", args, log).await?);
    }
    let mut out = format!(
        "{} windows; receipt of {} codes; dispensing scans of {} prescriptions × {BOXES} boxes, every tenth repeated (refused); database pool {}.\n\n",
        args.windows,
        args.codes,
        args.codes / BOXES,
        args.pool
    );
    out.push_str("| database | scan checks | refused | scan p50 ms | scan p99 ms | checks/s | raw look-ups | look-up p50 ms | look-up p99 ms | look-ups/s | checks / look-ups | receipt scans s | confirm 10k ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for o in results {
        let checks = per_s(o.scans, o.scan_wall);
        let looks = per_s(o.lookups, o.lookup_wall);
        out.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.0} | {} | {:.3} | {:.3} | {:.0} | {:.3} | {:.1} | {:.0} |\n",
            o.database,
            o.scans,
            o.refused,
            ms(o.scan_p50),
            ms(o.scan_p99),
            checks,
            o.lookups,
            ms(o.lookup_p50),
            ms(o.lookup_p99),
            looks,
            checks / looks.max(1e-9),
            o.receipt_scan.as_secs_f64(),
            ms(o.confirm),
        ));
    }
    Ok(out)
}
