//! An inspection record as PDF (巡检记录打印) through the shared printer; the markup is
//! `templates/inspection_record.typ`.

use serde_json::json;
use yiqiao_core::time::format_local;
use yiqiao_print::{Document, PrintError, Printer, Standard};

use crate::store::inspection::RecordDetail;

/// The typst markup of the record.
pub const FORM: &str = include_str!("../templates/inspection_record.typ");

/// The document of one record.
pub fn document(printer: &Printer, hospital: &str, d: &RecordDetail) -> Document {
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(format_local).unwrap_or_default();
    let items: Vec<serde_json::Value> = d
        .items
        .iter()
        .map(|i| {
            json!({
                "seq": i.seq,
                "label": i.label,
                "reading": if i.check_kind == "range" { format!("{} {}", i.answer, i.unit) } else { String::new() },
                "outcome": match i.outcome.as_str() { "pass" => "正常", "fail" => "异常", _ => "未填写" },
                "note": i.note,
            })
        })
        .collect();
    Document {
        source: FORM.to_owned(),
        data: json!({
            "font": printer.chinese_family(),
            "hospital": hospital,
            "title": format!("巡检记录 {} {}", d.asset.code, d.record.period),
            "period": d.record.period,
            "asset_name": d.asset.name,
            "asset_code": d.asset.code,
            "kind": d.asset.kind_label(),
            "location": format!("{} {}", d.asset.location, d.asset.rack),
            "model": format!("{} {}", d.asset.vendor, d.asset.model),
            "state": d.state().label(),
            "items": items,
            "notes": d.record.notes,
            "faults": d.faults.iter().map(|f| f.title.clone()).collect::<Vec<_>>(),
            "signed_by": d.record.signed_by,
            "signed_at": when(d.record.signed_at),
            "confirmed_by": d.record.confirmed_by,
            "confirmed_at": when(d.record.confirmed_at),
        }),
        files: Vec::new(),
        standard: Standard::Pdf,
    }
}

/// The PDF of one record.
pub fn pdf(printer: &Printer, hospital: &str, d: &RecordDetail) -> Result<Vec<u8>, PrintError> {
    printer.pdf(&document(printer, hospital, d))
}
