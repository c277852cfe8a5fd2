//! `yiqiao visitpage bench`: a month of visits (100,000 by default) assembled from the HIS
//! tables, checked and stored as pages, exported as the upload workbook, and one page rendered
//! to PDF; beside each, a raw-SQL read of the same rows in the same run as the baseline
//! (these machines are noisy: the ratios are the result).

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Statement};
use yiqiao_his::store::entities::{charge, department, patient, staff, visit, visit_diagnosis};
use yiqiao_store::audit::Actor;
use yiqiao_store::{Db, DbConfig};

use crate::domain::assemble::{FeeTarget, Org};
use crate::domain::page::FeeItem;
use crate::domain::period::Period;
use crate::domain::rules::check;
use crate::error::VisitPageError;
use crate::store::{self, MappingKey, queries};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchArgs {
    /// Visits in the month.
    pub pages: usize,
    /// An empty PostgreSQL database; else a fresh SQLite file in the temp folder.
    pub postgres: Option<String>,
    /// PDFs rendered after the first (the first also scans the fonts).
    pub pdfs: usize,
}

impl Default for BenchArgs {
    fn default() -> Self {
        BenchArgs {
            pages: 100_000,
            postgres: None,
            pdfs: 20,
        }
    }
}

fn bench_err(e: impl std::fmt::Display) -> VisitPageError {
    VisitPageError::Export(format!("基准测试：{e}"))
}

/// The month the generated visits fall in.
pub const MONTH: &str = "2026-11";

fn t(day: u32, secs: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
        + chrono::Duration::seconds(i64::from(secs))
}

async fn insert_all<E, A>(db: &Db, rows: Vec<A>) -> Result<(), VisitPageError>
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let txn = db.begin_write().await?;
        for _ in 0..20 {
            let batch: Vec<A> = rows.by_ref().take(400).collect();
            if batch.is_empty() {
                break;
            }
            E::insert_many(batch).exec_without_returning(&txn).await?;
        }
        txn.commit().await?;
    }
    Ok(())
}

