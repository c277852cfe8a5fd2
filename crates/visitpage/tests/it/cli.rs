//! `run_check`: the input forms, the output lines, the code tables of `--dict`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use yiqiao_visitpage::cli::{CheckError, CheckSummary, load_dicts, run_check};

use super::{emergency_visit, tcm_visit};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn lines(out: &[u8]) -> Vec<Value> {
    String::from_utf8(out.to_vec())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn one_object_an_array_and_json_lines_are_all_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut bad = tcm_visit();
    bad["phone"] = json!("12345");
    bad["fees"]["total"] = json!(25661);
    let one = write(
        dir.path(),
        "one.json",
        &serde_json::to_string_pretty(&bad).unwrap(),
    );
    let arr = write(
        dir.path(),
        "arr.json",
        &json!([tcm_visit(), bad, emergency_visit()]).to_string(),
    );
    let jl = write(
        dir.path(),
        "pages.jsonl",
        &format!("{}\n\n{}\n", emergency_visit(), bad),
    );
    let mut out = Vec::new();
    let s = run_check(&one, None, &mut out).unwrap();
    assert_eq!(
        s,
        CheckSummary {
            pages: 1,
            errors: 1,
            warnings: 1
        }
    );
    assert_eq!(
        lines(&out),
        [
            json!({"page": "MZ0001234", "rule": "VP-R23", "severity": "error", "field": "fees.total",
                   "message": "总费用（256.61 元）与 24 项费用之和（256.60 元）不符，相差 0.01 元"}),
            json!({"page": "MZ0001234", "rule": "VP-R29", "severity": "warning", "field": "phone",
                   "message": "联系电话「12345」不像有效的手机或固定电话号码"}),
        ]
    );
    let mut out = Vec::new();
    assert_eq!(run_check(&arr, None, &mut out).unwrap().pages, 3);
    assert_eq!(lines(&out).len(), 2);
    let mut out = Vec::new();
    let s = run_check(&jl, None, &mut out).unwrap();
    assert_eq!((s.pages, s.errors), (2, 1));
    let mut out = Vec::new();
    let clean = write(dir.path(), "clean.json", &tcm_visit().to_string());
    assert_eq!(run_check(&clean, None, &mut out).unwrap().errors, 0);
    assert!(out.is_empty());
}

#[test]
fn unreadable_input_is_an_error_naming_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    assert!(matches!(
        run_check(&missing, None, &mut Vec::new()),
        Err(CheckError::Io { .. })
    ));
    let broken = write(dir.path(), "b.json", "{\n \"name\": \n");
    let e = run_check(&broken, None, &mut Vec::new()).unwrap_err();
    assert!(matches!(e, CheckError::Json { .. }), "{e}");
    let jl = write(dir.path(), "b.jsonl", &format!("{}\n{{oops\n", tcm_visit()));
    let e = run_check(&jl, None, &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("第 2 行不是有效的 JSON"), "{e}");
    let num = write(dir.path(), "n.json", "42");
    assert!(matches!(
        run_check(&num, None, &mut Vec::new()),
        Err(CheckError::NotPages { .. })
    ));
    let mut v = emergency_visit();
    v["fees"]["total"] = json!("318.60");
    let f = write(dir.path(), "f.json", &json!([tcm_visit(), v]).to_string());
    let e = run_check(&f, None, &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "诊疗信息页格式错误：\n  第 2 页（就诊卡号 JZ0000077）：诊疗信息页有 1 处格式错误：字段 fees.total：金额应为整数（单位：分），收到 \"318.60\""
    );
}

#[test]
fn dict_folder_tables_are_checked_and_missing_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("dict");
    std::fs::create_dir(&d).unwrap();
    write(
        &d,
        "icd10.csv",
        "\u{feff}code,name\nJ06.900,急性上呼吸道感染\n\"S01.001\",\"头皮裂伤\"\n",
    );
    write(&d, "title.csv", "code,name\n231,主任医师\n");
    let dicts = load_dicts(&d).unwrap();
    assert_eq!(dicts.loaded().count(), 2);
    let page = write(dir.path(), "p.json", &emergency_visit().to_string());
    let mut out = Vec::new();
    let s = run_check(&page, Some(&d), &mut out).unwrap();
    assert_eq!(s.errors, 0, "{}", String::from_utf8_lossy(&out));
    let mut v = tcm_visit();
    v["western_diagnoses"] = json!([{"name": "急性上呼吸道感染", "code": "J06.901"}]);
    v["dept_code"] = json!("ZZZ");
    let page = write(dir.path(), "q.json", &v.to_string());
    let mut out = Vec::new();
    run_check(&page, Some(&d), &mut out).unwrap();
    let found: Vec<String> = lines(&out)
        .iter()
        .map(|l| l["rule"].as_str().unwrap().to_string())
        .collect();
    // No department table: ZZZ is not checked.
    assert_eq!(found, ["VP-R17"]);
    write(&d, "anesthesia.csv", "codes,names\n1,全麻\n");
    let e = load_dicts(&d).unwrap_err();
    assert!(e.to_string().contains("anesthesia.csv"), "{e}");
    assert!(e.to_string().contains("表头 code,name"), "{e}");
}
