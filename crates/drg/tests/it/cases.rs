//! Every reference case of both versions gets exactly OpenDRG's MDC, ADRG, DRG and status.

use yiqiao_drg::domain::CaseText;

use crate::{data_dir, version};

fn check_file(version_name: &str, set: &str) -> usize {
    let v = version(version_name);
    let path = data_dir().join(format!("cases/{version_name}-{set}.csv"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let mut n = 0;
    let mut wrong = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let f: Vec<&str> = line.split(',').collect();
        let case = CaseText {
            index: f[col("Index")],
            gender: f[col("gender")],
            age: f[col("age")],
            age_day: f[col("ageDay")],
            weight: f[col("weight")],
            dept: f[col("dept")],
            in_hospital_time: f[col("inHospitalTime")],
            leaving_type: f[col("leavingType")],
            diagnoses: f[col("ICD10_DRGS")],
            procedures: f[col("ICD9_DRGS")],
        }
        .parse()
        .unwrap();
        let got = v.group(&case);
        let expected = (
            f[col("expected_status")],
            f[col("expected_mdc")],
            f[col("expected_adrg")],
            f[col("expected_drg")],
        );
        let actual = (got.status.as_str(), got.mdc, got.adrg, got.drg);
        if actual != expected {
            wrong.push(format!(
                "{}: expected {expected:?}, got {actual:?}",
                case.id
            ));
        }
        // The explained run gives the very same result.
        assert_eq!(v.explain(&case).grouping, got, "case {}", case.id);
        n += 1;
    }
    assert!(
        wrong.is_empty(),
        "{version_name}-{set}: {} of {n} differ:\n{}",
        wrong.len(),
        wrong[..wrong.len().min(20)].join("\n")
    );
    n
}

#[test]
fn zj_public_cases_all_match() {
    assert_eq!(check_file("zj-drg-2022", "public"), 2000);
}

#[test]
fn zj_input30_cases_all_match() {
    assert_eq!(check_file("zj-drg-2022", "input30"), 30);
}

#[test]
fn chs_public_cases_all_match() {
    assert_eq!(check_file("chs-drg-1.1", "public"), 2000);
}

#[test]
fn chs_input30_cases_all_match() {
    assert_eq!(check_file("chs-drg-1.1", "input30"), 30);
}
