//! Reconciliation with the provincial platform (与省平台分组结果对账): reading the platform's
//! result table (rows of cells, from CSV or xlsx) and comparing it with the local pre-grouping.

use std::collections::HashMap;

use serde::Serialize;

use super::points::Points;

/// One case as the platform grouped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformRow {
    /// The HIS case id (or the settlement id the platform knows it by; matched by the store).
    pub case_id: String,
    pub drg: String,
    /// 病例点数 as the platform gave them, when the file has the column.
    pub points: Option<Points>,
}

/// A row that could not be read: its line (1-based, header = 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

/// The whole table could not be read (no header with the needed columns, or no rows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableRefused {
    #[error("文件为空")]
    Empty,
    #[error("表头缺少「{0}」列（可用列名：{1}）")]
    MissingColumn(&'static str, &'static str),
}

impl yiqiao_core::Refusal for TableRefused {
    fn kind(&self) -> yiqiao_core::ErrorKind {
        yiqiao_core::ErrorKind::Unprocessable
    }
    fn code(&self) -> &'static str {
        "DRG_PLATFORM_TABLE_INVALID"
    }
}

const CASE_NAMES: &[&str] = &[
    "case_id",
    "病例编号",
    "病例号",
    "病案号",
    "住院号",
    "结算id",
    "结算ID",
    "setl_id",
];
const DRG_NAMES: &[&str] = &["drg", "DRG", "drg编码", "DRG编码", "病组编码", "DRG组"];
const POINTS_NAMES: &[&str] = &["points", "点数", "病例点数", "结算点数"];

fn column(header: &[String], names: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().trim_start_matches('\u{feff}');
        names.iter().any(|n| n.eq_ignore_ascii_case(h))
    })
}

/// Reads the platform's table: a header row naming the case, DRG and (optionally) points
/// columns, then one row a case. Bad rows are reported by line; the rest is read.
pub fn read_table(rows: &[Vec<String>]) -> Result<(Vec<PlatformRow>, Vec<RowError>), TableRefused> {
    let Some(header) = rows.first() else {
        return Err(TableRefused::Empty);
    };
    let case = column(header, CASE_NAMES).ok_or(TableRefused::MissingColumn(
        "病例编号",
        "case_id、病例编号、病案号、住院号、结算ID",
    ))?;
    let drg = column(header, DRG_NAMES)
        .ok_or(TableRefused::MissingColumn("DRG", "drg、DRG编码、病组编码"))?;
    let points = column(header, POINTS_NAMES);
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |c: usize| row.get(c).map(|s| s.trim()).unwrap_or("");
        let id = cell(case);
        let code = cell(drg);
        if id.is_empty() {
            errors.push(RowError {
                line,
                message: "病例编号为空".into(),
            });
            continue;
        }
        if code.is_empty() {
            errors.push(RowError {
                line,
                message: format!("病例「{id}」的 DRG 为空"),
            });
            continue;
        }
        let pts = match points.map(cell) {
            None | Some("") => None,
            Some(p) => match Points::parse(p) {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(RowError {
                        line,
                        message: format!("病例「{id}」的点数「{p}」不是有效数值"),
                    });
                    continue;
                }
            },
        };
        if let Some(first) = seen.insert(id.to_owned(), line) {
            errors.push(RowError {
                line,
                message: format!("病例「{id}」重复（第 {first} 行已有）"),
            });
            continue;
        }
        out.push(PlatformRow {
            case_id: id.to_owned(),
            drg: code.to_owned(),
            points: pts,
        });
    }
    Ok((out, errors))
}

/// Splits CSV text into rows of cells: comma-separated, double quotes around a cell allowed
/// (a doubled quote inside is one quote); a BOM at the start is ignored.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(|line| {
            let mut cells = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = line.trim_end_matches('\r').chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '"' if quoted && chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cur)),
                    _ => cur.push(c),
                }
            }
            cells.push(cur);
            cells
        })
        .collect()
}

/// The local side of one case: the pre-grouping and the points computed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    pub drg: String,
    pub points: Option<Points>,
}

/// A case on which the platform and the local pre-grouping differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    pub case_id: String,
    pub platform_drg: String,
    pub platform_points: Option<Points>,
    /// `None`: the case is not in the local ledger (not in the HIS feed or not checked).
    pub local: Option<Local>,
}

/// The comparison (对账结果).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    /// Cases in the platform's results.
    pub total: u32,
    /// Of those, grouped into the same DRG locally.
    pub agree: u32,
    /// Of the agreeing, with points differing (both known).
    pub points_differ: u32,
    pub disagreements: Vec<Disagreement>,
}

impl Reconciliation {
    /// Agreement rate in per mille (‰); `None` without cases.
    pub fn agreement_permille(&self) -> Option<u32> {
        (self.total > 0).then(|| (self.agree * 1000 + self.total / 2) / self.total)
    }
}

/// Compares the platform's rows with the local results (by case id).
pub fn compare(platform: &[PlatformRow], local: &HashMap<String, Local>) -> Reconciliation {
    let mut r = Reconciliation::default();
    for p in platform {
        r.total += 1;
        match local.get(&p.case_id) {
            Some(l) if l.drg == p.drg => {
                r.agree += 1;
                if let (Some(a), Some(b)) = (l.points, p.points)
                    && a != b
                {
                    r.points_differ += 1;
                }
            }
            other => r.disagreements.push(Disagreement {
                case_id: p.case_id.clone(),
                platform_drg: p.drg.clone(),
                platform_points: p.points,
                local: other.cloned(),
            }),
        }
    }
    r
}
