//! Versions imported into the database group exactly like the folders they came from, on
//! SQLite and on PostgreSQL (the suite runs on each).

use chrono::{TimeZone, Utc};
use yiqiao_drg::domain::CaseText;
use yiqiao_drg::store::{self, StoreError};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;

use crate::queue::migrations;
use crate::{data_dir, version};

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 8, 0, 0).unwrap()
}

/// Every reference case of `name` (public and input30) grouped by both versions: same result,
/// same explanation.
fn same_on_every_case(name: &str, from_db: &yiqiao_drg::Version) -> usize {
    let from_folder = version(name);
    let mut n = 0;
    for set in ["public", "input30"] {
        let text =
            std::fs::read_to_string(data_dir().join(format!("cases/{name}-{set}.csv"))).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
        for line in lines.filter(|l| !l.is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            let case = CaseText {
                index: f[col("Index")],
                gender: f[col("gender")],
                age: f[col("age")],
                age_day: f[col("ageDay")],
                weight: f[col("weight")],
                dept: f[col("dept")],
                in_hospital_time: f[col("inHospitalTime")],
                leaving_type: f[col("leavingType")],
                diagnoses: f[col("ICD10_DRGS")],
                procedures: f[col("ICD9_DRGS")],
            }
            .parse()
            .unwrap();
            let a = from_db.explain(&case);
            let b = from_folder.explain(&case);
            assert_eq!(a.grouping, b.grouping, "{name} case {}", case.id);
            assert_eq!(a.trace, b.trace, "{name} case {}", case.id);
            assert_eq!(
                a.grouping.drg,
                f[col("expected_drg")],
                "{name} case {}",
                case.id
            );
            n += 1;
        }
    }
    n
}

#[tokio::test]
async fn imported_versions_group_like_their_folders() {
    let t = TestDb::new(&migrations()).await.unwrap();
    let actor = Actor::system("test");
    for name in ["zj-drg-2022", "chs-drg-1.1"] {
        let stored = store::import_folder(&t.db, &data_dir(), Some(name), &actor, now())
            .await
            .unwrap();
        assert_eq!(stored.name, name);
        assert_eq!(
            stored.drg_count,
            i64::try_from(version(name).drg_count()).unwrap()
        );
    }
    let listed = store::list(&*t.db).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["chs-drg-1.1", "zj-drg-2022"]);
    assert_eq!(listed[1].drg_count, 1006);
    assert_eq!(listed[1].imported_at, now());

    for name in ["zj-drg-2022", "chs-drg-1.1"] {
        // The stored text is byte for byte the folder's.
        let files = store::files(&*t.db, name).await.unwrap();
        let on_disk = yiqiao_drg::tables::read_files(&data_dir().join(name)).unwrap();
        assert!(
            files == on_disk,
            "{name}: stored files differ from the folder"
        );
        let from_db = store::load(&*t.db, name).await.unwrap();
        assert_eq!(from_db.name(), name);
        assert_eq!(same_on_every_case(name, &from_db), 2030);
    }
}

#[tokio::test]
async fn a_second_import_replaces_the_first_and_is_audited() {
    let t = TestDb::new(&migrations()).await.unwrap();
    let dir = data_dir().join("zj-drg-2022");
    store::import_folder(&t.db, &dir, None, &Actor::system("first"), now())
        .await
        .unwrap();
    let later = now() + chrono::Duration::days(30);
    store::import_folder(&t.db, &dir, None, &Actor::person("coder"), later)
        .await
        .unwrap();
    let listed = store::list(&*t.db).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].imported_at, later);
    assert_eq!(listed[0].imported_by, "coder");
    assert!(store::load(&*t.db, "zj-drg-2022").await.is_ok());
    let audits = yiqiao_store::audit::verify(&*t.db).await.unwrap();
    assert!(audits.is_intact(), "{:?}", audits.problems);
    assert_eq!(audits.rows, 2);
}

#[tokio::test]
async fn a_version_not_imported_or_not_the_one_named_is_refused() {
    let t = TestDb::new(&migrations()).await.unwrap();
    let err = store::load(&*t.db, "zj-drg-2022").await.unwrap_err();
    assert!(matches!(err, StoreError::NotImported(ref n) if n == "zj-drg-2022"));
    assert!(err.to_string().contains("yiqiao drg import"));

    let err = store::import_folder(
        &t.db,
        &data_dir().join("chs-drg-1.1"),
        Some("zj-drg-2022"),
        &Actor::system("test"),
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::WrongVersion { .. }), "{err}");
    let err = store::import_folder(
        &t.db,
        &data_dir(),
        Some("no-such-version"),
        &Actor::system("test"),
        now(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::Load(_)), "{err}");
    // Nothing half-written.
    assert!(store::list(&*t.db).await.unwrap().is_empty());
}
