//! A migrated database with a few HIS drugs.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::json;
use yiqiao_his::domain::Kind;
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

pub fn all_migrations() -> Vec<yiqiao_store::Migration> {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_tracecode::migrations());
    m
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 2, 0, 0).unwrap()
}

pub fn his() -> Actor {
    Actor::machine("his")
}

/// The drug-store keeper, whose account is linked to HIS staff member YK01 (a pharmacist with
/// her 执业资格证号 once [`crate::dispense::hospital`] has put her on the staff list).
pub fn keeper() -> Actor {
    Actor::person("yaoku01").with_his_staff(Some("YK01".into()))
}

/// Drugs D1 阿莫西林胶囊 (24 粒 a box), D2 布洛芬缓释胶囊 (20 粒), H1 黄芪 (herbal).
pub async fn db_with_drugs() -> TestDb {
    let t = TestDb::new(&all_migrations()).await.unwrap();
    for (code, name, category, size) in [
        ("D1", "阿莫西林胶囊", "western", 24),
        ("D2", "布洛芬缓释胶囊", "western", 20),
        ("H1", "黄芪", "herbal", 1),
    ] {
        let drug = json!({"generic_name": name, "category": category, "spec": "规格",
            "form": "胶囊剂", "manufacturer": "某药业有限公司", "approval_no": "国药准字H00000000",
            "nhsa_code": format!("X{code}"), "rx": true, "unit": "粒", "pack_unit": "盒",
            "pack_size": size, "price": 10});
        yiqiao_his::store::upsert_value(&t.db, Kind::Drug, code, &drug, &his(), now())
            .await
            .unwrap();
    }
    t
}
