//! The ledger: facts from the data (readmissions, incomplete stays, group sizes, benchmark
//! points from history), the department/doctor/DRG/trend pages over real HTTP, and
//! reconciliation with the provincial platform — the same numbers everywhere.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use yiqiao_core::Fen;
use yiqiao_core::time::ManualClock;
use yiqiao_drg::domain::ledger::{self, LedgerCase, Summary};
use yiqiao_drg::domain::points::{
    Category, Coefficient, HighBand, PointValue, PointValueSource, Points, PolicyTerms, PolicyYear,
    ReviewReason,
};
use yiqiao_drg::domain::reconcile::{self, Local};
use yiqiao_drg::store::{checks, ledger as stored, platform};
use yiqiao_his::domain::Kind;
use yiqiao_http::testing::Browser;
use yiqiao_store::audit::Actor;

use crate::queue::{good_case, hospital, now, put};
use crate::{data_dir, version};

fn t(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 2, 0, 0).unwrap()
}

fn year(rates: &[(&str, &str, &str)], min_group_cases: u32) -> PolicyYear {
    let text: String = rates
        .iter()
        .map(|(d, b, a)| format!("{d} {b} {a}\n"))
        .collect();
    PolicyYear::new(
        PolicyTerms {
            year: 2026,
            hospital_coefficient: Coefficient::ONE,
            high_bands: vec![HighBand {
                up_to: None,
                multiple: Coefficient::parse("3").unwrap(),
            }],
            high_addition: Coefficient::ONE,
            low_multiple: Coefficient::parse("0.4").unwrap(),
            low_coefficient: Coefficient::ONE,
            extreme_multiple: Coefficient::parse("5").unwrap(),
            min_group_cases,
            readmission_days: 15,
            point_value: PointValueSource::Entered(PointValue::parse("10000").unwrap()),
        },
        yiqiao_drg::domain::points::parse_rates(&text).unwrap(),
    )
    .unwrap()
}

fn stay(id: &str, patient: &str, drg: &str, admitted: DateTime<Utc>, days: i64) -> LedgerCase {
    LedgerCase {
        case_id: id.into(),
        patient_id: patient.into(),
        dept_code: "A03.04".into(),
        doctor_code: "D012".into(),
        status: if drg == "0000" { "FAIL" } else { "SUCCESS" }.into(),
        adrg: drg.get(..3).unwrap_or("00").into(),
        drg: drg.into(),
        admitted_at: admitted,
        discharged_at: admitted + chrono::Duration::days(days),
        cost: Fen(1_000_000),
        los_days: days,
        discharge_way: "1".into(),
        principal: "I25.103".into(),
        errors: 0,
    }
}

#[test]
fn a_readmission_in_the_same_drg_within_the_window_halves_the_earlier_stay() {
    let p = BTreeMap::from([(
        2026,
        year(&[("FM19", "100", "10000"), ("RE19", "80", "10000")], 1),
    )]);
    let cases = vec![
        // A: discharged 03-08; B re-admitted 03-20 (12 days), same DRG → A halved.
        stay("A", "P1", "FM19", t(2026, 3, 1), 7),
        stay("B", "P1", "FM19", t(2026, 3, 20), 5),
        // C: 16 days after B's discharge → B stays whole.
        stay("C", "P1", "FM19", t(2026, 4, 10), 3),
        // Another patient, same dates: nothing.
        stay("D", "P2", "FM19", t(2026, 3, 1), 7),
        // Tumour therapy (RE1) is excepted.
        stay("E", "P3", "RE19", t(2026, 5, 1), 3),
        stay("F", "P3", "RE19", t(2026, 5, 10), 3),
    ];
    let priced = ledger::price(cases, &p);
    let by: HashMap<&str, &ledger::Priced> = priced
        .iter()
        .map(|x| (x.case.case_id.as_str(), x))
        .collect();
    assert_eq!(by["A"].readmitted_by.as_deref(), Some("B"));
    assert_eq!(by["B"].readmission_of.as_deref(), Some("A"));
    assert_eq!(by["A"].points, Some(Points::parse("50").unwrap()));
    assert_eq!(by["B"].points, Some(Points::parse("100").unwrap()));
    assert_eq!(by["B"].readmitted_by, None);
    assert_eq!(by["D"].readmitted_by, None);
    assert_eq!(by["E"].readmitted_by, None);
    assert_eq!(by["E"].points, Some(Points::parse("80").unwrap()));
    // Group sizes are counted per year and DRG.
    assert_eq!(by["A"].group_cases, Some(4));
    assert_eq!(by["E"].group_cases, Some(2));
    let s = Summary::of(&priced);
    assert_eq!((s.cases, s.grouped, s.readmissions), (6, 6, 1));
    assert_eq!(s.points, Points::parse("510").unwrap());
}

