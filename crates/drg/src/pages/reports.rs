//! The ledger's pages (病组结算分析): departments, one department, one doctor, one DRG, and the
//! monthly trends with SVG charts. All read the same priced ledger of a year
//! ([`crate::store::ledger::priced`]), so their sums agree with each other and with the case
//! page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use yiqiao_core::Fen;
use yiqiao_core::time::{format_local_date, shanghai};
use yiqiao_http::{AppError, Shell};

use super::{DrgState, html};
use crate::domain::ledger::{Priced, Summary, summarize_by};
use crate::store::ledger;
use crate::svg::{self, Bar};

/// A summary as shown in a table row.
pub struct SumView {
    pub key: String,
    pub name: String,
    pub href: String,
    pub cases: u32,
    pub grouped: String,
    pub cmi: String,
    pub points: String,
    pub payment: String,
    pub priced_cost: String,
    pub balance: String,
    pub deficit: bool,
    pub ungroupable: u32,
    pub ambiguous: u32,
    pub review: u32,
    pub readmissions: u32,
    pub cost: String,
}

impl SumView {
    fn of(key: &str, name: &str, href: String, s: &Summary) -> SumView {
        SumView {
            key: key.to_owned(),
            name: name.to_owned(),
            href,
            cases: s.cases,
            grouped: s
                .grouped_permille()
                .map_or_else(|| "—".into(), |p| format!("{}.{}%", p / 10, p % 10)),
            cmi: s.cmi().map_or_else(|| "—".into(), |w| w.to_string()),
            points: s.points.to_string(),
            payment: s.payment.to_string(),
            priced_cost: s.priced_cost.to_string(),
            balance: s.balance().to_string(),
            deficit: s.balance().is_negative(),
            ungroupable: s.ungroupable,
            ambiguous: s.ambiguous,
            review: s.review,
            readmissions: s.readmissions,
            cost: s.cost.to_string(),
        }
    }
}

/// A case as listed on the pages.
pub struct CaseView {
    pub case_id: String,
    pub dept: String,
    pub doctor: String,
    pub drg: String,
    pub status: String,
    pub discharged: String,
    pub cost: String,
    pub category: String,
    pub points: String,
    pub payment: String,
    pub balance: String,
    pub deficit: bool,
    /// 再入院减半, 特病单议 …
    pub flags: String,
}

fn case_view(
    p: &Priced,
    depts: &HashMap<String, String>,
    staff: &HashMap<String, String>,
) -> CaseView {
    let c = &p.case;
    let mut flags = Vec::new();
    if p.incomplete {
        flags.push("未完成住院".to_owned());
    }
    if p.readmitted_by.is_some() {
        flags.push("再入院减半".to_owned());
    }
    if let Some(a) = &p.assessment
        && !a.review.is_empty()
    {
        let why: Vec<&str> = a.review.iter().map(|r| r.label()).collect();
        flags.push(format!("特病单议（{}）", why.join("、")));
    }
    if c.errors > 0 {
        flags.push(format!("质控错误 {}", c.errors));
    }
    CaseView {
        case_id: c.case_id.clone(),
        dept: depts
            .get(&c.dept_code)
            .cloned()
            .unwrap_or_else(|| c.dept_code.clone()),
        doctor: staff
            .get(&c.doctor_code)
            .cloned()
            .unwrap_or_else(|| c.doctor_code.clone()),
        drg: c.drg.clone(),
        status: c.status.clone(),
        discharged: format_local_date(c.discharged_at),
        cost: c.cost.to_string(),
        category: p
            .assessment
            .as_ref()
            .map_or_else(|| "—".into(), |a| a.category.label().to_owned()),
        points: p.points.map_or_else(|| "—".into(), |x| x.to_string()),
        payment: p
            .estimate
            .map_or_else(|| "—".into(), |e| e.payment.to_string()),
        balance: p
            .estimate
            .map_or_else(|| "—".into(), |e| e.balance.to_string()),
        deficit: p.estimate.is_some_and(|e| e.balance.is_negative()),
        flags: flags.join("；"),
    }
}

