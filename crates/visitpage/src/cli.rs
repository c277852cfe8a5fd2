//! `yiqiao visitpage check FILE [--dict DIR]`: the quality rules over pages in a file.
//!
//! Reads one page (a JSON object), an array of pages, or JSON lines; prints one JSON line per
//! finding. The caller maps the outcome to the exit status: 1 when any `error` was found,
//! 0 when none, 2 when the input cannot be read ([`CheckError`]).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use yiqiao_core::{ErrorKind, FieldError, Refusal};

use crate::domain::codes::{DictKind, Dicts, parse_dict_csv};
use crate::domain::page::{Page, PageError};
use crate::domain::rules::{Finding, Severity, check};

/// Why `check` could not read its input.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("无法读取文件 {path}：{message}")]
    Io { path: PathBuf, message: String },
    #[error("{path} 不是有效的 JSON：{message}")]
    Json { path: PathBuf, message: String },
    #[error("{path} 第 {line} 行不是有效的 JSON：{message}")]
    JsonLine {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path} 应为一个诊疗信息页（JSON 对象）、页的数组或每行一页的 JSON")]
    NotPages { path: PathBuf },
    #[error("诊疗信息页格式错误：\n{}", .0.iter().map(|(page, e)| format!("  {page}：{e}")).collect::<Vec<_>>().join("\n"))]
    Pages(Vec<(String, PageError)>),
    #[error("字典文件 {path} 有误：{message}")]
    Dict { path: PathBuf, message: String },
}

impl Refusal for CheckError {
    fn kind(&self) -> ErrorKind {
        ErrorKind::BadRequest
    }
    fn code(&self) -> &'static str {
        match self {
            CheckError::Io { .. } => "UNREADABLE",
            CheckError::Json { .. } | CheckError::JsonLine { .. } | CheckError::NotPages { .. } => {
                "BAD_JSON"
            }
            CheckError::Pages(_) => "BAD_FIELD",
            CheckError::Dict { .. } => "BAD_DICT",
        }
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            CheckError::Pages(p) => p.iter().flat_map(|(_, e)| e.fields()).collect(),
            _ => Vec::new(),
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckSummary {
    pub pages: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    page: Option<&'a str>,
    rule: &'static str,
    severity: Severity,
    field: &'a str,
    message: &'a str,
}

/// Loads the code tables of a `--dict` folder; a missing file means that table is not checked.
pub fn load_dicts(dir: &Path) -> Result<Dicts, CheckError> {
    if !dir.is_dir() {
        return Err(CheckError::Io {
            path: dir.to_path_buf(),
            message: "不是一个文件夹".to_string(),
        });
    }
    let mut dicts = Dicts::none();
    for kind in DictKind::ALL {
        let path = dir.join(kind.file_name());
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| CheckError::Io {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let dict = parse_dict_csv(&text).map_err(|message| CheckError::Dict { path, message })?;
        dicts.insert(kind, dict);
    }
    Ok(dicts)
}

/// Splits the input into JSON values: one object, an array, or JSON lines.
pub fn read_values(path: &Path, text: &str) -> Result<Vec<Value>, CheckError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(a)) => Ok(a),
        Ok(v @ Value::Object(_)) => Ok(vec![v]),
        Ok(_) => Err(CheckError::NotPages {
            path: path.to_path_buf(),
        }),
        Err(whole) => {
            let lines: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
                .collect();
            // JSON lines only when the first line is a value of its own; otherwise the
            // document's own error is the useful one.
            let first_is_value = lines
                .first()
                .is_some_and(|(_, l)| serde_json::from_str::<Value>(l).is_ok());
            if lines.len() < 2 || !first_is_value {
                return Err(CheckError::Json {
                    path: path.to_path_buf(),
                    message: whole.to_string(),
                });
            }
            lines
                .into_iter()
                .map(|(i, l)| {
                    serde_json::from_str::<Value>(l).map_err(|e| CheckError::JsonLine {
                        path: path.to_path_buf(),
                        line: i + 1,
                        message: e.to_string(),
                    })
                })
                .collect()
        }
    }
}

