//! The CSV grouping behind `yiqiao drg group`, in memory: results, per-row errors, quoting.

use yiqiao_drg::cli::{GroupError, group_csv, split_csv_line};

use crate::version;

fn run(input: &str, explain: bool) -> (Vec<String>, yiqiao_drg::cli::Summary) {
    let mut out = Vec::new();
    let s = group_csv(
        version("zj-drg-2022"),
        input.as_bytes(),
        &mut out,
        explain,
        None,
    )
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    (text.lines().map(String::from).collect(), s)
}

#[test]
fn rows_are_grouped_and_bad_rows_reported_in_place() {
    let input = "\
Index,gender,age,ageDay,weight,dept,inHospitalTime,leavingType,ICD10_DRGS,ICD9_DRGS
1,2,88,32460,,13040503,94,1,K22.301|K11.901|E11.900|I10.x05,96.0800x005
2,2,-5,,,01,3,1,K22.301,
3,1,40,,,01,3,1,K22.301,NOPE
,,,,,,,,,
4,1,40
5,3,40,,,01,3,1,K22.301,
";
    let (rows, s) = run(input, false);
    assert_eq!(rows[0], "Index,mdc,adrg,drg,status,drg_name,message");
    assert!(rows[1].starts_with("1,MDCG,GS1,GS11,SUCCESS,"));
    assert!(
        rows[2].starts_with("2,,,,ERROR,,") && rows[2].contains("字段 age"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3].contains("ERROR") && rows[3].contains("NOPE"),
        "{}",
        rows[3]
    );
    assert!(rows[4].contains("空行"), "{}", rows[4]);
    assert!(rows[5].contains("应有 10 列，实有 3 列"), "{}", rows[5]);
    assert!(
        rows[6].starts_with("5,0000,00,0000,CHECK_FAILED,,"),
        "{}",
        rows[6]
    );
    assert!(rows[6].contains("gender"), "{}", rows[6]);
    assert_eq!((s.rows, s.success, s.check_failed, s.errors), (6, 1, 1, 4));
}

#[test]
fn optional_columns_may_be_absent_and_explain_is_quoted() {
    let input = "ICD10_DRGS,age,gender,Index\n\"K22.301|K11.901\",88,2,a\"b\n";
    let (rows, s) = run(input, true);
    assert_eq!(s.success, 1);
    assert!(rows[0].ends_with(",explain"));
    let f = split_csv_line(&rows[1]);
    assert_eq!(f.len(), 8, "{f:?}");
    assert_eq!(&f[1..5], ["MDCG", "GS1", "GS11", "SUCCESS"]);
    assert!(f[7].contains("进入 MDCG"), "{}", f[7]);
}

#[test]
fn missing_columns_and_empty_files_are_refused_whole() {
    let mut out = Vec::new();
    let v = version("zj-drg-2022");
    match group_csv(v, "Index,age\n1,2\n".as_bytes(), &mut out, false, None) {
        Err(GroupError::MissingColumns(c)) => assert_eq!(c, "gender、ICD10_DRGS"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        group_csv(v, "".as_bytes(), &mut out, false, None),
        Err(GroupError::NoHeader)
    ));
}

#[test]
fn csv_lines_split_with_quotes() {
    assert_eq!(
        split_csv_line("a,\"b,c\",\"d\"\"e\","),
        ["a", "b,c", "d\"e", ""]
    );
    assert_eq!(split_csv_line(""), [""]);
}