#[derive(Deserialize)]
pub struct YearQuery {
    pub year: Option<i32>,
    #[serde(default)]
    pub dept: String,
}

fn year_of(s: &DrgState, q: &YearQuery) -> i32 {
    q.year
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(|| s.clock.now().with_timezone(&shanghai()).year())
}

/// The year's ledger and the names it shows.
struct Loaded {
    priced: Vec<Priced>,
    depts: HashMap<String, String>,
    staff: HashMap<String, String>,
    has_policy: bool,
    version: Option<std::sync::Arc<crate::domain::Version>>,
}

impl Loaded {
    fn drg_name(&self, drg: &str) -> String {
        self.version
            .as_ref()
            .and_then(|v| v.drg_name(drg))
            .unwrap_or("")
            .to_owned()
    }
}

async fn load(s: &DrgState, year: i32) -> Result<Loaded, AppError> {
    let priced = ledger::priced(&*s.db, year).await?;
    let has_policy = crate::store::policy::load(&*s.db, year).await?.is_some();
    Ok(Loaded {
        priced,
        depts: ledger::department_names(&*s.db).await?,
        staff: ledger::staff_names(&*s.db).await?,
        has_policy,
        version: s.current().await?,
    })
}

fn top_deficits(cases: &[&Priced], year: i32, names: &dyn Fn(&str) -> String) -> Vec<SumView> {
    let by_drg = summarize_by(cases.iter().copied(), |p| {
        p.case.grouped().map(str::to_owned)
    });
    let mut rows: Vec<(&String, &Summary)> = by_drg
        .iter()
        .filter(|(_, s)| s.balance().is_negative())
        .collect();
    rows.sort_by_key(|(k, s)| (s.balance().0, (*k).clone()));
    rows.into_iter()
        .take(10)
        .map(|(k, s)| SumView::of(k, &names(k), format!("/drg/groups/{k}?year={year}"), s))
        .collect()
}

// ---- departments ----

#[derive(Template)]
#[template(path = "drg_depts.html")]
struct DeptsPage {
    shell: Shell,
    year: i32,
    has_policy: bool,
    total: SumView,
    rows: Vec<SumView>,
}

pub async fn depts_page(
    State(s): State<DrgState>,
    shell: Shell,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&s, &q);
    let l = load(&s, year).await?;
    let rows = summarize_by(&l.priced, |p| Some(p.case.dept_code.clone()))
        .iter()
        .map(|(k, v)| {
            SumView::of(
                k,
                l.depts.get(k).map_or(k.as_str(), String::as_str),
                format!("/drg/depts/{k}?year={year}"),
                v,
            )
        })
        .collect();
    html(&DeptsPage {
        shell,
        year,
        has_policy: l.has_policy,
        total: SumView::of("", "全院", String::new(), &Summary::of(&l.priced)),
        rows,
    })
}

// ---- one department or one doctor ----

#[derive(Template)]
#[template(path = "drg_unit.html")]
struct UnitPage {
    shell: Shell,
    year: i32,
    has_policy: bool,
    /// 科室 or 医师.
    kind: &'static str,
    name: String,
    code: String,
    total: SumView,
    /// Doctors of a department, or the DRGs of a doctor.
    breakdown_title: &'static str,
    breakdown: Vec<SumView>,
    deficits: Vec<SumView>,
    problems: Vec<CaseView>,
    cases: Vec<CaseView>,
    trend_href: String,
}

pub async fn dept_page(
    State(s): State<DrgState>,
    shell: Shell,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&s, &q);
    let l = load(&s, year).await?;
    let Some(name) = l.depts.get(&code).cloned() else {
        return Err(AppError::not_found(format!("没有科室「{code}」")));
    };
    let mine: Vec<&Priced> = l
        .priced
        .iter()
        .filter(|p| p.case.dept_code == code)
        .collect();
    let breakdown = summarize_by(mine.iter().copied(), |p| Some(p.case.doctor_code.clone()))
        .iter()
        .map(|(k, v)| {
            SumView::of(
                k,
                l.staff.get(k).map_or(k.as_str(), String::as_str),
                format!("/drg/doctors/{k}?year={year}"),
                v,
            )
        })
        .collect();
    unit(
        shell,
        &l,
        year,
        "科室",
        name,
        code.clone(),
        mine,
        "医师",
        breakdown,
        format!("/drg/trends?year={year}&dept={code}"),
    )
}

