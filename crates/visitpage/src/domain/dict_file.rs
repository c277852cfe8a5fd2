//! Reading the hospital's official code-table files (字典文件): xlsx (first sheet) or text
//! (CSV, or tab-separated as the public ICD tables are), a header row naming the code and name
//! columns (`code`/`name`, or 编码/代码 and 名称). Pure: bytes in, a table or a refusal naming the
//! row out.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::codes::Dict;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    /// CSV or TSV (the separator is taken from the header row).
    Text,
}

impl FileFormat {
    /// From a file name's extension: `.xlsx` is a workbook, anything else text.
    pub fn of_name(name: &str) -> FileFormat {
        if name.to_ascii_lowercase().ends_with(".xlsx") {
            FileFormat::Xlsx
        } else {
            FileFormat::Text
        }
    }
}

fn header_index(header: &[String]) -> Result<(usize, usize), String> {
    let norm: Vec<String> = header
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let find = |names: &[&str]| norm.iter().position(|h| names.contains(&h.as_str()));
    let code = find(&["code", "编码", "代码", "疾病编码", "手术编码", "诊断编码"]);
    let name = find(&[
        "name",
        "名称",
        "疾病名称",
        "手术名称",
        "诊断名称",
        "手术及操作名称",
    ]);
    match (code, name) {
        (Some(c), Some(n)) => Ok((c, n)),
        _ => Err(format!(
            "第 1 行应为表头，含编码列（code/编码/代码）和名称列（name/名称），实为「{}」",
            header.join("｜")
        )),
    }
}

fn rows_to_dict(rows: Vec<Vec<String>>) -> Result<Dict, String> {
    let mut it = rows.into_iter().enumerate();
    let Some((_, header)) = it.next() else {
        return Err("文件是空的".into());
    };
    let (ci, ni) = header_index(&header)?;
    let mut pairs = Vec::new();
    for (i, row) in it {
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let code = row.get(ci).map(|c| c.trim()).unwrap_or("");
        if code.is_empty() {
            return Err(format!("第 {} 行没有编码", i + 1));
        }
        if code.chars().count() > 64 {
            return Err(format!("第 {} 行的编码「{code}」超过 64 个字符", i + 1));
        }
        let name = row.get(ni).map(|c| c.trim()).unwrap_or("");
        pairs.push((code.to_string(), name.chars().take(255).collect::<String>()));
    }
    if pairs.is_empty() {
        return Err("文件只有表头，没有编码".into());
    }
    Ok(Dict::from_pairs(pairs))
}

fn split(line: &str, sep: char) -> Vec<String> {
    if sep == '\t' {
        return line.split('\t').map(str::to_string).collect();
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if cur.is_empty() => quoted = true,
            (c, false) if c == sep => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// Reads a code table from a file's bytes.
pub fn parse_dict_file(bytes: &[u8], format: FileFormat) -> Result<Dict, String> {
    match format {
        FileFormat::Text => {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| format!("文件不是 UTF-8 文本（第 {} 字节起）", e.valid_up_to()))?;
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let first = text.lines().next().unwrap_or("");
            let sep = if first.contains('\t') { '\t' } else { ',' };
            rows_to_dict(text.lines().map(|l| split(l, sep)).collect())
        }
        FileFormat::Xlsx => {
            let mut book = Xlsx::new(Cursor::new(bytes.to_vec()))
                .map_err(|e| format!("无法读取 xlsx 文件：{e}"))?;
            let range = book
                .worksheet_range_at(0)
                .ok_or_else(|| "xlsx 文件没有工作表".to_string())?
                .map_err(|e| format!("无法读取第一个工作表：{e}"))?;
            let rows = range
                .rows()
                .map(|r| {
                    r.iter()
                        .map(|c| match c {
                            Data::Empty => String::new(),
                            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                                format!("{}", *f as i64)
                            }
                            other => other.to_string(),
                        })
                        .collect()
                })
                .collect();
            rows_to_dict(rows)
        }
    }
}
