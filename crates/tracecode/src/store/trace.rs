//! "Where has this code been": one code's receipt, stock and dispensing, read together.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;

use sea_orm::QueryOrder;

use super::entities::{
    code as code_e, dispense, receipt, receipt_line, return_, ward_dispense, ward_line, ward_return,
};
use crate::domain::receipt::state_label;

/// Where a received code has been.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeTrace {
    pub key: String,
    pub drug_code: String,
    pub drug_name: String,
    /// `pending`, `in_stock`, `dispensing`, `dispensed`, …
    pub state: String,
    pub state_label: String,
    pub level: String,
    /// 入库: when, by whom, which receipt and supplier, which batch.
    pub received_at: DateTime<Utc>,
    pub received_by: String,
    pub receipt_id: i64,
    pub supplier_name: String,
    pub batch_no: String,
    pub expiry: NaiveDate,
    /// 库位.
    pub location: String,
    pub dispense: Option<DispenseTrace>,
    /// 住院病区发药: which list, patient and order.
    pub ward: Option<WardTrace>,
    /// 退药, oldest first.
    pub returns: Vec<ReturnTrace>,
    /// 护士退药, oldest first.
    pub ward_returns: Vec<WardReturnTrace>,
    /// 医保上传: the messages that carried it, oldest first.
    pub uploads: Vec<super::nhsa::UploadRow>,
}

/// One return of the code (部分退药).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnTrace {
    pub dispense_id: i64,
    /// `in_stock` or `quarantined`.
    pub to_state: String,
    pub returned_at: DateTime<Utc>,
    pub returned_by: String,
}

/// 病区发药: which ward list, to which patient and order, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardTrace {
    pub ward_dispense_id: i64,
    pub list_id: String,
    pub ward_code: String,
    pub patient_id: String,
    pub bed_no: Option<String>,
    pub order_id: String,
    pub dispensed_at: Option<DateTime<Utc>>,
    pub dispensed_by: Option<String>,
}

/// One nurse return of the code (护士退药).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WardReturnTrace {
    pub ward_dispense_id: i64,
    pub list_id: String,
    pub patient_id: String,
    /// `in_stock` or `quarantined`.
    pub to_state: String,
    pub returned_at: DateTime<Utc>,
    pub returned_by: String,
}

/// 发药: to whom, on which prescription, by whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DispenseTrace {
    pub dispense_id: i64,
    pub rx_no: String,
    pub patient_id: String,
    pub dispensed_at: Option<DateTime<Utc>>,
    pub dispensed_by: Option<String>,
}

/// The trace of a code by its identity ([`crate::TraceCode::key`]); `None`: never received.
pub async fn trace<C: ConnectionTrait>(conn: &C, key: &str) -> Result<Option<CodeTrace>, DbErr> {
    use yiqiao_his::store::entities::{drug, prescription};
    let Some(c) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(key))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let drug_name = drug::Entity::find_by_id(c.drug_code.clone())
        .one(conn)
        .await?
        .map(|d| d.generic_name)
        .unwrap_or_default();
    let r = receipt::Entity::find_by_id(c.receipt_id).one(conn).await?;
    let l = receipt_line::Entity::find_by_id(c.receipt_line_id)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_receipt_line".into()))?;
    let dispense = match c.dispense_id {
        Some(id) => match dispense::Entity::find_by_id(id).one(conn).await? {
            Some(d) => {
                let patient_id = prescription::Entity::find_by_id(d.rx_no.clone())
                    .one(conn)
                    .await?
                    .map(|p| p.patient_id)
                    .unwrap_or_default();
                Some(DispenseTrace {
                    dispense_id: d.id,
                    rx_no: d.rx_no,
                    patient_id,
                    dispensed_at: c.dispensed_at,
                    dispensed_by: c.dispensed_by.clone(),
                })
            }
            None => None,
        },
        None => None,
    };
    let returns = return_::Entity::find()
        .filter(return_::Column::CodeKey.eq(key))
        .order_by_asc(return_::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|r| ReturnTrace {
            dispense_id: r.dispense_id,
            to_state: r.to_state,
            returned_at: r.returned_at,
            returned_by: r.returned_by,
        })
        .collect();
    let ward = match c.ward_line_id {
        Some(id) => match ward_line::Entity::find_by_id(id).one(conn).await? {
            Some(l) => {
                let w = ward_dispense::Entity::find_by_id(l.ward_dispense_id)
                    .one(conn)
                    .await?;
                Some(WardTrace {
                    ward_dispense_id: l.ward_dispense_id,
                    list_id: w.as_ref().map(|w| w.list_id.clone()).unwrap_or_default(),
                    ward_code: w.map(|w| w.ward_code).unwrap_or_default(),
                    patient_id: l.patient_id,
                    bed_no: l.bed_no,
                    order_id: l.order_id,
                    dispensed_at: c.dispensed_at,
                    dispensed_by: c.dispensed_by.clone(),
                })
            }
            None => None,
        },
        None => None,
    };
    let mut ward_returns = Vec::new();
    for r in ward_return::Entity::find()
        .filter(ward_return::Column::CodeKey.eq(key))
        .order_by_asc(ward_return::Column::Id)
        .all(conn)
        .await?
    {
        let list_id = ward_dispense::Entity::find_by_id(r.ward_dispense_id)
            .one(conn)
            .await?
            .map(|w| w.list_id)
            .unwrap_or_default();
        let patient_id = ward_line::Entity::find_by_id(r.ward_line_id)
            .one(conn)
            .await?
            .map(|l| l.patient_id)
            .unwrap_or_default();
        ward_returns.push(WardReturnTrace {
            ward_dispense_id: r.ward_dispense_id,
            list_id,
            patient_id,
            to_state: r.to_state,
            returned_at: r.returned_at,
            returned_by: r.returned_by,
        });
    }
    let uploads = super::nhsa::uploads_of(conn, &c.code_key, c.receipt_id, l.line_no).await?;
    Ok(Some(CodeTrace {
        ward,
        ward_returns,
        returns,
        uploads,
        key: c.code_key,
        drug_code: c.drug_code,
        drug_name,
        state_label: state_label(&c.state).to_owned(),
        state: c.state,
        level: c.level,
        received_at: c.received_at,
        received_by: c.received_by,
        receipt_id: c.receipt_id,
        supplier_name: r.map(|r| r.supplier_name).unwrap_or_default(),
        batch_no: l.batch_no,
        expiry: l.expiry,
        location: c.location,
        dispense,
    }))
}
