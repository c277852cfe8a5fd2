//! The four scanning documents (扫码单据): 采购入库 ([`Receipt`]), 采购退货
//! ([`SupplierReturn`]), 门诊发药 ([`Dispense`]) and 住院病区发药 ([`Ward`]).
//!
//! Their JSON endpoints and pages do the same few things around different store calls: read
//! the id from the path, read the document back, confirm it, record a line as uncollected.
//! [`ScanDocument`] names, per document, which store function does each; what a scan does is
//! in each document's store module (`store::receipt::scan`, `store::dispense::read`, …).

use std::future::Future;

use sea_orm::DbErr;
use serde::Serialize;
use yiqiao_http::{AppError, CurrentUser};
use yiqiao_store::audit::Actor;

use crate::TraceError;
use crate::api::TraceState;
use crate::domain::dispense::DispenseError;
use crate::domain::receipt::ReceiptError;
use crate::domain::supplier_return::SupplierReturnError;
use crate::domain::ward::WardError;
use crate::store::{dispense, receipt, supplier_return, ward};

/// Who acts, as the audit trail names them.
pub fn person(me: &CurrentUser) -> Actor {
    Actor::person(me.actor())
}

/// Who dispenses, with the HIS staff code the 3505/3506 name as the pharmacist.
pub fn pharmacist(me: &CurrentUser) -> Actor {
    Actor::person(me.actor()).with_his_staff(me.his_staff_code.clone())
}

/// A document that is filled by scanning codes against its lines, then confirmed.
pub trait ScanDocument {
    /// The document as the endpoints show it.
    type View: Serialize + Send;
    /// Where its page lives (`{PAGE}/{id}`).
    const PAGE: &'static str;
    /// The refusal for an id that names no such document (404).
    fn missing() -> TraceError;
    /// A refusal that a page shows as an error, not as the verdict on the page: the document
    /// itself is missing, so there is no page to show it on.
    fn page_missing(err: &AppError) -> bool {
        err.body.code == AppError::from(Self::missing()).body.code
    }
    /// Reads the document back (None: no such document).
    fn view(
        s: &TraceState,
        id: i64,
    ) -> impl Future<Output = Result<Option<Self::View>, DbErr>> + Send;
    /// Confirms the document: the codes are marked and the NHSA messages queued.
    fn confirm(
        s: &TraceState,
        id: i64,
        me: &CurrentUser,
    ) -> impl Future<Output = Result<Self::View, TraceError>> + Send;
}

/// A document scanned one whole package at a time, with nothing but the code (the ward's
/// scans also name a patient, so it has its own).
pub trait WholeScans: ScanDocument {
    /// What a scan that is taken answers.
    type Scanned: Serialize + Send;
    /// Scans one code onto the document; a refusal says why, in the spec's order.
    fn scan(
        s: &TraceState,
        id: i64,
        code: &str,
        me: &CurrentUser,
    ) -> impl Future<Output = Result<Self::Scanned, TraceError>> + Send;
}

/// A document whose lines may be recorded as uncollected (未取药) with a reason.
pub trait UncollectedLines: ScanDocument {
    /// The refusal for a line number that is not one.
    fn no_such_line() -> TraceError;
    fn mark_uncollected(
        s: &TraceState,
        id: i64,
        line: i64,
        reason: &str,
        me: &CurrentUser,
    ) -> impl Future<Output = Result<(), TraceError>> + Send;
}

/// A document id from a path: anything else is "no such document".
pub fn doc_id<D: ScanDocument>(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::from(D::missing()))
}

/// A line number from a path: anything else is "no such line".
pub fn line_no<D: UncollectedLines>(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::from(D::no_such_line()))
}

/// The document, or the refusal naming it missing.
pub async fn view_or_refusal<D: ScanDocument>(
    s: &TraceState,
    id: i64,
) -> Result<D::View, AppError> {
    D::view(s, id)
        .await?
        .ok_or_else(|| AppError::from(D::missing()))
}

/// 采购入库.
pub struct Receipt;

impl ScanDocument for Receipt {
    type View = receipt::ReceiptView;
    const PAGE: &'static str = "/tracecode/receipts";
    fn missing() -> TraceError {
        ReceiptError::NoSuchReceipt.into()
    }
    /// Every 404 a receipt gives leaves the page (a code not scanned here is one too).
    fn page_missing(err: &AppError) -> bool {
        err.status() == axum::http::StatusCode::NOT_FOUND
    }
    async fn view(s: &TraceState, id: i64) -> Result<Option<Self::View>, DbErr> {
        receipt::get(&*s.db, id).await
    }
    async fn confirm(s: &TraceState, id: i64, me: &CurrentUser) -> Result<Self::View, TraceError> {
        receipt::confirm(&s.db, id, &person(me), s.clock.now()).await
    }
}

