//! The release rush: hundreds of concurrent signed take-number requests over real HTTP against
//! one schedule. Never more live tickets than the online pool, no number twice, every loser
//! SLOT_FULL or SLOT_TAKEN, no 5xx.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use yiqiao_booking::store::{receivable, slot, ticket};

use crate::{server, take_body};

#[tokio::test]
async fn rush_never_overbooks() {
    let srv = server().await;
    // 10 windows × 5 numbers, 1 of each kept on site: 40 online.
    let s = srv.schedule("D001", 10, 5, 1).await;
    assert_eq!(s.online_total, 40);
    let mut tasks = Vec::new();
    for i in 0..400u32 {
        let c = srv.client.clone();
        let sid = s.id.clone();
        // A quarter ask for a number of their own (some of them on-site numbers).
        let seq = (i % 4 == 0).then_some((i % 50 + 1) as i32);
        tasks.push(tokio::spawn(async move {
            let body = take_body(&sid, 10_000 + i, &format!("RUSH{i:05}"), seq);
            c.post("/platform/v1/tickets", &body, &format!("rush-{i}"))
                .await
                .unwrap()
        }));
    }
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut won_seq = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status < 500, "5xx: {} {}", r.status, r.body);
        *codes.entry(r.code().to_owned()).or_default() += 1;
        if r.code() == "OK" {
            assert_eq!(r.status, 201);
            won_seq.push(r.data()["seq_no"].as_i64().unwrap());
        } else {
            assert!(
                matches!(r.code(), "SLOT_FULL" | "SLOT_TAKEN"),
                "loser got {} {}",
                r.status,
                r.body
            );
            assert_eq!(r.status, 409);
        }
    }
    let db = &*srv.db;
    let live = ticket::Entity::find()
        .filter(ticket::Column::ScheduleId.eq(&s.id))
        .all(db)
        .await
        .unwrap();
    assert_eq!(
        live.len(),
        won_seq.len(),
        "answers and tickets agree: {codes:?}"
    );
    assert_eq!(live.len(), 40, "the pool fills, and no more: {codes:?}");
    let seqs: HashSet<i32> = live.iter().map(|t| t.seq_no).collect();
    assert_eq!(seqs.len(), live.len(), "a number held twice");
    // Every ticket holds an online slot that points back at it.
    for t in &live {
        let sl = slot::Entity::find_by_id((s.id.clone(), t.seq_no))
            .one(db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(sl.pool, "online");
        assert_eq!(sl.state, "taken");
        assert_eq!(sl.ticket_id.as_deref(), Some(t.id.as_str()));
    }
    let taken = slot::Entity::find()
        .filter(slot::Column::ScheduleId.eq(&s.id))
        .filter(slot::Column::State.eq("taken"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(taken as usize, live.len());
    let rec = receivable::Entity::find().count(db).await.unwrap();
    assert_eq!(rec as usize, live.len(), "one receivable per ticket");
}