/// Writes a month of HIS visits that make clean pages: two departments (one TCM), 20 doctors,
/// a patient per 10 visits, 3 charges and 1–3 diagnoses a visit.
async fn generate(db: &Db, visits: usize) -> Result<(), VisitPageError> {
    use sea_orm::IntoActiveModel;
    let now = t(1, 0);
    let depts = [("A03.01", "呼吸内科", false), ("A50.01", "中医内科", true)];
    let rows: Vec<department::ActiveModel> = depts
        .iter()
        .map(|(c, n, tcm)| {
            department::Model {
                code: (*c).into(),
                name: (*n).into(),
                kind: "clinic".into(),
                campus: None,
                tcm: *tcm,
                online_booking: true,
                intro: None,
                active: true,
                content_hash: String::new(),
                created_at: now,
                updated_at: now,
            }
            .into_active_model()
        })
        .collect();
    insert_all(db, rows).await?;
    let rows: Vec<staff::ActiveModel> = (0..20)
        .map(|i| {
            staff::Model {
                code: format!("D{i:03}"),
                name: format!("医师{i:02}"),
                role: "doctor".into(),
                dept_code: depts[i % 2].0.into(),
                title: Some(
                    if i % 3 == 0 {
                        "主任医师"
                    } else {
                        "主治医师"
                    }
                    .into(),
                ),
                licence_no: None,
                id_type: None,
                id_no: None,
                specialty: None,
                intro: None,
                active: true,
                content_hash: String::new(),
                created_at: now,
                updated_at: now,
            }
            .into_active_model()
        })
        .collect();
    insert_all(db, rows).await?;
    let patients = visits.div_ceil(10).max(1);
    let mut rows = Vec::with_capacity(patients);
    for i in 0..patients {
        let birth = NaiveDate::from_ymd_opt(
            1950 + i32::try_from(i % 60).unwrap_or(0),
            1 + u32::try_from(i % 12).unwrap_or(0),
            1 + u32::try_from(i % 28).unwrap_or(0),
        )
        .unwrap_or(NaiveDate::MIN);
        let seq = u16::try_from(i % 999).unwrap_or(0);
        let id_no = yiqiao_core::IdCardNo::compose("331002", birth, seq)
            .map_err(bench_err)?
            .as_str()
            .to_string();
        let male = seq % 2 == 1;
        rows.push(
            patient::Model {
                id: format!("BP{i:07}"),
                card_no: format!("MZ{i:08}"),
                name: format!("患者{i}"),
                sex: if male { "1" } else { "2" }.into(),
                birth_date: birth,
                id_type: "1".into(),
                id_no,
                nationality: Some("CHN".into()),
                ethnicity: Some("01".into()),
                marital: Some("20".into()),
                address_province: Some("浙江省".into()),
                address_city: Some("台州市".into()),
                address_county: Some("椒江区".into()),
                address_detail: Some(format!("白云街道{}号", i % 500 + 1)),
                phone: Some(format!("138{:08}", i)),
                drug_allergy: Some("1".into()),
                allergy_drugs: None,
                other_allergy: Some("1".into()),
                other_allergens: None,
                content_hash: String::new(),
                created_at: now,
                updated_at: now,
            }
            .into_active_model(),
        );
    }
    insert_all(db, rows).await?;
    let (mut vs, mut dx, mut ch) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..visits {
        let id = format!("BV{i:08}");
        let day = 1 + u32::try_from(i % 30).unwrap_or(0);
        // 00:00–08:00 UTC is 08:00–16:00 in Shanghai.
        let secs = u32::try_from(i % 28_000).unwrap_or(0);
        let dept = depts[i % 2];
        vs.push(
            visit::Model {
                id: id.clone(),
                patient_id: format!("BP{:07}", i % patients),
                visit_type: "2".into(),
                dept_code: dept.0.into(),
                doctor_code: format!("D{:03}", (i / 2 % 10) * 2 + i % 2),
                registered_at: Some(t(day, secs)),
                checked_in_at: Some(t(day, secs + 60)),
                visited_at: Some(t(day, secs + 600)),
                revisit: Some(i % 3 == 0),
                infusion: Some(false),
                chronic_special: Some(false),
                triage_level: None,
                emergency_destination: None,
                admission_cert_at: None,
                mdtrt_id: None,
                settled_at: None,
                cancelled: false,
                content_hash: String::new(),
                created_at: now,
                updated_at: now,
            }
            .into_active_model(),
        );
        let d = |kind: &str, seq: i32, code: &str, name: &str| {
            visit_diagnosis::Model {
                visit_id: id.clone(),
                kind: kind.into(),
                seq,
                code: Some(code.into()),
                name: name.into(),
            }
            .into_active_model()
        };
        dx.push(d("western", 0, "J06.900", "急性上呼吸道感染"));
        if dept.2 {
            dx.push(d("tcm_disease", 0, "A01.01.01.01.", "感冒"));
            dx.push(d("tcm_syndrome", 0, "B01.01.01.01.01.", "风寒束表证"));
        }
        for (k, (cat, amount)) in [
            ("09", 2500i64),
            ("01", 1234 + i64::try_from(i % 977).unwrap_or(0)),
            ("07", 4800),
        ]
        .into_iter()
        .enumerate()
        {
            ch.push(
                charge::Model {
                    id: format!("{id}-{k}"),
                    visit_id: id.clone(),
                    item_code: format!("ITEM{cat}"),
                    item_name: format!("项目{cat}"),
                    category: cat.into(),
                    category_name: None,
                    drug_code: None,
                    dept_code: None,
                    unit_price: None,
                    quantity: 1,
                    amount,
                    self_paid: amount / 4,
                    charged_at: t(day, secs + 900),
                    settlement_id: None,
                    content_hash: String::new(),
                    created_at: now,
                    updated_at: now,
                }
                .into_active_model(),
            );
        }
    }
    insert_all(db, vs).await?;
    insert_all(db, dx).await?;
    insert_all(db, ch).await?;
    Ok(())
}

