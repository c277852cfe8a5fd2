//! The trace-code catalogue through the running server: JSON endpoints and pages, as the drug
//! store and a pharmacist use them.

use reqwest::StatusCode;
use serde_json::{Value, json};
use yiqiao_core::Role;
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;

use crate::{TestApp, hidden, t0};

async fn with_drugs() -> TestApp {
    with_drugs_on(yiqiao_web::Config::default()).await
}

async fn with_drugs_on(config: yiqiao_web::Config) -> TestApp {
    let app = crate::spawn_app_with(config).await;
    for (code, name, size) in [("D1", "阿莫西林胶囊", 24), ("D2", "布洛芬缓释胶囊", 20)]
    {
        let drug = json!({"generic_name": name, "category": "western", "spec": "0.25g*24粒",
            "form": "胶囊剂", "manufacturer": "某药业有限公司", "approval_no": "国药准字H00000000",
            "nhsa_code": format!("X{code}"), "rx": true, "unit": "粒", "pack_unit": "盒",
            "pack_size": size, "price": 10});
        yiqiao_his::store::upsert_value(
            &app.t.db,
            Kind::Drug,
            code,
            &drug,
            &Actor::machine("his"),
            t0(),
        )
        .await
        .unwrap();
    }
    app.add_user("yaoku", &[Role::DrugStore]).await;
    app.add_user("yaoshi", &[Role::Pharmacist]).await;
    app
}

