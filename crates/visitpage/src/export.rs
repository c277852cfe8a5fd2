//! The upload template as an xlsx workbook (rust_xlsxwriter), written in memory.

use rust_xlsxwriter::{Format, Workbook};

use crate::domain::export::{Cell, columns, row};
use crate::domain::page::Page;
use crate::error::VisitPageError;

fn xerr(e: rust_xlsxwriter::XlsxError) -> VisitPageError {
    VisitPageError::Export(e.to_string())
}

/// The workbook of these pages, one row each under the header row.
pub fn xlsx<'a>(pages: impl IntoIterator<Item = &'a Page>) -> Result<Vec<u8>, VisitPageError> {
    let mut book = Workbook::new();
    let money = Format::new().set_num_format("0.00");
    let text = Format::new().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("门急诊诊疗信息页").map_err(xerr)?;
    for (c, name) in columns().iter().enumerate() {
        let c = u16::try_from(c).map_err(|_| VisitPageError::Export("列数过多".into()))?;
        sheet.write_string(0, c, name).map_err(xerr)?;
    }
    for (i, p) in pages.into_iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|_| VisitPageError::Export("行数过多".into()))?;
        for (c, cell) in row(p).into_iter().enumerate() {
            let c = u16::try_from(c).map_err(|_| VisitPageError::Export("列数过多".into()))?;
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                Cell::Text(s) => {
                    sheet
                        .write_string_with_format(r, c, &s, &text)
                        .map_err(xerr)?;
                }
                Cell::Money(fen) => {
                    // Exact: 分 / 100 is shown with two decimals; f64 holds every amount a
                    // page can have (below 2^53 分) to the 分.
                    #[allow(clippy::cast_precision_loss)]
                    let yuan = fen as f64 / 100.0;
                    sheet
                        .write_number_with_format(r, c, yuan, &money)
                        .map_err(xerr)?;
                }
            }
        }
    }
    book.save_to_buffer().map_err(xerr)
}
