//! What every handler of the web crate can reach.

use std::sync::Arc;

use yiqiao_core::time::Clock;
use yiqiao_http::Site;
use yiqiao_store::Db;
use yiqiao_store::outbox::Registry;

use crate::config::Config;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub outbox: Arc<Registry>,
    pub site: Site,
}

impl AppState {
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }
}
