//! Pages for people: the list of pages, one page with its findings and trail, its edit form,
//! the records office's queue, the fee mapping with the unmapped items, the printed form, the
//! code tables in use.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use yiqiao_core::time::format_local;
use yiqiao_http::{AppError, CsrfForm, CurrentUser, NavItem, Routes, Shell};
use yiqiao_store::audit::Actor;

use crate::api::{DICTS, ListQuery, MappingBody, PER_PAGE, PeriodQuery, READ, WRITE};
use crate::domain::assemble::UnmappedCharge;
use crate::domain::chart::{Series, trend_svg};
use crate::domain::codes::DictKind;
use crate::domain::form::{FormSection, page_from_form, sections, yuan};
use crate::domain::page::{FeeItem, PageError};
use crate::domain::period::Period;
use crate::domain::print::{Form, layout};
use crate::domain::rules::{Finding, Severity, check};
use crate::error::VisitPageError;
use crate::state::VisitPageState;
use crate::store::entities::{dict_version, fee_mapping};
use crate::store::queries::{
    self, GroupBy, IndicatorCounts, PageLine, QueueLine, Scope, UnmappedItem,
};
use crate::store::{self, Edit, PageState, TrailEntry, dicts};

/// The pages, declared with their roles.
pub fn routes(state: VisitPageState) -> Routes<()> {
    Routes::new()
        .page_get("/visitpage/pages", READ, get(list_page))
        .page_get("/visitpage/pages/{visit_id}", READ, get(page_view))
        .page_get("/visitpage/pages/{visit_id}/edit", WRITE, get(edit_form))
        .page_post("/visitpage/pages/{visit_id}/edit", WRITE, post(edit_save))
        .page_post("/visitpage/pages/{visit_id}/submit", WRITE, post(submit))
        .page_get("/visitpage/pages/{visit_id}/print", READ, get(print_html))
        .page_get("/visitpage/pages/{visit_id}/pdf", READ, get(print_pdf))
        .page_get("/visitpage/queue", READ, get(queue_page))
        .page_get("/visitpage/indicators", READ, get(indicators_page))
        .page_get("/visitpage/fee-mapping", WRITE, get(mapping_page))
        .page_post("/visitpage/fee-mapping", WRITE, post(mapping_save))
        .page_post("/visitpage/assemble", WRITE, post(assemble))
        .page_get("/visitpage/dicts", DICTS, get(dicts_page))
        .page_get("/visitpage/export", WRITE, get(export))
        .with_state(state)
}

/// The module's navigation entries.
pub fn navigation() -> Vec<NavItem> {
    vec![
        NavItem {
            group: "诊疗信息页",
            label: "诊疗信息页",
            href: "/visitpage/pages",
            access: READ,
        },
        NavItem {
            group: "诊疗信息页",
            label: "错误页面工作队列",
            href: "/visitpage/queue",
            access: READ,
        },
        NavItem {
            group: "诊疗信息页",
            label: "质控指标",
            href: "/visitpage/indicators",
            access: READ,
        },
        NavItem {
            group: "诊疗信息页",
            label: "收费项目对照",
            href: "/visitpage/fee-mapping",
            access: WRITE,
        },
        NavItem {
            group: "诊疗信息页",
            label: "编码表",
            href: "/visitpage/dicts",
            access: DICTS,
        },
    ]
}

pub(crate) fn html(page: &impl Template) -> Result<Response, AppError> {
    Ok(Html(page.render()?).into_response())
}

fn can_write(shell: &Shell) -> bool {
    WRITE.admits(shell.user.as_ref())
}

// ---- the list ----

#[derive(Template)]
#[template(path = "vp_list.html")]
struct ListPage {
    shell: Shell,
    q: ListQuery,
    errors_only: bool,
    lines: Vec<PageLine>,
    total: u64,
    page_no: u64,
    pages_count: u64,
    can_write: bool,
    default_period: String,
}

