//! The JSON API and the pages over real HTTP on 127.0.0.1, with the signed-in person's role
//! put into the request the way the web crate's session layer does.

use std::sync::Arc;

use calamine::{Reader, Xlsx};
use serde_json::{Value, json};
use yiqiao_core::time::ManualClock;
use yiqiao_http::testing::{Browser, ROLE_HEADER};
use yiqiao_store::testing::TestDb;
use yiqiao_visitpage::store::assemble_visit;
use yiqiao_visitpage::{VisitPageState, check};

use super::assemble::InsertInto;
use super::assemble::{at, org};
use super::dicts;
use super::store::{db, his_visit, map_demo_categories};

const CSRF: &str = "test-csrf-token";

async fn serve(t: &TestDb) -> String {
    let state = VisitPageState::new(
        t.db.clone(),
        Arc::new(ManualClock::new(at(18, 0, 0))),
        org(),
    );
    let (router, _) = yiqiao_visitpage::routes(state).into_parts();
    yiqiao_http::testing::serve_as_header_role(router, yiqiao_visitpage::pages::navigation(), CSRF)
        .await
        .unwrap()
}

/// A hospital with one assembled, clean page (V1) and the sample code tables.
async fn hospital() -> (TestDb, String) {
    let t = db().await;
    his_visit(&t).await;
    map_demo_categories(&t).await;
    assemble_visit(&t.db, at(12, 0, 0), &org(), &dicts(), "V1")
        .await
        .unwrap();
    let base = serve(&t).await;
    (t, base)
}

struct Api {
    base: String,
    http: reqwest::Client,
    role: &'static str,
}

impl Api {
    fn new(base: &str, role: &'static str) -> Api {
        Api {
            base: base.into(),
            http: reqwest::Client::new(),
            role,
        }
    }
    async fn send(&self, m: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut r = self
            .http
            .request(m, format!("{}{path}", self.base))
            .header(ROLE_HEADER, self.role);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, None).await
    }
    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }
    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }
}

#[tokio::test]
async fn the_api_edits_submits_and_amends_a_page_with_reasons() {
    let (_t, base) = hospital().await;
    let records = Api::new(&base, "records");
    let (code, list) = records.get("/api/visitpage/pages?period=2026-11").await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list["total"], 1);
    assert_eq!(list["pages"][0]["visit_id"], "V1");
    assert_eq!(list["pages"][0]["name"], "王小明");
    let (code, one) = records.get("/api/visitpage/pages/V1").await;
    assert_eq!(code, 200);
    insta::assert_json_snapshot!("page_v1", one, {".trail[].at" => "[time]"});

    // Quality reads but does not write.
    let quality = Api::new(&base, "quality");
    assert_eq!(quality.get("/api/visitpage/pages/V1").await.0, 200);
    let mut page = one["page"].clone();
    page["phone"] = json!("-");
    let (code, _) = quality
        .put("/api/visitpage/pages/V1", json!({"page": page}))
        .await;
    assert_eq!(code, 403);

    // A malformed page is refused naming the field.
    let (code, e) = records
        .put(
            "/api/visitpage/pages/V1",
            json!({"page": {"fees": {"total": "25.60"}}}),
        )
        .await;
    assert_eq!(code, 400);
    insta::assert_json_snapshot!("bad_page", e);

    // A draft edit leaving an error is saved; submission is then refused.
    let (code, edited) = records
        .put(
            "/api/visitpage/pages/V1",
            json!({"page": page, "revision": one["revision"]}),
        )
        .await;
    assert_eq!(code, 200, "{edited}");
    assert_eq!(edited["findings"][0]["rule"], "VP-R01");
    let (code, e) = records
        .post("/api/visitpage/pages/V1/submit", json!({}))
        .await;
    assert_eq!((code, e["code"].as_str()), (409, Some("PAGE_HAS_ERRORS")));
    let (code, q) = records.get("/api/visitpage/queue?period=2026-11").await;
    assert_eq!(code, 200);
    assert_eq!(
        q,
        json!([{"dept_code": "A03.01", "dept_name": "中医内科", "doctor": "李医生", "pages": 1, "errors": 1}])
    );

    // Fixed, submitted; a change now needs a reason.
    page["phone"] = json!("13800000000");
    assert_eq!(
        records
            .put("/api/visitpage/pages/V1", json!({"page": page}))
            .await
            .0,
        200
    );
    let (code, s) = records
        .post("/api/visitpage/pages/V1/submit", json!({}))
        .await;
    assert_eq!((code, &s["state"]), (200, &json!("submitted")));
    page["doctor_title"] = json!("副主任医师");
    let (code, e) = records
        .put("/api/visitpage/pages/V1", json!({"page": page}))
        .await;
    assert_eq!(code, 422);
    insta::assert_json_snapshot!("amendment_needs_reason", e);
    let (code, a) = records
        .put(
            "/api/visitpage/pages/V1",
            json!({"page": page, "reason": "医师职称已于 10 月晋升，HIS 未更新"}),
        )
        .await;
    assert_eq!(code, 200, "{a}");
    assert_eq!(a["state"], "amended");
    assert_eq!(a["trail"][0]["action"], "visitpage.amend");
    assert_eq!(
        a["trail"][0]["reason"],
        "医师职称已于 10 月晋升，HIS 未更新"
    );
    assert_eq!(
        a["trail"][0]["changes"],
        json!([{"field": "doctor_title", "before": "主任医师", "after": "副主任医师"}])
    );
}

