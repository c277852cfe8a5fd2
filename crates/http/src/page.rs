//! What every page's layout needs: who is signed in, the navigation their roles may see, the
//! form token, and whether this is the demo hospital.
//!
//! Page templates `{% extends "layout.html" %}` and carry a `shell: Shell` field; the layout
//! is in this crate's `templates/` (each crate's `askama.toml` lists that folder).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use yiqiao_core::Role;

use crate::{Access, AppError, CurrentUser};

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    /// The group it sits in (a module's name for people: 号源预约, 药品追溯, …).
    pub group: &'static str,
    pub label: &'static str,
    pub href: &'static str,
    pub access: Access,
}

/// Facts about the site every page shows, put into request extensions by the web crate.
#[derive(Debug, Clone)]
pub struct Site {
    pub hospital: String,
    /// The database holds the demo hospital: every page says so.
    pub demo: bool,
    pub nav: Arc<Vec<NavItem>>,
}

/// A navigation group as the layout draws it.
#[derive(Debug, Clone)]
pub struct NavGroup {
    pub name: &'static str,
    pub items: Vec<NavItem>,
}

/// The frame of a page.
#[derive(Debug, Clone)]
pub struct Shell {
    pub hospital: String,
    pub demo: bool,
    pub user: Option<CurrentUser>,
    pub nav: Vec<NavGroup>,
    pub path: String,
}

impl Shell {
    pub fn csrf(&self) -> &str {
        self.user.as_ref().map(|u| u.csrf.as_str()).unwrap_or("")
    }
    pub fn user_name(&self) -> &str {
        self.user
            .as_ref()
            .map(|u| u.display_name.as_str())
            .unwrap_or("")
    }
    pub fn role_labels(&self) -> String {
        self.user
            .as_ref()
            .map(|u| {
                u.roles
                    .iter()
                    .map(|r| r.label())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default()
    }
    pub fn has(&self, role: Role) -> bool {
        self.user.as_ref().is_some_and(|u| u.has(role))
    }
    /// Build from the site facts and the signed-in user (if any).
    pub fn new(site: &Site, user: Option<CurrentUser>, path: &str) -> Shell {
        let mut nav: Vec<NavGroup> = Vec::new();
        for item in site.nav.iter() {
            if !item.access.admits(user.as_ref()) {
                continue;
            }
            match nav.iter_mut().find(|g| g.name == item.group) {
                Some(g) => g.items.push(item.clone()),
                None => nav.push(NavGroup {
                    name: item.group,
                    items: vec![item.clone()],
                }),
            }
        }
        Shell {
            hospital: site.hospital.clone(),
            demo: site.demo,
            user,
            nav,
            path: path.to_owned(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Shell {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let site = parts
            .extensions
            .get::<Site>()
            .cloned()
            .ok_or_else(|| AppError::internal("Site extension missing"))?;
        let user = parts.extensions.get::<CurrentUser>().cloned();
        Ok(Shell::new(&site, user, parts.uri.path()))
    }
}