impl ListPage {
    fn link(&self, n: u64) -> String {
        let q = &self.q;
        let pairs = [
            ("period", q.period.as_str()),
            ("dept", q.dept.as_str()),
            ("doctor", q.doctor.as_str()),
            ("state", q.state.as_str()),
            ("errors", q.errors.as_str()),
        ];
        let mut s = String::from("/visitpage/pages?");
        for (k, v) in pairs {
            if !v.is_empty() {
                s.push_str(&format!("{k}={}&", urlencode(v)));
            }
        }
        s.push_str(&format!("page={n}"));
        s
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn list_page(
    State(s): State<VisitPageState>,
    shell: Shell,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let f = q.filter()?;
    let total = queries::count(&*s.db, &f).await?;
    let pages_count = total.div_ceil(PER_PAGE).max(1);
    let page_no = q.page.unwrap_or(1).clamp(1, pages_count);
    let lines = queries::list(&*s.db, &f, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let can_write = can_write(&shell);
    html(&ListPage {
        shell,
        errors_only: f.errors_only,
        q,
        lines,
        total,
        page_no,
        pages_count,
        can_write,
        default_period: Period::of(s.clock.now()).prev().to_string(),
    })
}

// ---- one page ----

#[derive(Template)]
#[template(path = "vp_page.html")]
struct PageView {
    shell: Shell,
    visit_id: String,
    state: PageState,
    findings: Vec<Finding>,
    errors: usize,
    warnings: usize,
    unmapped: Vec<UnmappedCharge>,
    sections: Vec<FormSection>,
    trail: Vec<TrailEntry>,
    can_write: bool,
}

impl PageView {
    fn yuan(&self, fen: &i64) -> String {
        yuan(*fen)
    }
    fn show(&self, v: &Value) -> String {
        match v {
            Value::Null => "（空）".into(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }
}

async fn page_view(
    State(s): State<VisitPageState>,
    shell: Shell,
    Path(visit_id): Path<String>,
) -> Result<Response, AppError> {
    let p = store::get_page(&*s.db, &visit_id)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.clone()))?;
    let dicts = s.dicts().await?;
    let findings = check(&p.page, &dicts);
    let count = |sev: Severity| findings.iter().filter(|f| f.severity == sev).count();
    let can_write = can_write(&shell);
    html(&PageView {
        shell,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        findings,
        sections: sections(&p.page),
        trail: store::trail(&*s.db, &visit_id).await?,
        unmapped: p.unmapped,
        state: p.state,
        visit_id,
        can_write,
    })
}

// ---- edit ----

#[derive(Template)]
#[template(path = "vp_edit.html")]
struct EditPage {
    shell: Shell,
    visit_id: String,
    revision: i32,
    locked: bool,
    sections: Vec<FormSection>,
    problems: Vec<String>,
    reason: String,
}

async fn edit_form(
    State(s): State<VisitPageState>,
    shell: Shell,
    Path(visit_id): Path<String>,
) -> Result<Response, AppError> {
    let p = store::get_page(&*s.db, &visit_id)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.clone()))?;
    html(&EditPage {
        shell,
        visit_id,
        revision: p.revision,
        locked: p.state.is_locked(),
        sections: sections(&p.page),
        problems: Vec::new(),
        reason: String::new(),
    })
}

/// What a refused save tells the person.
fn problems_of(e: &VisitPageError) -> Option<Vec<String>> {
    match e {
        VisitPageError::NeedsReason(_) | VisitPageError::Stale(_) => Some(vec![e.to_string()]),
        VisitPageError::AmendmentHasErrors(list) => Some(
            std::iter::once("提交后的修正不能留下错误：".to_string())
                .chain(list.iter().cloned())
                .collect(),
        ),
        _ => None,
    }
}

async fn edit_save(
    State(s): State<VisitPageState>,
    shell: Shell,
    me: CurrentUser,
    Path(visit_id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let current = store::get_page(&*s.db, &visit_id)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.clone()))?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let reason = get("reason");
    let revision = get("revision").trim().parse::<i32>().ok();
    // On a refusal the form comes back with what was typed.
    let typed = |problems: Vec<String>| {
        let mut secs = sections(&current.page);
        for sec in &mut secs {
            for f in &mut sec.fields {
                if let Some((_, v)) = pairs.iter().find(|(n, _)| *n == f.path) {
                    f.value = v.clone();
                }
            }
        }
        EditPage {
            shell: shell.clone(),
            visit_id: visit_id.clone(),
            revision: current.revision,
            locked: current.state.is_locked(),
            sections: secs,
            problems,
            reason: reason.clone(),
        }
    };
    let page = match page_from_form(&pairs) {
        Ok(p) => p,
        Err(PageError::Fields(fields)) => {
            return html(&typed(fields.iter().map(ToString::to_string).collect()));
        }
        Err(e) => return html(&typed(vec![e.to_string()])),
    };
    let dicts = s.dicts().await?;
    let r = store::edit_page(
        &s.db,
        s.clock.now(),
        &Actor::person(me.actor()),
        &dicts,
        &visit_id,
        Edit {
            revision,
            page,
            reason: Some(reason.clone()),
        },
    )
    .await;
    match r {
        Ok(_) => {
            Ok(Redirect::to(&format!("/visitpage/pages/{}", urlencode(&visit_id))).into_response())
        }
        Err(e) => match problems_of(&e) {
            Some(p) => html(&typed(p)),
            None => Err(e.into()),
        },
    }
}

