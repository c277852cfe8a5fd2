//! What visitpage's pages and endpoints share: the database, the clock, the hospital as the
//! page names it, and the code tables in use (loaded once per import, shared).

use std::sync::{Arc, Mutex};

use yiqiao_core::time::Clock;
use yiqiao_store::Db;

use crate::domain::assemble::Org;
use crate::domain::codes::Dicts;
use crate::error::VisitPageError;
use crate::store::dicts;

type CachedDicts = (Vec<i64>, Arc<Dicts>);

#[derive(Clone)]
pub struct VisitPageState {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub org: Org,
    dicts: Arc<Mutex<Option<CachedDicts>>>,
}

impl VisitPageState {
    pub fn new(db: Db, clock: Arc<dyn Clock>, org: Org) -> VisitPageState {
        VisitPageState {
            db,
            clock,
            org,
            dicts: Arc::new(Mutex::new(None)),
        }
    }

    /// The code tables in use; re-read only when an import added a version.
    pub async fn dicts(&self) -> Result<Arc<Dicts>, VisitPageError> {
        let ids: Vec<i64> = {
            let mut v: Vec<i64> = dicts::current_versions(&*self.db)
                .await?
                .iter()
                .map(|v| v.id)
                .collect();
            v.sort_unstable();
            v
        };
        if let Ok(guard) = self.dicts.lock()
            && let Some((cached, d)) = guard.as_ref()
            && *cached == ids
        {
            return Ok(d.clone());
        }
        let (ids, d) = dicts::load_current(&*self.db).await?;
        let d = Arc::new(d);
        if let Ok(mut guard) = self.dicts.lock() {
            *guard = Some((ids, d.clone()));
        }
        Ok(d)
    }
}