#[test]
fn the_way_of_leaving_and_the_group_size_come_from_the_data() {
    let p = BTreeMap::from([(2026, year(&[("FM19", "100", "20000")], 5))]);
    let mut transfer = stay("T", "P1", "FM19", t(2026, 3, 1), 3);
    transfer.discharge_way = "2".into();
    let mut left = stay("L", "P2", "FM19", t(2026, 3, 1), 3);
    left.discharge_way = "4".into();
    let died = {
        let mut d = stay("X", "P3", "FM19", t(2026, 3, 1), 3);
        d.discharge_way = "5".into();
        d
    };
    let failed = stay("Z", "P4", "0000", t(2026, 3, 1), 3);
    let priced = ledger::price(vec![transfer, left, died, failed], &p);
    let cat = |i: usize| priced[i].assessment.as_ref().unwrap().category;
    assert_eq!(cat(0), Category::Incomplete);
    assert_eq!(cat(1), Category::Incomplete);
    assert_eq!(cat(2), Category::Complete);
    assert_eq!(cat(3), Category::Ungroupable);
    // 10 000 元 of 20 000 元 average: half the benchmark.
    assert_eq!(priced[0].points, Some(Points::parse("50").unwrap()));
    // Three cases in FM19, fewer than 5: 特病单议, no estimate.
    assert_eq!(priced[2].group_cases, Some(3));
    assert!(
        priced[2]
            .assessment
            .as_ref()
            .unwrap()
            .review
            .contains(&ReviewReason::SmallGroup)
    );
    assert_eq!(priced[2].estimate, None);
    let s = Summary::of(&priced);
    assert_eq!((s.ungroupable, s.review), (1, 4));
}

#[test]
fn benchmark_points_are_the_drgs_average_over_the_average_of_all_times_100() {
    let rows = ledger::benchmarks([
        ("A", Fen(10_000)),
        ("A", Fen(30_000)),
        ("B", Fen(60_000)),
        ("B", Fen(0)),
    ]);
    // All: 100 000 ÷ 3; A: 20 000 → 60; B: 60 000 → 180.
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].drg.as_str(), rows[0].cases, rows[0].average_cost),
        ("A", 2, Fen(20_000))
    );
    assert_eq!(rows[0].benchmark.to_string(), "60.0000");
    assert_eq!(rows[1].benchmark.to_string(), "180.0000");
    let text = ledger::rates_text(&rows);
    assert_eq!(
        text,
        "A\t60.0000\t200.00\t医院\nB\t180.0000\t600.00\t医院\n"
    );
    // The text reads back as a rate table.
    assert_eq!(
        yiqiao_drg::domain::points::parse_rates(&text)
            .unwrap()
            .len(),
        2
    );
    assert!(ledger::benchmarks([]).is_empty());
}

#[test]
fn the_platform_table_is_read_by_its_header_and_bad_rows_are_named() {
    let rows = reconcile::csv_rows(
        "\u{feff}病例编号,DRG编码,病例点数\nA,FM19,100\n,FM19,1\nB,,2\nC,FM13,abc\nA,FM19,3\n\"D\",\"GZ15\",\n",
    );
    let (good, bad) = reconcile::read_table(&rows).unwrap();
    assert_eq!(good.len(), 2);
    assert_eq!((good[1].case_id.as_str(), good[1].points), ("D", None));
    let lines: Vec<usize> = bad.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 4, 5, 6]);
    assert!(bad[3].message.contains("重复"), "{:?}", bad[3]);
    let err = reconcile::read_table(&reconcile::csv_rows("a,b\n1,2\n")).unwrap_err();
    assert!(err.to_string().contains("病例编号"), "{err}");

    let local = HashMap::from([(
        "A".to_owned(),
        Local {
            drg: "FM19".into(),
            points: Some(Points::parse("99").unwrap()),
        },
    )]);
    let r = reconcile::compare(&good, &local);
    assert_eq!((r.total, r.agree, r.points_differ), (2, 1, 1));
    assert_eq!(r.agreement_permille(), Some(500));
    assert_eq!(r.disagreements[0].case_id, "D");
    assert_eq!(r.disagreements[0].local, None);
}