pub async fn doctor_page(
    State(s): State<DrgState>,
    shell: Shell,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&s, &q);
    let l = load(&s, year).await?;
    let Some(name) = l.staff.get(&code).cloned() else {
        return Err(AppError::not_found(format!("没有医师「{code}」")));
    };
    let mine: Vec<&Priced> = l
        .priced
        .iter()
        .filter(|p| p.case.doctor_code == code)
        .collect();
    let drg_name = |d: &str| l.drg_name(d);
    let breakdown = summarize_by(mine.iter().copied(), |p| {
        p.case.grouped().map(str::to_owned)
    })
    .iter()
    .map(|(k, v)| SumView::of(k, &drg_name(k), format!("/drg/groups/{k}?year={year}"), v))
    .collect();
    unit(
        shell,
        &l,
        year,
        "医师",
        name,
        code,
        mine,
        "病组",
        breakdown,
        format!("/drg/trends?year={year}"),
    )
}

#[allow(clippy::too_many_arguments)]
fn unit(
    shell: Shell,
    l: &Loaded,
    year: i32,
    kind: &'static str,
    name: String,
    code: String,
    mine: Vec<&Priced>,
    breakdown_title: &'static str,
    breakdown: Vec<SumView>,
    trend_href: String,
) -> Result<Response, AppError> {
    let names = |d: &str| l.drg_name(d);
    let problems = mine
        .iter()
        .filter(|p| p.case.grouped().is_none() || p.case.ambiguous())
        .map(|p| case_view(p, &l.depts, &l.staff))
        .collect();
    let cases = mine
        .iter()
        .map(|p| case_view(p, &l.depts, &l.staff))
        .collect();
    html(&UnitPage {
        shell,
        year,
        has_policy: l.has_policy,
        kind,
        total: SumView::of(
            &code,
            &name,
            String::new(),
            &Summary::of(mine.iter().copied()),
        ),
        deficits: top_deficits(&mine, year, &names),
        name,
        code,
        breakdown_title,
        breakdown,
        problems,
        cases,
        trend_href,
    })
}

// ---- one DRG ----

#[derive(Template)]
#[template(path = "drg_group.html")]
struct GroupPage {
    shell: Shell,
    year: i32,
    has_policy: bool,
    drg: String,
    name: String,
    total: SumView,
    /// Benchmark, average cost and coefficient of the year's rate table, when rated.
    rate: Option<(String, String)>,
    chart: String,
    cases: Vec<CaseView>,
}

/// Equal-width cost bands (费用分布) over the cases' cost range: `(label, count)`.
pub fn cost_bands(costs: &[Fen], bands: usize) -> Vec<(String, i64)> {
    let (Some(lo), Some(hi)) = (
        costs.iter().map(|c| c.0).min(),
        costs.iter().map(|c| c.0).max(),
    ) else {
        return Vec::new();
    };
    let bands = bands.max(1) as i64;
    // Whole 元 boundaries, so the labels read cleanly.
    let lo_y = lo.div_euclid(100);
    let hi_y = hi.div_euclid(100) + 1;
    let width = ((hi_y - lo_y) + bands - 1) / bands;
    let width = width.max(1);
    let mut counts = vec![0_i64; bands as usize];
    for c in costs {
        let i = ((c.0.div_euclid(100) - lo_y) / width).clamp(0, bands - 1);
        counts[i as usize] += 1;
    }
    counts
        .into_iter()
        .enumerate()
        .map(|(i, n)| {
            let from = lo_y + i as i64 * width;
            (format!("{}–{}", from, from + width), n)
        })
        .collect()
}