impl WholeScans for Receipt {
    type Scanned = receipt::ScanOk;
    async fn scan(
        s: &TraceState,
        id: i64,
        code: &str,
        me: &CurrentUser,
    ) -> Result<Self::Scanned, TraceError> {
        receipt::scan(&s.db, id, code, &person(me), s.clock.now()).await
    }
}

/// 采购退货.
pub struct SupplierReturn;

impl ScanDocument for SupplierReturn {
    type View = supplier_return::ReturnView;
    const PAGE: &'static str = "/tracecode/supplier-returns";
    fn missing() -> TraceError {
        SupplierReturnError::NoSuchReturn.into()
    }
    async fn view(s: &TraceState, id: i64) -> Result<Option<Self::View>, DbErr> {
        supplier_return::get(&*s.db, id).await
    }
    async fn confirm(s: &TraceState, id: i64, me: &CurrentUser) -> Result<Self::View, TraceError> {
        supplier_return::confirm(&s.db, id, &person(me), s.clock.now()).await
    }
}

impl WholeScans for SupplierReturn {
    type Scanned = supplier_return::ReturnScanOk;
    async fn scan(
        s: &TraceState,
        id: i64,
        code: &str,
        me: &CurrentUser,
    ) -> Result<Self::Scanned, TraceError> {
        supplier_return::scan(&s.db, id, code, &person(me), s.clock.now()).await
    }
}

/// 门诊发药.
pub struct Dispense;

impl ScanDocument for Dispense {
    type View = dispense::DispenseView;
    const PAGE: &'static str = "/tracecode/dispenses";
    fn missing() -> TraceError {
        DispenseError::NoSuchDispense.into()
    }
    async fn view(s: &TraceState, id: i64) -> Result<Option<Self::View>, DbErr> {
        dispense::get(&*s.db, id).await
    }
    async fn confirm(s: &TraceState, id: i64, me: &CurrentUser) -> Result<Self::View, TraceError> {
        dispense::confirm(&s.db, s.split_policy, id, &pharmacist(me), s.clock.now()).await
    }
}

/// Whole packages only (`/scans`); the page's one field also draws split units
/// (`dispense::read`).
impl WholeScans for Dispense {
    type Scanned = dispense::DispenseScanOk;
    async fn scan(
        s: &TraceState,
        id: i64,
        code: &str,
        me: &CurrentUser,
    ) -> Result<Self::Scanned, TraceError> {
        dispense::scan(&s.db, id, code, &person(me), s.clock.now()).await
    }
}

impl UncollectedLines for Dispense {
    fn no_such_line() -> TraceError {
        DispenseError::NoSuchLine(0).into()
    }
    async fn mark_uncollected(
        s: &TraceState,
        id: i64,
        line: i64,
        reason: &str,
        me: &CurrentUser,
    ) -> Result<(), TraceError> {
        dispense::mark_uncollected(&s.db, id, line, reason, &person(me), s.clock.now()).await
    }
}

/// 住院病区发药.
pub struct Ward;

impl ScanDocument for Ward {
    type View = ward::WardView;
    const PAGE: &'static str = "/tracecode/ward";
    fn missing() -> TraceError {
        WardError::NoSuchWardDispense.into()
    }
    async fn view(s: &TraceState, id: i64) -> Result<Option<Self::View>, DbErr> {
        ward::get(&*s.db, id).await
    }
    async fn confirm(s: &TraceState, id: i64, me: &CurrentUser) -> Result<Self::View, TraceError> {
        ward::confirm(
            &s.db,
            id,
            s.ward_upload,
            s.split_policy,
            &pharmacist(me),
            s.clock.now(),
        )
        .await
    }
}

impl UncollectedLines for Ward {
    fn no_such_line() -> TraceError {
        WardError::NoSuchLine(0).into()
    }
    async fn mark_uncollected(
        s: &TraceState,
        id: i64,
        line: i64,
        reason: &str,
        me: &CurrentUser,
    ) -> Result<(), TraceError> {
        ward::mark_uncollected(&s.db, id, line, reason, &person(me), s.clock.now()).await
    }
}