#[test]
fn a_code_the_dictionary_lacks_but_the_map_knows_is_grouped_as_its_target() {
    let v = version("zj-drg-2022");
    // dx_map: A04.800x004 → A04.803 (not in the dictionary itself).
    assert!(!v.knows_diagnosis("A04.800x004"));
    assert_eq!(v.map_diagnosis("A04.800x004"), Some("A04.803"));
    assert_eq!(v.map_diagnosis("A04.803"), None);
    assert_eq!(v.map_diagnosis("NOPE"), None);
    let s = yiqiao_drg::domain::Stay {
        id: "M1".into(),
        sex: "1".into(),
        age_years: Some(40),
        age_days: None,
        birth_weight: None,
        admitted_at: t(2026, 3, 1),
        discharged_at: t(2026, 3, 6),
        los_days: 5,
        discharge_way: "1".into(),
        transfer_org: None,
        ventilation_hours: None,
        dept_code: "A03.02".into(),
        diagnoses: vec!["A04.800x004".into(), "ZZZ.999".into()],
        procedures: vec![],
    };
    let case = s.case_for(v);
    assert_eq!(case.diagnoses, ["A04.803", "ZZZ.999"]);
    let found = yiqiao_drg::domain::checks::check(&s, v);
    let c07: Vec<&str> = found
        .iter()
        .filter(|f| f.rule == "DRG-C07")
        .map(|f| f.field.as_str())
        .collect();
    // Only the unmappable code is a finding.
    assert_eq!(c07, ["diagnoses[1]"]);
    assert_eq!(
        v.group(&case).status,
        v.group(&yiqiao_drg::domain::Case {
            diagnoses: vec!["A04.803".into(), "ZZZ.999".into()],
            ..case.clone()
        })
        .status
    );
}

const CSRF: &str = "test-csrf-token";

/// The 2026 policy form with `rates` as the DRG table.
fn policy_form(rates: &str) -> Vec<(&'static str, String)> {
    vec![
        ("year", "2026".into()),
        ("hospital_coefficient", "1".into()),
        ("high_bands", "*=3".into()),
        ("high_addition", "1".into()),
        ("low_multiple", "0.4".into()),
        ("low_coefficient", "1".into()),
        ("extreme_multiple", "5".into()),
        ("min_group_cases", "1".into()),
        ("readmission_days", "15".into()),
        ("point_value", "10000".into()),
        ("budget", "".into()),
        ("total_points", "".into()),
        ("rates", rates.into()),
    ]
}

