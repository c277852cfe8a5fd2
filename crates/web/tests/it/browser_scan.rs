//! The scanning pages' script in a real browser (headless Chromium) over the demo hospital: a
//! hardware scanner types a code and Enter, several in a burst; each scan gets its verdict and
//! the counts move without the page reloading, and the field keeps the focus. Ignored in a
//! plain `cargo test`; `.ci/run` runs it (`--ignored browser`).

use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};
use yiqiao_his::domain::Kind;
use yiqiao_his::store::entities::{drug, visit, ward_dispensing_line};
use yiqiao_store::audit::Actor;
use yiqiao_tracecode::domain::receipt::{NewReceipt, RawReceipt};
use yiqiao_tracecode::store::receipt as rc;
use yiqiao_web::demo::DEMO_PASSWORD;

use crate::browser::{chromium, submit_sign_in};
use crate::{TestApp, spawn_app_on, t0};

/// The demo hospital, served, with `boxes` boxes of its first western drug received (and
/// scanned in) at each of `pharmacies`. Returns the app, the drug's code and pack size, and
/// the boxes' trace codes per pharmacy.
async fn demo_with_stock(
    pharmacies: &[&str],
    boxes: u32,
) -> (TestApp, drug::Model, Vec<Vec<String>>) {
    let t = yiqiao_store::testing::TestDb::new(&yiqiao_web::all_migrations())
        .await
        .unwrap();
    let mut cfg = yiqiao_web::Config::default();
    cfg.booking.secret_key = "42".repeat(32);
    yiqiao_web::demo::load(&t.db, &cfg, t0()).await.unwrap();
    // The tracecode demo maps the drugs in code order: the i-th drug's boxes start 86<i>.
    let drugs = drug::Entity::find()
        .order_by_asc(drug::Column::Code)
        .all(&*t.db)
        .await
        .unwrap();
    let (i, d) = drugs
        .iter()
        .enumerate()
        .find(|(_, d)| d.category == "western")
        .unwrap();
    let keeper = Actor::person("yaoku").with_his_staff(Some("F004".into()));
    let mut codes = Vec::new();
    for (p, pharmacy) in pharmacies.iter().enumerate() {
        let raw: RawReceipt = serde_json::from_value(json!({"supplier_name": "华东医药",
            "location": pharmacy, "lines": [{"drug_code": d.code, "batch_no": "B2026",
            "manu_date": "2026-01-10", "expiry": "2028-01-09", "packages": boxes}]}))
        .unwrap();
        let r = rc::create(&t.db, &NewReceipt::parse(&raw).unwrap(), &keeper, t0())
            .await
            .unwrap();
        let mut here = Vec::new();
        for n in 1..=boxes {
            let code = format!(
                "{}{:013}",
                yiqiao_tracecode::demo::demo_prefix(i),
                p as u32 * 1000 + n
            );
            rc::scan(&t.db, r.id, &code, &keeper, t0()).await.unwrap();
            here.push(code);
        }
        rc::confirm(&t.db, r.id, &keeper, t0()).await.unwrap();
        codes.push(here);
    }
    let d = d.clone();
    (spawn_app_on(t, cfg).await, d, codes)
}

async fn sign_in(c: &Client, app: &TestApp, user: &str) {
    c.delete_all_cookies().await.unwrap();
    c.goto(&app.url("/login")).await.unwrap();
    submit_sign_in(c, user, DEMO_PASSWORD).await;
}

