//! `yiqiao visitpage check`: the built binary on page files.

use std::process::Command;

use serde_json::{Value, json};

use super::{BIN, text};

/// The specification's example page (correct in every respect).
fn page() -> Value {
    let fees = json!({"total": 25660, "self_paid": 8000, "general_service": 2500,
        "laboratory": 4800, "tcm_treatment": 3000, "western_medicine": 6200,
        "patent_medicine": 3560, "herbal_medicine": 5600});
    let mut p = json!({
        "org_name": "台州市中西医结合医院", "org_credit_code": "12331000470000000H",
        "card_no": "MZ0001234", "name": "王小明", "sex": "1", "birth_date": "1985-06-12",
        "marital": "2", "nationality": "CHN", "ethnicity": "01", "id_type": "1",
        "id_no": "331002198506122010",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "某街道1号"},
        "phone": "13800000000", "drug_allergy": "1", "other_allergy": "1",
        "registered_at": "2026-11-02 08:01:10", "checked_in_at": "2026-11-02 08:20:00",
        "visited_at": "2026-11-02 08:35:42", "dept_code": "A03.01", "dept_name": "中医内科",
        "doctor": "李医生", "doctor_title": "主任医师", "visit_type": "2", "revisit": "2",
        "infusion": "2", "chronic_special": "2",
        "western_diagnoses": [{"name": "急性上呼吸道感染", "code": "J06.900"}],
        "tcm_disease": {"name": "感冒", "code": "A01.01.01.01."},
        "tcm_syndromes": [{"name": "风寒束表证", "code": "B01.01.01.01.01."}],
        "procedures": []
    });
    p["fees"] = fees;
    p
}

fn check(dir: &std::path::Path, body: &str, extra: &[&str]) -> std::process::Output {
    let file = dir.join("pages.json");
    std::fs::write(&file, body).unwrap();
    Command::new(BIN)
        .args(["visitpage", "check"])
        .arg(&file)
        .args(extra)
        .env("YIQIAO_LOG", "warn")
        .output()
        .unwrap()
}

fn findings(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn a_correct_page_passes_with_status_0() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), &page().to_string(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(out.stdout.is_empty(), "{}", text(&out));
    assert!(
        text(&out).contains("共检查 1 页：错误 0 个，警告 0 个"),
        "{}",
        text(&out)
    );
}

#[test]
fn findings_are_json_lines_and_an_error_gives_status_1() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = page();
    bad["card_no"] = json!("MZ0009999");
    bad["name"] = json!("无");
    bad["fees"]["total"] = json!(25600);
    let mut warn = page();
    warn["phone"] = json!("12345");
    // JSON lines: one page per line.
    let body = format!("{}\n{}\n{}\n", page(), bad, warn);
    let out = check(dir.path(), &body, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        findings(&out),
        [
            json!({"page": "MZ0009999", "rule": "VP-R01", "severity": "error", "field": "name",
                   "message": "必填项「姓名」为空"}),
            json!({"page": "MZ0009999", "rule": "VP-R23", "severity": "error", "field": "fees.total",
                   "message": "总费用（256.00 元）与 24 项费用之和（256.60 元）不符，相差 0.60 元"}),
            json!({"page": "MZ0001234", "rule": "VP-R29", "severity": "warning", "field": "phone",
                   "message": "联系电话「12345」不像有效的手机或固定电话号码"}),
        ]
    );
    // Warnings alone do not fail: an array holding only the warned page.
    let out = check(dir.path(), &json!([warn]).to_string(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(findings(&out).len(), 1);
}

#[test]
fn code_tables_come_from_the_dict_folder() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("dict");
    std::fs::create_dir(&dict).unwrap();
    std::fs::write(
        dict.join("icd10.csv"),
        "code,name\nJ06.900,急性上呼吸道感染\n",
    )
    .unwrap();
    std::fs::write(dict.join("department.csv"), "code,name\nA03.01,中医内科\n").unwrap();
    let d = dict.to_str().unwrap();
    let out = check(dir.path(), &page().to_string(), &["--dict", d]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let mut p = page();
    p["dept_code"] = json!("A99");
    p["western_diagnoses"][0]["code"] = json!("J06.901");
    let out = check(dir.path(), &p.to_string(), &["--dict", d]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let rules: Vec<String> = findings(&out)
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["rule"].as_str().unwrap(),
                f["field"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        rules,
        ["VP-R02 dept_code", "VP-R17 western_diagnoses[0].code"]
    );
}

#[test]
fn unreadable_input_gives_status_2_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = page();
    p["visited_at"] = json!("2026-11-02T08:35");
    p["fees"]["totl"] = json!(1);
    let out = check(dir.path(), &p.to_string(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(out.stdout.is_empty());
    let err = text(&out);
    assert!(err.contains("第 1 页（就诊卡号 MZ0001234）"), "{err}");
    assert!(err.contains("字段 fees.totl：未知字段"), "{err}");
    assert!(
        err.contains("字段 visited_at：时间「2026-11-02T08:35」格式不对，应为 YYYY-MM-DD HH:MM:SS"),
        "{err}"
    );
    let out = check(dir.path(), "{\"name\": ", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("不是有效的 JSON"), "{}", text(&out));
    let out = Command::new(BIN)
        .args(["visitpage", "check", "/nonexistent/pages.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("无法读取文件 /nonexistent/pages.json"),
        "{}",
        text(&out)
    );
}