#[tokio::test]
async fn pages_command_line_and_store_agree_on_the_ledger_and_the_reconciliation() {
    let t = hospital().await;
    // Z4: P0001 again, 6 days after Z1/Z2's discharge, same codes → a readmission.
    let mut z4 = good_case();
    z4["admitted_at"] = json!("2026-03-15 09:00:00");
    z4["discharged_at"] = json!("2026-03-19 10:00:00");
    z4["los_days"] = json!(4);
    z4["procedures"][0]["date"] = json!("2026-03-16 10:00:00");
    z4["setl_id"] = json!("S-Z4");
    put(&t, Kind::InpatientCase, "Z4", &z4).await;
    let actor = Actor::system("test");
    yiqiao_drg::store::import_folder(&t.db, &data_dir(), None, &actor, now())
        .await
        .unwrap();
    let v = version("zj-drg-2022");
    checks::run(&t.db, v, &actor, now()).await.unwrap();
    let drg = v
        .group(&checks::stay(&*t.db, "Z1").await.unwrap().unwrap().case())
        .drg
        .to_owned();

    let state = yiqiao_drg::pages::DrgState::new(
        t.db.clone(),
        Arc::new(ManualClock::new(now())),
        "zj-drg-2022",
    );
    let (router, _) = yiqiao_drg::pages::routes(state).into_parts();
    let base =
        yiqiao_http::testing::serve_as_header_role(router, yiqiao_drg::pages::navigation(), CSRF)
            .await
            .unwrap();
    let insurance = Browser::new(&base, "insurance", CSRF);
    let quality = Browser::new(&base, "quality", CSRF);

    // Benchmark points from the 2026 history fill the form (nothing saved yet).
    let mut form = policy_form("");
    form.push(("base_year", "2026".into()));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, _, page) = insurance.post("/drg/policy/benchmarks", &fields).await;
    assert_eq!(code, 200, "{page}");
    assert!(page.contains("已按 2026 年出院的"), "{page}");
    let history = stored::history(&*t.db, stored::year_start(2026), stored::year_start(2027))
        .await
        .unwrap();
    let rows = ledger::benchmarks(history.iter().map(|(d, c)| (d.as_str(), *c)));
    for line in ledger::rates_text(&rows).lines() {
        assert!(page.contains(line), "{line} not in {page}");
    }
    assert!(
        yiqiao_drg::store::policy::list(&*t.db)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(quality.post("/drg/policy/benchmarks", &fields).await.0, 403);

    // The office saves 2026 with DRG at 100 points, 30 000 元 average, 1 元 a point.
    let rates = format!("{drg}\t100\t30000\n");
    let form = policy_form(&rates);
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(insurance.post("/drg/policy", &fields).await.0, 303);

    let priced = stored::priced(&*t.db, 2026).await.unwrap();
    let by: HashMap<&str, &ledger::Priced> = priced
        .iter()
        .map(|p| (p.case.case_id.as_str(), p))
        .collect();
    assert_eq!(priced.len(), 4);
    // Z2 left by transfer: incomplete; Z4 readmits P0001 within 15 days → Z2 (the latest
    // earlier stay in the DRG; Z1 ties with it on every time and sorts first) is halved.
    assert!(by["Z2"].incomplete && !by["Z1"].incomplete);
    assert_eq!(by["Z2"].readmitted_by.as_deref(), Some("Z4"));
    assert_eq!(by["Z1"].readmitted_by, None);
    assert_eq!(by["Z1"].points, Some(Points::parse("100").unwrap()));
    assert_eq!(by["Z1"].group_cases, Some(3));
    let z2_points = by["Z2"].points.unwrap();
    let total = Summary::of(&priced);

    // The case page shows the ledger's points and the readmission.
    let (_, page) = quality.get("/drg/cases/Z2").await;
    assert!(
        page.contains(&format!("<strong>{z2_points}</strong>")),
        "{page}"
    );
    assert!(
        page.contains("15 天内同病组再入院") && page.contains("未完成住院"),
        "{page}"
    );
    let (_, page) = quality.get("/drg/cases/Z4").await;
    assert!(page.contains("同病组再入院"), "{page}");

    // Departments, one department, one doctor, one DRG, trends: the same sums.
    let (code, page) = quality.get("/drg/depts?year=2026").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("心血管内科") && page.contains("儿科"),
        "{page}"
    );
    assert!(page.contains(&total.points.to_string()), "{page}");
    let (code, page) = quality.get("/drg/depts/A03.04?year=2026").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("李明华") && page.contains("/drg/doctors/D012"),
        "{page}"
    );
    let dept = Summary::of(priced.iter().filter(|p| p.case.dept_code == "A03.04"));
    assert!(page.contains(&dept.points.to_string()), "{page}");
    assert!(page.contains(&dept.balance().to_string()), "{page}");
    let (code, page) = quality.get("/drg/doctors/D012?year=2026").await;
    assert_eq!(code, 200);
    assert!(page.contains(&format!("/drg/groups/{drg}")), "{page}");
    let (code, page) = quality.get(&format!("/drg/groups/{drg}?year=2026")).await;
    assert_eq!(code, 200);
    assert!(
        page.contains("<svg") && page.contains("住院费用分布"),
        "{page}"
    );
    assert!(page.contains("基准点数 100.0000"), "{page}");
    let (code, page) = quality.get("/drg/trends?year=2026&dept=A03.04").await;
    assert_eq!(code, 200);
    assert_eq!(page.matches("<svg").count(), 3, "{page}");
    assert!(page.contains("3月"), "{page}");
    assert_eq!(quality.get("/drg/depts/NOPE?year=2026").await.0, 404);
    assert_eq!(quality.get("/drg/doctors/NOPE").await.0, 404);
    assert_eq!(quality.get("/drg/groups/NOPE").await.0, 404);

    // Reconciliation: the platform agrees on Z1, differs on Z2, knows Z4 by its settlement id.
    let csv = format!(
        "病例编号,DRG,点数\nZ1,{drg},100\nZ2,XX99,10\nS-Z4,{drg},100\nNOPE9,{drg},\nbad,,\n"
    );
    assert_eq!(
        quality
            .post(
                "/drg/reconcile",
                &[("csv", csv.as_str()), ("source", "3月")]
            )
            .await
            .0,
        403
    );
    let (code, _, page) = insurance
        .post(
            "/drg/reconcile",
            &[("csv", csv.as_str()), ("source", "3月")],
        )
        .await;
    assert_eq!(code, 200, "{page}");
    assert!(
        page.contains("已导入 4 行") && page.contains("第 6 行"),
        "{page}"
    );
    // Z1 and Z4 agree; Z2 and NOPE9 do not: 50.0%.
    assert!(page.contains("50.0%（2/4）"), "{page}");
    assert!(
        page.contains("XX99") && page.contains("（本地无此病例）"),
        "{page}"
    );
    assert!(page.contains("分组过程"), "{page}");
    let r = platform::reconcile(&*t.db).await.unwrap();
    assert_eq!((r.total, r.agree), (4, 2));
    let (code, page) = quality.get("/drg/reconcile").await;
    assert_eq!(code, 200);
    assert!(
        page.contains("50.0%（2/4）") && !page.contains("导入并对账"),
        "{page}"
    );
    let (code, _, page) = insurance
        .post("/drg/reconcile", &[("csv", "a,b\n1,2\n"), ("source", "")])
        .await;
    assert_eq!(code, 422);
    assert!(page.contains("表头缺少「病例编号」列"), "{page}");

    // The command line reads an xlsx file and says the same.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("platform.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        ["病案号", "DRG编码", "病例点数"],
        ["Z2", drg.as_str(), "50"],
    ]
    .iter()
    .enumerate()
    {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    sheet.write_number(2, 0, 12345.0).unwrap();
    book.save(&path).unwrap();
    let later = now() + chrono::Duration::hours(1);
    let lines = yiqiao_drg::cli::reconcile(&t.db, &path, "zj-drg-2022", &actor, later)
        .await
        .unwrap();
    let text = lines.join("\n");
    // Z2 now agrees; the 12345 row has no DRG; NOPE9 still disagrees.
    assert!(
        text.contains("已导入 1 行") && text.contains("第 3 行"),
        "{text}"
    );
    assert!(text.contains("75.0%（3/4）"), "{text}");
    assert!(text.contains("NOPE9"), "{text}");
    let (_, page) = quality.get("/drg/reconcile").await;
    assert!(
        page.contains("75.0%（3/4）") && page.contains("platform.xlsx"),
        "{page}"
    );

    // The page uploads a file the same way: the raw xlsx body to the JSON endpoint.
    let (_, page) = insurance.get("/drg/reconcile").await;
    assert!(
        page.contains(r#"type="file""#)
            && page.contains("/api/drg/reconcile/import")
            && page.contains(yiqiao_drg::api::XLSX),
        "{page}"
    );
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [["结算ID", "病组编码", "点数"], ["S-Z4", "XX99", "12.5"]]
        .iter()
        .enumerate()
    {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    sheet.write_string(2, 0, "Z9").unwrap();
    let xlsx = book.save_to_buffer().unwrap();
    let upload = |role: &'static str, ct: &'static str, body: Vec<u8>| {
        let url = format!("{base}/api/drg/reconcile/import?name=3%E6%9C%88.xlsx");
        async move {
            let r = reqwest::Client::new()
                .post(url)
                .header(yiqiao_http::testing::ROLE_HEADER, role)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap();
            let code = r.status().as_u16();
            (
                code,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let xlsx_type = yiqiao_drg::api::XLSX;
    assert_eq!(upload("quality", xlsx_type, xlsx.clone()).await.0, 403);
    let (code, j) = upload("insurance", xlsx_type, xlsx.clone()).await;
    assert_eq!(code, 200, "{j}");
    // Z4 (by its settlement id) now disagrees; the Z9 row has no DRG and is listed.
    assert_eq!(j["rows"], 1, "{j}");
    assert_eq!(j["errors"][0]["line"], 3, "{j}");
    assert_eq!(j["source"], "3月.xlsx", "{j}");
    assert_eq!(j["agreement"], "50.0%（2/4）", "{j}");
    let r = platform::reconcile(&*t.db).await.unwrap();
    assert_eq!((r.total, r.agree), (4, 2));
    let (_, page) = quality.get("/drg/reconcile").await;
    assert!(
        page.contains("50.0%（2/4）") && page.contains("XX99"),
        "{page}"
    );
    // CSV too, through the same reader.
    let csv = "病例编号,DRG\nZ4,".to_owned() + &drg;
    let (code, j) = upload("insurance", yiqiao_drg::api::CSV, csv.into_bytes()).await;
    assert_eq!(
        (code, &j["agreement"]),
        (200, &json!("75.0%（3/4）")),
        "{j}"
    );
    // Wrong type, a CSV called xlsx, a broken workbook, no header, not UTF-8: refused in Chinese.
    let (code, j) = upload("insurance", "application/pdf", xlsx.clone()).await;
    assert_eq!(code, 400, "{j}");
    assert!(j["message"].as_str().unwrap().contains("请上传"), "{j}");
    let (code, j) = upload("insurance", xlsx_type, b"a,b\n1,2\n".to_vec()).await;
    assert_eq!(code, 422, "{j}");
    assert!(j["message"].as_str().unwrap().contains("不是 xlsx"), "{j}");
    let mut broken = xlsx.clone();
    broken.truncate(xlsx.len() / 2);
    let (code, j) = upload("insurance", xlsx_type, broken).await;
    assert_eq!(code, 422, "{j}");
    assert!(
        j["message"]
            .as_str()
            .unwrap()
            .contains("无法读取 xlsx 文件"),
        "{j}"
    );
    let (code, j) = upload("insurance", yiqiao_drg::api::CSV, b"a,b\n1,2\n".to_vec()).await;
    assert_eq!(code, 422, "{j}");
    assert!(
        j["message"]
            .as_str()
            .unwrap()
            .contains("表头缺少「病例编号」列"),
        "{j}"
    );
    let (code, j) = upload("insurance", yiqiao_drg::api::CSV, vec![0xff, 0xfe, 0x41]).await;
    assert_eq!(code, 422, "{j}");
    assert!(j["message"].as_str().unwrap().contains("UTF-8"), "{j}");
    assert_eq!(upload("insurance", xlsx_type, Vec::new()).await.0, 422);
    let r = platform::reconcile(&*t.db).await.unwrap();
    assert_eq!((r.total, r.agree), (4, 3));
    assert!(
        yiqiao_store::audit::verify(&*t.db)
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn the_demo_hospital_groups_mostly_into_real_drgs_with_flaws_and_readmissions() {
    let t = yiqiao_store::testing::TestDb::new(&crate::queue::migrations())
        .await
        .unwrap();
    let opts = yiqiao_his::demo::DemoOptions {
        patients: 800,
        doctors: 40,
        drugs: 60,
        visits: 50,
        inpatients: 5,
        ward_days: 1,
        inpatient_cases: 600,
        icd_dir: Some(data_dir().join("zj-drg-2022/icd")),
        ..yiqiao_his::demo::DemoOptions::default()
    };
    yiqiao_his::demo::load(&t.db, &opts, now()).await.unwrap();
    let said = yiqiao_drg::demo::load(&t.db, &data_dir(), now())
        .await
        .unwrap();
    assert!(said.contains("演示年度政策 2025、2026"), "{said}");
    let mut priced = stored::priced(&*t.db, 2025).await.unwrap();
    priced.extend(stored::priced(&*t.db, 2026).await.unwrap());
    let s = Summary::of(&priced);
    assert!(s.cases > 500, "{s:?}");
    // Mostly real groups; the few 0000 are the deliberately miscoded ones.
    assert!(s.grouped * 100 >= s.cases * 97, "{s:?}");
    assert!(s.ungroupable > 0, "{s:?}");
    assert!(s.readmissions > 0, "{s:?}");
    assert!(s.points.raw() > 0 && s.payment.0 > 0, "{s:?}");
    // The queue has work, of several kinds.
    let q = checks::queue(&*t.db, None).await.unwrap();
    let rules: std::collections::BTreeSet<String> = q
        .iter()
        .flat_map(|d| d.cases.iter().flat_map(|c| c.rules.clone()))
        .collect();
    for r in ["DRG-C07", "DRG-C13", "DRG-C14", "DRG-C15"] {
        assert!(rules.contains(r), "{r} not in {rules:?}");
    }
    let queued: usize = q.iter().map(|d| d.cases.len()).sum();
    assert!(queued * 10 < priced.len(), "{queued} of {}", priced.len());

    // The command line groups the same cases, written as FORMAT.md's CSV, into the same DRGs
    // as the stored check; a code the dictionary lacks is a row error there (DRG-C07 here).
    let v = version("zj-drg-2022");
    let mut csv = String::from(
        "Index,gender,age,ageDay,weight,dept,inHospitalTime,leavingType,ICD10_DRGS,ICD9_DRGS\n",
    );
    let opt = |x: Option<i64>| x.map(|n| n.to_string()).unwrap_or_default();
    for p in &priced {
        let stay = checks::stay(&*t.db, &p.case.case_id)
            .await
            .unwrap()
            .unwrap();
        let c = stay.case_for(v);
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            stay.id,
            stay.sex,
            opt(stay.age_years),
            opt(stay.age_days),
            opt(stay.birth_weight),
            stay.dept_code,
            stay.los_days,
            stay.discharge_way,
            c.diagnoses.join("|"),
            c.procedures.join("|"),
        ));
    }
    let mut out = Vec::new();
    yiqiao_drg::cli::group_csv(v, csv.as_bytes(), &mut out, false, None).unwrap();
    let out = String::from_utf8(out).unwrap();
    let by: HashMap<&str, &ledger::Priced> = priced
        .iter()
        .map(|p| (p.case.case_id.as_str(), p))
        .collect();
    let unknown: std::collections::BTreeSet<String> = q
        .iter()
        .flat_map(|d| d.cases.iter())
        .filter(|c| c.rules.iter().any(|r| r == "DRG-C07" || r == "DRG-C08"))
        .map(|c| c.case_id.clone())
        .collect();
    let mut compared = 0;
    for line in out.lines().skip(1) {
        let cols: Vec<&str> = line.split(',').collect();
        let p = by[cols[0]];
        if cols[4] == "ERROR" {
            assert!(unknown.contains(cols[0]), "{line}");
        } else {
            assert_eq!(
                (cols[3], cols[4]),
                (p.case.drg.as_str(), p.case.status.as_str()),
                "{line}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared + unknown.len(), priced.len());
}

#[tokio::test]
async fn a_case_whose_his_discharge_moved_after_the_check_stays_in_the_ledger_with_his_fields() {
    let t = hospital().await;
    let actor = Actor::system("test");
    yiqiao_drg::store::import_folder(&t.db, &data_dir(), None, &actor, now())
        .await
        .unwrap();
    checks::run(&t.db, version("zj-drg-2022"), &actor, now())
        .await
        .unwrap();
    let before = stored::cases(&*t.db, stored::year_start(2026), stored::year_start(2027))
        .await
        .unwrap();
    let z1 = before.iter().find(|c| c.case_id == "Z1").unwrap();
    assert_eq!(z1.principal, "I25.103");
    // HIS moves Z1's discharge into the next year and corrects its cost; the check still has
    // the old time, so the ledger finds Z1 by its id and shows the HIS fields.
    let mut z1_his = good_case();
    z1_his["discharged_at"] = json!("2027-01-09 09:30:00");
    z1_his["total_cost"] = json!(3_000_000);
    put(&t, Kind::InpatientCase, "Z1", &z1_his).await;
    let after = stored::cases(&*t.db, stored::year_start(2026), stored::year_start(2027))
        .await
        .unwrap();
    assert_eq!(after.len(), before.len());
    let z1 = after.iter().find(|c| c.case_id == "Z1").unwrap();
    assert_eq!(z1.cost, Fen(3_000_000));
    assert_eq!(z1.principal, "I25.103");
    assert!(after.iter().all(|c| !c.principal.is_empty()), "{after:?}");
}