#[tokio::test]
async fn export_refuses_a_period_with_errors_naming_the_pages_and_then_writes_the_template() {
    let (t, base) = hospital().await;
    let records = Browser::new(&base, "records", CSRF);
    let api = Api::new(&base, "records");
    let (_, one) = api.get("/api/visitpage/pages/V1").await;
    let mut page = one["page"].clone();
    page["ethnicity"] = Value::Null;
    assert_eq!(
        api.put("/api/visitpage/pages/V1", json!({"page": page}))
            .await
            .0,
        200
    );
    let (code, body) = records.get("/visitpage/export?period=2026-11").await;
    assert_eq!(code, 409);
    assert!(body.contains("就诊 V1（卡号 MZ0001234）"), "{body}");

    page["ethnicity"] = json!("01");
    assert_eq!(
        api.put("/api/visitpage/pages/V1", json!({"page": page}))
            .await
            .0,
        200
    );
    let r = reqwest::Client::new()
        .get(format!("{base}/visitpage/export?period=2026-11"))
        .header(ROLE_HEADER, "records")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut book = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(ToString::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    assert_eq!(rows[0][0], "JGMC");
    assert_eq!(
        rows[0].len(),
        yiqiao_visitpage::domain::export::columns().len()
    );
    assert!(
        rows[0]
            .windows(2)
            .any(|w| w == ["MZZD_QTZD10", "MZZD_JBBM10"])
    );
    assert_eq!(rows[1][col("XM")], "王小明");
    assert_eq!(rows[1][col("JZSJ")], "2026-11-02 08:35:42");
    assert_eq!(rows[1][col("MZZD_JBBM")], "J06.900");
    assert_eq!(rows[1][col("MZZD_QTZD1")], "");
    assert_eq!(rows[1][col("ZFY")], "65");
    assert_eq!(rows[1][col("YLFWF")], "25");
    assert_eq!(rows[1][col("KJYWF")], "10");
    // No page, no export; a bad period is named.
    assert_eq!(records.get("/visitpage/export?period=2026-10").await.0, 404);
    let (code, body) = records.get("/visitpage/export?period=2026-13").await;
    assert_eq!(code, 400, "{body}");
    drop(t);
}

#[tokio::test]
async fn the_records_office_corrects_a_page_in_the_form_and_the_trail_shows_it() {
    let (t, base) = hospital().await;
    let records = Browser::new(&base, "records", CSRF);
    let (code, list) = records.get("/visitpage/pages?period=2026-11").await;
    assert_eq!(code, 200);
    assert!(list.contains("V1") && list.contains("王小明"), "{list}");
    let (code, form) = records.get("/visitpage/pages/V1/edit").await;
    assert_eq!(code, 200);
    assert!(
        form.contains("name=\"fees.total\" value=\"65.00\""),
        "{form}"
    );

    // The form as the browser sends it, with one correction.
    let stored = yiqiao_visitpage::store::get_page(t.db.conn(), "V1")
        .await
        .unwrap()
        .unwrap();
    let secs = yiqiao_visitpage::domain::form::sections(&stored.page);
    let mut fields: Vec<(String, String)> = secs
        .iter()
        .flat_map(|s| s.fields.iter().map(|f| (f.path.clone(), f.value.clone())))
        .collect();
    for f in &mut fields {
        if f.0 == "address.detail" {
            f.1 = "白云街道 8 号".into();
        }
    }
    fields.push(("reason".into(), "患者来电更正住址".into()));
    fields.push(("revision".into(), stored.revision.to_string()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (code, to, _) = records.post("/visitpage/pages/V1/edit", &pairs).await;
    assert_eq!((code, to.as_str()), (303, "/visitpage/pages/V1"));
    let after = yiqiao_visitpage::store::get_page(t.db.conn(), "V1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.page.address.detail.as_deref(), Some("白云街道 8 号"));
    // Nothing else moved: the form round-trips the page.
    let mut expect = stored.page.clone();
    expect.address.detail = Some("白云街道 8 号".into());
    assert_eq!(after.page, expect);
    assert_eq!(check(&after.page, &dicts()), vec![]);
    let (_, view) = records.get("/visitpage/pages/V1").await;
    assert!(
        view.contains("患者来电更正住址") && view.contains("某街道1号 → 白云街道 8 号"),
        "{view}"
    );

    // Money typed wrongly comes back in the form, naming the field.
    let mut bad = pairs.clone();
    for p in &mut bad {
        if p.0 == "fees.total" {
            p.1 = "65.001";
        }
    }
    let (code, _, body) = records.post("/visitpage/pages/V1/edit", &bad).await;
    assert_eq!(code, 200);
    assert!(
        body.contains("fees.total") && body.contains("65.001"),
        "{body}"
    );

    // The printed form shows the chosen codes in their boxes.
    let (code, print) = records.get("/visitpage/pages/V1/print").await;
    assert_eq!(code, 200);
    assert!(
        print.contains("性别<span class=\"box\">1</span>"),
        "{print}"
    );
    assert!(print.contains("王小明") && print.contains("J06.900"));
}

#[tokio::test]
async fn each_role_sees_only_what_it_may() {
    let (_t, base) = hospital().await;
    for (role, path, want) in [
        ("records", "/visitpage/queue", 200),
        ("quality", "/visitpage/queue", 200),
        ("quality", "/visitpage/pages/V1", 200),
        ("quality", "/visitpage/fee-mapping", 403),
        ("quality", "/visitpage/pages/V1/edit", 403),
        ("nurse", "/visitpage/pages", 403),
        ("admin", "/visitpage/dicts", 200),
        ("admin", "/visitpage/pages", 403),
        ("", "/visitpage/pages", 401),
        ("records", "/visitpage/pages/NOPE", 404),
    ] {
        let b = Browser::new(&base, role, CSRF);
        assert_eq!(b.get(path).await.0, want, "{role} {path}");
    }
    let quality = Browser::new(&base, "quality", CSRF);
    assert_eq!(
        quality
            .post("/visitpage/assemble", &[("period", "2026-11")])
            .await
            .0,
        403
    );
    let records = Browser::new(&base, "records", CSRF);
    let (code, _, _) = records
        .post_with_csrf("/visitpage/pages/V1/submit", "wrong", &[])
        .await;
    assert_eq!(code, 403);
}

#[tokio::test]
async fn the_fee_mapping_page_lists_unmapped_items_until_they_are_mapped() {
    let (t, base) = hospital().await;
    super::assemble::charge("C9", "330000009", "88", 1200, None)
        .into_active_model_insert(&t)
        .await;
    let records = Browser::new(&base, "records", CSRF);
    let (_, page) = records.get("/visitpage/fee-mapping").await;
    assert!(
        page.contains("未对照的收费项目（1 项）") && page.contains("330000009"),
        "{page}"
    );
    let (code, _, body) = records
        .post(
            "/visitpage/fee-mapping",
            &[
                ("kind", "item"),
                ("code", "330000009"),
                ("fee_item", "surgical"),
                ("of_which", "anesthesia"),
            ],
        )
        .await;
    assert_eq!(code, 200);
    assert!(body.contains("全部收费项目均已对照"), "{body}");
    // A sub-item of another item is refused, naming why.
    let (code, _, body) = records
        .post(
            "/visitpage/fee-mapping",
            &[
                ("kind", "item"),
                ("code", "X"),
                ("fee_item", "surgical"),
                ("of_which", "antibacterial"),
            ],
        )
        .await;
    assert_eq!(code, 422, "{body}");
    // Reassembling the month places the charge: 手术治疗费 and 其中麻醉费, to the 分.
    let api = Api::new(&base, "records");
    let (code, r) = api
        .post("/api/visitpage/assemble", json!({"period": "2026-11"}))
        .await;
    assert_eq!(code, 200, "{r}");
    assert_eq!(
        r,
        json!({"visits": 1, "written": 1, "locked": 0, "with_errors": 0})
    );
    let (_, one) = api.get("/api/visitpage/pages/V1").await;
    assert_eq!(one["page"]["fees"]["total"], 7700);
    assert_eq!(one["page"]["fees"]["surgical"], 1200);
    assert_eq!(one["page"]["fees"]["anesthesia"], 1200);
}
