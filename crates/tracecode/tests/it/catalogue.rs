//! The catalogue: trace policy, identification codes (longest prefix wins), audited changes,
//! import; the database decides which of two mappings of one code wins.

use yiqiao_store::audit;
use yiqiao_tracecode::TraceCode;
use yiqiao_tracecode::TraceError;
use yiqiao_tracecode::domain::catalogue::{
    CatalogueError, NewIdent, PolicySetting, csv_rows, parse_import,
};
use yiqiao_tracecode::store::catalogue::{self as cat, DrugFilter};

use crate::fixtures::{db_with_drugs, keeper, now};

fn new_ident(code: &str, level: &str, units: &str) -> NewIdent {
    NewIdent::parse(code, level, units).unwrap()
}

fn refusal(e: TraceError) -> CatalogueError {
    match e {
        TraceError::Catalogue(c) => c,
        other => panic!("expected a catalogue refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_drug_is_scanned_unless_exempted_with_a_reason_and_the_change_is_audited() {
    let t = db_with_drugs().await;
    let db = &t.db;
    assert_eq!(
        cat::policy_of(&**db, "H1").await.unwrap(),
        PolicySetting::default_scan()
    );
    let herbal = PolicySetting::parse("exempt_herbal", Some("中药饮片，无追溯码")).unwrap();
    cat::set_policy(db, "H1", &herbal, &keeper(), now())
        .await
        .unwrap();
    assert_eq!(cat::policy_of(&**db, "H1").await.unwrap(), herbal);
    let d = cat::drug(&**db, "H1").await.unwrap().unwrap();
    assert_eq!(d.policy, "exempt_herbal");
    assert_eq!(d.policy_label, "免扫（中药饮片）");
    assert_eq!(d.policy_reason.as_deref(), Some("中药饮片，无追溯码"));

    let rows = audit::recent(&**db, Some(("trace_drug_policy", "H1")), 10)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor, "yaoku01");
    assert_eq!(rows[0].action, "tracecode.policy.set");
    assert!(rows[0].before.as_deref().unwrap().contains("\"scan\""));
    assert!(rows[0].after.as_deref().unwrap().contains("exempt_herbal"));

    // Setting the same policy again changes nothing and writes no audit row.
    cat::set_policy(db, "H1", &herbal, &keeper(), now())
        .await
        .unwrap();
    let again = audit::recent(&**db, Some(("trace_drug_policy", "H1")), 10)
        .await
        .unwrap();
    assert_eq!(again.len(), 1);

    let e = cat::set_policy(db, "NOPE", &herbal, &keeper(), now())
        .await
        .unwrap_err();
    assert_eq!(
        refusal(e).to_string(),
        "没有药品「NOPE」（药品由 HIS 推送）"
    );
    assert!(audit::verify(&**db).await.unwrap().is_intact());
}

#[tokio::test]
async fn a_scanned_code_is_identified_by_its_longest_prefix_gtin_or_ma_product() {
    let t = db_with_drugs().await;
    let db = &t.db;
    let k = keeper();
    cat::add_ident(db, "D1", &new_ident("8123456", "最小包装", "24"), &k, now())
        .await
        .unwrap();
    cat::add_ident(
        db,
        "D2",
        &new_ident("81234567", "smallest", "20"),
        &k,
        now(),
    )
    .await
    .unwrap();
    cat::add_ident(db, "D1", &new_ident("8123499", "箱", "2400"), &k, now())
        .await
        .unwrap();
    cat::add_ident(
        db,
        "D2",
        &new_ident("6901234567892", "最小包装", "20"),
        &k,
        now(),
    )
    .await
    .unwrap();
    cat::add_ident(
        db,
        "D1",
        &new_ident("MA.156.M0.100001.1000123", "最小包装", "24"),
        &k,
        now(),
    )
    .await
    .unwrap();

    let who = |s: &str| {
        let code = TraceCode::parse(s).unwrap();
        async move { cat::identify(&**db, &code).await.unwrap() }
    };
    // The 8-digit prefix beats the 7-digit one it extends.
    let hit = who("81234567000000000001").await.unwrap();
    assert_eq!(
        (hit.drug_code.as_str(), hit.value.as_str()),
        ("D2", "81234567")
    );
    let hit = who("81234560000000000001").await.unwrap();
    assert_eq!(
        (hit.drug_code.as_str(), hit.value.as_str()),
        ("D1", "8123456")
    );
    let case = who("81234990000000000001").await.unwrap();
    assert_eq!((case.level.as_str(), case.units), ("case", 2400));
    let gs1 = who("(01)06901234567892(21)A1").await.unwrap();
    assert_eq!(gs1.drug_code, "D2");
    let ma = who("MA.156.M0.100001.1000123.S9").await.unwrap();
    assert_eq!(ma.drug_code, "D1");
    // 未对照.
    assert!(who("89999990000000000001").await.is_none());

    let d1 = cat::idents_of(&**db, "D1").await.unwrap();
    assert_eq!(d1.len(), 3);
    assert_eq!(
        cat::drug(&**db, "D1").await.unwrap().unwrap().ident_count,
        3
    );
}

#[tokio::test]
async fn a_code_maps_to_one_drug_and_removal_is_audited() {
    let t = db_with_drugs().await;
    let db = &t.db;
    let k = keeper();
    let added = cat::add_ident(db, "D1", &new_ident("8123456", "最小包装", "24"), &k, now())
        .await
        .unwrap();
    let e = cat::add_ident(db, "D2", &new_ident("8123456", "最小包装", "20"), &k, now())
        .await
        .unwrap_err();
    assert_eq!(refusal(e).to_string(), "标识码 8123456 已对照到药品 D1");
    let e = cat::add_ident(db, "XX", &new_ident("8123457", "最小包装", "20"), &k, now())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), CatalogueError::NoSuchDrug { code: "XX".into() });

    let removed = cat::remove_ident(db, added.id, &k, now()).await.unwrap();
    assert_eq!(removed.value, "8123456");
    assert!(cat::idents_of(&**db, "D1").await.unwrap().is_empty());
    let e = cat::remove_ident(db, added.id, &k, now())
        .await
        .unwrap_err();
    assert_eq!(refusal(e), CatalogueError::NoSuchIdent);
    let trail = audit::recent(&**db, Some(("trace_ident_code", &added.id.to_string())), 10)
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|r| r.action.as_str()).collect();
    assert_eq!(actions, ["tracecode.ident.remove", "tracecode.ident.add"]);
    // Now free, the code can go to another drug.
    cat::add_ident(db, "D2", &new_ident("8123456", "最小包装", "20"), &k, now())
        .await
        .unwrap();
}