#[derive(Deserialize)]
struct Empty {}

async fn submit(
    State(s): State<VisitPageState>,
    me: CurrentUser,
    Path(visit_id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, AppError> {
    store::submit_page(&s.db, s.clock.now(), &Actor::person(me.actor()), &visit_id).await?;
    Ok(Redirect::to(&format!("/visitpage/pages/{}", urlencode(&visit_id))).into_response())
}

// ---- print (HTML) ----

#[derive(Template)]
#[template(path = "vp_print.html")]
struct PrintPage {
    visit_id: String,
    demo: bool,
    form: Form,
}

async fn print_html(
    State(s): State<VisitPageState>,
    shell: Shell,
    Path(visit_id): Path<String>,
) -> Result<Response, AppError> {
    let p = store::get_page(&*s.db, &visit_id)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.clone()))?;
    html(&PrintPage {
        visit_id,
        demo: shell.demo,
        form: layout(&p.page),
    })
}

// ---- queue ----

#[derive(Template)]
#[template(path = "vp_queue.html")]
struct QueuePage {
    shell: Shell,
    period: String,
    lines: Vec<QueueLine>,
}

impl QueuePage {
    fn total(&self) -> i64 {
        self.lines.iter().map(|l| l.pages).sum()
    }
}

async fn queue_page(
    State(s): State<VisitPageState>,
    shell: Shell,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let period = match q.period.trim() {
        "" => None,
        p => Some(Period::parse(p)?),
    };
    html(&QueuePage {
        shell,
        period: period.map(|p| p.to_string()).unwrap_or_default(),
        lines: queries::queue(&*s.db, period).await?,
    })
}

// ---- fee mapping ----

