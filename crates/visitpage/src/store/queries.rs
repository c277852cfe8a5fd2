//! Reading pages for lists, the records office's queue, the unmapped charge items and the
//! quality indicators. Aggregates are plain SQL that runs the same on SQLite and PostgreSQL.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    Value as SqlValue,
};

use super::entities::{fee_mapping, page};
use super::{PageState, StoredPage};
use crate::domain::period::Period;
use crate::error::VisitPageError;

/// Which pages a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub period: Option<Period>,
    pub dept: Option<String>,
    pub doctor: Option<String>,
    pub state: Option<PageState>,
    /// Only pages with errors (the queue).
    pub errors_only: bool,
}

/// One line of a list of pages.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PageLine {
    pub visit_id: String,
    pub card_no: String,
    pub name: String,
    pub period: String,
    pub visited_at: Option<DateTime<Utc>>,
    pub dept_code: String,
    pub dept_name: Option<String>,
    pub doctor: Option<String>,
    pub state: &'static str,
    pub error_count: i32,
    pub warning_count: i32,
    /// The rules that fired.
    pub rules: Vec<String>,
}

impl PageLine {
    pub fn state_label(&self) -> &'static str {
        PageState::from_db(self.state).label()
    }
    pub fn visited_local(&self) -> String {
        self.visited_at
            .map(yiqiao_core::time::format_local)
            .unwrap_or_default()
    }
    pub fn dept(&self) -> String {
        self.dept_name
            .clone()
            .unwrap_or_else(|| self.dept_code.clone())
    }
    pub fn doctor_name(&self) -> String {
        self.doctor.clone().unwrap_or_default()
    }
    pub fn rules_text(&self) -> String {
        self.rules.join(" ")
    }
}

fn line(r: page::Model) -> PageLine {
    let name = serde_json::from_str::<serde_json::Value>(&r.page_json)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_default();
    PageLine {
        name,
        state: PageState::from_db(&r.state).as_str(),
        rules: r
            .rules
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        visit_id: r.visit_id,
        card_no: r.card_no,
        period: r.period,
        visited_at: r.visited_at,
        dept_code: r.dept_code,
        dept_name: r.dept_name,
        doctor: r.doctor,
        error_count: r.error_count,
        warning_count: r.warning_count,
    }
}

fn filtered(f: &ListFilter) -> sea_orm::Select<page::Entity> {
    let mut q = page::Entity::find();
    if let Some(p) = f.period {
        q = q.filter(page::Column::Period.eq(p.to_string()));
    }
    if let Some(d) = f.dept.as_deref().filter(|d| !d.is_empty()) {
        q = q.filter(page::Column::DeptCode.eq(d));
    }
    if let Some(d) = f.doctor.as_deref().filter(|d| !d.is_empty()) {
        q = q.filter(page::Column::Doctor.eq(d));
    }
    if let Some(s) = f.state {
        q = q.filter(page::Column::State.eq(s.as_str()));
    }
    if f.errors_only {
        q = q.filter(page::Column::ErrorCount.gt(0));
    }
    q
}

/// Pages matching a filter, by visit time, at most `limit` from `offset`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    f: &ListFilter,
    limit: u64,
    offset: u64,
) -> Result<Vec<PageLine>, VisitPageError> {
    Ok(filtered(f)
        .order_by_asc(page::Column::VisitedAt)
        .order_by_asc(page::Column::VisitId)
        .limit(limit)
        .offset(offset)
        .all(conn)
        .await?
        .into_iter()
        .map(line)
        .collect())
}

/// How many pages match a filter.
pub async fn count<C: ConnectionTrait>(conn: &C, f: &ListFilter) -> Result<u64, VisitPageError> {
    use sea_orm::PaginatorTrait;
    Ok(filtered(f).count(conn).await?)
}

/// Every page of a period, whole, in visit order (for export).
pub async fn pages_of<C: ConnectionTrait>(
    conn: &C,
    period: Period,
) -> Result<Vec<StoredPage>, VisitPageError> {
    page::Entity::find()
        .filter(page::Column::Period.eq(period.to_string()))
        .order_by_asc(page::Column::VisitedAt)
        .order_by_asc(page::Column::VisitId)
        .all(conn)
        .await?
        .into_iter()
        .map(super::stored)
        .collect()
}

/// The pages of a period that have errors: `(visit id, card no)`.
pub async fn erroneous<C: ConnectionTrait>(
    conn: &C,
    period: Period,
) -> Result<Vec<(String, String)>, VisitPageError> {
    Ok(page::Entity::find()
        .select_only()
        .column(page::Column::VisitId)
        .column(page::Column::CardNo)
        .filter(page::Column::Period.eq(period.to_string()))
        .filter(page::Column::ErrorCount.gt(0))
        .order_by_asc(page::Column::VisitId)
        .into_tuple()
        .all(conn)
        .await?)
}

/// One line of the queue: a department and doctor with pages in error.
#[derive(Debug, Clone, serde::Serialize)]
pub struct QueueLine {
    pub dept_code: String,
    pub dept_name: Option<String>,
    pub doctor: Option<String>,
    pub pages: i64,
    pub errors: i64,
}