/// Reads the pages of a file; every malformed page is reported, naming the page and the field.
pub fn read_pages(path: &Path) -> Result<Vec<Page>, CheckError> {
    let text = std::fs::read_to_string(path).map_err(|e| CheckError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let values = read_values(path, &text)?;
    let mut pages = Vec::new();
    let mut bad = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match Page::from_json(v) {
            Ok(p) => pages.push(p),
            Err(e) => {
                let card = v.get("card_no").and_then(Value::as_str);
                let label = match card {
                    Some(c) => format!("第 {} 页（就诊卡号 {c}）", i + 1),
                    None => format!("第 {} 页", i + 1),
                };
                bad.push((label, e));
            }
        }
    }
    if bad.is_empty() {
        Ok(pages)
    } else {
        Err(CheckError::Pages(bad))
    }
}

/// Writes one JSON line per finding of `page`.
pub fn write_findings(
    page: &Page,
    findings: &[Finding],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    for f in findings {
        let line = Line {
            page: page.label(),
            rule: f.rule,
            severity: f.severity,
            field: &f.field,
            message: &f.message,
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Runs `yiqiao visitpage check`.
pub fn run_check(
    file: &Path,
    dict: Option<&Path>,
    out: &mut dyn Write,
) -> Result<CheckSummary, CheckError> {
    let dicts = match dict {
        Some(d) => load_dicts(d)?,
        None => Dicts::none(),
    };
    run_check_with(file, &dicts, out)
}

/// Runs `yiqiao visitpage check` with the code tables at hand (from the database).
pub fn run_check_with(
    file: &Path,
    dicts: &Dicts,
    out: &mut dyn Write,
) -> Result<CheckSummary, CheckError> {
    let dicts = dicts.clone();
    let pages = read_pages(file)?;
    let mut summary = CheckSummary {
        pages: pages.len(),
        ..CheckSummary::default()
    };
    for page in &pages {
        let findings = check(page, &dicts);
        summary.errors += findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        summary.warnings += findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        write_findings(page, &findings, out).map_err(|e| CheckError::Io {
            path: PathBuf::from("<stdout>"),
            message: e.to_string(),
        })?;
    }
    Ok(summary)
}

/// `yiqiao dict import --kind KIND FILE [--label L]`: stores a new version of a code table from
/// the hospital's file (xlsx, or CSV/TSV text); returns what was done, in Chinese.
pub async fn dict_import(
    db: &yiqiao_store::Db,
    at: chrono::DateTime<chrono::Utc>,
    actor: &yiqiao_store::audit::Actor,
    kind: &str,
    file: &Path,
    label: Option<&str>,
) -> Result<String, crate::VisitPageError> {
    use crate::domain::dict_file::{FileFormat, parse_dict_file};
    let kind = DictKind::from_key(kind).ok_or_else(|| {
        crate::VisitPageError::Dict(format!(
            "未知的编码表「{kind}」，应为 {}",
            DictKind::ALL.map(DictKind::key).join("、")
        ))
    })?;
    let bytes = std::fs::read(file).map_err(|e| {
        crate::VisitPageError::Dict(format!("无法读取文件 {}：{e}", file.display()))
    })?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let dict = parse_dict_file(&bytes, FileFormat::of_name(&name))
        .map_err(|e| crate::VisitPageError::Dict(format!("{}：{e}", file.display())))?;
    let label = label.map_or_else(|| format!("{} {name}", kind.label()), str::to_string);
    let id = crate::store::dicts::import(
        db,
        at,
        actor,
        crate::store::dicts::NewVersion {
            kind,
            label: label.clone(),
            sample: false,
            source: name,
            dict: &dict,
        },
    )
    .await?;
    Ok(format!(
        "已导入{}：版本 {id}「{label}」，{} 条",
        kind.label(),
        dict.len()
    ))
}