/// Runs `script` (which returns a value) until it returns `want`; panics with what it last
/// returned if that does not happen within 20 s (a guard against hanging, not a timing check).
async fn wait_for(c: &Client, script: &str, want: Value) {
    let mut last = Value::Null;
    for _ in 0..400 {
        last = c.execute(script, vec![]).await.unwrap();
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{script} gave {last}, not {want}");
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// What a scanner sends: the characters, then Enter.
fn scanned(codes: &[&str]) -> String {
    codes
        .iter()
        .map(|code| format!("{code}{}", char::from(Key::Enter)))
        .collect()
}

const VERDICT: &str = "var v = document.querySelector('#verdict .verdict'); \
     return v ? [v.className, v.textContent] : null;";
const FOCUSED: &str = "return document.activeElement ? document.activeElement.id : null;";
/// Set once after the page loads; a reload would lose it.
const MARK: &str = "window.__scanMarker = 'kept'; return true;";
const MARKED: &str = "return window.__scanMarker || null;";

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn browser_outpatient_scanning_page_takes_a_scanner_burst_without_reloading() {
    let (app, d, codes) = demo_with_stock(&["Y01"], 4).await;
    // A prescription of three boxes for a demo visit, at the outpatient western pharmacy.
    let v = visit::Entity::find()
        .order_by_asc(visit::Column::Id)
        .one(&*app.t.db)
        .await
        .unwrap()
        .unwrap();
    yiqiao_his::store::upsert_value(
        &app.t.db,
        Kind::Prescription,
        "RXBROWSER1",
        &json!({"visit_id": v.id, "patient_id": v.patient_id, "doctor_code": v.doctor_code,
            "dept_code": v.dept_code, "pharmacy_code": "Y01",
            "prescribed_at": "2026-11-02 08:50:00", "rx_type": "western", "self_pay": true,
            "lines": [{"line_no": 1, "drug_code": d.code, "quantity": d.pack_size * 3}]}),
        &Actor::machine("his"),
        t0(),
    )
    .await
    .unwrap();

    let (_driver, c) = chromium().await;
    sign_in(&c, &app, "yaofang").await;
    c.goto(&app.url("/tracecode/dispensing")).await.unwrap();
    c.find(Locator::Css("input[name=rx_no]"))
        .await
        .unwrap()
        .send_keys(&scanned(&["RXBROWSER1"]))
        .await
        .unwrap();
    let field = c
        .wait()
        .for_element(Locator::Id("scan-code"))
        .await
        .unwrap();
    let page = c.current_url().await.unwrap();
    assert!(page.path().starts_with("/tracecode/dispenses/"), "{page}");
    assert_eq!(js(&c, MARK).await, json!(true));
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));
    let main = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(main.contains("合计 应扫 3 / 已扫 0"), "{main}");

    // Two boxes in one burst, as a scanner fires them.
    field
        .send_keys(&scanned(&[&codes[0][0], &codes[0][1]]))
        .await
        .unwrap();
    wait_for(
        &c,
        "return [document.getElementById('total-scanned').textContent, \
         document.getElementById('scanned-1').textContent];",
        json!(["2", "2"]),
    )
    .await;
    let verdict = js(&c, VERDICT).await;
    assert_eq!(verdict[0], "verdict ok", "{verdict}");
    let text = verdict[1].as_str().unwrap();
    assert!(text.starts_with(&format!("✓ {}", d.generic_name)), "{text}");
    assert!(text.contains("第 1 行 已扫"), "{text}");
    assert!(text.ends_with("/ 应扫 3"), "{text}");
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));

    // A code the scanner cut short: refused in red with the reason; the counts stay.
    field.send_keys(&scanned(&["8123"])).await.unwrap();
    wait_for(
        &c,
        "var v = document.querySelector('#verdict .verdict'); return v ? v.className : null;",
        json!("verdict bad"),
    )
    .await;
    assert_eq!(
        js(&c, VERDICT).await,
        json!(["verdict bad", "✗ 4 位，应为 20 位"])
    );
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));
    // The same box again: refused by name; then the third box is taken.
    field.send_keys(&scanned(&[&codes[0][0]])).await.unwrap();
    wait_for(
        &c,
        "var v = document.querySelector('#verdict .verdict'); \
         return v ? v.textContent.indexOf('不能重复') >= 0 : null;",
        json!(true),
    )
    .await;
    assert_eq!(js(&c, VERDICT).await[0], "verdict bad");
    field.send_keys(&scanned(&[&codes[0][2]])).await.unwrap();
    wait_for(
        &c,
        "return [document.getElementById('total-scanned').textContent, \
         document.getElementById('scanned-1').textContent, \
         document.getElementById('scanned-1').className];",
        json!(["3", "3", "full"]),
    )
    .await;
    let verdict = js(&c, VERDICT).await;
    assert_eq!(verdict[0], "verdict ok");
    assert!(
        verdict[1].as_str().unwrap().ends_with("已扫 3 / 应扫 3"),
        "{verdict}"
    );
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));
    // All of it without a reload: the marker set at load is still there, the field empty.
    assert_eq!(js(&c, MARKED).await, json!("kept"));
    assert_eq!(c.current_url().await.unwrap(), page);
    assert_eq!(field.prop("value").await.unwrap().as_deref(), Some(""));
    // What the page showed is what the server holds.
    let id: i64 = page.path().rsplit('/').next().unwrap().parse().unwrap();
    let held = yiqiao_tracecode::store::dispense::get(&*app.t.db, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((held.lines[0].required, held.lines[0].scanned), (3, 3));

    // The demo pharmacist's account is linked to her HIS staff member, so her confirmation
    // queues the 3505 with that member's name and licence.
    c.find(Locator::XPath("//button[text()='确认发药']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::XPath("//h2[text()='部分退药']"))
        .await
        .unwrap();
    let staff = yiqiao_his::store::entities::staff::Entity::find_by_id("F001".to_owned())
        .one(&*app.t.db)
        .await
        .unwrap()
        .unwrap();
    let sale = yiqiao_store::outbox::list(&*app.t.db, None, Some("nhsa.3505"), 10)
        .await
        .unwrap();
    assert_eq!(sale.len(), 1);
    let q: yiqiao_tracecode::nhsa::Queued = serde_json::from_str(&sale[0].payload).unwrap();
    assert_eq!(q.opter, "F001");
    assert_eq!(q.input["selinfo"]["phar_name"], json!(staff.name));
    assert_eq!(
        q.input["selinfo"]["phar_prac_cert_no"],
        json!(staff.licence_no.unwrap())
    );
    c.close().await.unwrap();
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver; .ci/run runs it"]
async fn browser_ward_pda_page_scans_one_bed_without_reloading() {
    let (app, d, codes) = demo_with_stock(&["Y03"], 3).await;
    // A demo inpatient on the ward gets two boxes on a list of her own.
    let bed = ward_dispensing_line::Entity::find()
        .order_by_asc(ward_dispensing_line::Column::ListId)
        .one(&*app.t.db)
        .await
        .unwrap()
        .unwrap();
    yiqiao_his::store::upsert_value(
        &app.t.db,
        Kind::WardDispensing,
        "WDBROWSER1",
        &json!({"ward_code": "W01", "pharmacy_code": "Y03", "issued_at": "2026-11-02 09:30:00",
            "lines": [{"line_no": 1, "patient_id": bed.patient_id,
                "admission_no": bed.admission_no, "bed_no": bed.bed_no, "order_id": "YZBROWSER1",
                "order_kind": "long", "drug_code": d.code, "quantity": d.pack_size * 2,
                "ordering_doctor_code": bed.ordering_doctor_code}]}),
        &Actor::machine("his"),
        t0(),
    )
    .await
    .unwrap();

    let (_driver, c) = chromium().await;
    sign_in(&c, &app, "hushi").await;
    c.goto(&app.url("/tracecode/ward")).await.unwrap();
    c.find(Locator::Css("input[name=list_id]"))
        .await
        .unwrap()
        .send_keys(&scanned(&["WDBROWSER1"]))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("scan-code"))
        .await
        .unwrap();
    // The PDA opens the patient's bed.
    let bed_link = c
        .find(Locator::Css(&format!(
            "nav.beds a[href$='patient={}']",
            bed.patient_id
        )))
        .await
        .unwrap();
    bed_link.click().await.unwrap();
    c.wait()
        .for_element(Locator::Css("nav.beds a.here[href*='patient=']"))
        .await
        .unwrap();
    let page = c.current_url().await.unwrap();
    assert!(page.query().unwrap().contains("patient="), "{page}");
    let field = c.find(Locator::Id("scan-code")).await.unwrap();
    assert_eq!(js(&c, MARK).await, json!(true));
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));
    let count = format!(
        "return document.querySelector(\"[data-pt='{}']\").textContent;",
        bed.patient_id
    );
    assert_eq!(js(&c, &count).await, json!("0/2"));

    field.send_keys(&scanned(&[&codes[0][0]])).await.unwrap();
    wait_for(&c, &count, json!("1/2")).await;
    let verdict = js(&c, VERDICT).await;
    assert_eq!(verdict[0], "verdict ok", "{verdict}");
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));
    // A code of nothing received: refused in red, the bed's count unchanged.
    field
        .send_keys(&scanned(&["89999990000000000001"]))
        .await
        .unwrap();
    wait_for(
        &c,
        "var v = document.querySelector('#verdict .verdict'); return v ? v.className : null;",
        json!("verdict bad"),
    )
    .await;
    let verdict = js(&c, VERDICT).await;
    assert!(verdict[1].as_str().unwrap().starts_with("✗ "), "{verdict}");
    assert_eq!(js(&c, &count).await, json!("1/2"));
    field.send_keys(&scanned(&[&codes[0][1]])).await.unwrap();
    wait_for(&c, &count, json!("2/2")).await;
    assert_eq!(
        js(
            &c,
            "return document.getElementById('total-scanned').textContent;"
        )
        .await,
        json!("2")
    );
    assert_eq!(js(&c, FOCUSED).await, json!("scan-code"));
    assert_eq!(js(&c, MARKED).await, json!("kept"));
    assert_eq!(c.current_url().await.unwrap(), page);
    c.close().await.unwrap();
}
