use std::time::Instant;

use yiqiao_his::demo::{self, DemoOptions};

#[tokio::test]
async fn the_demo_hospital_loads_and_loading_again_changes_nothing() {
    let t = crate::test_db().await;
    let icd = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/drg/zj-drg-2022/icd"
    ));
    let opts = DemoOptions {
        icd_dir: icd.exists().then(|| icd.to_path_buf()),
        ..DemoOptions::default()
    };
    let started = Instant::now();
    let summary = demo::load(&t.db, &opts, crate::now()).await.unwrap();
    let first = started.elapsed();
    eprintln!("demo load: {first:?} {summary:?}");
    assert_eq!(summary.patients, 3000);
    assert_eq!(summary.visits, 3000);
    assert!(summary.departments >= 25);
    assert_eq!(
        summary.created,
        summary.departments
            + summary.staff
            + summary.patients
            + summary.drugs
            + summary.visits
            + summary.charges
            + summary.prescriptions
            + summary.ward_dispensing
            + summary.inpatient_cases
    );
    let counts = yiqiao_his::stats::counts(t.db.conn()).await.unwrap();
    assert_eq!(counts[2], ("患者", 3000));
    assert_eq!(counts.len(), 10);

    let audit = yiqiao_store::audit::recent(t.db.conn(), None, 100_000)
        .await
        .unwrap()
        .len();
    let again = demo::load(&t.db, &opts, crate::now()).await.unwrap();
    eprintln!("demo reload: {:?}", started.elapsed() - first);
    assert_eq!(again.created, 0);
    assert_eq!(
        yiqiao_store::audit::recent(t.db.conn(), None, 100_000)
            .await
            .unwrap()
            .len(),
        audit
    );
}
