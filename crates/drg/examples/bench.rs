//! The grouping benchmark without the rest of the server:
//! `cargo run --release -p yiqiao-drg --example bench -- [DATA_DIR] [GENERATED] [ROUNDS]`
//! (the same as `yiqiao drg bench`).
//!
//! The ledger benchmark (病组台账): `cargo run --release -p yiqiao-drg --example bench -- ledger
//! [DATA_DIR] [CASES…]` loads a demo hospital with each number of discharged cases (default
//! 2000 and 20000) into a fresh database (SQLite, or PostgreSQL when
//! `YIQIAO_TEST_DATABASE_URL` names a server), groups and prices them as the demo does, and
//! times, best of five: reading the year's cases (the baseline: the queries alone), pricing the
//! year (`store::ledger::priced`), and the department page and one case page over HTTP.

use std::sync::Arc;
use std::time::{Duration, Instant};

fn default_data() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/drg").into()
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1).peekable();
    if args.peek().map(String::as_str) == Some("ledger") {
        args.next();
        let data = args.next().unwrap_or_else(default_data);
        let mut sizes: Vec<usize> = args.filter_map(|s| s.parse().ok()).collect();
        if sizes.is_empty() {
            sizes = vec![2000, 20_000];
        }
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                eprintln!("错误：{e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        return match rt.block_on(ledger(&data, &sizes)) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("错误：{e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    let data = args.next().unwrap_or_else(default_data);
    let generated = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rounds = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let bench = yiqiao_drg::bench::BenchArgs {
        data: data.into(),
        versions: vec!["zj-drg-2022".into(), "chs-drg-1.1".into()],
        generated,
        rounds,
    };
    match yiqiao_drg::bench::run(&bench, &mut |l| eprintln!("{l}")) {
        Ok(report) => {
            print!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

type Error = Box<dyn std::error::Error>;

/// The best of five runs of `f`.
async fn best<F, Fut, T>(mut f: F) -> Result<(Duration, T), Error>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let mut best: Option<(Duration, T)> = None;
    for _ in 0..5 {
        let t = Instant::now();
        let v = f().await?;
        let d = t.elapsed();
        if best.as_ref().is_none_or(|(b, _)| d < *b) {
            best = Some((d, v));
        }
    }
    best.ok_or_else(|| "no run".into())
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

async fn ledger(data: &str, sizes: &[usize]) -> Result<(), Error> {
    use chrono::Datelike;
    use yiqiao_drg::store::ledger as stored;
    let now = chrono::Utc::now();
    let year = now.with_timezone(&yiqiao_core::time::shanghai()).year();
    let data = std::path::Path::new(data);
    println!(
        "| discharged cases (demo, 365 days) | priced in {year} | read cases ms | price year ms | /drg/depts page ms | /drg/cases/{{id}} page ms |"
    );
    println!("|---|---|---|---|---|---|");
    for &n in sizes {
        let mut migrations = yiqiao_store::migrations();
        migrations.extend(yiqiao_his::migrations());
        migrations.extend(yiqiao_drg::migrations());
        let t = yiqiao_store::testing::TestDb::new(&migrations).await?;
        let opts = yiqiao_his::demo::DemoOptions {
            visits: 10,
            inpatients: 1,
            ward_days: 1,
            inpatient_cases: n,
            patients: (n * 3 / 2).max(3000),
            icd_dir: Some(data.join("zj-drg-2022/icd")),
            ..yiqiao_his::demo::DemoOptions::default()
        };
        let started = Instant::now();
        yiqiao_his::demo::load(&t.db, &opts, now).await?;
        let said = yiqiao_drg::demo::load(&t.db, data, now).await?;
        eprintln!(
            "{n} 例：演示数据 {:.1} s；{said}",
            started.elapsed().as_secs_f64()
        );
        let (from, to) = (stored::year_start(year), stored::year_start(year + 1));
        let (read, _) =
            best(|| async { Ok::<_, Error>(stored::cases(&*t.db, from, to).await?.len()) }).await?;
        let (price, priced) =
            best(|| async { Ok::<_, Error>(stored::priced(&*t.db, year).await?) }).await?;
        let one = priced
            .iter()
            .map(|p| p.case.case_id.clone())
            .next()
            .ok_or("no case priced")?;
        let state = yiqiao_drg::pages::DrgState::new(
            t.db.clone(),
            Arc::new(yiqiao_core::time::ManualClock::new(now)),
            yiqiao_drg::DEFAULT_VERSION,
        );
        let (router, _) = yiqiao_drg::pages::routes(state).into_parts();
        let base = yiqiao_http::testing::serve_as_header_role(
            router,
            yiqiao_drg::pages::navigation(),
            "bench",
        )
        .await?;
        let http = reqwest::Client::new();
        let get = |path: String| {
            let http = http.clone();
            let url = format!("{base}{path}");
            async move {
                let r = http
                    .get(url)
                    .header(yiqiao_http::testing::ROLE_HEADER, "quality")
                    .send()
                    .await?;
                if !r.status().is_success() {
                    return Err(format!("{path}: {}", r.status()).into());
                }
                Ok::<_, Error>(r.bytes().await?.len())
            }
        };
        // One request first, so the version is compiled and cached as in a running server.
        get(format!("/drg/depts?year={year}")).await?;
        let (depts, _) = best(|| get(format!("/drg/depts?year={year}"))).await?;
        let (case, _) = best(|| get(format!("/drg/cases/{one}"))).await?;
        println!(
            "| {n} | {} | {} | {} | {} | {} |",
            priced.len(),
            ms(read),
            ms(price),
            ms(depts),
            ms(case)
        );
    }
    Ok(())
}
