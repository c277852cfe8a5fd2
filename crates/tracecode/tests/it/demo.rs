//! The demo's trace data over a small demo catalogue.

use yiqiao_his::demo::DemoOptions;
use yiqiao_store::testing::TestDb;
use yiqiao_tracecode::TraceCode;
use yiqiao_tracecode::demo::{demo_case_prefix, demo_prefix};
use yiqiao_tracecode::store::catalogue::{self as cat, DrugFilter};

use crate::fixtures::{all_migrations, now};

#[tokio::test]
async fn every_demo_drug_is_mapped_or_exempt() {
    let t = TestDb::new(&all_migrations()).await.unwrap();
    let opts = DemoOptions {
        patients: 20,
        doctors: 5,
        drugs: 40,
        visits: 10,
        inpatients: 2,
        ward_days: 1,
        inpatient_cases: 2,
        ..Default::default()
    };
    yiqiao_his::demo::load(&t.db, &opts, now()).await.unwrap();
    let s = yiqiao_tracecode::demo::load(&t.db, now()).await.unwrap();
    let drugs = cat::list_drugs(&*t.db, "", DrugFilter::All, 500)
        .await
        .unwrap();
    assert_eq!(s.mapped + s.exempt, drugs.len());
    assert!(s.mapped > 0);
    let unmapped = cat::list_drugs(&*t.db, "", DrugFilter::Unmapped, 500)
        .await
        .unwrap();
    assert!(unmapped.is_empty(), "{unmapped:?}");
    // A box and a case of the first coded drug are identified, at their levels.
    let (i, first) = drugs
        .iter()
        .enumerate()
        .find(|(_, d)| d.policy == "scan")
        .unwrap();
    let boxed = TraceCode::parse(&format!("{}0000000000001", demo_prefix(i))).unwrap();
    let hit = cat::identify(&*t.db, &boxed).await.unwrap().unwrap();
    assert_eq!(
        (hit.drug_code.as_str(), hit.level.as_str()),
        (first.code.as_str(), "smallest")
    );
    assert_eq!(hit.units, first.pack_size);
    let case = TraceCode::parse(&format!("{}0000000000001", demo_case_prefix(i))).unwrap();
    let hit = cat::identify(&*t.db, &case).await.unwrap().unwrap();
    assert_eq!(hit.level, "case");
}
