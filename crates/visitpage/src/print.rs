//! The form as PDF through the shared printer (typst): ordinary PDF for printing, PDF/A-2b
//! for archive copies (归档). The layout is [`crate::domain::print::layout`], the markup
//! `templates/visitpage.typ`.

use serde_json::json;
use yiqiao_print::{Document, PrintError, Printer, Standard};

use crate::domain::page::Page;
use crate::domain::print::layout;

/// The typst markup of the form.
pub const FORM: &str = include_str!("../templates/visitpage.typ");

/// The document of one page.
pub fn document(printer: &Printer, page: &Page, demo: bool, archive: bool) -> Document {
    Document {
        source: FORM.to_string(),
        data: json!({
            "form": layout(page),
            "demo": demo,
            "font": printer.chinese_family(),
        }),
        files: Vec::new(),
        standard: if archive {
            Standard::PdfA2b
        } else {
            Standard::Pdf
        },
    }
}

/// The PDF of one page.
pub fn pdf(
    printer: &Printer,
    page: &Page,
    demo: bool,
    archive: bool,
) -> Result<Vec<u8>, PrintError> {
    printer.pdf(&document(printer, page, demo, archive))
}
