//! A ticket, its receivable, its notice and its audit row are one transaction: when the last
//! write fails, nothing of the others remains.

use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use yiqiao_booking::store::{receivable, slot, ticket};
use yiqiao_store::outbox;

use crate::{server, take_body};

#[tokio::test]
async fn nothing_half_done_when_the_transaction_breaks() {
    let srv = server().await;
    let s = srv.schedule("D001", 1, 2, 0).await;
    // The app listens for notices, so a ticket also writes one into the outbox.
    srv.db
        .execute_unprepared(
            "UPDATE booking_platform_app SET callback_url = 'http://127.0.0.1:9/notices'",
        )
        .await
        .unwrap();
    // Break the last write of the transaction (the audit row): the database refuses it.
    srv.db
        .execute_unprepared("ALTER TABLE audit_log RENAME TO audit_log_gone")
        .await
        .unwrap();
    let r = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "ATOM1", None),
            "atom-1",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 500, "{}", r.body);
    assert_eq!(r.code(), "INTERNAL");
    let db = &*srv.db;
    assert_eq!(ticket::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(receivable::Entity::find().count(db).await.unwrap(), 0);
    assert_eq!(outbox::entity::Entity::find().count(db).await.unwrap(), 0);
    let sl = slot::Entity::find_by_id((s.id.clone(), 1))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sl.state, "free");
    assert_eq!(sl.ticket_id, None);
    // Repaired, the same request (same key: a failure of ours is not replayed) goes through.
    srv.db
        .execute_unprepared("ALTER TABLE audit_log_gone RENAME TO audit_log")
        .await
        .unwrap();
    let r = srv
        .client
        .post(
            "/platform/v1/tickets",
            &take_body(&s.id, 1, "ATOM1", None),
            "atom-1",
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(ticket::Entity::find().count(db).await.unwrap(), 1);
    assert_eq!(receivable::Entity::find().count(db).await.unwrap(), 1);
    assert_eq!(outbox::entity::Entity::find().count(db).await.unwrap(), 1);
}
