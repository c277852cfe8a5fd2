//! `yiqiao drg group`: the case CSV of FORMAT.md §9 in, one result row per case out.
//!
//! A bad row (empty, wrong number of columns, a number that is not one, a code the version does
//! not know) gets status `ERROR` and a message naming the line and the fields; every other row
//! is still grouped.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::domain::{CaseText, Scratch, Version};
use crate::tables::{self, LoadError};

/// What `drg group` was asked to do.
#[derive(Debug, Clone)]
pub struct GroupArgs {
    pub version: String,
    /// The folder holding one folder per version (or the version folder itself).
    pub data: PathBuf,
    pub input: PathBuf,
    /// None: write to standard output.
    pub output: Option<PathBuf>,
    pub explain: bool,
}

/// Counts of a run, by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: usize,
    pub success: usize,
    pub fail: usize,
    pub check_failed: usize,
    pub qy: usize,
    pub errors: usize,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "共 {} 行：分组成功 {}，无法入组 {}，信息校验不通过 {}，歧义 {}，行错误 {}",
            self.rows, self.success, self.fail, self.check_failed, self.qy, self.errors
        )
    }
}

/// A failure of the whole run (a bad row is not one: it is reported in its own row).
#[derive(Debug, thiserror::Error)]
pub enum GroupError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("读取 {path} 失败：{source}")]
    Input {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("写入结果失败：{0}")]
    Output(std::io::Error),
    #[error("输入文件没有表头行")]
    NoHeader,
    #[error("输入文件缺少必需的列：{0}（表头须含 Index、gender、age、ICD10_DRGS）")]
    MissingColumns(String),
}

/// Columns of the input, by position (optional ones may be absent from the header).
struct Columns {
    width: usize,
    index: usize,
    gender: usize,
    age: usize,
    age_day: Option<usize>,
    weight: Option<usize>,
    dept: Option<usize>,
    in_hospital_time: Option<usize>,
    leaving_type: Option<usize>,
    dx: usize,
    procs: Option<usize>,
}

impl Columns {
    fn from_header(header: &[String]) -> Result<Columns, GroupError> {
        let find = |n: &str| header.iter().position(|h| h.trim() == n);
        let mut missing = Vec::new();
        let mut req = |n: &'static str| {
            find(n).unwrap_or_else(|| {
                missing.push(n);
                0
            })
        };
        let index = req("Index");
        let gender = req("gender");
        let age = req("age");
        let dx = req("ICD10_DRGS");
        if !missing.is_empty() {
            return Err(GroupError::MissingColumns(missing.join("、")));
        }
        Ok(Columns {
            width: header.len(),
            index,
            gender,
            age,
            age_day: find("ageDay"),
            weight: find("weight"),
            dept: find("dept"),
            in_hospital_time: find("inHospitalTime"),
            leaving_type: find("leavingType"),
            dx,
            procs: find("ICD9_DRGS"),
        })
    }
}

/// Split one CSV line (quotes allowed, `""` inside quotes is a quote).
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A CSV cell, quoted when it must be.
fn cell(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\"")).into()
    } else {
        s.into()
    }
}

/// The result columns.
pub const OUTPUT_HEADER: &str = "Index,mdc,adrg,drg,status,drg_name,message";

