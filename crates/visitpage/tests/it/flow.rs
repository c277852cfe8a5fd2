//! The work flow on the database: draft edits, submission, amendments with reasons, the trail.

use yiqiao_store::audit::Actor;
use yiqiao_visitpage::store::{
    Edit, PageState, assemble_visit, edit_page, get_page, submit_page, trail,
};
use yiqiao_visitpage::{FeeItem, VisitPageError, check};

use super::assemble::{at, org};
use super::dicts;
use super::store::{db, his_visit, map_demo_categories};

#[tokio::test]
async fn a_submitted_page_changes_only_with_a_reason_and_every_change_is_in_the_trail() {
    let t = db().await;
    his_visit(&t).await;
    map_demo_categories(&t).await;
    let first = assemble_visit(&t.db, at(12, 0, 0), &org(), &dicts(), "V1")
        .await
        .unwrap();
    assert_eq!(first.error_count, 0);
    let bingan = Actor::person("bingan");

    // A draft is corrected without a reason; the change is recorded field by field.
    let mut p = first.page.clone();
    p.phone = Some("13900000001".into());
    let s = edit_page(
        &t.db,
        at(12, 5, 0),
        &bingan,
        &dicts(),
        "V1",
        Edit {
            revision: Some(first.revision),
            page: p.clone(),
            reason: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(s.state, PageState::Draft);
    assert_eq!(s.page.phone.as_deref(), Some("13900000001"));
    assert_eq!(s.revision, first.revision + 1);

    // Starting from an old revision is refused: someone else saved meanwhile.
    let stale = edit_page(
        &t.db,
        at(12, 6, 0),
        &bingan,
        &dicts(),
        "V1",
        Edit {
            revision: Some(first.revision),
            page: first.page.clone(),
            reason: None,
        },
    )
    .await;
    assert!(matches!(stale, Err(VisitPageError::Stale(_))), "{stale:?}");

    submit_page(&t.db, at(12, 10, 0), &bingan, "V1")
        .await
        .unwrap();

    // Submitted: the same change without a reason is refused and nothing changes.
    let mut amended = s.page.clone();
    amended.fees.set(FeeItem::GeneralService, 2000);
    amended.fees.set(FeeItem::Other, 500);
    for reason in [None, Some("   ".to_string())] {
        let r = edit_page(
            &t.db,
            at(12, 20, 0),
            &bingan,
            &dicts(),
            "V1",
            Edit {
                revision: None,
                page: amended.clone(),
                reason,
            },
        )
        .await;
        assert!(matches!(r, Err(VisitPageError::NeedsReason(_))), "{r:?}");
    }
    let still = get_page(t.db.conn(), "V1").await.unwrap().unwrap();
    assert_eq!(still.page, s.page);
    assert_eq!(still.state, PageState::Submitted);

    // An amendment may not leave errors: the total no longer adds up.
    let mut broken = amended.clone();
    broken.fees.set(FeeItem::Other, 400);
    let r = edit_page(
        &t.db,
        at(12, 21, 0),
        &bingan,
        &dicts(),
        "V1",
        Edit {
            revision: None,
            page: broken,
            reason: Some("拆分诊查费".into()),
        },
    )
    .await;
    match r {
        Err(VisitPageError::AmendmentHasErrors(list)) => {
            assert!(list.iter().any(|m| m.starts_with("VP-R23")), "{list:?}");
        }
        other => panic!("{other:?}"),
    }

    // With a reason and to the 分: amended, still locked.
    let s2 = edit_page(
        &t.db,
        at(12, 30, 0),
        &bingan,
        &dicts(),
        "V1",
        Edit {
            revision: None,
            page: amended.clone(),
            reason: Some("诊查费中 5 元为病历本工本费，归入其他费".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(s2.state, PageState::Amended);
    assert_eq!(check(&s2.page, &dicts()), vec![]);
    assert_eq!(s2.page.fees.items_sum(), s2.page.fees.total);
    // Reassembly from HIS leaves the amended page alone.
    let again = assemble_visit(&t.db, at(13, 0, 0), &org(), &dicts(), "V1").await;
    assert!(
        matches!(again, Err(VisitPageError::Submitted(_))),
        "{again:?}"
    );

    // The trail, newest first: amend, submit, edit, assemble — with who, why, from what to what.
    let tr = trail(t.db.conn(), "V1").await.unwrap();
    let actions: Vec<&str> = tr.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "visitpage.amend",
            "visitpage.submit",
            "visitpage.edit",
            "visitpage.assemble"
        ]
    );
    let amend = &tr[0];
    assert_eq!(amend.actor, "bingan");
    assert_eq!(
        amend.reason.as_deref(),
        Some("诊查费中 5 元为病历本工本费，归入其他费")
    );
    let fields: Vec<(&str, String, String)> = amend
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.before.to_string(), c.after.to_string()))
        .collect();
    assert_eq!(
        fields,
        [
            ("fees.general_service", "2500".into(), "2000".into()),
            ("fees.other", "0".into(), "500".into()),
        ]
    );
    let edit = &tr[2];
    assert_eq!(edit.changes.len(), 1);
    assert_eq!(edit.changes[0].field, "phone");
    assert_eq!(edit.changes[0].before, serde_json::json!("13800000000"));
    // The audit chain holds.
    assert!(
        yiqiao_store::audit::verify(t.db.conn())
            .await
            .unwrap()
            .is_intact()
    );
}

#[tokio::test]
async fn an_edit_that_changes_nothing_writes_nothing() {
    let t = db().await;
    his_visit(&t).await;
    map_demo_categories(&t).await;
    let s = assemble_visit(&t.db, at(12, 0, 0), &org(), &dicts(), "V1")
        .await
        .unwrap();
    let same = edit_page(
        &t.db,
        at(12, 5, 0),
        &Actor::person("x"),
        &dicts(),
        "V1",
        Edit {
            revision: None,
            page: s.page.clone(),
            reason: Some("无".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(same.revision, s.revision);
    assert_eq!(trail(t.db.conn(), "V1").await.unwrap().len(), 1);
    let none = edit_page(
        &t.db,
        at(12, 5, 0),
        &Actor::person("x"),
        &dicts(),
        "NOPE",
        Edit {
            revision: None,
            page: s.page,
            reason: None,
        },
    )
    .await;
    assert!(matches!(none, Err(VisitPageError::NoPage(_))), "{none:?}");
}
