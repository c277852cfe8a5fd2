use reqwest::StatusCode;
use serde_json::json;

use crate::fixtures;

async fn nothing_written(s: &crate::Server) {
    assert_eq!(s.count("his_patient").await, 0);
    assert_eq!(s.count("his_visit").await, 0);
    // The only audit row is the client's creation.
    assert_eq!(s.audit_rows().await, 1);
}

#[tokio::test]
async fn no_token_wrong_token_and_cookies_are_unauthenticated() {
    let s = crate::server().await;
    let url = s.url("/his/v1/patients/P0001");
    let cases = [
        s.http.put(&url).json(&fixtures::patient()),
        s.http
            .put(&url)
            .bearer_auth("yqhis_0000")
            .json(&fixtures::patient()),
        s.http
            .put(&url)
            .header("authorization", format!("Basic {}", s.token))
            .json(&fixtures::patient()),
        s.http
            .put(&url)
            .header("authorization", "Bearer")
            .json(&fixtures::patient()),
        s.http
            .put(&url)
            .header("cookie", format!("yiqiao_session={}", s.token))
            .json(&fixtures::patient()),
        s.http.get(&url),
        s.http.post(s.url("/his/v1/batch")).body("{}"),
    ];
    let mut bodies = Vec::new();
    for req in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["code"], "UNAUTHENTICATED");
        bodies.push(body);
    }
    insta::assert_json_snapshot!("unauthenticated", bodies[0]);
    insta::assert_json_snapshot!("wrong_token", bodies[1]);
    nothing_written(&s).await;
}

#[tokio::test]
async fn a_revoked_token_stops_working() {
    let s = crate::server().await;
    let (status, _) = s
        .put("departments", "A50.01", &fixtures::department())
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let list = yiqiao_his::clients::list(s.db.conn()).await.unwrap();
    yiqiao_his::clients::revoke(
        s.db.conn(),
        list[0].id,
        &yiqiao_store::audit::Actor::person("admin"),
        crate::now(),
    )
    .await
    .unwrap();
    let (status, body) = s
        .put("departments", "A50.01", &fixtures::department())
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["message"], "令牌无效或已被吊销");
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_place() {
    let s = crate::server().await;
    let (status, body) = s
        .put_raw("patients", "P0001", "{\"name\": \"王\",}".to_owned())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "MALFORMED_JSON");
    insta::assert_json_snapshot!("malformed_json", body);
    let (status, body) = s
        .put_raw("patients", "P0001", "{\"name\": ".to_owned())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("不完整"),
        "{body}"
    );
    let (status, body) = s.put_raw("patients", "P0001", String::new()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "请求体不是合法的 JSON：请求体为空");
    let (status, body) = s.put_raw("patients", "P0001", "[1, 2]".to_owned()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["message"], "应为 JSON 对象，实为数组");
    nothing_written(&s).await;
}

#[tokio::test]
async fn unknown_fields_wrong_types_bad_ids_and_codes_are_each_named() {
    let s = crate::server().await;
    let mut p = fixtures::patient();
    p["nickname"] = json!("小明");
    p["sex"] = json!(1);
    p["id_no"] = json!("331002198506122013");
    p["ethnicity"] = json!("99");
    p["birth_date"] = json!("1985-02-30");
    p["address"]["zip"] = json!("318000");
    let (status, body) = s.put("patients", "P0001", &p).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "BAD_FIELD");
    insta::assert_json_snapshot!("bad_patient", body);
    nothing_written(&s).await;
}

