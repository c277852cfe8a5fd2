//! Code tables: reading official files (xlsx, CSV, the public TSV ICD tables), versions in the
//! database, and the rules using the version in use.

use std::path::PathBuf;

use yiqiao_store::audit::Actor;
use yiqiao_visitpage::domain::codes::{Dict, DictKind};
use yiqiao_visitpage::domain::dict_file::{FileFormat, parse_dict_file};
use yiqiao_visitpage::store::dicts::{
    NewVersion, current_versions, import, import_samples, load_current, versions,
};
use yiqiao_visitpage::{check, domain::rules::Severity};

use super::assemble::at;
use super::store::db;
use super::{mutated, tcm_visit};

/// The public ICD tables beside the project (read, never copied into the repository).
fn shared_icd() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/drg/zj-drg-2022/icd")
}

fn xlsx(rows: &[(&str, &str)], numeric_codes: bool) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "编码").unwrap();
    sheet.write_string(0, 1, "名称").unwrap();
    for (i, (c, n)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap();
        match c.parse::<f64>() {
            Ok(v) if numeric_codes => sheet.write_number(r, 0, v).unwrap(),
            _ => sheet.write_string(r, 0, *c).unwrap(),
        };
        sheet.write_string(r, 1, *n).unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn an_xlsx_table_is_read_with_chinese_headers_and_numeric_codes() {
    let bytes = xlsx(&[("231", "主任医师"), ("232", "副主任医师")], true);
    let d = parse_dict_file(&bytes, FileFormat::Xlsx).unwrap();
    assert_eq!(d.len(), 2);
    assert_eq!(d.name_of("231"), Some("主任医师"));
    assert!(d.has_code_or_name("副主任医师"));
}

#[test]
fn malformed_files_are_refused_naming_the_row() {
    let e = parse_dict_file("名字,备注\n1,2\n".as_bytes(), FileFormat::Text).unwrap_err();
    assert!(e.contains("第 1 行应为表头"), "{e}");
    let e = parse_dict_file("code,name\nA01,甲\n,乙\n".as_bytes(), FileFormat::Text).unwrap_err();
    assert_eq!(e, "第 3 行没有编码");
    let e = parse_dict_file(b"PK\x03\x04 not really", FileFormat::Xlsx).unwrap_err();
    assert!(e.starts_with("无法读取 xlsx 文件"), "{e}");
    let e = parse_dict_file(&[0xff, 0xfe, 0x00], FileFormat::Text).unwrap_err();
    assert!(e.contains("不是 UTF-8"), "{e}");
    assert_eq!(FileFormat::of_name("ICD10.XLSX"), FileFormat::Xlsx);
    assert_eq!(FileFormat::of_name("icd10.csv"), FileFormat::Text);
}

#[tokio::test]
async fn the_public_icd10_table_is_imported_as_a_version_and_the_rules_use_it() {
    let t = db().await;
    let bytes = std::fs::read(shared_icd().join("dx_names.tsv")).expect(
        "the public ICD tables are beside the project (../shared/data/drg/zj-drg-2022/icd)",
    );
    let icd = parse_dict_file(&bytes, FileFormat::Text).unwrap();
    assert!(icd.len() > 10_000, "{}", icd.len());
    let admin = Actor::person("admin");
    import(
        &t.db,
        at(7, 0, 0),
        &admin,
        NewVersion {
            kind: DictKind::Icd10,
            label: "ICD-10 国家临床版 2.0".into(),
            sample: false,
            source: "dx_names.tsv".into(),
            dict: &icd,
        },
    )
    .await
    .unwrap();
    let (_, dicts) = load_current(t.db.conn()).await.unwrap();
    assert_eq!(dicts.get(DictKind::Icd10).unwrap().len(), icd.len());
    // The spec's page passes with the real table; an invented code does not.
    let ok = mutated(tcm_visit(), |_| {});
    assert!(
        !check(&ok, &dicts).iter().any(|f| f.rule == "VP-R17"),
        "{:?}",
        check(&ok, &dicts)
    );
    let bad = mutated(tcm_visit(), |o| {
        o.insert(
            "western_diagnoses".into(),
            serde_json::json!([{"name": "急性上呼吸道感染", "code": "J06.999x"}]),
        );
    });
    let f = check(&bad, &dicts);
    assert!(
        f.iter()
            .any(|f| f.rule == "VP-R17" && f.severity == Severity::Error),
        "{f:?}"
    );
}

#[tokio::test]
async fn a_new_import_is_a_new_version_and_the_newest_is_used() {
    let t = db().await;
    let admin = Actor::person("admin");
    let n = import_samples(&t.db, at(7, 0, 0), &admin).await.unwrap();
    assert!(n > 100, "{n}");
    let v1 = current_versions(t.db.conn()).await.unwrap();
    assert_eq!(v1.len(), DictKind::ALL.len());
    assert!(v1.iter().all(|v| v.sample == 1 && v.label.contains("示例")));

    let bytes = xlsx(&[("A99", "新科室")], false);
    let dept = parse_dict_file(&bytes, FileFormat::Xlsx).unwrap();
    import(
        &t.db,
        at(8, 0, 0),
        &admin,
        NewVersion {
            kind: DictKind::Department,
            label: "2026 年科室代码".into(),
            sample: false,
            source: "科室.xlsx".into(),
            dict: &dept,
        },
    )
    .await
    .unwrap();
    let all = versions(t.db.conn()).await.unwrap();
    assert_eq!(all.len(), DictKind::ALL.len() + 1);
    let (_, dicts) = load_current(t.db.conn()).await.unwrap();
    assert_eq!(
        dicts.get(DictKind::Department),
        Some(&Dict::from_pairs([("A99", "新科室")]))
    );
    // The spec's page's department is no longer in the table in use.
    let f = check(&mutated(tcm_visit(), |_| {}), &dicts);
    assert!(
        f.iter()
            .any(|f| f.rule == "VP-R02" && f.field == "dept_code"),
        "{f:?}"
    );
    // Every import is in the audit chain.
    assert_eq!(
        yiqiao_store::audit::verify(t.db.conn()).await.unwrap().rows,
        u64::try_from(DictKind::ALL.len() + 1).unwrap()
    );
}