#[tokio::test]
async fn the_drug_store_maps_codes_and_a_pharmacist_identifies_a_scan() {
    let app = with_drugs().await;
    let store = app.login("yaoku").await;
    let res = store
        .post(app.url("/api/tracecode/drugs/D1/idents"))
        .json(&json!({"code": "8123456", "level": "最小包装", "units": 24}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = store
        .put(app.url("/api/tracecode/drugs/D1/policy"))
        .json(&json!({"policy": "scan"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let detail: Value = store
        .get(app.url("/api/tracecode/drugs/D1"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    insta::assert_json_snapshot!("tracecode_drug_detail", detail);

    // The same code for another drug: refused, naming the drug that has it.
    let res = store
        .post(app.url("/api/tracecode/drugs/D2/idents"))
        .json(&json!({"code": "8123456", "level": "smallest", "units": "20"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "IDENT_TAKEN");
    assert_eq!(body["message"], "标识码 8123456 已对照到药品 D1");
    // A malformed code, a body that is not JSON: 400 with the reason.
    let res = store
        .post(app.url("/api/tracecode/drugs/D2/idents"))
        .json(&json!({"code": "7123456", "level": "smallest", "units": 20}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["message"],
        "标识码「7123456」无效：药品标识码应以 8 开头"
    );
    let res = store
        .post(app.url("/api/tracecode/drugs/D2/idents"))
        .body("code=8123457")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = store
        .put(app.url("/api/tracecode/drugs/D2/policy"))
        .json(&json!({"policy": "exempt_no_code"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        res.json::<Value>().await.unwrap()["message"],
        "免扫须填写原因"
    );

    let pharmacist = app.login("yaoshi").await;
    let found: Value = pharmacist
        .post(app.url("/api/tracecode/identify"))
        .json(&json!({"code": "81234560000000000001\r\n"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    insta::assert_json_snapshot!("tracecode_identify", found);
    let unmapped: Value = pharmacist
        .post(app.url("/api/tracecode/identify"))
        .json(&json!({"code": "89999990000000000001"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(unmapped["unmapped"], true);
    let refused: Value = pharmacist
        .post(app.url("/api/tracecode/identify"))
        .json(&json!({"code": "8123"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(refused["ok"], false);
    assert_eq!(refused["error"], "4 位，应为 20 位");
    // A pharmacist reads the catalogue but does not change it.
    let res = pharmacist
        .put(app.url("/api/tracecode/drugs/D1/policy"))
        .json(&json!({"policy": "scan"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Removing the code.
    let id = detail["idents"][0]["id"].as_i64().unwrap();
    let res = store
        .delete(app.url(&format!("/api/tracecode/idents/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = store
        .delete(app.url(&format!("/api/tracecode/idents/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_import_file_is_taken_whole_or_refused_with_every_bad_line() {
    let app = with_drugs().await;
    let store = app.login("yaoku").await;
    let good = "药品编码,标识码,包装层级,包装数量\r\nD1,8123456,最小包装,24\r\nD2,06901234567892,中包装,200\r\n";
    let res = store
        .post(app.url("/api/tracecode/idents/import"))
        .header("content-type", "text/csv")
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    insta::assert_json_snapshot!("tracecode_import", res.json::<Value>().await.unwrap());
    // The same file as Excel saves it on a Chinese Windows (GBK): nothing new.
    let gbk = gbk(good);
    let res = store
        .post(app.url("/api/tracecode/idents/import"))
        .header("content-type", "text/csv")
        .body(gbk)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["unchanged"], 2);

    let bad = "药品编码,标识码,包装层级,包装数量\nD1,8111111,最小包装,24\nD9,8222222,最小包装,1\nD2,8123456,最小包装,20\n";
    let res = store
        .post(app.url("/api/tracecode/idents/import"))
        .header("content-type", "text/csv")
        .body(bad)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    insta::assert_json_snapshot!(
        "tracecode_import_refused",
        res.json::<Value>().await.unwrap()
    );
    let res = store
        .post(app.url("/api/tracecode/idents/import"))
        .body(good)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

fn gbk(s: &str) -> Vec<u8> {
    // GBK by hand for the few characters of the header: the web crate does not depend on
    // encoding_rs, and the module decodes what Excel writes.
    let mut out = Vec::new();
    for ch in s.chars() {
        match ch {
            '药' => out.extend([0xD2, 0xA9]),
            '品' => out.extend([0xC6, 0xB7]),
            '编' => out.extend([0xB1, 0xE0]),
            '码' => out.extend([0xC2, 0xEB]),
            '标' => out.extend([0xB1, 0xEA]),
            '识' => out.extend([0xCA, 0xB6]),
            '包' => out.extend([0xB0, 0xFC]),
            '装' => out.extend([0xD7, 0xB0]),
            '层' => out.extend([0xB2, 0xE3]),
            '级' => out.extend([0xBC, 0xB6]),
            '数' => out.extend([0xCA, 0xFD]),
            '量' => out.extend([0xC1, 0xBF]),
            '最' => out.extend([0xD7, 0xEE]),
            '小' => out.extend([0xD0, 0xA1]),
            '中' => out.extend([0xD6, 0xD0]),
            c if c.is_ascii() => out.push(c as u8),
            c => panic!("no GBK bytes for {c}"),
        }
    }
    out
}

#[tokio::test]
async fn the_catalogue_pages_work_without_javascript() {
    let app = with_drugs().await;
    let store = app.login("yaoku").await;
    let page = store
        .get(app.url("/tracecode/catalogue?filter=unmapped"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("阿莫西林胶囊"), "{page}");
    assert!(page.contains("未对照"));
    let page = store
        .get(app.url("/tracecode/catalogue/D1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "_csrf");
    let res = store
        .post(app.url("/tracecode/catalogue/D1/idents"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", "8123456"),
            ("level", "smallest"),
            ("units", "24"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = store
        .post(app.url("/tracecode/catalogue/D2/idents"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", "8123456"),
            ("level", "smallest"),
            ("units", "20"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("标识码 8123456 已对照到药品 D1")
    );
    let res = store
        .post(app.url("/tracecode/catalogue/D2/policy"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("policy", "exempt_no_code"),
            ("reason", "厂家未赋码"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = store
        .get(app.url("/tracecode/catalogue/D2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("免扫（无码目录）：厂家未赋码"), "{page}");
    // Without the form token: refused.
    let res = store
        .post(app.url("/tracecode/catalogue/D2/policy"))
        .form(&[("policy", "scan")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = store
        .post(app.url("/tracecode/import"))
        .form(&[
            ("_csrf", csrf.as_str()),
            (
                "csv",
                "药品编码,标识码,包装层级,包装数量\nD2,8765432,大包装,400\n",
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("新增 1 条"));
    let res = store
        .post(app.url("/tracecode/import"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("csv", "药品编码,标识码\nD2,8765432\n"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("表头应含"));
}

#[tokio::test]
async fn warehouse_in_over_http_scans_refuses_and_confirms() {
    let app = with_drugs().await;
    let store = app.login("yaoku").await;
    for (drug, code) in [("D1", "8123456"), ("D2", "8654321")] {
        let res = store
            .post(app.url(&format!("/api/tracecode/drugs/{drug}/idents")))
            .json(&json!({"code": code, "level": "smallest", "units": 24}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let res = store
        .post(app.url("/api/tracecode/receipts"))
        .json(
            &json!({"supplier_name": "华东医药股份有限公司", "invoice_no": "33002611",
            "lines": [{"drug_code": "D1", "batch_no": "B1", "manu_date": "2026-01-10",
                       "expiry": "2028-01-09", "packages": 2, "price_fen": 1250}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let r: Value = res.json().await.unwrap();
    let id = r["id"].as_i64().unwrap();
    let scan = |code: &'static str| {
        let store = store.clone();
        let url = app.url(&format!("/api/tracecode/receipts/{id}/scans"));
        async move {
            store
                .post(url)
                .json(&json!({ "code": code }))
                .send()
                .await
                .unwrap()
        }
    };
    let ok = scan("81234560000000000001").await;
    assert_eq!(ok.status(), StatusCode::OK);
    insta::assert_json_snapshot!("tracecode_receipt_scan", ok.json::<Value>().await.unwrap());
    let dup = scan("81234560000000000001").await;
    assert_eq!(dup.status(), StatusCode::CONFLICT);
    insta::assert_json_snapshot!(
        "tracecode_receipt_scan_refused",
        dup.json::<Value>().await.unwrap()
    );
    let other = scan("86543210000000000001").await;
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        other.json::<Value>().await.unwrap()["message"],
        "此码属于 布洛芬缓释胶囊（D2），不在本入库单"
    );
    // Bad fields of a new receipt are all named.
    let res = store
        .post(app.url("/api/tracecode/receipts"))
        .json(&json!({"supplier_name": "", "lines": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["fields"].as_array().unwrap().len(), 2);

    // The scanning page, and a scan without JavaScript.
    let page = store
        .get(app.url(&format!("/tracecode/receipts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("合计 应扫 2 / 已扫 <span id=\"total-scanned\">1</span>"),
        "{page}"
    );
    let csrf = hidden(&page, "_csrf");
    let res = store
        .post(app.url(&format!("/tracecode/receipts/{id}/scan")))
        .form(&[("_csrf", csrf.as_str()), ("code", "8123")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("✗ 4 位，应为 20 位"));
    let res = store
        .post(app.url(&format!("/tracecode/receipts/{id}/confirm")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("还有未扫满的行：第 1 行 应扫 2 / 已扫 1")
    );
    let res = store
        .post(app.url(&format!("/tracecode/receipts/{id}/scan")))
        .form(&[("_csrf", csrf.as_str()), ("code", "81234560000000000002")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("✓ 阿莫西林胶囊 第 1 行 已扫 2 / 应扫 2")
    );
    let res = store
        .post(app.url(&format!("/api/tracecode/receipts/{id}/confirm")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["state"], "confirmed");
    assert_eq!(done["lines"][0]["in_stock"], 2);
    // The form to make a receipt.
    let res = store
        .post(app.url("/tracecode/receipts"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("supplier_name", "国药控股台州有限公司"),
            ("drug_code_0", "D2"),
            ("batch_no_0", "X9"),
            ("manu_date_0", "2026-03-01"),
            ("expiry_0", "2029-02-28"),
            ("packages_0", "5"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/tracecode/receipts/{}", id + 1)
    );
}

async fn put(app: &TestApp, kind: Kind, id: &str, v: Value) {
    yiqiao_his::store::upsert_value(&app.t.db, kind, id, &v, &Actor::machine("his"), t0())
        .await
        .unwrap();
}

/// 王小明, the patient of every prescription and ward line here.
async fn put_patient(app: &TestApp) {
    put(app, Kind::Patient, "P0001", json!({"card_no": "MZ0001234", "name": "王小明",
        "sex": "1", "birth_date": "1985-06-12", "id_type": "1", "id_no": "331002198506122010",
        "nationality": "CHN", "ethnicity": "01", "marital": "20",
        "address": {"province": "浙江省", "city": "台州市", "county": "椒江区", "detail": "东山路18号"},
        "phone": "13805761234", "drug_allergy": "1", "other_allergy": "1"})).await;
}

/// The outpatient side of the HIS: clinic A50.01, pharmacy YF01, doctor D001, and the patient's
/// visit V0001 there.
async fn put_clinic(app: &TestApp) {
    put(
        app,
        Kind::Department,
        "A50.01",
        json!({"name": "中医内科", "kind": "clinic", "tcm": true, "online_booking": true}),
    )
    .await;
    put(
        app,
        Kind::Department,
        "YF01",
        json!({"name": "门诊西药房", "kind": "pharmacy", "tcm": false, "online_booking": false}),
    )
    .await;
    put(
        app,
        Kind::Staff,
        "D001",
        json!({"name": "李明华", "role": "doctor", "dept_code": "A50.01",
            "title": "主任医师", "licence_no": "120331000123456"}),
    )
    .await;
    put_patient(app).await;
    put(
        app,
        Kind::Visit,
        "V0001",
        json!({"patient_id": "P0001", "visit_type": "2",
        "dept_code": "A50.01", "doctor_code": "D001", "registered_at": "2026-11-02 08:01:10",
        "revisit": false, "infusion": false, "chronic_special": false,
        "western_diagnoses": [{"code": "J06.900", "name": "急性上呼吸道感染"}]}),
    )
    .await;
}

/// The drug store maps D1 (8123456, 24 per box) and receives `n` boxes
/// 81234560000000000001… into `location`; answers the receipt's id.
async fn receive_boxes(app: &TestApp, store: &reqwest::Client, location: &str, n: usize) -> i64 {
    store
        .post(app.url("/api/tracecode/drugs/D1/idents"))
        .json(&json!({"code": "8123456", "level": "smallest", "units": 24}))
        .send()
        .await
        .unwrap();
    let r: Value = store
        .post(app.url("/api/tracecode/receipts"))
        .json(&json!({"supplier_name": "华东医药", "location": location,
            "lines": [{"drug_code": "D1", "batch_no": "B1", "manu_date": "2026-01-10",
                       "expiry": "2028-01-09", "packages": n}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rid = r["id"].as_i64().unwrap();
    for i in 1..=n {
        let res = store
            .post(app.url(&format!("/api/tracecode/receipts/{rid}/scans")))
            .json(&json!({"code": format!("8123456000000000000{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = store
        .post(app.url(&format!("/api/tracecode/receipts/{rid}/confirm")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    rid
}

#[tokio::test]
async fn outpatient_dispensing_over_http_one_package_goes_to_one_window() {
    // Written for split quantities that need no code (拆零免扫): RX1–RX3 are a box and 6 粒.
    let mut config = yiqiao_web::Config::default();
    config.tracecode.split_policy = yiqiao_tracecode::domain::split::SplitPolicy::NoCode;
    let app = with_drugs_on(config).await;
    put_clinic(&app).await;
    for rx in ["RX1", "RX2", "RX3"] {
        put(
            &app,
            Kind::Prescription,
            rx,
            json!({"visit_id": "V0001", "patient_id": "P0001",
            "doctor_code": "D001", "dept_code": "A50.01", "pharmacy_code": "YF01",
            "prescribed_at": "2026-11-02 08:50:00", "rx_type": "western", "self_pay": true,
            "lines": [{"line_no": 1, "drug_code": "D1", "quantity": 30}]}),
        )
        .await;
    }
    // The drug store maps D1 and receives three boxes straight into pharmacy YF01.
    let store = app.login("yaoku").await;
    receive_boxes(&app, &store, "YF01", 3).await;

    // Two windows: one opens RX1 through the page, the other RX2 through the API.
    app.link_pharmacist("yaoshi", "YS01", "YF01").await;
    let w1 = app.login("yaoshi").await;
    app.add_user("yaoshi2", &[yiqiao_core::Role::Pharmacist])
        .await;
    let w2 = app.login("yaoshi2").await;
    let page = w1
        .get(app.url("/tracecode/dispensing"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = hidden(&page, "_csrf");
    let res = w1
        .post(app.url("/tracecode/dispensing"))
        .form(&[("_csrf", csrf.as_str()), ("rx_no", "RX1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let d1: i64 = res.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let d2: Value = w2
        .post(app.url("/api/tracecode/dispenses"))
        .json(&json!({"rx_no": "RX2"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    insta::assert_json_snapshot!("tracecode_dispense_open", d2, {".created_at" => "[time]"});
    let d2 = d2["id"].as_i64().unwrap();

    // Both windows scan the same box at the same moment: exactly one gets it.
    let (a, b) = tokio::join!(
        w1.post(app.url(&format!("/api/tracecode/dispenses/{d1}/scans")))
            .json(&json!({"code": "81234560000000000001"}))
            .send(),
        w2.post(app.url(&format!("/api/tracecode/dispenses/{d2}/scans")))
            .json(&json!({"code": "81234560000000000001"}))
            .send(),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let loser = if a.status() == StatusCode::OK { b } else { a };
    let body: Value = loser.json().await.unwrap();
    assert_eq!(body["code"], "ALREADY_DISPENSED");

    // The page flow: a refusal shown on the page, an uncollected line, the confirmation.
    let res = w1
        .post(app.url(&format!("/tracecode/dispenses/{d1}/scan")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", "(01)06901234567892(21)Z"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("✗ 未对照"));
    let v: Value = w1
        .get(app.url(&format!("/api/tracecode/dispenses/{d1}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    if v["lines"][0]["scanned"] == 0 {
        let res = w1
            .post(app.url(&format!("/tracecode/dispenses/{d1}/lines/1/uncollected")))
            .form(&[("_csrf", csrf.as_str()), ("reason", "标签破损")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = w1
        .post(app.url(&format!("/tracecode/dispenses/{d1}/confirm")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = w1
        .get(app.url(&format!("/tracecode/dispenses/{d1}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已发药"), "{page}");
    let traced = w1
        .get(app.url("/tracecode/trace?code=81234560000000000001"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        traced.contains("已发药") || traced.contains("发药中"),
        "{traced}"
    );
    assert!(traced.contains("入库单 #1"), "{traced}");
    let answer: Value = store
        .get(app.url("/api/tracecode/trace?code=81234560000000000003"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["trace"]["state"], "in_stock");
    assert_eq!(answer["trace"]["location"], "YF01");
    assert_eq!(answer["trace"]["received_at"], "2026-11-02T00:30:00Z");
    // A partial return of RX3's box, through the page, to quarantine; a second return refused.
    let d3: Value = w1
        .post(app.url("/api/tracecode/dispenses"))
        .json(&json!({"rx_no": "RX3"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let d3 = d3["id"].as_i64().unwrap();
    let res = w1
        .post(app.url(&format!("/api/tracecode/dispenses/{d3}/scans")))
        .json(&json!({"code": "81234560000000000003"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    w1.post(app.url(&format!("/api/tracecode/dispenses/{d3}/confirm")))
        .send()
        .await
        .unwrap();
    let res = w1
        .post(app.url(&format!("/tracecode/dispenses/{d3}/return")))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("code", "81234560000000000003"),
            ("quarantine", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("✓ 已退回：81234560000000000003（已隔离（退药不可再售））")
    );
    let res = w1
        .post(app.url(&format!("/api/tracecode/dispenses/{d3}/returns")))
        .json(&json!({"code": "81234560000000000003"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json::<Value>().await.unwrap()["code"], "NOT_DISPENSED");
    // The drug store may not dispense.
    let res = store
        .post(app.url("/api/tracecode/dispenses"))
        .json(&json!({"rx_no": "RX1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// NHSA uploads through the running server: a dispense confirmed over HTTP is delivered by the
/// application's own outbox handlers to the simulator; the insurance office's page lists the
/// rejection, deletes the platform's record with 3507 and resends — each with its form token.
#[tokio::test]
async fn nhsa_uploads_reach_the_simulator_and_the_office_deletes_and_resends() {
    use std::sync::Arc;
    use yiqiao_core::time::Clock;
    use yiqiao_store::outbox::{Policy, Worker};
    use yiqiao_tracecode::sim::{Fault, NhsaSim};

    let sim = NhsaSim::new();
    let server = sim
        .serve(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let mut config = yiqiao_web::Config::default();
    config.tracecode.nhsa_endpoint = server.endpoint();
    let app = crate::spawn_app_with(config.clone()).await;
    let drug = json!({"generic_name": "阿莫西林胶囊", "category": "western", "spec": "0.25g*24粒",
        "form": "胶囊剂", "manufacturer": "某药业有限公司", "approval_no": "国药准字H00000000",
        "nhsa_code": "XD1", "rx": true, "unit": "粒", "pack_unit": "盒",
        "pack_size": 24, "price": 10});
    put(&app, Kind::Drug, "D1", drug).await;
    put_clinic(&app).await;
    // The pharmacist on the HIS staff list: her 执业资格证号 goes into 3505 once her account
    // is linked to her staff code.
    put(
        &app,
        Kind::Staff,
        "YS01",
        json!({"name": "陈静", "role": "pharmacist",
        "dept_code": "YF01", "title": "主管药师", "licence_no": "ZY3310001"}),
    )
    .await;
    put(
        &app,
        Kind::Prescription,
        "RX1",
        json!({"visit_id": "V0001", "patient_id": "P0001",
        "doctor_code": "D001", "dept_code": "A50.01", "pharmacy_code": "YF01",
        "prescribed_at": "2026-11-02 08:50:00", "rx_type": "western", "self_pay": true,
        "lines": [{"line_no": 1, "drug_code": "D1", "quantity": 24}]}),
    )
    .await;
    app.add_user("yaoku", &[Role::DrugStore]).await;
    app.add_user("yaoshi", &[Role::Pharmacist]).await;
    app.add_user("yibao", &[Role::Insurance]).await;
    app.add_user("wang", &[Role::Admin]).await;

    let store = app.login("yaoku").await;
    let rid = receive_boxes(&app, &store, "YF01", 1).await;
    let code = "81234560000000000001";
    let phar = app.login("yaoshi").await;
    let d: Value = phar
        .post(app.url("/api/tracecode/dispenses"))
        .json(&json!({"rx_no": "RX1"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let did = d["id"].as_i64().unwrap();
    let res = phar
        .post(app.url(&format!("/api/tracecode/dispenses/{did}/scans")))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // Her account is not linked to her HIS staff code yet: a 3505 without a pharmacist's
    // licence is refused, telling her whom to ask; nothing is confirmed or queued.
    let res = phar
        .post(app.url(&format!("/api/tracecode/dispenses/{did}/confirm")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "PHARMACIST_NOT_LINKED");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("账号「yaoshi」未关联 HIS 职工工号"),
        "{message}"
    );
    assert!(message.contains("yiqiao user link yaoshi"), "{message}");
    assert_eq!(
        yiqiao_tracecode::store::nhsa::list(&*app.t.db, None, 10)
            .await
            .unwrap()
            .len(),
        1,
        "only the receipt's 3503"
    );
    // The administrator links her account on the users page; her session sees it at once.
    let admin = app.login("wang").await;
    let csrf = app.csrf(&admin).await;
    let uid = yiqiao_web::auth::store::find_by_username(&*app.t.db, "yaoshi")
        .await
        .unwrap()
        .unwrap()
        .id;
    let res = admin
        .post(app.url(&format!("/admin/users/{uid}/staff")))
        .form(&[("_csrf", csrf.as_str()), ("staff_code", "YS01")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = phar
        .post(app.url(&format!("/api/tracecode/dispenses/{did}/confirm")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // The platform already holds a sale of this box under our batch (an earlier upload).
    let mut rec = json!({});
    for f in yiqiao_tracecode::nhsa::Infno::Sale.required() {
        rec[*f] = json!("x");
    }
    rec["fixmedins_bchno"] = json!(format!("RK{rid}-1"));
    rec["drugtracinfo"] = json!([{ "drug_trac_codg": code }]);
    sim.judge(
        json!({"infno": "3505", "msgid": "H0", "fixmedins_code": "H0",
            "inf_time": "2026-11-01 09:00:00", "input": {"selinfo": rec}}),
        &Fault::None,
    );
    // The application's own handlers, as `serve` registers them.
    let clock: Arc<dyn Clock> = app.clock.clone();
    let worker = || {
        Worker::new(
            app.t.db.clone(),
            Arc::new(yiqiao_web::app::outbox_registry(&config, &app.t.db, &clock)),
            clock.clone(),
            Policy::default(),
        )
        .unwrap()
    };
    let pass = worker().pass().await.unwrap();
    assert_eq!((pass.delivered, pass.dead), (1, 1), "{pass:?}");

    let office = app.login("yibao").await;
    let page = office
        .get(app.url("/tracecode/nhsa?status=rejected"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("医保平台业务拒收：追溯码已销售：81234560000000000001"),
        "{page}"
    );
    let csrf = hidden(&page, "_csrf");
    let id = yiqiao_tracecode::store::nhsa::list(
        &*app.t.db,
        Some(yiqiao_tracecode::domain::upload::UploadStatus::Rejected),
        10,
    )
    .await
    .unwrap()[0]
        .id;
    let res = office
        .post(app.url(&format!("/tracecode/nhsa/{id}/delete")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A second click is refused by name, on the page.
    let res = office
        .post(app.url(&format!("/tracecode/nhsa/{id}/delete")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("这条报文已发过 3507 删除")
    );
    assert_eq!(worker().pass().await.unwrap().delivered, 1);
    let res = office
        .post(app.url(&format!("/tracecode/nhsa/{id}/resend")))
        .form(&[("_csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Another process (a restart) delivers it: the row is in the database, not in memory.
    assert_eq!(worker().pass().await.unwrap().delivered, 1);
    let got = sim.received();
    let infnos: Vec<(&str, bool)> = got
        .iter()
        .skip(1)
        .map(|r| (r.infno.as_str(), r.accepted))
        .collect();
    assert_eq!(
        infnos.iter().filter(|(i, _)| *i == "3505").count(),
        2,
        "{infnos:?}"
    );
    assert!(infnos.contains(&("3507", true)));
    assert!(infnos.contains(&("3503", true)));
    assert_eq!(infnos.last(), Some(&("3505", true)));
    // Every 3505 names the linked staff member: her name and licence, and her staff code as
    // 经办人.
    for r in got.iter().skip(1).filter(|r| r.infno == "3505") {
        let sel = &r.request["input"]["selinfo"];
        assert_eq!(sel["phar_name"], "陈静", "{}", r.request);
        assert_eq!(sel["phar_prac_cert_no"], "ZY3310001");
        assert_eq!(sel["sel_retn_opter_name"], "陈静");
        assert_eq!(r.request["opter"], "YS01");
        assert_eq!(r.request["opter_name"], "陈静");
    }
    // Without the form token: refused.
    let res = office
        .post(app.url(&format!("/tracecode/nhsa/{id}/resend")))
        .form(&[("_csrf", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // Other roles do not see the page.
    let res = phar.get(app.url("/tracecode/nhsa")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn ward_dispensing_on_a_pda_a_nurse_scans_bed_by_bed_and_returns() {
    let app = with_drugs().await;
    for (code, name, kind) in [
        ("YF02", "住院药房", "pharmacy"),
        ("W01", "内科一病区", "ward"),
    ] {
        put(
            &app,
            Kind::Department,
            code,
            json!({"name": name, "kind": kind, "tcm": false, "online_booking": false}),
        )
        .await;
    }
    put_patient(&app).await;
    put(
        &app,
        Kind::WardDispensing,
        "WD1",
        json!({"ward_code": "W01", "pharmacy_code": "YF02", "issued_at": "2026-11-29 09:30:00",
        "lines": [{"line_no": 1, "patient_id": "P0001", "admission_no": "ZY202600001",
            "bed_no": "12", "order_id": "YZ1", "order_kind": "long", "drug_code": "D1",
            "quantity": 48}]}),
    )
    .await;
    // Two boxes received into the inpatient pharmacy.
    let store = app.login("yaoku").await;
    receive_boxes(&app, &store, "YF02", 2).await;

    // The nurse opens the list on the PDA: the page holds the scan field, the beds and counts.
    app.add_user("hushi", &[Role::Nurse]).await;
    app.link_pharmacist("hushi", "HS01", "W01").await;
    let nurse = app.login("hushi").await;
    let page = nurse
        .get(app.url("/tracecode/ward"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("WD1"), "{page}");
    let csrf = hidden(&page, "_csrf");
    let res = nurse
        .post(app.url("/tracecode/ward"))
        .form(&[("_csrf", csrf.as_str()), ("list_id", "WD1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let at = res.headers()["location"].to_str().unwrap().to_owned();
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    let page = nurse
        .get(app.url(&format!("{at}?patient=P0001")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("data-api=\"/api/tracecode/ward/{id}/reads\"")));
    assert!(page.contains("12床 王小明"));
    assert!(page.contains("id=\"total-scanned\">0<"));
    assert!(page.contains("name=\"viewport\""));
    // Pharmacists and nurses scan on the ward; the drug store does not.
    let res = store.get(app.url(&at)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Scans as the page's script sends them: a verdict and the running counts each time.
    let scan = |code: &str| {
        nurse
            .post(app.url(&format!("/api/tracecode/ward/{id}/reads")))
            .json(&json!({"code": code, "patient_id": "P0001"}))
            .send()
    };
    let res = scan("81234560000000000001").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ok: Value = res.json().await.unwrap();
    insta::assert_json_snapshot!("tracecode_ward_scan", ok);
    let res = scan("81234560000000000001").await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "ALREADY_DISPENSED");
    assert_eq!(
        body["message"],
        "此码已发药（病区发药单 WD1 患者 P0001），不能重复发出"
    );
    let res = scan("8123").await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let ok: Value = scan("81234560000000000002")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (ok["total_scanned"].as_i64(), ok["total_required"].as_i64()),
        (Some(2), Some(2))
    );
    let res = nurse
        .post(app.url(&format!("/api/tracecode/ward/{id}/confirm")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The nurse returns one box; the page now offers the return scan.
    let res = nurse
        .post(app.url(&format!("/api/tracecode/ward/{id}/returns")))
        .json(&json!({"code": "81234560000000000002"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let back: Value = res.json().await.unwrap();
    assert_eq!(
        (back["state"].as_str(), back["uploaded"].as_bool()),
        (Some("in_stock"), Some(true))
    );
    let page = nurse
        .get(app.url(&at))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"return-form\""));
}

/// 拆零 over HTTP: the opened box's code is scanned for the split quantity of two
/// prescriptions in turn, the box gives its units until used up, and a return puts them back.
#[tokio::test]
async fn split_quantities_are_drawn_from_an_opened_box_over_http() {
    let app = with_drugs().await;
    put_clinic(&app).await;
    for (rx, quantity) in [("RX1", 20), ("RX2", 10)] {
        put(
            &app,
            Kind::Prescription,
            rx,
            json!({"visit_id": "V0001", "patient_id": "P0001",
            "doctor_code": "D001", "dept_code": "A50.01", "pharmacy_code": "YF01",
            "prescribed_at": "2026-11-02 08:50:00", "rx_type": "western", "self_pay": true,
            "lines": [{"line_no": 1, "drug_code": "D1", "quantity": quantity}]}),
        )
        .await;
    }
    let store = app.login("yaoku").await;
    receive_boxes(&app, &store, "YF01", 2).await;

    app.link_pharmacist("yaoshi", "YS01", "YF01").await;
    let w = app.login("yaoshi").await;
    let open = |rx: &'static str| {
        let w = w.clone();
        let url = app.url("/api/tracecode/dispenses");
        async move {
            let v: Value = w
                .post(url)
                .json(&json!({"rx_no": rx}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v["id"].as_i64().unwrap()
        }
    };
    let draw = |id: i64, code: &'static str| {
        let w = w.clone();
        let url = app.url(&format!("/api/tracecode/dispenses/{id}/split-draws"));
        async move {
            let res = w
                .post(url)
                .json(&json!({"code": code}))
                .send()
                .await
                .unwrap();
            (res.status(), res.json::<Value>().await.unwrap())
        }
    };
    let d1 = open("RX1").await;
    let (status, body) = draw(d1, "81234560000000000001").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["units"], &body["units_left"], &body["split_drawn"]),
        (&json!(20), &json!(4), &json!(20))
    );
    w.post(app.url(&format!("/api/tracecode/dispenses/{d1}/confirm")))
        .send()
        .await
        .unwrap();
    let d2 = open("RX2").await;
    let (status, body) = draw(d2, "81234560000000000001").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["units"], &body["units_left"]),
        (&json!(4), &json!(0))
    );
    let (status, body) = draw(d2, "81234560000000000001").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["code"], "PACKAGE_USED_UP");
    assert_eq!(body["message"], "此拆零包装已发完，请扫下一盒");
    let (status, body) = draw(d2, "81234560000000000002").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["units"], &body["units_left"]),
        (&json!(6), &json!(18))
    );
    // RX1's 20 come back into the first box.
    let res = w
        .post(app.url(&format!("/api/tracecode/dispenses/{d1}/split-returns")))
        .json(&json!({"code": "81234560000000000001"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let back: Value = res.json().await.unwrap();
    assert_eq!(
        (&back["units"], &back["units_left"]),
        (&json!(20), &json!(20))
    );
    // The drug store may not draw.
    let res = store
        .post(app.url(&format!("/api/tracecode/dispenses/{d2}/split-draws")))
        .json(&json!({"code": "81234560000000000002"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}
