//! The figures: collection rate by department, day and drug; uncollected lines; refused scans
//! by reason; duplicates caught — from what the windows actually did.

use chrono::NaiveDate;
use yiqiao_tracecode::domain::split::SplitPolicy;
use yiqiao_tracecode::domain::ward::WardUpload;
use yiqiao_tracecode::store::dispense as dp;
use yiqiao_tracecode::store::figures;
use yiqiao_tracecode::store::ward as wd;

use crate::dispense::code;
use crate::fixtures::{keeper, now};
use crate::ward::ward;

#[tokio::test]
async fn the_figures_count_scans_uncollected_lines_refusals_and_duplicates() {
    let t = ward(6).await;
    let db = &t.db;
    let k = keeper();
    // Outpatient RX2 (2 boxes): one scanned, one uncollected; a duplicate caught on the way.
    let d = dp::open(db, "RX2", &k, now()).await.unwrap();
    dp::scan(db, d.id, &code(1), &k, now()).await.unwrap();
    assert!(dp::scan(db, d.id, &code(1), &k, now()).await.is_err());
    assert!(dp::scan(db, d.id, &code(7777), &k, now()).await.is_err());
    dp::mark_uncollected(db, d.id, 1, "标签破损", &k, now())
        .await
        .unwrap();
    dp::confirm(db, SplitPolicy::NoCode, d.id, &k, now())
        .await
        .unwrap();
    // The ward list (3 boxes) scanned in full; the nurse tries a code already dispensed.
    let w = wd::open(db, "WD1", &k, now()).await.unwrap();
    for i in 2..=4 {
        wd::scan(db, w.id, &code(i), None, &k, now()).await.unwrap();
    }
    assert!(wd::scan(db, w.id, &code(1), None, &k, now()).await.is_err());
    assert!(wd::scan(db, w.id, "8123", None, &k, now()).await.is_err());
    wd::confirm(
        db,
        w.id,
        WardUpload::Dispensing,
        SplitPolicy::NoCode,
        &k,
        now(),
    )
    .await
    .unwrap();

    let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let f = figures::figures(&**db, day, day, None).await.unwrap();
    assert_eq!(
        (f.required, f.scanned, f.percent()),
        (5, 4, "80.0%".to_owned())
    );
    let rows: Vec<(&str, &str, i64, i64)> = f
        .by_day
        .iter()
        .map(|r| (r.key.as_str(), r.day.as_str(), r.required, r.scanned))
        .collect();
    assert_eq!(
        rows,
        [("W01", "2026-11-29", 3, 3), ("YF01", "2026-11-29", 2, 1)]
    );
    assert_eq!(f.by_day[1].name, "门诊西药房");
    assert_eq!(f.by_drug.len(), 2);
    assert_eq!(
        (f.by_drug[0].key.as_str(), f.by_drug[0].required),
        ("D1", 5)
    );
    assert_eq!(f.dispenses_with_uncollected, 1);
    assert_eq!(f.uncollected.len(), 1);
    assert_eq!(f.uncollected[0].reason, "标签破损");
    assert_eq!(f.uncollected[0].document, "处方 RX2");
    assert_eq!(f.refused, 4);
    let reasons: Vec<(&str, i64)> = f
        .refusals
        .iter()
        .map(|r| (r.reason.as_str(), r.count))
        .collect();
    assert_eq!(
        reasons,
        [
            ("ALREADY_DISPENSED", 2),
            ("CODE_LENGTH", 1),
            ("NEVER_RECEIVED", 1)
        ]
    );
    assert_eq!(f.duplicates_caught, 2);
    assert_eq!(f.duplicates[0].flow, "ward");
    assert_eq!(f.duplicates[0].dept, "W01");
    // One department, and a period without anything.
    let yf = figures::figures(&**db, day, day, Some("YF01"))
        .await
        .unwrap();
    assert_eq!((yf.required, yf.scanned, yf.refused), (2, 1, 2));
    let before = day.pred_opt().unwrap();
    let none = figures::figures(&**db, before, before, None).await.unwrap();
    assert_eq!(
        (none.required, none.refused, none.percent()),
        (0, 0, "—".to_owned())
    );
}
