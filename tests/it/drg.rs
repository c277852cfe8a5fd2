//! `yiqiao drg group`, run on files it writes to a temporary directory.

use std::path::PathBuf;
use std::process::Command;

use super::BIN;

fn data() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data/drg"))
}

fn group(
    dir: &std::path::Path,
    version: &str,
    input: &str,
    explain: bool,
) -> (bool, String, String) {
    let inp = dir.join("cases.csv");
    let out = dir.join("results.csv");
    std::fs::write(&inp, input).unwrap();
    let mut c = Command::new(BIN);
    c.arg("--data-dir")
        .arg(dir)
        .args(["drg", "group", "--version", version, "--data"])
        .arg(data())
        .arg("--input")
        .arg(&inp)
        .arg("--output")
        .arg(&out)
        .env("YIQIAO_LOG", "warn");
    if explain {
        c.arg("--explain");
    }
    let o = c.output().unwrap();
    let results = std::fs::read_to_string(&out).unwrap_or_default();
    (
        o.status.success(),
        results,
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every reference case of both versions, through the binary: the expected columns exactly.
#[test]
fn drg_group_reproduces_every_reference_case() {
    let dir = tempfile::tempdir().unwrap();
    for version in ["zj-drg-2022", "chs-drg-1.1"] {
        for set in ["public", "input30"] {
            let input =
                std::fs::read_to_string(data().join(format!("cases/{version}-{set}.csv"))).unwrap();
            let (ok, results, stderr) = group(dir.path(), version, &input, false);
            assert!(ok, "{stderr}");
            let mut expected = input.lines();
            let header: Vec<&str> = expected.next().unwrap().split(',').collect();
            let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
            let mut got = results.lines();
            assert_eq!(
                got.next().unwrap(),
                "Index,mdc,adrg,drg,status,drg_name,message"
            );
            let mut n = 0;
            for (e, g) in expected.zip(&mut got) {
                let e: Vec<&str> = e.split(',').collect();
                let g: Vec<&str> = g.split(',').collect();
                assert_eq!(
                    (g[0], g[4], g[1], g[2], g[3]),
                    (
                        e[col("Index")],
                        e[col("expected_status")],
                        e[col("expected_mdc")],
                        e[col("expected_adrg")],
                        e[col("expected_drg")]
                    ),
                    "{version}-{set}"
                );
                n += 1;
            }
            assert!(got.next().is_none());
            assert!(n == 2000 || n == 30);
            assert!(stderr.contains(&format!("共 {n} 行")), "{stderr}");
        }
    }
}

#[test]
fn bad_rows_get_their_own_error_and_the_rest_is_grouped() {
    let dir = tempfile::tempdir().unwrap();
    let input = "\
Index,gender,age,ageDay,weight,dept,inHospitalTime,leavingType,ICD10_DRGS,ICD9_DRGS
1,2,88,32460,,13040503,94,1,K22.301|K11.901|E11.900|I10.x05,96.0800x005
2,2,eighty,,,01,3,1,K22.301,
3,1,40,,,01,3,1,NOT.A.CODE|K22.301,00.XXXX
,,,,,,,,,

4,1,40,,,01
5,,40,,,01,3,1,K22.301,
6,1,40,,,01,3,1,\"K22.301,E11.900\",
";
    let (ok, results, stderr) = group(dir.path(), "zj-drg-2022", input, false);
    assert!(ok, "{stderr}");
    let rows: Vec<&str> = results.lines().collect();
    assert_eq!(rows.len(), 9, "{results}");
    assert!(
        rows[1].starts_with("1,MDCG,GS1,GS11,SUCCESS,"),
        "{}",
        rows[1]
    );
    assert!(rows[2].starts_with("2,,,,ERROR,,"), "{}", rows[2]);
    assert!(
        rows[2].contains("第 3 行") && rows[2].contains("age"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3].contains("ERROR") && rows[3].contains("NOT.A.CODE"),
        "{}",
        rows[3]
    );
    assert!(rows[3].contains("00.XXXX"), "{}", rows[3]);
    assert!(
        rows[4].contains("ERROR") && rows[4].contains("空行"),
        "{}",
        rows[4]
    );
    assert!(
        rows[5].contains("ERROR") && rows[5].contains("空行"),
        "{}",
        rows[5]
    );
    assert!(
        rows[6].starts_with("4,,,,ERROR") && rows[6].contains("实有 6 列"),
        "{}",
        rows[6]
    );
    assert!(
        rows[7].starts_with("5,0000,00,0000,CHECK_FAILED"),
        "{}",
        rows[7]
    );
    assert!(rows[7].contains("gender"), "{}", rows[7]);
    assert!(rows[8].starts_with("6,MDCG,"), "{}", rows[8]);
    assert!(
        stderr.contains("分组成功 2") && stderr.contains("行错误 5"),
        "{stderr}"
    );
}

#[test]
fn missing_required_columns_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = group(
        dir.path(),
        "zj-drg-2022",
        "Index,age,ICD9_DRGS\n1,3,\n",
        false,
    );
    assert!(!ok);
    assert!(
        stderr.contains("gender") && stderr.contains("ICD10_DRGS"),
        "{stderr}"
    );
}

#[test]
fn explain_adds_the_grouping_path() {
    let dir = tempfile::tempdir().unwrap();
    let input = "\
Index,gender,age,ageDay,weight,dept,inHospitalTime,leavingType,ICD10_DRGS,ICD9_DRGS
1,2,88,32460,,13040503,94,1,K22.301|K11.901|E11.900|I10.x05,96.0800x005
";
    let (ok, results, stderr) = group(dir.path(), "zj-drg-2022", input, true);
    assert!(ok, "{stderr}");
    let mut lines = results.lines();
    assert!(lines.next().unwrap().ends_with(",explain"));
    let row = lines.next().unwrap();
    assert!(row.contains("进入 MDCG"), "{row}");
    assert!(row.contains("GS1/adrg_zd"), "{row}");
    assert!(row.contains("细分 GS11"), "{row}");
}

#[test]
fn an_unknown_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = group(dir.path(), "no-such-version", "Index\n", false);
    assert!(!ok);
    assert!(stderr.contains("no-such-version"), "{stderr}");
}

#[test]
fn drg_bench_checks_the_reference_cases_and_reports_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "drg",
            "bench",
            "--generated",
            "500",
            "--rounds",
            "1",
            "--data",
        ])
        .arg(data())
        .env("YIQIAO_LOG", "warn")
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(report.matches("2030/2030 agree").count(), 2, "{report}");
    assert!(
        report.contains("| zj-drg-2022 | generated 500 |"),
        "{report}"
    );
    assert!(
        report.contains("| chs-drg-1.1 | generated 500 |"),
        "{report}"
    );
    // OpenDRG's figures are read from BASELINE.md.
    assert!(
        report.contains("| 1,800 |") && report.contains("| 2,800 |"),
        "{report}"
    );
}
