use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::fixtures;

/// A record as GET gives it back: the JSON sent, with absent optionals as null. Compares
/// `sent` field by field against `got`, treating missing keys as null.
fn assert_same(sent: &Value, got: &Value, path: &str) {
    match (sent, got) {
        (Value::Object(s), Value::Object(g)) => {
            for (k, v) in g {
                assert_same(s.get(k).unwrap_or(&Value::Null), v, &format!("{path}.{k}"));
            }
            for k in s.keys() {
                assert!(
                    g.contains_key(k),
                    "{path}.{k} missing from the stored record"
                );
            }
        }
        (Value::Array(s), Value::Array(g)) => {
            assert_eq!(s.len(), g.len(), "{path}");
            for (i, (a, b)) in s.iter().zip(g).enumerate() {
                assert_same(a, b, &format!("{path}[{i}]"));
            }
        }
        (Value::Null, Value::Bool(b)) => {
            // Booleans that may be left out: `active` defaults to true, the rest to false.
            assert!(path.ends_with(".active") == *b, "{path}: {b}");
        }
        (s, g) => assert_eq!(s, g, "{path}"),
    }
}

#[tokio::test]
async fn every_kind_is_created_then_unchanged_then_updated() {
    let s = crate::server().await;
    for f in fixtures::all() {
        let audit_before = s.audit_rows().await;
        let (status, body) = s.put(f.kind, f.id, &f.record).await;
        assert_eq!(status, StatusCode::CREATED, "{} {}: {body}", f.kind, f.id);
        assert_eq!(body, json!({"id": f.id, "outcome": "created"}));
        assert_eq!(s.audit_rows().await, audit_before + 1, "{}", f.kind);

        // The same record again: nothing written, no audit row.
        let (status, body) = s.put(f.kind, f.id, &f.record).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["outcome"], "unchanged", "{}", f.kind);
        assert_eq!(s.audit_rows().await, audit_before + 1, "{}", f.kind);

        let (status, got) = s.get(f.kind, f.id).await;
        assert_eq!(status, StatusCode::OK);
        assert_same(&f.record, &got["record"], f.kind);

        // What GET gives back can be sent again unchanged.
        let (_, body) = s.put(f.kind, f.id, &got["record"]).await;
        assert_eq!(body["outcome"], "unchanged", "{} round trip", f.kind);

        let (status, body) = s.put(f.kind, f.id, &f.changed).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", f.kind);
        assert_eq!(body["outcome"], "updated", "{}", f.kind);
        assert_eq!(s.audit_rows().await, audit_before + 2, "{}", f.kind);
        let (_, got) = s.get(f.kind, f.id).await;
        assert_same(&f.changed, &got["record"], f.kind);

        let rows = yiqiao_store::audit::recent(s.db.conn(), None, 1)
            .await
            .unwrap();
        let row = &rows[0];
        assert_eq!(row.actor, "his-main");
        assert_eq!(row.actor_kind, "machine");
        assert!(row.action.starts_with("his.") && row.action.ends_with(".upsert"));
        assert_eq!(row.entity_id, f.id);
        assert!(row.before.is_some() && row.after.is_some());
    }
    assert!(
        yiqiao_store::audit::verify(s.db.conn())
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn child_rows_are_replaced_not_added() {
    let s = crate::server().await;
    for f in fixtures::all() {
        let (status, body) = s.put(f.kind, f.id, &f.record).await;
        assert!(status.is_success(), "{body}");
    }
    assert_eq!(s.count("his_visit_diagnosis").await, 3);
    assert_eq!(s.count("his_visit_procedure").await, 1);
    assert_eq!(s.count("his_prescription_line").await, 1);
    for f in fixtures::all() {
        s.put(f.kind, f.id, &f.changed).await;
    }
    assert_eq!(s.count("his_visit_diagnosis").await, 4);
    assert_eq!(s.count("his_visit_procedure").await, 0);
    assert_eq!(s.count("his_prescription_line").await, 2);
    assert_eq!(s.count("his_ward_dispensing_line").await, 2);
    assert_eq!(s.count("his_case_diagnosis").await, 2);
}

#[tokio::test]
async fn typical_responses() {
    let s = crate::server().await;
    let mut created = Vec::new();
    for f in fixtures::all() {
        created.push(s.put(f.kind, f.id, &f.record).await.1);
    }
    insta::assert_json_snapshot!("upsert_created", created[3]);
    let (_, got) = s.get("patients", "P0001").await;
    insta::assert_json_snapshot!("get_patient", got, {".created_at" => "[time]", ".updated_at" => "[time]"});
    let (_, got) = s.get("visits", "V0001").await;
    insta::assert_json_snapshot!("get_visit", got, {".created_at" => "[time]", ".updated_at" => "[time]"});
    let (_, got) = s.get("inpatient-cases", "IC0001").await;
    insta::assert_json_snapshot!("get_inpatient_case", got, {".created_at" => "[time]", ".updated_at" => "[time]"});
}

#[tokio::test]
async fn concurrent_first_sends_of_one_record_store_it_once() {
    let s = crate::server().await;
    s.put("departments", "A50.01", &fixtures::department())
        .await;
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let http = s.http.clone();
        let url = s.url("/his/v1/staff/D009");
        let token = s.token.clone();
        tasks.push(tokio::spawn(async move {
            let res = http
                .put(url)
                .bearer_auth(token)
                .json(&fixtures::staff())
                .send()
                .await
                .unwrap();
            let status = res.status();
            let body: Value = res.json().await.unwrap();
            (
                status,
                body["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, outcome) = t.await.unwrap();
        assert!(status.is_success(), "{status}");
        if outcome == "created" {
            created += 1;
        } else {
            assert_eq!(outcome, "unchanged");
        }
    }
    assert_eq!(created, 1);
    assert_eq!(s.count("his_staff").await, 1);
}

#[tokio::test]
async fn concurrent_updates_of_one_record_each_audit_what_they_replaced() {
    let s = crate::server().await;
    s.put("patients", "P0001", &fixtures::patient()).await;
    let mut tasks = Vec::new();
    for i in 0..8 {
        let http = s.http.clone();
        let url = s.url("/his/v1/patients/P0001");
        let token = s.token.clone();
        let mut p = fixtures::patient();
        p["phone"] = json!(format!("1380000000{i}"));
        tasks.push(tokio::spawn(async move {
            let res = http
                .put(url)
                .bearer_auth(token)
                .json(&p)
                .send()
                .await
                .unwrap();
            assert!(res.status().is_success());
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let mut rows = yiqiao_store::audit::recent(s.db.conn(), Some(("patient", "P0001")), 100)
        .await
        .unwrap();
    rows.reverse();
    assert_eq!(rows.len(), 9);
    for pair in rows.windows(2) {
        assert_eq!(pair[1].before, pair[0].after, "seq {}", pair[1].seq);
    }
}