/// Group every row of `input` into `output`. `progress` is advanced by the bytes read.
pub fn group_csv<R: BufRead, W: Write>(
    version: &Version,
    input: R,
    mut output: W,
    explain: bool,
    progress: Option<&ProgressBar>,
) -> Result<Summary, GroupError> {
    let mut lines = input.lines();
    let header = match lines.next() {
        Some(Ok(h)) => split_csv_line(h.trim_start_matches('\u{feff}').trim_end_matches('\r')),
        Some(Err(source)) => {
            return Err(GroupError::Input {
                path: PathBuf::new(),
                source,
            });
        }
        None => return Err(GroupError::NoHeader),
    };
    let cols = Columns::from_header(&header)?;
    let out = |o: &mut W, s: &str| o.write_all(s.as_bytes()).map_err(GroupError::Output);
    out(&mut output, OUTPUT_HEADER)?;
    out(&mut output, if explain { ",explain\n" } else { "\n" })?;

    let mut summary = Summary::default();
    let mut scratch = Scratch::default();
    let mut line_buf = String::new();
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let line = line.map_err(|source| GroupError::Input {
            path: PathBuf::new(),
            source,
        })?;
        if let Some(p) = progress {
            p.inc(line.len() as u64 + 1);
        }
        let line = line.trim_end_matches('\r');
        summary.rows += 1;
        line_buf.clear();
        match row(version, &cols, line, &mut scratch, explain) {
            Ok(r) => {
                match r.status {
                    "SUCCESS" => summary.success += 1,
                    "FAIL" => summary.fail += 1,
                    "CHECK_FAILED" => summary.check_failed += 1,
                    _ => summary.qy += 1,
                }
                line_buf.push_str(&cell(&r.index));
                for c in [r.mdc, r.adrg, r.drg, r.status, r.drg_name] {
                    line_buf.push(',');
                    line_buf.push_str(&cell(c));
                }
                line_buf.push(',');
                line_buf.push_str(&cell(&r.message));
                if explain {
                    line_buf.push(',');
                    line_buf.push_str(&cell(&r.explain));
                }
            }
            Err((index, message)) => {
                summary.errors += 1;
                line_buf.push_str(&cell(&index));
                line_buf.push_str(",,,,ERROR,,");
                line_buf.push_str(&cell(&format!("第 {line_no} 行：{message}")));
                if explain {
                    line_buf.push(',');
                }
            }
        }
        line_buf.push('\n');
        out(&mut output, &line_buf)?;
    }
    output.flush().map_err(GroupError::Output)?;
    Ok(summary)
}

struct RowResult<'v> {
    index: String,
    mdc: &'v str,
    adrg: &'v str,
    drg: &'v str,
    status: &'static str,
    drg_name: &'v str,
    message: String,
    explain: String,
}

/// One data row: its result, or (index, error message).
fn row<'v>(
    version: &'v Version,
    cols: &Columns,
    line: &str,
    scratch: &mut Scratch,
    explain: bool,
) -> Result<RowResult<'v>, (String, String)> {
    if line.trim().is_empty() || line.split(',').all(|c| c.trim().is_empty()) {
        return Err((String::new(), "空行".to_string()));
    }
    let f = split_csv_line(line);
    let get = |i: usize| f.get(i).map(|s| s.as_str()).unwrap_or("");
    let opt = |i: Option<usize>| i.map(get).unwrap_or("");
    let index = get(cols.index).trim().to_string();
    if f.len() != cols.width {
        return Err((
            index,
            format!("应有 {} 列，实有 {} 列", cols.width, f.len()),
        ));
    }
    let text = CaseText {
        index: get(cols.index),
        gender: get(cols.gender),
        age: get(cols.age),
        age_day: opt(cols.age_day),
        weight: opt(cols.weight),
        dept: opt(cols.dept),
        in_hospital_time: opt(cols.in_hospital_time),
        leaving_type: opt(cols.leaving_type),
        diagnoses: get(cols.dx),
        procedures: opt(cols.procs),
    };
    let case = text.parse().map_err(|errs| {
        let msg = errs
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("；");
        (index.clone(), msg)
    })?;
    let unknown_dx: Vec<&str> = case
        .diagnoses
        .iter()
        .filter(|c| !c.is_empty() && !version.knows_diagnosis(c))
        .map(|s| s.as_str())
        .collect();
    let unknown_proc: Vec<&str> = case
        .procedures
        .iter()
        .filter(|c| !version.knows_procedure(c))
        .map(|s| s.as_str())
        .collect();
    if !unknown_dx.is_empty() || !unknown_proc.is_empty() {
        let mut parts = Vec::new();
        if !unknown_dx.is_empty() {
            parts.push(format!(
                "字段 ICD10_DRGS：诊断编码 {} 不在 {} 的字典中",
                unknown_dx.join("、"),
                version.name()
            ));
        }
        if !unknown_proc.is_empty() {
            parts.push(format!(
                "字段 ICD9_DRGS：手术操作编码 {} 不在 {} 的字典中",
                unknown_proc
                    .iter()
                    .map(|c| if c.is_empty() { "（空）" } else { c })
                    .collect::<Vec<_>>()
                    .join("、"),
                version.name()
            ));
        }
        return Err((index, parts.join("；")));
    }
    let (g, trace) = if explain {
        let e = version.explain(&case);
        let t = e
            .trace
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(" → ");
        (e.grouping, t)
    } else {
        (version.group_with(&case, scratch), String::new())
    };
    Ok(RowResult {
        index,
        mdc: g.mdc,
        adrg: g.adrg,
        drg: g.drg,
        status: g.status.as_str(),
        drg_name: version.drg_name(g.drg).unwrap_or(""),
        message: g.check.map(|c| c.to_string()).unwrap_or_default(),
        explain: trace,
    })
}

