//! Reading the tab-separated tables of a grouping version (text in, rows out — no I/O).

use super::TableError;

/// One `.tsv` table: a header line, then rows of tab-separated cells (no quoting).
pub(crate) struct Tsv<'t> {
    file: &'static str,
    header: Vec<&'t str>,
    rows: Vec<(usize, Vec<&'t str>)>,
}

impl<'t> Tsv<'t> {
    pub(crate) fn parse(file: &'static str, text: &'t str) -> Result<Tsv<'t>, TableError> {
        let mut lines = text.lines().enumerate();
        let header: Vec<&str> = match lines.next() {
            Some((_, h)) => h.split('\t').collect(),
            None => return Err(TableError::new(file, 1, "文件为空，缺少表头")),
        };
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.is_empty() {
                continue;
            }
            let cells: Vec<&str> = line.split('\t').collect();
            if cells.len() != header.len() {
                return Err(TableError::new(
                    file,
                    i + 1,
                    format!("应有 {} 列，实有 {} 列", header.len(), cells.len()),
                ));
            }
            rows.push((i + 1, cells));
        }
        Ok(Tsv { file, header, rows })
    }

    /// The index of a named column, or an error naming it.
    pub(crate) fn col(&self, name: &str) -> Result<usize, TableError> {
        self.header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| TableError::new(self.file, 1, format!("缺少列 {name}")))
    }

    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_, 't>> {
        self.rows.iter().map(|(line, cells)| Row {
            file: self.file,
            line: *line,
            cells,
        })
    }
}

pub(crate) struct Row<'a, 't> {
    pub(crate) file: &'static str,
    pub(crate) line: usize,
    cells: &'a [&'t str],
}

impl<'t> Row<'_, 't> {
    pub(crate) fn get(&self, col: usize) -> &'t str {
        self.cells.get(col).copied().unwrap_or("")
    }

    /// An optional unsigned number (empty cell = not set).
    pub(crate) fn opt_u32(&self, col: usize) -> Result<Option<u32>, TableError> {
        let s = self.get(col);
        if s.is_empty() {
            return Ok(None);
        }
        s.parse()
            .map(Some)
            .map_err(|_| self.error(format!("「{s}」不是非负整数")))
    }

    pub(crate) fn u32(&self, col: usize) -> Result<u32, TableError> {
        self.opt_u32(col)?
            .ok_or_else(|| self.error("必填的数字为空".to_string()))
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> TableError {
        TableError::new(self.file, self.line, message)
    }
}
