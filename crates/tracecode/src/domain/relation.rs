//! Parent–child code relations (父子码关系, 箱码→盒码): the supplier's file saying which
//! smallest-package codes a case (or middle package) holds, so that scanning the case on a
//! receipt receives its children without opening it.

use yiqiao_core::FieldError;

use super::code::TraceCode;

/// One row of a relation file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationRow {
    /// Line number in the file (the header is line 1).
    pub line: usize,
    pub parent: TraceCode,
    pub child: TraceCode,
    /// The child as written (what the receipt records as scanned).
    pub child_raw: String,
}

const COL_PARENT: [&str; 5] = ["parent", "父码", "包装码", "箱码", "上级码"];
const COL_CHILD: [&str; 4] = ["child", "子码", "盒码", "下级码"];

/// The most rows one relation file may hold.
pub const MAX_RELATION_ROWS: usize = 200_000;

/// Reads a relation table (header row, then one parent and child per row): columns 父码
/// (parent) and 子码 (child), in any order. Every bad row is named; nothing is returned unless
/// all are good.
pub fn parse_relations(rows: &[Vec<String>]) -> Result<Vec<RelationRow>, Vec<FieldError>> {
    let Some(header) = rows.first() else {
        return Err(vec![FieldError::new("文件", "文件为空")]);
    };
    let find = |names: &[&str]| {
        header.iter().position(|h| {
            names
                .iter()
                .any(|n| h.trim().trim_start_matches('\u{feff}') == *n)
        })
    };
    let (Some(p), Some(c)) = (find(&COL_PARENT), find(&COL_CHILD)) else {
        return Err(vec![FieldError::new("第 1 行", "表头应含 父码、子码 两列")]);
    };
    if rows.len() - 1 > MAX_RELATION_ROWS {
        return Err(vec![FieldError::new(
            "文件",
            format!("一次最多导入 {MAX_RELATION_ROWS} 行"),
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, row) in rows.iter().enumerate().skip(1) {
        let line = i + 1;
        if row.iter().all(|x| x.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| row.get(k).map(String::as_str).unwrap_or("").trim();
        let at = format!("第 {line} 行");
        let parent = match TraceCode::parse(cell(p)) {
            Ok(x) => x,
            Err(e) => {
                errors.push(FieldError::new(at, format!("父码：{e}")));
                continue;
            }
        };
        let child = match TraceCode::parse(cell(c)) {
            Ok(x) => x,
            Err(e) => {
                errors.push(FieldError::new(at, format!("子码：{e}")));
                continue;
            }
        };
        if parent.key() == child.key() {
            errors.push(FieldError::new(at, "父码与子码相同"));
            continue;
        }
        if let Some(first) = seen.insert(child.key(), line) {
            errors.push(FieldError::new(
                at,
                format!("子码 {} 与第 {first} 行重复", child.key()),
            ));
            continue;
        }
        out.push(RelationRow {
            line,
            parent,
            child,
            child_raw: cell(c).to_owned(),
        });
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if out.is_empty() {
        return Err(vec![FieldError::new("文件", "没有可导入的行")]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn rows(text: &str) -> Vec<Vec<String>> {
        text.lines()
            .map(|l| l.split(',').map(str::to_owned).collect())
            .collect()
    }

    #[test]
    fn a_relation_file_names_every_bad_row() {
        let ok = parse_relations(&rows(
            "箱码,盒码\n81234990000000000001,81234560000000000001\n81234990000000000001,81234560000000000002",
        ))
        .unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].child.key(), "81234560000000000002");
        let e = parse_relations(&rows(
            "父码,子码\n8123,81234560000000000001\n81234990000000000001,81234990000000000001\n81234990000000000001,81234560000000000001\n81234990000000000002,81234560000000000001",
        ))
        .unwrap_err();
        let shown: Vec<String> = e.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "字段 第 2 行：父码：4 位，应为 20 位",
                "字段 第 3 行：父码与子码相同",
                "字段 第 5 行：子码 81234560000000000001 与第 4 行重复",
            ]
        );
        assert!(parse_relations(&rows("a,b\n1,2")).is_err());
    }
}