#[tokio::test]
async fn two_people_mapping_one_code_at_once_exactly_one_wins() {
    let t = db_with_drugs().await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let db = t.db.clone();
        let drug = if i % 2 == 0 { "D1" } else { "D2" };
        tasks.push(tokio::spawn(async move {
            cat::add_ident(
                &db,
                drug,
                &new_ident("8765432", "最小包装", "10"),
                &keeper(),
                now(),
            )
            .await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(TraceError::Catalogue(CatalogueError::IdentTaken { value, .. })) => {
                assert_eq!(value, "8765432")
            }
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 1);
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_can_be_repeated() {
    let t = db_with_drugs().await;
    let db = &t.db;
    let k = keeper();
    let file = "药品编码,标识码,包装层级,包装数量\nD1,8123456,最小包装,24\nD2,81234567,最小包装,20\nD2,06901234567892,中包装,200\n";
    let rows = parse_import(&csv_rows(file).unwrap()).unwrap();
    let s = cat::import_idents(db, &rows, &k, now()).await.unwrap();
    assert_eq!((s.rows, s.added, s.unchanged), (3, 3, 0));
    let s = cat::import_idents(db, &rows, &k, now()).await.unwrap();
    assert_eq!((s.rows, s.added, s.unchanged), (3, 0, 3));

    // One bad row (a code mapped elsewhere, an unknown drug): nothing of the file is stored.
    let bad = "药品编码,标识码,包装层级,包装数量\nD1,8111111,最小包装,24\nD1,81234567,最小包装,20\nZZ,8222222,最小包装,1\nD1,8123456,最小包装,12\n";
    let rows = parse_import(&csv_rows(bad).unwrap()).unwrap();
    let e = cat::import_idents(db, &rows, &k, now()).await.unwrap_err();
    let TraceError::Import(errors) = e else {
        panic!("{e:?}")
    };
    let shown: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "字段 第 3 行：标识码 81234567 已对照到药品 D2",
            "字段 第 4 行：没有药品「ZZ」（药品由 HIS 推送）",
            "字段 第 5 行：标识码 8123456 已对照到本药品，但包装层级或包装数量不同（smallest，24）",
        ]
    );
    let code = TraceCode::parse("81111110000000000001").unwrap();
    assert!(cat::identify(&**db, &code).await.unwrap().is_none());
    assert!(audit::verify(&**db).await.unwrap().is_intact());
}

#[tokio::test]
async fn the_catalogue_lists_by_search_and_by_what_is_missing() {
    let t = db_with_drugs().await;
    let db = &t.db;
    let k = keeper();
    cat::add_ident(db, "D1", &new_ident("8123456", "最小包装", "24"), &k, now())
        .await
        .unwrap();
    let herbal = PolicySetting::parse("exempt_herbal", Some("中药饮片")).unwrap();
    cat::set_policy(db, "H1", &herbal, &k, now()).await.unwrap();

    let codes = |v: Vec<cat::CatalogueDrug>| v.into_iter().map(|d| d.code).collect::<Vec<_>>();
    let all = cat::list_drugs(&**db, "", DrugFilter::All, 100)
        .await
        .unwrap();
    assert_eq!(codes(all.clone()), ["D1", "D2", "H1"]);
    assert!(all.iter().all(|d| d.rx && d.active));
    assert_eq!(all[0].ident_count, 1);
    assert_eq!(all[0].pack_size, 24);
    let unmapped = cat::list_drugs(&**db, "", DrugFilter::Unmapped, 100)
        .await
        .unwrap();
    assert_eq!(codes(unmapped), ["D2"]);
    let exempt = cat::list_drugs(&**db, "", DrugFilter::Exempt, 100)
        .await
        .unwrap();
    assert_eq!(codes(exempt), ["H1"]);
    let found = cat::list_drugs(&**db, "布洛芬", DrugFilter::All, 100)
        .await
        .unwrap();
    assert_eq!(codes(found), ["D2"]);
    // LIKE wildcards typed by a person are taken literally.
    let none = cat::list_drugs(&**db, "%", DrugFilter::All, 100)
        .await
        .unwrap();
    assert!(none.is_empty());
}

/// An xlsx workbook as Excel writes it: codes and counts typed in as numbers, a GTIN as text.
fn workbook(rows: &[[&str; 4]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            match v.parse::<f64>() {
                Ok(n) if !v.starts_with('0') => sheet.write_number(r, c, n).unwrap(),
                _ => sheet.write_string(r, c, *v).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_xlsx_import_reads_like_the_csv_and_names_its_bad_rows() {
    let t = db_with_drugs().await;
    let db = &t.db;
    let k = keeper();
    let file = workbook(&[
        ["药品编码", "标识码", "包装层级", "包装数量"],
        ["D1", "8123456", "最小包装", "24"],
        ["D2", "06901234567892", "中包装", "200"],
    ]);
    let rows = yiqiao_tracecode::api::read_import(&file).unwrap();
    let s = cat::import_idents(db, &rows, &k, now()).await.unwrap();
    assert_eq!((s.rows, s.added, s.unchanged), (2, 2, 0));
    let code = TraceCode::parse("81234560000000000001").unwrap();
    assert_eq!(
        cat::identify(&**db, &code)
            .await
            .unwrap()
            .unwrap()
            .drug_code,
        "D1"
    );
    let bad = workbook(&[
        ["药品编码", "标识码", "包装层级", "包装数量"],
        ["D1", "812345", "最小包装", "24"],
        ["D1", "8123457", "第三层", "24"],
    ]);
    let TraceError::Import(errors) = yiqiao_tracecode::api::read_import(&bad).unwrap_err() else {
        panic!()
    };
    let shown: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
    assert_eq!(shown, ["第 2 行", "第 3 行"]);
    let TraceError::Import(errors) =
        yiqiao_tracecode::api::read_import(b"PK\x03\x04 not a zip").unwrap_err()
    else {
        panic!()
    };
    assert!(
        errors[0].message.starts_with("不是可读的 xlsx 文件"),
        "{errors:?}"
    );
}