impl QueueLine {
    pub fn dept(&self) -> String {
        self.dept_name
            .clone()
            .unwrap_or_else(|| self.dept_code.clone())
    }
    pub fn doctor_name(&self) -> String {
        self.doctor.clone().unwrap_or_default()
    }
}

fn stmt(conn: &impl ConnectionTrait, sql: &str, values: Vec<SqlValue>) -> Statement {
    Statement::from_sql_and_values(conn.get_database_backend(), sql, values)
}

/// The records office's queue (错误页面工作队列): pages with errors by department and doctor,
/// most errors first; optionally one period.
pub async fn queue<C: ConnectionTrait>(
    conn: &C,
    period: Option<Period>,
) -> Result<Vec<QueueLine>, VisitPageError> {
    let (cond, values) = match period {
        Some(p) => (" AND period = $1", vec![SqlValue::from(p.to_string())]),
        None => ("", Vec::new()),
    };
    let sql = format!(
        "SELECT dept_code, MAX(dept_name) AS dept_name, doctor, COUNT(*) AS pages, \
         SUM(error_count) AS errors FROM visitpage_page WHERE error_count > 0{cond} \
         GROUP BY dept_code, doctor ORDER BY pages DESC, dept_code, doctor"
    );
    let rows = conn.query_all_raw(stmt(conn, &sql, values)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(QueueLine {
            dept_code: r.try_get("", "dept_code")?,
            dept_name: r.try_get("", "dept_name")?,
            doctor: r.try_get("", "doctor")?,
            pages: r.try_get("", "pages")?,
            errors: r.try_get("", "errors")?,
        });
    }
    Ok(out)
}

/// A HIS charge item no mapping places (未对照收费项目).
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnmappedItem {
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub category_name: Option<String>,
    pub charges: i64,
    /// 分
    pub amount: i64,
}

impl UnmappedItem {
    pub fn amount_yuan(&self) -> String {
        crate::domain::form::yuan(self.amount)
    }
}

/// The HIS charge items neither their own mapping nor their category's places.
pub async fn unmapped<C: ConnectionTrait>(conn: &C) -> Result<Vec<UnmappedItem>, VisitPageError> {
    let sql = "SELECT c.item_code, MAX(c.item_name) AS item_name, c.category, \
               MAX(c.category_name) AS category_name, COUNT(*) AS charges, \
               SUM(c.amount) AS amount FROM his_charge c \
               WHERE NOT EXISTS (SELECT 1 FROM visitpage_fee_mapping m \
                 WHERE m.by_kind = 'item' AND m.by_code = c.item_code) \
               AND NOT EXISTS (SELECT 1 FROM visitpage_fee_mapping m \
                 WHERE m.by_kind = 'category' AND m.by_code = c.category) \
               GROUP BY c.item_code, c.category ORDER BY c.category, c.item_code";
    let rows = conn.query_all_raw(stmt(conn, sql, Vec::new())).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(UnmappedItem {
            item_code: r.try_get("", "item_code")?,
            item_name: r.try_get("", "item_name")?,
            category: r.try_get("", "category")?,
            category_name: r.try_get("", "category_name")?,
            charges: r.try_get("", "charges")?,
            amount: sum_i64(&r, "amount")?,
        });
    }
    Ok(out)
}

/// PostgreSQL's SUM of bigint is numeric: read it as either.
fn sum_i64(r: &sea_orm::QueryResult, col: &str) -> Result<i64, sea_orm::DbErr> {
    if let Ok(v) = r.try_get::<Option<i64>>("", col) {
        return Ok(v.unwrap_or(0));
    }
    let d: Option<sea_orm::prelude::Decimal> = r.try_get("", col)?;
    Ok(d.and_then(|d| i64::try_from(d).ok()).unwrap_or(0))
}

/// The fee mapping rows, categories first.
pub async fn fee_mappings<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<fee_mapping::Model>, VisitPageError> {
    Ok(fee_mapping::Entity::find()
        .order_by_asc(fee_mapping::Column::ByKind)
        .order_by_asc(fee_mapping::Column::ByCode)
        .all(conn)
        .await?)
}

/// How indicators are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Month,
    Dept,
    Doctor,
}

impl GroupBy {
    pub fn parse(s: &str) -> GroupBy {
        match s {
            "dept" => GroupBy::Dept,
            "doctor" => GroupBy::Doctor,
            _ => GroupBy::Month,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Month => "month",
            GroupBy::Dept => "dept",
            GroupBy::Doctor => "doctor",
        }
    }
}

/// Which pages the indicators count: all, one department's, or one doctor's.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub dept: Option<String>,
    pub doctor: Option<String>,
}

/// The raw counts of the quality indicators of one group (质控指标).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IndicatorCounts {
    /// The month, department or doctor.
    pub key: String,
    pub label: String,
    pub pages: i64,
    pub complete_pages: i64,
    pub required_items: i64,
    pub filled_items: i64,
    pub main_code_ok: i64,
    pub passing: i64,
}