pub async fn group_page(
    State(s): State<DrgState>,
    shell: Shell,
    Path(drg): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&s, &q);
    let l = load(&s, year).await?;
    let version = s.current().await?;
    let name = version
        .as_ref()
        .and_then(|v| v.drg_name(&drg))
        .map(str::to_owned);
    let mine: Vec<&Priced> = l
        .priced
        .iter()
        .filter(|p| p.case.grouped() == Some(drg.as_str()))
        .collect();
    if name.is_none() && mine.is_empty() {
        return Err(AppError::not_found(format!("没有病组「{drg}」")));
    }
    let costs: Vec<Fen> = mine.iter().map(|p| p.case.cost).collect();
    let bars: Vec<Bar> = cost_bands(&costs, 10)
        .into_iter()
        .map(|(label, n)| Bar {
            label,
            value: n,
            shown: n.to_string(),
        })
        .collect();
    let rate = crate::store::policy::load(&*s.db, year)
        .await?
        .and_then(|p| {
            p.drg(&drg)
                .map(|r| (r.benchmark.to_string(), r.average_cost.to_string()))
        });
    html(&GroupPage {
        shell,
        year,
        has_policy: l.has_policy,
        total: SumView::of(&drg, "", String::new(), &Summary::of(mine.iter().copied())),
        chart: svg::bars(&format!("{drg} 住院费用分布（元）"), &bars),
        cases: mine
            .iter()
            .map(|p| case_view(p, &l.depts, &l.staff))
            .collect(),
        name: name.unwrap_or_default(),
        rate,
        drg,
    })
}

// ---- trends ----

#[derive(Template)]
#[template(path = "drg_trends.html")]
struct TrendsPage {
    shell: Shell,
    year: i32,
    has_policy: bool,
    dept: String,
    dept_name: String,
    depts: Vec<(String, String)>,
    months: Vec<SumView>,
    charts: Vec<String>,
}

pub async fn trends_page(
    State(s): State<DrgState>,
    shell: Shell,
    Query(q): Query<YearQuery>,
) -> Result<Response, AppError> {
    let year = year_of(&s, &q);
    let l = load(&s, year).await?;
    let dept = q.dept.trim().to_owned();
    let mine: Vec<&Priced> = l
        .priced
        .iter()
        .filter(|p| dept.is_empty() || p.case.dept_code == dept)
        .collect();
    let by_month = summarize_by(mine.iter().copied(), |p| Some(p.case.month().1));
    let all: Vec<(u32, Summary)> = (1..=12)
        .map(|m| (m, by_month.get(&m).cloned().unwrap_or_default()))
        .collect();
    let chart = |title: &str, f: &dyn Fn(&Summary) -> (i64, String)| {
        let bars: Vec<Bar> = all
            .iter()
            .map(|(m, s)| {
                let (value, shown) = f(s);
                Bar {
                    label: format!("{m}月"),
                    value,
                    shown,
                }
            })
            .collect();
        svg::bars(title, &bars)
    };
    let charts = vec![
        chart("出院病例数", &|s| {
            (i64::from(s.cases), s.cases.to_string())
        }),
        chart("CMI", &|s| {
            s.cmi().map_or((0, String::new()), |w| {
                let r = w.raw() + 5_000;
                (
                    w.raw(),
                    format!("{}.{:02}", r / 1_000_000, (r % 1_000_000) / 10_000),
                )
            })
        }),
        chart("预估结余（元，自动定价病例）", &|s| {
            let b = s.balance();
            (
                b.0 / 100,
                if s.payment.0 == 0 {
                    String::new()
                } else {
                    (b.0 / 100).to_string()
                },
            )
        }),
    ];
    let mut depts: Vec<(String, String)> = l
        .depts
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    depts.sort();
    html(&TrendsPage {
        shell,
        year,
        has_policy: l.has_policy,
        dept_name: l.depts.get(&dept).cloned().unwrap_or_default(),
        dept,
        depts,
        months: all
            .iter()
            .map(|(m, s)| SumView::of("", &format!("{m}月"), String::new(), s))
            .collect(),
        charts,
    })
}
