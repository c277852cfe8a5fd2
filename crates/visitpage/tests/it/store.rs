//! Pages and the fee mapping in the database (SQLite, or PostgreSQL with
//! `YIQIAO_TEST_DATABASE_URL`).

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, PaginatorTrait};
use yiqiao_store::audit::Actor;
use yiqiao_store::testing::TestDb;
use yiqiao_visitpage::domain::assemble::{FeeMapping, FeeTarget};
use yiqiao_visitpage::store::{
    MappingKey, PageState, assemble_visit, get_page, load_fee_mapping, save_fee_mapping,
    submit_page,
};
use yiqiao_visitpage::{FeeItem, VisitPageError, check};

use super::assemble::{at, charge, department, doctor, drug, dx, org, patient, visit};
use super::dicts;

pub async fn db() -> TestDb {
    let mut m = yiqiao_store::migrations();
    m.extend(yiqiao_his::migrations());
    m.extend(yiqiao_visitpage::migrations());
    TestDb::new(&m).await.unwrap()
}

pub async fn his_visit(t: &TestDb) {
    let c = t.db.conn();
    department().into_active_model().insert(c).await.unwrap();
    doctor().into_active_model().insert(c).await.unwrap();
    patient().into_active_model().insert(c).await.unwrap();
    drug("AMOX", true)
        .into_active_model()
        .insert(c)
        .await
        .unwrap();
    visit().into_active_model().insert(c).await.unwrap();
    for d in [
        dx("western", 0, "J06.900", "急性上呼吸道感染"),
        dx("tcm_disease", 0, "A01.01.01.01.", "感冒"),
        dx("tcm_syndrome", 0, "B01.01.01.01.01.", "风寒束表证"),
    ] {
        d.into_active_model().insert(c).await.unwrap();
    }
    for ch in [
        charge("C1", "110200001", "09", 2500, None),
        charge("C2", "X002", "01", 1000, Some("AMOX")),
        charge("C3", "T001", "13", 3000, None),
    ] {
        ch.into_active_model().insert(c).await.unwrap();
    }
}