/// Inputs at least this large get a progress bar on standard error.
const PROGRESS_FROM_BYTES: u64 = 1 << 20;

/// Run `drg group` with files: load the version, group, write. Returns the counts.
pub fn run_group(args: &GroupArgs) -> Result<Summary, GroupError> {
    let version = tables::load(&args.data, &args.version)?;
    let open_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GroupError::Input { path, source }
    };
    let file = File::open(&args.input).map_err(open_err(&args.input))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    let progress = (size >= PROGRESS_FROM_BYTES).then(|| {
        let p = ProgressBar::with_draw_target(Some(size), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{spinner} 分组中 [{bar:40}] {bytes}/{total_bytes} ({eta})",
        ) {
            p.set_style(style.progress_chars("=> "));
        }
        p
    });
    let input = BufReader::with_capacity(1 << 16, file);
    let summary = match &args.output {
        Some(path) => {
            let f = File::create(path).map_err(GroupError::Output)?;
            group_csv(
                &version,
                input,
                BufWriter::with_capacity(1 << 16, f),
                args.explain,
                progress.as_ref(),
            )
        }
        None => {
            let stdout = std::io::stdout();
            group_csv(
                &version,
                input,
                BufWriter::new(stdout.lock()),
                args.explain,
                progress.as_ref(),
            )
        }
    };
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    let summary = summary.map_err(|e| match e {
        GroupError::Input { source, .. } => GroupError::Input {
            path: args.input.clone(),
            source,
        },
        other => other,
    })?;
    Ok(summary)
}

/// Why `yiqiao drg reconcile` could not run.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("读取文件 {path} 失败：{source}")]
    Read {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    File(#[from] crate::store::platform::FileError),
    #[error(transparent)]
    Table(#[from] crate::domain::reconcile::TableRefused),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// `yiqiao drg reconcile FILE`: imports the provincial platform's results (xlsx or UTF-8 CSV,
/// header with 病例编号, DRG and optionally 点数), then compares them with the local
/// pre-grouping made with `version`: the lines to print (row errors, the agreement rate, each
/// disagreement with the local trace).
pub async fn reconcile(
    db: &yiqiao_store::Db,
    file: &std::path::Path,
    version: &str,
    actor: &yiqiao_store::audit::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<String>, ReconcileError> {
    let bytes = std::fs::read(file).map_err(|source| ReconcileError::Read {
        path: file.to_path_buf(),
        source,
    })?;
    let rows = crate::store::platform::file_rows(&bytes)?;
    let (good, bad) = crate::domain::reconcile::read_table(&rows)?;
    let source = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let imported = crate::store::platform::import(db, good, bad, &source, actor, now).await?;
    let v = match crate::store::load(&**db, version).await {
        Ok(v) => Some(v),
        Err(crate::store::StoreError::NotImported(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let report = crate::pages::reconcile::report(db, v.as_ref()).await?;
    let mut lines = vec![format!("已导入 {} 行省平台结果", imported.rows)];
    lines.extend(crate::pages::reconcile::report_lines(
        &report,
        &imported.errors,
    ));
    Ok(lines)
}
