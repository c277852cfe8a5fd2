//! Routes declared with who may use them.
//!
//! Every page and endpoint is added through [`Routes`], which records its method, path and
//! [`Access`] beside the axum route. The role check is applied from that record, and a test
//! walks the records to prove each route refuses the roles it should: the declaration and the
//! enforcement cannot drift apart.

use axum::Router;
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::MethodRouter;
use yiqiao_core::Role;

use crate::{AppError, CurrentUser};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (login page, health).
    Public,
    /// Any signed-in person (dashboard, own password).
    AnyUser,
    /// Signed-in people holding one of these roles.
    Roles(&'static [Role]),
    /// Machines only, authenticated by the module itself (HIS bearer token, platform
    /// signature); a person's session is never accepted here.
    Machine,
}

impl Access {
    pub fn admits(&self, user: Option<&CurrentUser>) -> bool {
        match self {
            Access::Public => true,
            Access::AnyUser => user.is_some(),
            Access::Roles(roles) => user.is_some_and(|u| u.has_any(roles)),
            Access::Machine => false,
        }
    }
}

/// A page for people or a JSON endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteKind {
    Page,
    Api,
}

/// The record of one route.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    pub method: Method,
    /// The axum path, with `{param}` placeholders.
    pub path: &'static str,
    pub access: Access,
    pub kind: RouteKind,
}

/// A router that remembers each route's access.
pub struct Routes<S = ()> {
    router: Router<S>,
    specs: Vec<RouteSpec>,
}

impl<S: Clone + Send + Sync + 'static> Default for Routes<S> {
    fn default() -> Self {
        Self::new()
    }
}

impl<S: Clone + Send + Sync + 'static> Routes<S> {
    pub fn new() -> Self {
        Routes {
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    /// Add one method of one path. `handler` is a `MethodRouter` for exactly `method`
    /// (`get(h)`, `post(h)`, …).
    pub fn route(
        mut self,
        method: Method,
        path: &'static str,
        kind: RouteKind,
        access: Access,
        handler: MethodRouter<S>,
    ) -> Self {
        let guarded = match access {
            // Machine routes carry their own authentication; pages and APIs for people are
            // checked here against the signed-in user.
            Access::Public | Access::Machine => handler,
            Access::AnyUser | Access::Roles(_) => {
                handler.route_layer(middleware::from_fn(move |req: Request, next: Next| {
                    guard(access, req, next)
                }))
            }
        };
        self.router = self.router.route(path, guarded);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
            kind,
        });
        self
    }

    pub fn page_get(self, path: &'static str, access: Access, h: MethodRouter<S>) -> Self {
        self.route(Method::GET, path, RouteKind::Page, access, h)
    }
    pub fn page_post(self, path: &'static str, access: Access, h: MethodRouter<S>) -> Self {
        self.route(Method::POST, path, RouteKind::Page, access, h)
    }
    pub fn api(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        h: MethodRouter<S>,
    ) -> Self {
        self.route(method, path, RouteKind::Api, access, h)
    }

    pub fn merge(mut self, other: Routes<S>) -> Self {
        self.router = self.router.merge(other.router);
        self.specs.extend(other.specs);
        self
    }

    pub fn specs(&self) -> &[RouteSpec] {
        &self.specs
    }

    pub fn into_parts(self) -> (Router<S>, Vec<RouteSpec>) {
        (self.router, self.specs)
    }

    /// Give the routes their state.
    pub fn with_state<S2>(self, state: S) -> Routes<S2>
    where
        S2: Clone + Send + Sync + 'static,
    {
        Routes {
            router: self.router.with_state(state),
            specs: self.specs,
        }
    }
}

async fn guard(access: Access, req: Request, next: Next) -> Result<Response, AppError> {
    let user = req.extensions().get::<CurrentUser>();
    match user {
        None => Err(AppError::unauthenticated()),
        Some(_) if access.admits(user) => Ok(next.run(req).await),
        Some(_) => Err(AppError::forbidden()),
    }
}