/// One measurement: what, how many, how long, against which baseline.
#[derive(Debug, Clone)]
pub struct Line {
    pub what: &'static str,
    pub rows: usize,
    pub took: Duration,
    pub baseline: Option<(&'static str, Duration)>,
}

/// The run's results.
#[derive(Debug, Clone)]
pub struct BenchReport {
    pub database: &'static str,
    pub pages: usize,
    pub lines: Vec<Line>,
    pub xlsx_bytes: usize,
    pub pdf_bytes: usize,
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "visitpage bench — {} pages, {}",
            self.pages, self.database
        )?;
        writeln!(
            f,
            "| step | rows | time | per second | baseline (same run) | ratio |"
        )?;
        writeln!(f, "|---|---:|---:|---:|---|---:|")?;
        for l in &self.lines {
            let secs = l.took.as_secs_f64();
            let rate = if secs > 0.0 {
                l.rows as f64 / secs
            } else {
                0.0
            };
            let (base, ratio) = match l.baseline {
                Some((name, b)) => (
                    format!("{name}: {:.3} s", b.as_secs_f64()),
                    format!("{:.1}×", secs / b.as_secs_f64().max(1e-9)),
                ),
                None => ("—".into(), "—".into()),
            };
            writeln!(
                f,
                "| {} | {} | {:.3} s | {:.0} | {base} | {ratio} |",
                l.what, l.rows, secs, rate
            )?;
        }
        writeln!(
            f,
            "xlsx {} bytes; PDF {} bytes",
            self.xlsx_bytes, self.pdf_bytes
        )
    }
}

/// Reads every row of `sql` and returns how many.
async fn raw_read(db: &Db, sql: &str) -> Result<usize, VisitPageError> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            Vec::<sea_orm::Value>::new(),
        ))
        .await?;
    // Touch every value, as a real reader would.
    let mut n = 0usize;
    for r in &rows {
        if let Ok(s) = r.try_get_by_index::<String>(0) {
            n += s.len().min(1);
        }
    }
    Ok(rows.len().max(n))
}