/// Per-mille rates, exact integers (rounded half up).
fn permille(n: i64, d: i64) -> i64 {
    if d <= 0 {
        0
    } else {
        (n * 1000 * 2 + d) / (2 * d)
    }
}

fn pct(pm: i64) -> String {
    format!("{}.{}%", pm / 10, pm % 10)
}

impl IndicatorCounts {
    /// 页面完整率 ‰
    pub fn page_completeness(&self) -> i64 {
        permille(self.complete_pages, self.pages)
    }
    /// 项目完整率 ‰
    pub fn item_completeness(&self) -> i64 {
        permille(self.filled_items, self.required_items)
    }
    /// 主要诊断编码正确率 ‰
    pub fn main_code_rate(&self) -> i64 {
        permille(self.main_code_ok, self.pages)
    }
    /// 全部规则通过率 ‰
    pub fn passing_rate(&self) -> i64 {
        permille(self.passing, self.pages)
    }
    pub fn page_completeness_pct(&self) -> String {
        pct(self.page_completeness())
    }
    pub fn item_completeness_pct(&self) -> String {
        pct(self.item_completeness())
    }
    pub fn main_code_pct(&self) -> String {
        pct(self.main_code_rate())
    }
    pub fn passing_pct(&self) -> String {
        pct(self.passing_rate())
    }
}

/// The indicators of the periods `[from, to]`, grouped; for departments and doctors over the
/// whole span.
pub async fn indicators<C: ConnectionTrait>(
    conn: &C,
    from: Period,
    to: Period,
    by: GroupBy,
    scope: &Scope,
) -> Result<Vec<IndicatorCounts>, VisitPageError> {
    let mut values: Vec<SqlValue> = vec![from.to_string().into(), to.to_string().into()];
    let mut cond = String::new();
    if let Some(d) = scope.dept.as_deref().filter(|d| !d.is_empty()) {
        values.push(d.into());
        cond.push_str(&format!(" AND dept_code = ${}", values.len()));
    }
    if let Some(d) = scope.doctor.as_deref().filter(|d| !d.is_empty()) {
        values.push(d.into());
        cond.push_str(&format!(" AND doctor = ${}", values.len()));
    }
    let (key, label) = match by {
        GroupBy::Month => ("period", "period"),
        GroupBy::Dept => ("dept_code", "MAX(dept_name)"),
        GroupBy::Doctor => ("COALESCE(doctor, '')", "MAX(dept_name)"),
    };
    let sql = format!(
        "SELECT {key} AS k, {label} AS label, COUNT(*) AS pages, \
         SUM(CASE WHEN required_filled = required_total THEN 1 ELSE 0 END) AS complete_pages, \
         SUM(required_total) AS required_items, SUM(required_filled) AS filled_items, \
         SUM(main_code_ok) AS main_code_ok, \
         SUM(CASE WHEN error_count = 0 AND warning_count = 0 THEN 1 ELSE 0 END) AS passing \
         FROM visitpage_page WHERE period >= $1 AND period <= $2{cond} \
         GROUP BY {key} ORDER BY {key}"
    );
    let rows = conn.query_all_raw(stmt(conn, &sql, values)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let k: String = r.try_get("", "k")?;
        let label: Option<String> = r.try_get("", "label")?;
        out.push(IndicatorCounts {
            label: label.unwrap_or_else(|| k.clone()),
            key: k,
            pages: r.try_get("", "pages")?,
            complete_pages: sum_i64(&r, "complete_pages")?,
            required_items: sum_i64(&r, "required_items")?,
            filled_items: sum_i64(&r, "filled_items")?,
            main_code_ok: sum_i64(&r, "main_code_ok")?,
            passing: sum_i64(&r, "passing")?,
        });
    }
    Ok(out)
}

/// The rules that fired most over `[from, to]`: `(rule, pages)`, most first.
pub async fn top_rules<C: ConnectionTrait>(
    conn: &C,
    from: Period,
    to: Period,
    scope: &Scope,
) -> Result<Vec<(String, i64)>, VisitPageError> {
    let mut q = page::Entity::find();
    if let Some(d) = scope.dept.as_deref().filter(|d| !d.is_empty()) {
        q = q.filter(page::Column::DeptCode.eq(d));
    }
    if let Some(d) = scope.doctor.as_deref().filter(|d| !d.is_empty()) {
        q = q.filter(page::Column::Doctor.eq(d));
    }
    let rules: Vec<String> = q
        .select_only()
        .column(page::Column::Rules)
        .filter(page::Column::Period.gte(from.to_string()))
        .filter(page::Column::Period.lte(to.to_string()))
        .filter(page::Column::Rules.ne(""))
        .into_tuple()
        .all(conn)
        .await?;
    let mut counts: std::collections::BTreeMap<String, i64> = Default::default();
    for r in &rules {
        for id in r.split(',').filter(|s| !s.is_empty()) {
            *counts.entry(id.to_string()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, i64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(v)
}