#[derive(Template)]
#[template(path = "vp_mapping.html")]
struct MappingPage {
    shell: Shell,
    message: Option<String>,
    items: Vec<(&'static str, String)>,
    subs: Vec<(&'static str, String)>,
    rows: Vec<fee_mapping::Model>,
    unmapped: Vec<UnmappedItem>,
}

impl MappingPage {
    fn item_name(&self, key: &str) -> String {
        FeeItem::from_key(key).map_or_else(|| key.to_string(), |i| i.name().to_string())
    }
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
}

async fn mapping_view(
    s: &VisitPageState,
    shell: Shell,
    message: Option<String>,
) -> Result<Response, AppError> {
    let items = FeeItem::items()
        .map(|i| (i.key(), format!("{} {}", i.class(), i.name())))
        .collect();
    let subs = FeeItem::ALL
        .iter()
        .filter(|i| i.parent().is_some())
        .map(|i| {
            let parent = i.parent().map(FeeItem::name).unwrap_or_default();
            (i.key(), format!("{parent} 其中：{}", i.name()))
        })
        .collect();
    html(&MappingPage {
        shell,
        message,
        items,
        subs,
        rows: queries::fee_mappings(&*s.db).await?,
        unmapped: queries::unmapped(&*s.db).await?,
    })
}

async fn mapping_page(State(s): State<VisitPageState>, shell: Shell) -> Result<Response, AppError> {
    mapping_view(&s, shell, None).await
}

async fn mapping_save(
    State(s): State<VisitPageState>,
    shell: Shell,
    me: CurrentUser,
    CsrfForm(body): CsrfForm<MappingBody>,
) -> Result<Response, AppError> {
    let (key, target) = body.parse()?;
    store::save_fee_mapping(
        &s.db,
        s.clock.now(),
        &Actor::person(me.actor()),
        &key,
        target,
    )
    .await?;
    let what = match &key {
        store::MappingKey::Category(c) => format!("收费类别 {c}"),
        store::MappingKey::Item(c) => format!("收费项目 {c}"),
    };
    let to = match target.of_which() {
        Some(sub) => format!("{}（其中：{}）", target.fee_item().name(), sub.name()),
        None => target.fee_item().name().to_string(),
    };
    mapping_view(
        &s,
        shell,
        Some(format!(
            "已保存：{what} → {to}。已生成的草稿在下次生成时按新对照重算。"
        )),
    )
    .await
}

// ---- assemble a period ----

#[derive(Template)]
#[template(path = "vp_assembled.html")]
struct AssembledPage {
    shell: Shell,
    period: String,
    report: String,
}

#[derive(Deserialize)]
struct PeriodForm {
    period: String,
}

async fn assemble(
    State(s): State<VisitPageState>,
    shell: Shell,
    CsrfForm(f): CsrfForm<PeriodForm>,
) -> Result<Response, AppError> {
    let period = Period::parse(&f.period)?;
    let dicts = s.dicts().await?;
    let r = store::assemble_period(&s.db, s.clock.now(), &s.org, &dicts, period).await?;
    html(&AssembledPage {
        shell,
        period: period.to_string(),
        report: r.to_string(),
    })
}

// ---- code tables ----

#[derive(Template)]
#[template(path = "vp_dicts.html")]
struct DictsPage {
    shell: Shell,
    versions: Vec<dict_version::Model>,
    in_use: Vec<i64>,
}

impl DictsPage {
    fn kind_label(&self, k: &str) -> String {
        DictKind::from_key(k).map_or_else(|| k.to_string(), |k| k.label().to_string())
    }
    fn local(&self, t: &DateTime<Utc>) -> String {
        format_local(*t)
    }
    fn in_use(&self, id: &i64) -> bool {
        self.in_use.contains(id)
    }
}

async fn dicts_page(State(s): State<VisitPageState>, shell: Shell) -> Result<Response, AppError> {
    let in_use = dicts::current_versions(&*s.db)
        .await?
        .iter()
        .map(|v| v.id)
        .collect();
    html(&DictsPage {
        shell,
        versions: dicts::versions(&*s.db).await?,
        in_use,
    })
}

/// A file to download.
pub(crate) fn download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

async fn export(
    State(s): State<VisitPageState>,
    Query(q): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    let period = Period::parse(&q.period)?;
    let bytes = store::export_period(&*s.db, period).await?;
    Ok(download(
        bytes,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("visitpage-{period}.xlsx"),
    ))
}

// ---- indicators ----

#[derive(Template)]
#[template(path = "vp_indicators.html")]
struct IndicatorsPage {
    shell: Shell,
    from: String,
    to: String,
    dept: String,
    doctor: String,
    scope_label: String,
    chart: String,
    months: Vec<IndicatorCounts>,
    depts: Vec<IndicatorCounts>,
    doctors: Vec<IndicatorCounts>,
    top: Vec<(String, i64)>,
}

#[derive(Debug, Default, Deserialize)]
struct IndicatorsQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    dept: String,
    #[serde(default)]
    doctor: String,
}

/// The months `[from, to]`, at most five years of them.
fn months_between(from: Period, to: Period) -> Vec<Period> {
    let mut out = Vec::new();
    let mut p = from;
    while p <= to && out.len() < 60 {
        out.push(p);
        p = p.next();
    }
    out
}

async fn indicators_page(
    State(s): State<VisitPageState>,
    shell: Shell,
    Query(q): Query<IndicatorsQuery>,
) -> Result<Response, AppError> {
    let (from, to) = crate::api::IndicatorQuery {
        from: q.from.clone(),
        to: q.to.clone(),
        ..Default::default()
    }
    .span(s.clock.now())?;
    let scope = Scope {
        dept: Some(q.dept.trim().to_string()).filter(|d| !d.is_empty()),
        doctor: Some(q.doctor.trim().to_string()).filter(|d| !d.is_empty()),
    };
    let months = queries::indicators(&*s.db, from, to, GroupBy::Month, &scope).await?;
    let all = Scope::default();
    let depts = queries::indicators(&*s.db, from, to, GroupBy::Dept, &all).await?;
    let doctors = queries::indicators(&*s.db, from, to, GroupBy::Doctor, &all).await?;
    let top = queries::top_rules(&*s.db, from, to, &scope).await?;
    let span = months_between(from, to);
    let labels: Vec<String> = span.iter().map(ToString::to_string).collect();
    let pick = |f: fn(&IndicatorCounts) -> i64| -> Vec<Option<i64>> {
        labels
            .iter()
            .map(|m| months.iter().find(|r| &r.key == m).map(f))
            .collect()
    };
    let series = vec![
        Series {
            name: "页面完整率".into(),
            values: pick(IndicatorCounts::page_completeness),
        },
        Series {
            name: "项目完整率".into(),
            values: pick(IndicatorCounts::item_completeness),
        },
        Series {
            name: "主要诊断编码正确率".into(),
            values: pick(IndicatorCounts::main_code_rate),
        },
        Series {
            name: "全部规则通过率".into(),
            values: pick(IndicatorCounts::passing_rate),
        },
    ];
    let scope_label = match (&scope.dept, &scope.doctor) {
        (Some(d), _) => format!(
            "科室 {}",
            depts
                .iter()
                .find(|r| &r.key == d)
                .map_or(d.as_str(), |r| r.label.as_str())
        ),
        (None, Some(d)) => format!("医师 {d}"),
        _ => String::new(),
    };
    let title = if scope_label.is_empty() {
        "全院质控指标月度趋势".to_string()
    } else {
        format!("{scope_label} 质控指标月度趋势")
    };
    html(&IndicatorsPage {
        shell,
        from: from.to_string(),
        to: to.to_string(),
        dept: q.dept,
        doctor: q.doctor,
        chart: trend_svg(&title, &labels, &series),
        scope_label,
        months,
        depts,
        doctors,
        top,
    })
}

#[derive(Debug, Default, Deserialize)]
struct PdfQuery {
    #[serde(default)]
    archive: Option<String>,
}

async fn print_pdf(
    State(s): State<VisitPageState>,
    shell: Shell,
    Path(visit_id): Path<String>,
    Query(q): Query<PdfQuery>,
) -> Result<Response, AppError> {
    let p = store::get_page(&*s.db, &visit_id)
        .await?
        .ok_or_else(|| VisitPageError::NoPage(visit_id.clone()))?;
    let archive = matches!(q.archive.as_deref(), Some("1" | "true"));
    let demo = shell.demo;
    // Compiling is CPU work (the first document also scans the fonts): off the async threads.
    let bytes = tokio::task::spawn_blocking(move || {
        let printer = yiqiao_print::Printer::system()?;
        crate::print::pdf(&printer, &p.page, demo, archive)
    })
    .await
    .map_err(|e| AppError::internal(format!("print task: {e}")))?
    .map_err(|e| AppError::from_refusal(&e))?;
    let name = if archive {
        format!("visitpage-{visit_id}-archive.pdf")
    } else {
        format!("visitpage-{visit_id}.pdf")
    };
    Ok(download(bytes, "application/pdf", &name))
}
