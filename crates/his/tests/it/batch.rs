use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures;

fn line(kind: &str, id: &str, record: serde_json::Value) -> String {
    json!({"kind": kind, "id": id, "record": record}).to_string()
}

#[tokio::test]
async fn good_lines_are_stored_and_bad_ones_listed() {
    let s = crate::server().await;
    let mut bad_patient = fixtures::patient();
    bad_patient["id_no"] = json!("331002198506122011");
    let mut orphan_visit = fixtures::visit();
    orphan_visit["patient_id"] = json!("P9999");
    let body = [
        line("departments", "A50.01", fixtures::department()),
        line("staff", "D001", fixtures::staff()),
        line("patients", "P0002", bad_patient),
        line("patients", "P0001", fixtures::patient()),
        "{\"kind\": \"patients\", \"id\": ".to_owned(),
        String::new(),
        line("nurses", "N1", json!({})),
        json!({"kind": "drugs", "id": "X1", "record": fixtures::drug(), "extra": 1}).to_string(),
        line("visits", "V0001", fixtures::visit()),
        line("visits", "V0002", orphan_visit),
        line("departments", "A50.01", fixtures::department()),
    ]
    .join("\n");
    let (status, body) = s.batch(body).await;
    assert_eq!(status, StatusCode::MULTI_STATUS);
    insta::assert_json_snapshot!("batch_mixed", body);
    assert_eq!(body["stored"], 5);
    assert_eq!(body["created"], 4);
    assert_eq!(body["unchanged"], 1);
    let lines: Vec<i64> = body["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_i64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 5, 7, 8, 10]);
    assert_eq!(s.count("his_patient").await, 1);
    assert_eq!(s.count("his_visit").await, 1);
    assert_eq!(s.count("his_drug").await, 0);
}

#[tokio::test]
async fn an_all_good_batch_is_a_200_and_sending_it_again_changes_nothing() {
    let s = crate::server().await;
    let body: String = fixtures::all()
        .into_iter()
        .map(|f| line(f.kind, f.id, f.record) + "\r\n")
        .collect();
    let (status, res) = s.batch(body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{res}");
    assert_eq!(res["created"], 10);
    assert_eq!(res["rejected"], json!([]));
    let audit = s.audit_rows().await;
    let (status, res) = s.batch(body).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(res["unchanged"], 10);
    assert_eq!(s.audit_rows().await, audit);
}

#[tokio::test]
async fn an_empty_batch_is_a_400() {
    let s = crate::server().await;
    let (status, body) = s.batch("\n\n  \n".to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "EMPTY_BATCH");
}

#[tokio::test]
async fn a_line_that_is_not_utf8_is_refused_alone() {
    let s = crate::server().await;
    let mut body = line("departments", "A50.01", fixtures::department()).into_bytes();
    body.extend_from_slice(
        b"\n{\"kind\": \"departments\", \"id\": \"A1\", \"record\": {\"name\": \"\xff\"}}\n",
    );
    let res = s
        .http
        .post(s.url("/his/v1/batch"))
        .bearer_auth(&s.token)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::MULTI_STATUS);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["stored"], 1);
    assert_eq!(body["rejected"][0]["line"], 2);
    assert_eq!(body["rejected"][0]["code"], "MALFORMED_JSON");
}
