//! The 拆零 policy (`[tracecode] split_policy`) over real HTTP: under `draw` a dispensing is
//! confirmed only once its split units are drawn from opened boxes (one box running out, the
//! next opened), the one scan field telling whole boxes from draws, a wrong draw undone; under
//! `no_code` split units need no code and draws are refused. The ward does the same on the PDA,
//! a nurse's return puts split units back, and a stock-take counts an opened box with what it
//! has left.

use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use serde_json::{Value, json};
use yiqiao_core::Role;
use yiqiao_core::time::ManualClock;
use yiqiao_his::domain::Kind;
use yiqiao_http::CurrentUser;
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::domain::ward::WardUpload;
use yiqiao_tracecode::nhsa;
use yiqiao_tracecode::store::split;
use yiqiao_tracecode::{TraceState, routes};

use crate::dispense::{code, hospital, put, state_of};
use crate::fixtures::now;
use crate::nhsa::messages;
use crate::ward::ward;

/// The module's routes on a free 127.0.0.1 port, everyone signed in as `user` with `role`,
/// linked to HIS staff member `staff` (3505 names the linked pharmacist).
async fn serve(t: &TestDb, policy: SplitPolicy, role: Role, user: &str, staff: &str) -> String {
    let state = TraceState {
        db: t.db.clone(),
        clock: Arc::new(ManualClock::new(now())),
        ward_upload: WardUpload::Dispensing,
        split_policy: policy,
    };
    let (router, _) = routes(state).into_parts();
    let (user, staff) = (user.to_owned(), staff.to_owned());
    let router = router.layer(middleware::from_fn(move |mut req: Request, next: Next| {
        let me = CurrentUser {
            id: 1,
            username: user.clone(),
            display_name: user.clone(),
            roles: vec![role],
            his_staff_code: Some(staff.clone()),
            csrf: "t".into(),
        };
        async move {
            req.extensions_mut().insert(me);
            next.run(req).await
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

/// POST (or DELETE with no body) and the status with the JSON answer.
async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> (u16, Value) {
    let c = reqwest::Client::new();
    let mut r = c.request(method, url).header("accept", "application/json");
    if let Some(b) = body {
        r = r.json(&b);
    }
    let res = r.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn post(base: &str, path: &str, body: Value) -> (u16, Value) {
    call(reqwest::Method::POST, format!("{base}{path}"), Some(body)).await
}

/// A self-pay prescription of D1 (24 粒 a box) for `quantity` 粒.
async fn rx(t: &TestDb, rx_no: &str, quantity: i64) {
    put(
        t,
        Kind::Prescription,
        rx_no,
        json!({"visit_id": "V0001", "patient_id": "P0001", "doctor_code": "D001",
        "dept_code": "A50.01", "pharmacy_code": "YF01", "prescribed_at": "2026-11-02 08:50:00",
        "rx_type": "western", "self_pay": true,
        "lines": [{"line_no": 1, "drug_code": "D1", "quantity": quantity}]}),
    )
    .await;
}

fn input(m: &yiqiao_store::outbox::entity::Model) -> Value {
    serde_json::from_str::<nhsa::Queued>(&m.payload)
        .unwrap()
        .input
}

#[tokio::test]
async fn under_draw_a_dispense_is_confirmed_only_once_its_split_is_drawn_across_two_boxes() {
    let t = hospital(3).await;
    let base = serve(&t, SplitPolicy::Draw, Role::Pharmacist, "yaoku01", "YK01").await;
    // RX5 draws 21 of box 1 (no whole box): it has 3 left.
    rx(&t, "RX5", 21).await;
    rx(&t, "RX8", 30).await;
    let (s, d5) = post(&base, "/api/tracecode/dispenses", json!({"rx_no": "RX5"})).await;
    assert_eq!(s, 200, "{d5}");
    let d5 = d5["id"].as_i64().unwrap();
    let (s, r) = post(
        &base,
        &format!("/api/tracecode/dispenses/{d5}/reads"),
        json!({"code": code(1)}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["kind"], &r["units"], &r["units_left"]),
        (&json!("draw"), &json!(21), &json!(3))
    );
    let (s, r) = post(
        &base,
        &format!("/api/tracecode/dispenses/{d5}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{r}");

    // RX8: 1 whole box and 6 split. The whole box first: box 2 is a whole box.
    let (_, d8) = post(&base, "/api/tracecode/dispenses", json!({"rx_no": "RX8"})).await;
    let d8 = d8["id"].as_i64().unwrap();
    let reads = format!("/api/tracecode/dispenses/{d8}/reads");
    let confirm = format!("/api/tracecode/dispenses/{d8}/confirm");
    let (s, r) = post(&base, &reads, json!({"code": code(2)})).await;
    assert_eq!(
        (s, &r["kind"], &r["scanned"]),
        (200, &json!("whole"), &json!(1))
    );
    // Confirming now is refused, naming the drug and the units undrawn.
    let (s, r) = post(&base, &confirm, json!({})).await;
    assert_eq!((s, r["code"].as_str()), (422, Some("DISPENSE_INCOMPLETE")));
    assert_eq!(
        r["message"],
        "还有未扫满的行：第 1 行 阿莫西林胶囊（D1） 拆零 6粒 已扣 0粒，还有 6粒 未扣（请扫开封包装）（无法扫码的请登记原因）"
    );
    // The opened box 1 gives its last 3 and is used up.
    let (s, r) = post(&base, &reads, json!({"code": code(1)})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["kind"], &r["units"], &r["split_drawn"], &r["units_left"]),
        (&json!("draw"), &json!(3), &json!(3), &json!(0))
    );
    assert_eq!(state_of(&t, &code(1)).await, "used_up");
    let (s, r) = post(&base, &confirm, json!({})).await;
    assert_eq!(s, 422);
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("阿莫西林胶囊（D1） 拆零 6粒 已扣 3粒，还有 3粒 未扣"),
        "{r}"
    );
    // A new box (3, in stock): the whole boxes are all scanned, so it is opened for the rest.
    let (s, r) = post(&base, &reads, json!({"code": code(3)})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["kind"], &r["units"], &r["units_left"]),
        (&json!("draw"), &json!(3), &json!(21))
    );
    // Undone (the wrong box, say): its units go back and the box is whole again.
    let draw = r["draw_id"].as_i64().unwrap();
    let (s, u) = call(
        reqwest::Method::DELETE,
        format!("{base}/api/tracecode/dispenses/{d8}/split-draws/{draw}"),
        None,
    )
    .await;
    assert_eq!(
        (s, &u["units"], &u["split_drawn"]),
        (200, &json!(3), &json!(3))
    );
    assert_eq!(state_of(&t, &code(3)).await, "in_stock");
    assert_eq!(split::units_left(&*t.db, &code(3)).await.unwrap(), None);
    let (s, u) = call(
        reqwest::Method::DELETE,
        format!("{base}/api/tracecode/dispenses/{d8}/split-draws/{draw}"),
        None,
    )
    .await;
    assert_eq!((s, u["code"].as_str()), (404, Some("NO_SUCH_DRAW")));
    // Drawn again, the dispense is complete and confirmed.
    let (s, r) = post(&base, &reads, json!({"code": code(3)})).await;
    assert_eq!(
        (s, &r["kind"], &r["units"]),
        (200, &json!("draw"), &json!(3))
    );
    let (s, r) = post(&base, &confirm, json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["lines"][0]["split_drawn"], 6);
    assert_eq!(state_of(&t, &code(3)).await, "opened");

    // 3505 of RX8: the whole box (boxes, trdn_flag 0), then each draw in smallest units
    // (trdn_flag 1, the opened box's code).
    let sales: Vec<Value> = messages(&t, "nhsa.3505")
        .await
        .iter()
        .map(input)
        .filter(|i| i["selinfo"]["rtal_docno"] == format!("FY{d8}"))
        .collect();
    let shape: Vec<(String, i64, Value)> = sales
        .iter()
        .map(|s| {
            (
                s["selinfo"]["trdn_flag"].as_str().unwrap().to_owned(),
                s["selinfo"]["sel_retn_cnt"].as_i64().unwrap(),
                s["selinfo"]["drugtracinfo"].clone(),
            )
        })
        .collect();
    let tr = |n| json!([{"drug_trac_codg": code(n)}]);
    assert_eq!(
        shape,
        vec![
            ("0".into(), 1, tr(2)),
            ("1".into(), 3, tr(1)),
            ("1".into(), 3, tr(3)),
        ]
    );
    insta::assert_json_snapshot!("split_draw_3505", sales[2]);
}

#[tokio::test]
async fn under_no_code_split_units_need_no_code_and_a_draw_is_refused() {
    let t = hospital(2).await;
    let base = serve(&t, SplitPolicy::NoCode, Role::Pharmacist, "yaoku01", "YK01").await;
    rx(&t, "RX8", 30).await;
    let (_, d) = post(&base, "/api/tracecode/dispenses", json!({"rx_no": "RX8"})).await;
    let d = d["id"].as_i64().unwrap();
    let (s, r) = post(
        &base,
        &format!("/api/tracecode/dispenses/{d}/split-draws"),
        json!({"code": code(2)}),
    )
    .await;
    assert_eq!((s, r["code"].as_str()), (422, Some("SPLIT_NEEDS_NO_CODE")));
    assert_eq!(
        r["message"],
        "本院拆零免扫（split_policy = no_code）：拆零数量无需扫码，扫完整盒即可确认发药"
    );
    assert_eq!(state_of(&t, &code(2)).await, "in_stock");
    let reads = format!("/api/tracecode/dispenses/{d}/reads");
    let (s, r) = post(&base, &reads, json!({"code": code(1)})).await;
    assert_eq!((s, &r["kind"]), (200, &json!("whole")));
    // The scan field never draws under no_code: a second box is just one box too many.
    let (s, r) = post(&base, &reads, json!({"code": code(2)})).await;
    assert_eq!((s, r["code"].as_str()), (422, Some("OVER_SCANNED")));
    let (s, r) = post(
        &base,
        &format!("/api/tracecode/dispenses/{d}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["lines"][0]["split_qty"], 6);
    assert_eq!(r["lines"][0]["split_drawn"], 0);
    // Only the whole box is sold.
    let sales = messages(&t, "nhsa.3505").await;
    assert_eq!(sales.len(), 1);
    assert_eq!(input(&sales[0])["selinfo"]["trdn_flag"], "0");
}

#[tokio::test]
async fn a_ward_split_is_drawn_on_the_pda_and_the_nurse_returns_its_units() {
    // WD1: bed 1 D1 48 (2 boxes) and 黄芪 (exempt); bed 2 D1 30 (1 box + 6 split).
    let t = ward(4).await;
    let base = serve(&t, SplitPolicy::Draw, Role::Nurse, "hushi01", "HS01").await;
    let (s, w) = post(&base, "/api/tracecode/ward", json!({"list_id": "WD1"})).await;
    assert_eq!(s, 200, "{w}");
    let id = w["id"].as_i64().unwrap();
    let reads = format!("/api/tracecode/ward/{id}/reads");
    let confirm = format!("/api/tracecode/ward/{id}/confirm");
    for (n, p) in [(1, "P0001"), (2, "P0001"), (3, "P0002")] {
        let (s, r) = post(&base, &reads, json!({"code": code(n), "patient_id": p})).await;
        assert_eq!((s, &r["kind"]), (200, &json!("whole")), "{r}");
    }
    let (s, r) = post(&base, &confirm, json!({})).await;
    assert_eq!(s, 422);
    assert_eq!(
        r["message"],
        "还有未扫满的行：第 3 行（P0002 医嘱 YZ3）阿莫西林胶囊（D1） 拆零 6粒 已扣 0粒，还有 6粒 未扣（请扫开封包装）（无法扫码的请登记原因）"
    );
    // Bed 1 has no split to draw; bed 2's remainder opens box 4.
    let (s, r) = post(
        &base,
        &reads,
        json!({"code": code(4), "patient_id": "P0001"}),
    )
    .await;
    assert_eq!((s, r["code"].as_str()), (422, Some("OVER_SCANNED")), "{r}");
    let (s, r) = post(
        &base,
        &reads,
        json!({"code": code(4), "patient_id": "P0002"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["kind"], &r["line_no"], &r["units"], &r["units_left"]),
        (&json!("draw"), &json!(3), &json!(6), &json!(18))
    );
    let (s, r) = post(&base, &confirm, json!({})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["lines"][2]["split_drawn"], 6);
    let sold: Vec<Value> = messages(&t, "nhsa.3505").await.iter().map(input).collect();
    let split_sale: Vec<&Value> = sold
        .iter()
        .filter(|s| s["selinfo"]["trdn_flag"] == "1")
        .collect();
    assert_eq!(split_sale.len(), 1);
    assert_eq!(split_sale[0]["selinfo"]["sel_retn_cnt"], 6);
    assert_eq!(
        split_sale[0]["selinfo"]["drugtracinfo"],
        json!([{"drug_trac_codg": code(4)}])
    );
    assert_eq!(split_sale[0]["selinfo"]["rtal_docno"], format!("BQ{id}"));

    // The nurse gives the 6 back: they go into box 4, which is whole in content again but
    // stays opened; 3506 with trdn_flag 1. A second return of it is refused.
    let returns = format!("/api/tracecode/ward/{id}/returns");
    let (s, r) = post(&base, &returns, json!({"code": code(4)})).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["split_units"], &r["state"], &r["uploaded"]),
        (&json!(6), &json!("opened"), &json!(true))
    );
    assert_eq!(split::units_left(&*t.db, &code(4)).await.unwrap(), Some(24));
    assert_eq!(state_of(&t, &code(4)).await, "opened");
    let back: Vec<Value> = messages(&t, "nhsa.3506").await.iter().map(input).collect();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0]["selinfo"]["trdn_flag"], "1");
    assert_eq!(back[0]["selinfo"]["sel_retn_cnt"], 6);
    assert_eq!(back[0]["selinfo"]["medins_prod_sel_no"], format!("BQ{id}"));
    let (s, r) = post(&base, &returns, json!({"code": code(4)})).await;
    assert_eq!((s, r["code"].as_str()), (422, Some("NOT_DISPENSED")), "{r}");
    // A whole box comes back as before.
    let (s, r) = post(&base, &returns, json!({"code": code(3)})).await;
    assert_eq!(
        (s, &r["split_units"], &r["state"]),
        (200, &Value::Null, &json!("in_stock"))
    );
}

#[tokio::test]
async fn a_stock_take_counts_an_opened_box_with_the_units_it_has_left() {
    let t = hospital(3).await;
    let base = serve(&t, SplitPolicy::Draw, Role::Pharmacist, "yaoku01", "YK01").await;
    rx(&t, "RX5", 6).await;
    let (_, d) = post(&base, "/api/tracecode/dispenses", json!({"rx_no": "RX5"})).await;
    let d = d["id"].as_i64().unwrap();
    let (s, r) = post(
        &base,
        &format!("/api/tracecode/dispenses/{d}/reads"),
        json!({"code": code(1)}),
    )
    .await;
    assert_eq!((s, &r["units_left"]), (200, &json!(18)), "{r}");
    let (s, r) = post(
        &base,
        "/api/tracecode/stock-takes",
        json!({"location": "YF01"}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["batches"], &r["codes"], &r["opened"]),
        (&json!(1), &json!(3), &json!(1))
    );
    let takes = messages(&t, "nhsa.3501").await;
    assert_eq!(takes.len(), 1);
    let inv = &input(&takes[0])["invinfo"];
    // Two whole boxes and 18 of 24 粒: 2.75 boxes; all three codes are in stock.
    assert_eq!(inv["inv_cnt"], json!(2.75));
    assert_eq!(
        inv["drugtracinfo"],
        json!([{"drug_trac_codg": code(1)}, {"drug_trac_codg": code(2)}, {"drug_trac_codg": code(3)}])
    );
    assert_eq!(inv["memo"], "库位 YF01，含拆零开封 1 盒（按余量折算）");
}

#[tokio::test]
async fn the_dispense_page_shows_split_units_draws_and_undoes_them_without_javascript() {
    use yiqiao_http::testing::{Browser, serve_as_header_role};
    const CSRF: &str = "page-csrf";
    let t = hospital(3).await;
    rx(&t, "RX8", 30).await;
    let state = TraceState {
        db: t.db.clone(),
        clock: Arc::new(ManualClock::new(now())),
        ward_upload: WardUpload::Dispensing,
        split_policy: SplitPolicy::Draw,
    };
    let (router, _) = routes(state).into_parts();
    let base = serve_as_header_role(router, vec![], CSRF).await.unwrap();
    let b = Browser::new(&base, "pharmacist", CSRF);
    let (s, at, _) = b.post("/tracecode/dispensing", &[("rx_no", "RX8")]).await;
    assert_eq!(s, 303);
    let (s, page) = b.get(&at).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("拆零：拆零扫码：开封包装扫一次，按最小单位逐次扣减"),
        "{page}"
    );
    assert!(
        page.contains(r#"拆零 6 粒，已扣 <span id="drawn-1" data-split="6" >0</span>"#),
        "{page}"
    );
    let id: i64 = at.rsplit('/').next().unwrap().parse().unwrap();
    assert!(
        page.contains(&format!(
            r#"data-api="/api/tracecode/dispenses/{id}/reads""#
        )),
        "{page}"
    );
    // The one field without the script: a whole box, then the opened box for the 6 粒.
    let (s, _, page) = b.post(&format!("{at}/scan"), &[("code", &code(2))]).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("✓ 阿莫西林胶囊 第 1 行 已扫 1 / 应扫 1"),
        "{page}"
    );
    let (s, _, page) = b.post(&format!("{at}/scan"), &[("code", &code(1))]).await;
    assert_eq!(s, 200);
    assert!(
        page.contains("✓ 拆零 阿莫西林胶囊 第 1 行 扣 6粒（拆零 6粒，已扣 6粒），此盒余 18粒"),
        "{page}"
    );
    assert!(
        page.contains(r#"<span id="drawn-1" data-split="6" class="full">6</span>"#),
        "{page}"
    );
    let draw = split::draws_of(&*t.db, id).await.unwrap()[0].id;
    let undo = format!("{at}/split-draws/{draw}/undo");
    assert!(page.contains(&format!(r#"action="{undo}""#)), "{page}");
    let (s, _, page) = b.post(&undo, &[]).await;
    assert_eq!(s, 200);
    assert!(page.contains("已撤销第 1 行的拆零扣减"), "{page}");
    assert!(
        page.contains(r#"<span id="drawn-1" data-split="6" >0</span>"#),
        "{page}"
    );
    assert_eq!(state_of(&t, &code(1)).await, "in_stock");
    // Confirming now is refused on the page, naming what is undrawn.
    let (s, _, page) = b.post(&format!("{at}/confirm"), &[]).await;
    assert_eq!(s, 422);
    assert!(page.contains("还有 6粒 未扣"), "{page}");
    // Drawn again and confirmed (the page's pharmacist is not linked to HIS staff: the sale
    // is confirmed through the store as the keeper, who is).
    let (s, _, _) = b.post(&format!("{at}/scan"), &[("code", &code(1))]).await;
    assert_eq!(s, 200);
    yiqiao_tracecode::store::dispense::confirm(
        &t.db,
        SplitPolicy::Draw,
        id,
        &crate::fixtures::keeper(),
        now(),
    )
    .await
    .unwrap();
    // The one return field: the opened box takes its 6 粒 back; a whole box goes to stock.
    let (s, _, page) = b.post(&format!("{at}/return"), &[("code", &code(1))]).await;
    assert_eq!(s, 200);
    assert!(
        page.contains(&format!(
            "✓ 已退回拆零 6 个最小单位到开封包装 {}（此盒现余 24）",
            code(1)
        )),
        "{page}"
    );
    let (s, _, page) = b.post(&format!("{at}/return"), &[("code", &code(2))]).await;
    assert_eq!(s, 200);
    assert!(page.contains(&format!("✓ 已退回：{}", code(2))), "{page}");
}

#[tokio::test]
async fn a_ward_draw_is_undone_over_the_api_and_on_the_pda_page() {
    use yiqiao_http::testing::{Browser, serve_as_header_role};
    const CSRF: &str = "page-csrf";
    // WD1: bed 2 (P0002) line 3 is D1 30 粒: 1 box + 6 split.
    let t = ward(4).await;
    let base = serve(&t, SplitPolicy::Draw, Role::Nurse, "hushi01", "HS01").await;
    let (s, w) = post(&base, "/api/tracecode/ward", json!({"list_id": "WD1"})).await;
    assert_eq!(s, 200, "{w}");
    let id = w["id"].as_i64().unwrap();
    let reads = format!("/api/tracecode/ward/{id}/reads");
    // Box 3 fills the line's whole box; box 4 is opened for its 6 粒.
    let (s, r) = post(
        &base,
        &reads,
        json!({"code": code(3), "patient_id": "P0002"}),
    )
    .await;
    assert_eq!((s, &r["kind"]), (200, &json!("whole")), "{r}");
    let draw_box_4 = || {
        post(
            &base,
            &reads,
            json!({"code": code(4), "patient_id": "P0002"}),
        )
    };
    let (s, r) = draw_box_4().await;
    assert_eq!(
        (s, &r["kind"], &r["units"]),
        (200, &json!("draw"), &json!(6)),
        "{r}"
    );
    assert_eq!(state_of(&t, &code(4)).await, "opened");

    // Over the API: the 6 go back into box 4, which this draw alone had opened: whole again.
    let draw = r["draw_id"].as_i64().unwrap();
    let undo = format!("{base}/api/tracecode/ward/{id}/split-draws/{draw}");
    let (s, r) = call(reqwest::Method::DELETE, undo.clone(), None).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(
        (&r["line_no"], &r["bed_no"], &r["units"], &r["split_drawn"]),
        (&json!(3), &json!("2"), &json!(6), &json!(0))
    );
    assert_eq!(state_of(&t, &code(4)).await, "in_stock");
    assert_eq!(split::units_left(&*t.db, &code(4)).await.unwrap(), None);
    assert!(split::ward_draws_of(&*t.db, id).await.unwrap().is_empty());
    // Undone once only; a draw that is not one is no such draw either.
    let (s, r) = call(reqwest::Method::DELETE, undo, None).await;
    assert_eq!((s, r["code"].as_str()), (404, Some("NO_SUCH_DRAW")), "{r}");
    let not_a_draw = format!("{base}/api/tracecode/ward/{id}/split-draws/x");
    let (s, r) = call(reqwest::Method::DELETE, not_a_draw, None).await;
    assert_eq!((s, r["code"].as_str()), (404, Some("NO_SUCH_DRAW")), "{r}");

    // On the PDA page without the script: the draw is listed with its undo form, which brings
    // the nurse back to the same bed with the verdict.
    let state = TraceState {
        db: t.db.clone(),
        clock: Arc::new(ManualClock::new(now())),
        ward_upload: WardUpload::Dispensing,
        split_policy: SplitPolicy::Draw,
    };
    let (router, _) = routes(state).into_parts();
    let page_base = serve_as_header_role(router, vec![], CSRF).await.unwrap();
    let b = Browser::new(&page_base, "nurse", CSRF);
    let at = format!("/tracecode/ward/{id}");
    let (s, _, page) = b
        .post(
            &format!("{at}/scan"),
            &[("code", &code(4)), ("patient_id", "P0002")],
        )
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("✓ 拆零 2床 阿莫西林胶囊 扣 6粒"), "{page}");
    let draw = split::ward_draws_of(&*t.db, id).await.unwrap()[0].id;
    let undo = format!("{at}/split-draws/{draw}/undo");
    assert!(page.contains(&format!(r#"action="{undo}""#)), "{page}");
    let (s, _, page) = b.post(&undo, &[("patient_id", "P0002")]).await;
    assert_eq!(s, 200);
    assert!(
        page.contains(&format!(
            "已撤销2床 第 3 行的拆零扣减 {}（6 个最小单位已退回此盒）",
            code(4)
        )),
        "{page}"
    );
    assert!(
        page.contains(r#"<span id="drawn-3" data-split="6" >0</span>"#),
        "{page}"
    );
    assert!(!page.contains(&format!(r#"action="{undo}""#)), "{page}");
    // The same form again: refused on the page, the page still there.
    let (s, _, page) = b.post(&undo, &[("patient_id", "P0002")]).await;
    assert_eq!(s, 404);
    assert!(page.contains("✗ 没有这次拆零扣减（可能已撤销）"), "{page}");
    assert_eq!(state_of(&t, &code(4)).await, "in_stock");

    // Once confirmed, a draw is no longer undone: the nurse returns it instead.
    let (s, r) = draw_box_4().await;
    assert_eq!(s, 200, "{r}");
    let draw = r["draw_id"].as_i64().unwrap();
    for n in [1, 2] {
        let (s, r) = post(
            &base,
            &reads,
            json!({"code": code(n), "patient_id": "P0001"}),
        )
        .await;
        assert_eq!(s, 200, "{r}");
    }
    let (s, r) = post(
        &base,
        &format!("/api/tracecode/ward/{id}/confirm"),
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let undo = format!("{base}/api/tracecode/ward/{id}/split-draws/{draw}");
    let (s, r) = call(reqwest::Method::DELETE, undo, None).await;
    assert_eq!(
        (s, r["code"].as_str()),
        (409, Some("WARD_DISPENSE_CONFIRMED")),
        "{r}"
    );
    assert_eq!(split::units_left(&*t.db, &code(4)).await.unwrap(), Some(18));
}