/// Runs the benchmark, reporting progress lines through `progress`.
pub async fn run(
    args: &BenchArgs,
    progress: &mut dyn FnMut(&str),
) -> Result<BenchReport, VisitPageError> {
    let dir = std::env::temp_dir().join(format!("yiqiao-visitpage-bench-{}", std::process::id()));
    let url = match &args.postgres {
        Some(u) => u.clone(),
        None => {
            std::fs::create_dir_all(&dir).map_err(bench_err)?;
            Db::sqlite_url_in(&dir)
        }
    };
    let db = Db::connect(&DbConfig {
        url,
        max_connections: 4,
    })
    .await
    .map_err(bench_err)?;
    let mut migrations = yiqiao_store::migrations();
    migrations.extend(yiqiao_his::migrations());
    migrations.extend(crate::migrations());
    yiqiao_store::migrate::run(&db, &migrations)
        .await
        .map_err(bench_err)?;
    let database = db.backend().as_str();
    progress(&format!(
        "生成 {} 次就诊的 HIS 数据（{database}）…",
        args.pages
    ));
    generate(&db, args.pages).await?;
    let at = t(30, 50_000);
    let actor = Actor::system("bench");
    store::dicts::import_samples(&db, at, &actor).await?;
    for (cat, item) in [
        ("09", FeeItem::GeneralService),
        ("01", FeeItem::WesternMedicine),
        ("07", FeeItem::Laboratory),
    ] {
        store::save_fee_mapping(
            &db,
            at,
            &actor,
            &MappingKey::Category(cat.into()),
            FeeTarget::item(item)?,
        )
        .await?;
    }
    let (_, dicts) = store::dicts::load_current(&*db).await?;
    let org = Org {
        name: "台州市中西医结合医院".into(),
        credit_code: crate::DEMO_CREDIT_CODE.into(),
    };
    let period = Period::parse(MONTH)?;
    let mut lines = Vec::new();

    progress("基线：原始 SQL 读取同一批 HIS 行…");
    let base_his = Instant::now();
    let mut his_rows = raw_read(
        &db,
        "SELECT v.id, v.patient_id, v.visit_type, v.dept_code, v.doctor_code, v.registered_at, \
         v.checked_in_at, v.visited_at, p.card_no, p.name, p.sex, p.birth_date, p.id_no, \
         p.address_detail, p.phone FROM his_visit v JOIN his_patient p ON p.id = v.patient_id \
         ORDER BY v.id",
    )
    .await?;
    his_rows += raw_read(
        &db,
        "SELECT visit_id, kind, seq, code, name FROM his_visit_diagnosis",
    )
    .await?;
    his_rows += raw_read(
        &db,
        "SELECT visit_id, item_code, category, amount, self_paid FROM his_charge",
    )
    .await?;
    let base_his = base_his.elapsed();

    progress("从 HIS 生成并质控诊疗信息页…");
    let started = Instant::now();
    let r = store::assemble_period(&db, at, &org, &dicts, period).await?;
    let took = started.elapsed();
    lines.push(Line {
        what: "assemble + check + store (pages)",
        rows: r.written,
        took,
        baseline: Some(("raw SQL read of the HIS rows", base_his)),
    });
    if r.with_errors > 0 {
        return Err(bench_err(format!(
            "生成的页面有 {} 页有错误",
            r.with_errors
        )));
    }
    progress(&format!("{r}；HIS 原始行 {his_rows}"));

    progress("质控规则（内存中）…");
    let pages = queries::pages_of(&*db, period).await?;
    let started = Instant::now();
    let mut findings = 0usize;
    for p in &pages {
        findings += check(&p.page, &dicts).len();
    }
    lines.push(Line {
        what: "rules VP-R01…R32 only (in memory)",
        rows: pages.len(),
        took: started.elapsed(),
        baseline: None,
    });
    if findings > 0 {
        return Err(bench_err(format!("{findings} 个质控问题")));
    }
    drop(pages);

    progress("基线：原始 SQL 读取诊疗信息页行…");
    let base_pages = Instant::now();
    let n = raw_read(
        &db,
        &format!("SELECT page_json, visit_id FROM visitpage_page WHERE period = '{period}' ORDER BY visited_at, visit_id"),
    )
    .await?;
    let base_pages = base_pages.elapsed();
    progress("导出上报表 xlsx…");
    let started = Instant::now();
    let xlsx = store::export_period(&*db, period).await?;
    lines.push(Line {
        what: "export xlsx (read + write workbook)",
        rows: n,
        took: started.elapsed(),
        baseline: Some(("raw SQL read of the page rows", base_pages)),
    });

    progress("打印 PDF…");
    let one = store::get_page(&*db, "BV00000001")
        .await?
        .ok_or_else(|| VisitPageError::NoPage("BV00000001".into()))?;
    let started = Instant::now();
    let printer = yiqiao_print::Printer::system().map_err(bench_err)?;
    let first = crate::print::pdf(&printer, &one.page, false, false).map_err(bench_err)?;
    lines.push(Line {
        what: "first PDF (fonts scanned)",
        rows: 1,
        took: started.elapsed(),
        baseline: None,
    });
    let started = Instant::now();
    for _ in 0..args.pdfs {
        crate::print::pdf(&printer, &one.page, false, false).map_err(bench_err)?;
    }
    let took = started.elapsed();
    let started = Instant::now();
    for _ in 0..args.pdfs {
        raw_read(
            &db,
            "SELECT page_json FROM visitpage_page WHERE visit_id = 'BV00000001'",
        )
        .await?;
    }
    lines.push(Line {
        what: "one page to PDF (each further)",
        rows: args.pdfs,
        took,
        baseline: Some(("raw SQL read of that row", started.elapsed())),
    });
    let archive = crate::print::pdf(&printer, &one.page, false, true).map_err(bench_err)?;
    let _ = archive;
    db.close().await.map_err(bench_err)?;
    if args.postgres.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(BenchReport {
        database,
        pages: r.written,
        lines,
        xlsx_bytes: xlsx.len(),
        pdf_bytes: first.len(),
    })
}
