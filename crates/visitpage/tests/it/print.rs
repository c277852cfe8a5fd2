//! The form as PDF and PDF/A (typst with the system's Chinese font) and as HTML.

use yiqiao_visitpage::domain::print::{Cell, layout};
use yiqiao_visitpage::print::pdf;

use super::{emergency_visit, page, tcm_visit};

/// Where a person can look at the rendered PDFs (`YIQIAO_PRINT_OUT=dir`), else nowhere.
fn keep(name: &str, bytes: &[u8]) {
    if let Ok(dir) = std::env::var("YIQIAO_PRINT_OUT") {
        std::fs::write(std::path::Path::new(&dir).join(name), bytes).unwrap();
    }
}

#[test]
fn the_layout_puts_each_chosen_code_in_its_box() {
    let f = layout(&page(&emergency_visit()));
    let boxes: Vec<(&str, &str)> = f
        .blocks
        .iter()
        .flat_map(|b| b.rows.iter().flatten())
        .filter_map(|c| match c {
            Cell::Box { label, code, .. } => Some((label.as_str(), code.as_str())),
            Cell::Text { .. } => None,
        })
        .collect();
    for want in [
        ("性别", "2"),
        ("就诊类型", "1"),
        ("急诊患者分级", "3"),
        ("急诊患者去向", "7"),
        ("药物过敏史", "2"),
    ] {
        assert!(boxes.contains(&want), "{want:?} in {boxes:?}");
    }
    assert_eq!(
        f.diagnoses[0],
        ["主要诊断".to_string(), "头皮裂伤".into(), "S01.001".into()]
    );
    assert_eq!(f.procedures[0][2], "86.5901");
    assert_eq!(f.total, "318.60");
    let anesthesia = f.fees.iter().find(|l| l.code == "MZF").unwrap();
    assert!(anesthesia.sub && anesthesia.yuan == "8.00" && anesthesia.name == "其中：麻醉费");
}

#[test]
fn a_page_prints_as_pdf_and_as_pdf_a_for_the_archive() {
    let printer = yiqiao_print::Printer::system().expect("a Chinese font (fonts-noto-cjk)");
    for (name, v) in [("tcm", tcm_visit()), ("emergency", emergency_visit())] {
        let p = page(&v);
        let plain = pdf(&printer, &p, true, false).unwrap();
        assert!(plain.starts_with(b"%PDF-"), "{name}");
        keep(&format!("{name}.pdf"), &plain);
        let archive = pdf(&printer, &p, false, true).unwrap();
        assert!(archive.starts_with(b"%PDF-"), "{name}");
        // PDF/A-2b declares itself in the XMP metadata.
        let text = String::from_utf8_lossy(&archive);
        assert!(
            text.contains("pdfaid:part") && text.contains("pdfaid:conformance"),
            "{name}"
        );
        keep(&format!("{name}-archive.pdf"), &archive);
    }
}