#[tokio::test]
async fn a_missing_reference_is_named() {
    let s = crate::server().await;
    s.put("departments", "A50.01", &fixtures::department())
        .await;
    s.put("staff", "D001", &fixtures::staff()).await;
    let mut v = fixtures::visit();
    v["patient_id"] = json!("P123");
    let (status, body) = s.put("visits", "V0001", &v).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["fields"],
        json!([{"field": "visits.patient_id", "message": "患者 P123 不存在，请先推送患者"}])
    );
    assert_eq!(s.count("his_visit").await, 0);
    assert_eq!(s.count("his_visit_diagnosis").await, 0);

    // A prescription's patient must be its visit's patient.
    s.put("patients", "P0001", &fixtures::patient()).await;
    let mut other = fixtures::patient();
    other["id_no"] = json!("E1234567");
    other["id_type"] = json!("6");
    s.put("patients", "P0002", &other).await;
    s.put("drugs", "X0001", &fixtures::drug()).await;
    let (status, body) = s.put("visits", "V0001", &fixtures::visit()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut rx = fixtures::prescription();
    rx["patient_id"] = json!("P0002");
    rx["lines"][0]["drug_code"] = json!("X0404");
    let (status, body) = s.put("prescriptions", "RX0001", &rx).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["fields"],
        json!([{"field": "prescriptions.lines[0].drug_code", "message": "药品 X0404 不存在，请先推送药品"}])
    );
    rx["lines"][0]["drug_code"] = json!("X0001");
    let (_, body) = s.put("prescriptions", "RX0001", &rx).await;
    assert_eq!(
        body["fields"][0]["message"],
        "患者 P0002 与就诊 V0001 的患者 P0001 不一致"
    );
    assert_eq!(s.count("his_prescription").await, 0);

    // A ward line's ordering doctor (开嘱医生) must be on the staff list.
    s.put("departments", "W01", &fixtures::ward()).await;
    let mut wd = fixtures::ward_dispensing();
    wd["lines"][1]["ordering_doctor_code"] = json!("D404");
    let (status, body) = s.put("ward-dispensing", "WD1", &wd).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["fields"],
        json!([{"field": "ward-dispensing.lines[1].ordering_doctor_code",
            "message": "人员 D404 不存在，请先推送人员"}])
    );
    assert_eq!(s.count("his_ward_dispensing_line").await, 0);
    wd["lines"][1]["ordering_doctor_code"] = json!("D001");
    let (status, body) = s.put("ward-dispensing", "WD1", &wd).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, got) = s.get("ward-dispensing", "WD1").await;
    assert_eq!(got["record"]["lines"][1]["ordering_doctor_code"], "D001");
}

#[tokio::test]
async fn rule_refusals() {
    let s = crate::server().await;
    for f in fixtures::all().into_iter().take(5) {
        s.put(f.kind, f.id, &f.record).await;
    }
    // Negative amounts, self-paid above the amount, duplicate line numbers, insurance
    // without mdtrt_id, discharge before admission.
    let mut c = fixtures::charge();
    c["amount"] = json!(-1);
    let (status, body) = s.put("charges", "C1", &c).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["message"], "不能为负数，实为 -1 分");
    let mut c = fixtures::charge();
    c["self_paid"] = json!(5000);
    let (_, body) = s.put("charges", "C1", &c).await;
    assert_eq!(
        body["fields"][0]["message"],
        "自付金额 5000 分大于金额 4000 分"
    );
    let mut rx = fixtures::prescription();
    rx["lines"] = json!([{"line_no": 1, "drug_code": "X0001", "quantity": 1},
                         {"line_no": 1, "drug_code": "X0001", "quantity": 2}]);
    rx["mdtrt_id"] = json!(null);
    let (_, body) = s.put("prescriptions", "RX1", &rx).await;
    insta::assert_json_snapshot!("bad_prescription", body);
    let mut ic = fixtures::inpatient_case();
    ic["discharged_at"] = json!("2026-03-01 09:00:00");
    ic["age"] = json!(151);
    let (_, body) = s.put("inpatient-cases", "IC1", &ic).await;
    assert_eq!(
        body["fields"],
        json!([
            {"field": "inpatient-cases.age", "message": "应不大于 150 岁，实为 151 岁"},
            {"field": "inpatient-cases.discharged_at", "message": "出院时间早于入院时间"}
        ])
    );
    assert_eq!(s.count("his_charge").await, 0);
}

#[tokio::test]
async fn a_bad_id_in_the_path_is_refused() {
    let s = crate::server().await;
    let long = "x".repeat(65);
    let (status, body) = s.put("departments", &long, &fixtures::department()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["field"], "departments.id");
    let (status, body) = s.put("departments", "A%20B", &fixtures::department()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = s.put("departments", "A%FF", &fixtures::department()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["code"], "BAD_FIELD");
    let (status, body) = s.get("patients", "P404").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        json!({"code": "NOT_FOUND", "message": "患者 P404 不存在"})
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413() {
    let s = crate::server().await;
    let mut p = fixtures::patient();
    p["allergy_drugs"] = json!("青".repeat(yiqiao_his::api::RECORD_LIMIT / 3 + 10));
    let (status, body) = s.put("patients", "P0001", &p).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(body["code"], "BODY_TOO_LARGE");
    insta::assert_json_snapshot!("too_large", body);
    // Just under the limit, the record is read and refused for its field's length.
    p["allergy_drugs"] = json!("青".repeat(1000));
    let (status, body) = s.put("patients", "P0001", &p).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["fields"][0]["message"],
        "长度 1000 超过上限 200 个字符"
    );
    nothing_written(&s).await;
}