pub async fn map_demo_categories(t: &TestDb) {
    let admin = Actor::person("病案室");
    for (cat, item) in [
        ("09", FeeItem::GeneralService),
        ("01", FeeItem::WesternMedicine),
        ("13", FeeItem::TcmTreatment),
    ] {
        save_fee_mapping(
            &t.db,
            at(7, 0, 0),
            &admin,
            &MappingKey::Category(cat.into()),
            FeeTarget::item(item).unwrap(),
        )
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn the_fee_mapping_is_stored_overwritten_and_read_back() {
    let t = db().await;
    let admin = Actor::person("病案室");
    let key = MappingKey::Category("08".into());
    save_fee_mapping(
        &t.db,
        at(7, 0, 0),
        &admin,
        &key,
        FeeTarget::item(FeeItem::Surgical).unwrap(),
    )
    .await
    .unwrap();
    let target = FeeTarget::new(FeeItem::Surgical, Some(FeeItem::Operation)).unwrap();
    save_fee_mapping(&t.db, at(7, 1, 0), &admin, &key, target)
        .await
        .unwrap();
    save_fee_mapping(
        &t.db,
        at(7, 2, 0),
        &admin,
        &MappingKey::Item("330000009".into()),
        FeeTarget::new(FeeItem::Surgical, Some(FeeItem::Anesthesia)).unwrap(),
    )
    .await
    .unwrap();
    let m = load_fee_mapping(t.db.conn()).await.unwrap();
    let mut want = FeeMapping::new();
    want.set_category("08", target);
    want.set_item(
        "330000009",
        FeeTarget::new(FeeItem::Surgical, Some(FeeItem::Anesthesia)).unwrap(),
    );
    assert_eq!(m, want);
    // Every change is in the audit chain.
    assert_eq!(
        yiqiao_store::audit::verify(t.db.conn()).await.unwrap().rows,
        3
    );
}

#[tokio::test]
async fn a_his_visit_is_assembled_stored_reassembled_and_locked_on_submission() {
    let t = db().await;
    his_visit(&t).await;
    map_demo_categories(&t).await;
    let s = assemble_visit(&t.db, at(12, 0, 0), &org(), &dicts(), "V1")
        .await
        .unwrap();
    assert_eq!(s.state, PageState::Draft);
    assert_eq!((s.error_count, s.warning_count), (0, 0));
    assert_eq!(s.page.fees.total, Some(6500));
    assert_eq!(s.page.fees.get(FeeItem::Antibacterial), 1000);
    assert_eq!(check(&s.page, &dicts()), vec![]);
    let read = get_page(t.db.conn(), "V1").await.unwrap().unwrap();
    assert_eq!(read, s);

    // HIS sends one more charge, of a category nobody mapped: the draft is replaced, the
    // charge is listed and the page now has an error.
    charge("C4", "999", "77", 100, None)
        .into_active_model()
        .insert(t.db.conn())
        .await
        .unwrap();
    let s = assemble_visit(&t.db, at(13, 0, 0), &org(), &dicts(), "V1")
        .await
        .unwrap();
    assert_eq!(s.page.fees.total, Some(6600));
    assert_eq!(s.unmapped.len(), 1);
    assert_eq!(s.unmapped[0].charge_id, "C4");
    assert_eq!(s.error_count, 1);
    assert_eq!(get_page(t.db.conn(), "V1").await.unwrap().unwrap(), s);

    // A page with errors cannot be submitted.
    let refused = submit_page(&t.db, at(13, 30, 0), &Actor::person("病案室"), "V1").await;
    assert!(
        matches!(refused, Err(VisitPageError::HasErrors { errors: 1, .. })),
        "{refused:?}"
    );
    // The records office maps the category; the page reassembles clean and is submitted.
    save_fee_mapping(
        &t.db,
        at(13, 40, 0),
        &Actor::person("病案室"),
        &MappingKey::Category("77".into()),
        FeeTarget::item(FeeItem::Other).unwrap(),
    )
    .await
    .unwrap();
    let s = assemble_visit(&t.db, at(13, 0, 0), &org(), &dicts(), "V1")
        .await
        .unwrap();
    assert_eq!((s.error_count, s.unmapped.len()), (0, 0));
    assert_eq!(s.page.fees.get(FeeItem::Other), 100);
    submit_page(&t.db, at(14, 0, 0), &Actor::person("病案室"), "V1")
        .await
        .unwrap();
    let again = assemble_visit(&t.db, at(15, 0, 0), &org(), &dicts(), "V1").await;
    assert!(
        matches!(again, Err(VisitPageError::Submitted(_))),
        "{again:?}"
    );
    let twice = submit_page(&t.db, at(15, 0, 0), &Actor::person("病案室"), "V1").await;
    assert!(
        matches!(twice, Err(VisitPageError::Submitted(_))),
        "{twice:?}"
    );
    let locked = get_page(t.db.conn(), "V1").await.unwrap().unwrap();
    assert_eq!(locked.state, PageState::Submitted);
    assert_eq!(locked.assembled_at, at(13, 0, 0));
    assert_eq!(
        yiqiao_visitpage::store::entities::page::Entity::find()
            .count(t.db.conn())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn unknown_and_cancelled_visits_have_no_page() {
    let t = db().await;
    let e = assemble_visit(&t.db, at(12, 0, 0), &org(), &dicts(), "NOPE").await;
    assert!(matches!(e, Err(VisitPageError::NoVisit(_))), "{e:?}");
    his_visit(&t).await;
    let mut v = visit();
    v.cancelled = true;
    let mut am = v.into_active_model();
    am.reset(yiqiao_his::store::entities::visit::Column::Cancelled);
    am.update(t.db.conn()).await.unwrap();
    let e = assemble_visit(&t.db, at(12, 0, 0), &org(), &dicts(), "V1").await;
    assert!(matches!(e, Err(VisitPageError::VisitCancelled(_))), "{e:?}");
    assert!(get_page(t.db.conn(), "V1").await.unwrap().is_none());
    let e = submit_page(&t.db, at(12, 0, 0), &Actor::person("x"), "V1").await;
    assert!(matches!(e, Err(VisitPageError::NoPage(_))), "{e:?}");
}

#[tokio::test]
async fn the_demo_says_its_credit_code_is_an_example() {
    let t = db().await;
    let now = at(9, 0, 0);
    let opts = yiqiao_his::demo::DemoOptions {
        patients: 50,
        doctors: 10,
        drugs: 20,
        visits: 30,
        visit_days: 20,
        inpatients: 1,
        ward_days: 1,
        inpatient_cases: 2,
        ..yiqiao_his::demo::DemoOptions::default()
    };
    yiqiao_his::demo::load(&t.db, &opts, now).await.unwrap();
    let demo_org = yiqiao_visitpage::Org {
        name: "台州市中西医结合医院".into(),
        credit_code: yiqiao_visitpage::DEMO_CREDIT_CODE.into(),
    };
    let s = yiqiao_visitpage::demo::load(&t.db, &demo_org, now)
        .await
        .unwrap();
    assert!(s.pages > 0, "{s}");
    let said = s.to_string();
    assert!(
        said.contains(&format!(
            "统一社会信用代码 {}（示例",
            yiqiao_visitpage::DEMO_CREDIT_CODE
        )),
        "{said}"
    );
    // The pages carry the example code, which passes VP-R32.
    let lines = yiqiao_visitpage::store::queries::list(
        &*t.db,
        &yiqiao_visitpage::store::queries::ListFilter::default(),
        10,
        0,
    )
    .await
    .unwrap();
    let p = get_page(&*t.db, &lines[0].visit_id).await.unwrap().unwrap();
    assert_eq!(
        p.page.org_credit_code.as_deref(),
        Some(yiqiao_visitpage::DEMO_CREDIT_CODE)
    );
    assert!(
        !check(
            &p.page,
            &yiqiao_visitpage::store::dicts::load_current(&*t.db)
                .await
                .unwrap()
                .1
        )
        .iter()
        .any(|f| f.field == "org_credit_code")
    );
}
