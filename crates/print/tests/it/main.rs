#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The printer over the machine's real fonts: Chinese text survives into the PDF (read back
//! with poppler's `pdftotext`), PDF/A carries its conformance claim, and a broken form or a bad
//! attachment name is refused with a message.

use std::process::Command;

use yiqiao_print::{Document, PrintError, Printer, Standard};

/// A small form in the shape of the hospital's: a title, a drawn tick-box with the chosen code,
/// a table of fees and an SVG chart with Chinese labels.
const FORM: &str = r#"
#let d = json("/data.json")
#set document(title: d.title, date: datetime(year: 2026, month: 11, day: 29))
#set page(paper: "a4", margin: 15mm)
#let tick(on) = box(width: 3mm, height: 3mm, stroke: 0.6pt, inset: 0pt,
  if on { place(curve(stroke: 0.8pt, curve.move((0.5mm, 1.6mm)), curve.line((1.3mm, 2.5mm)), curve.line((2.6mm, 0.5mm)))) })
#align(center, text(16pt, weight: "bold")[#d.title])
患者姓名：#d.name #h(1em) 性别：#d.sex_code #tick(d.sex_code == "1") 男 #tick(d.sex_code == "2") 女
#table(columns: 2, [项目], [金额（元）], ..d.fees.map(f => (f.item, f.amount)).flatten())
#image("/chart-1.svg", width: 60mm)
"#;

const CHART: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="80" viewBox="0 0 200 80">
<rect x="10" y="30" width="40" height="40" fill="#4a7"/><text x="10" y="20" font-family="sans-serif" font-size="12">门诊人次</text></svg>"##;

fn document(standard: Standard) -> Document {
    Document {
        source: FORM.to_string(),
        data: serde_json::json!({
            "title": "门（急）诊诊疗信息页",
            "name": "张三丰",
            "sex_code": "1",
            "fees": [
                {"item": "一般医疗服务费", "amount": "12.50"},
                {"item": "西药费", "amount": "86.00"}
            ]
        }),
        files: vec![("/chart-1.svg".to_string(), CHART.as_bytes().to_vec())],
        standard,
    }
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by .ci/run)");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn chinese_text_and_chart_labels_reach_the_pdf() {
    let printer = Printer::system().unwrap();
    let pdf = printer.pdf(&document(Standard::Pdf)).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_text(&pdf);
    for expected in [
        "门（急）诊诊疗信息页",
        "张三丰",
        "一般医疗服务费",
        "86.00",
        "门诊人次",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from {text:?}"
        );
    }
}

#[test]
fn the_default_font_is_the_simplified_chinese_one() {
    let printer = Printer::system().unwrap();
    assert_eq!(printer.chinese_family(), "Noto Sans CJK SC");
}

#[test]
fn archive_copies_are_pdf_a_2b() {
    let printer = Printer::system().unwrap();
    let pdf = printer.pdf(&document(Standard::PdfA2b)).unwrap();
    let raw = String::from_utf8_lossy(&pdf);
    assert!(
        raw.contains("pdfaid:part") || raw.contains("pdfaid"),
        "no PDF/A claim"
    );
    assert!(pdf_text(&pdf).contains("张三丰"));
}

#[test]
fn an_archive_copy_without_a_document_date_is_refused_with_the_fix() {
    let printer = Printer::system().unwrap();
    let mut doc = document(Standard::PdfA2b);
    doc.source = doc.source.replace("#set document(", "#let unused = (");
    match printer.pdf(&doc) {
        Err(PrintError::Export(message)) => {
            assert!(message.contains("set document(date"), "{message}")
        }
        other => panic!("expected an export error, got {other:?}"),
    }
}

#[test]
fn the_same_data_prints_the_same_bytes() {
    let printer = Printer::system().unwrap();
    let a = printer.pdf(&document(Standard::Pdf)).unwrap();
    let b = printer.pdf(&document(Standard::Pdf)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn a_broken_form_is_refused_with_typsts_message_and_line() {
    let printer = Printer::system().unwrap();
    let mut doc = document(Standard::Pdf);
    doc.source = "第一行\n#let x = d.nothing\n".to_string();
    match printer.pdf(&doc) {
        Err(PrintError::Compile(message)) => {
            assert!(message.contains("unknown variable: d"), "{message}");
            assert!(message.contains("第 2 行"), "{message}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn a_form_reading_a_missing_field_names_it() {
    let printer = Printer::system().unwrap();
    let mut doc = document(Standard::Pdf);
    doc.data = serde_json::json!({"title": "x"});
    match printer.pdf(&doc) {
        Err(PrintError::Compile(message)) => assert!(message.contains("name"), "{message}"),
        other => panic!("expected a compile error, got {other:?}"),
    }
}

#[test]
fn attachment_names_outside_the_fixed_set_are_refused() {
    let printer = Printer::system().unwrap();
    let mut doc = document(Standard::Pdf);
    doc.files = vec![("/../secret.svg".to_string(), CHART.as_bytes().to_vec())];
    assert!(matches!(printer.pdf(&doc), Err(PrintError::BadFileName(_))));
}

#[test]
fn a_missing_font_directory_is_named() {
    let err = Printer::from_system(&["/nonexistent/fonts".into()]).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/fonts"));
}
