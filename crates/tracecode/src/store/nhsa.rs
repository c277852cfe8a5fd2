//! Queueing NHSA messages inside the business transaction that causes them: a confirmed
//! receipt queues one 3503 per line, a confirmed dispense one 3505 per line and batch, a
//! return one 3506. The facts are read here; their wire shape is [`crate::nhsa`]'s.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};
use serde_json::Value;
use yiqiao_store::audit::{self, Actor, Change};
use yiqiao_store::outbox::{self, Message, NewMessage};

use super::entities::{
    code as code_e, dispense, dispense_line, receipt, receipt_line, split_draw, ward_dispense,
    ward_line,
};
use crate::TraceError;
use crate::domain::upload::{self as up, Pharmacist, UploadError, UploadStatus};
use crate::nhsa::{self, BatchFacts, Buyer, DrugFacts, Infno, Purchase, Queued, Sale, Source};

/// The next message number: the counter row is bumped in this transaction, so two
/// transactions never get the same one (the second waits for the first's row lock).
pub async fn next_message_no(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
) -> Result<String, DbErr> {
    let backend = txn.get_database_backend();
    txn.execute_raw(Statement::from_string(
        backend,
        "UPDATE trace_nhsa_seq SET n = n + 1 WHERE id = 1",
    ))
    .await?;
    let row = txn
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT n FROM trace_nhsa_seq WHERE id = 1",
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("trace_nhsa_seq".into()))?;
    let n: i64 = row.try_get("", "n")?;
    Ok(nhsa::message_no(now, n))
}

/// Queues one message.
pub async fn queue(
    txn: &DatabaseTransaction,
    infno: Infno,
    input: Value,
    subject: String,
    source: Option<Source>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Message, DbErr> {
    use yiqiao_his::store::entities::staff;
    let no = next_message_no(txn, now).await?;
    // 经办人: the linked HIS staff member as the HIS knows him, else the account.
    let (opter, opter_name) = match &actor.his_staff_code {
        Some(code) => {
            let name = staff::Entity::find_by_id(code.clone())
                .one(txn)
                .await?
                .map(|s| s.name)
                .unwrap_or_else(|| actor.name.clone());
            (code.clone(), name)
        }
        None => (actor.name.clone(), actor.name.clone()),
    };
    let q = Queued {
        infno: infno.code().into(),
        opter,
        opter_name,
        staff_code: actor.his_staff_code.clone(),
        input,
        source,
    };
    let payload = serde_json::to_value(&q).map_err(|e| DbErr::Custom(e.to_string()))?;
    outbox::enqueue(
        txn,
        NewMessage::new(infno.kind(), payload)
            .msg_id(no)
            .subject(subject),
        now,
    )
    .await
}

async fn drug_facts(txn: &DatabaseTransaction, code: &str) -> Result<DrugFacts, DbErr> {
    use yiqiao_his::store::entities::drug;
    let d = drug::Entity::find_by_id(code.to_owned()).one(txn).await?;
    Ok(match d {
        Some(d) => DrugFacts {
            med_list_codg: d.nhsa_code.unwrap_or_default(),
            hilist_id: d.code,
            hilist_name: d.generic_name,
            rx: d.rx,
            manufacturer: d.manufacturer,
            approval_no: d.approval_no.unwrap_or_default(),
        },
        None => DrugFacts {
            med_list_codg: String::new(),
            hilist_id: code.to_owned(),
            hilist_name: String::new(),
            rx: false,
            manufacturer: String::new(),
            approval_no: String::new(),
        },
    })
}

fn batch_facts(l: &receipt_line::Model) -> BatchFacts {
    BatchFacts {
        bchno: nhsa::bchno(l.receipt_id, l.line_no),
        lotnum: l.batch_no.clone(),
        manu_date: l.manu_date,
        expiry: l.expiry,
        price_fen: l.price_fen,
    }
}

/// 3503 for every line of a receipt being confirmed.
pub async fn queue_receipt(
    txn: &DatabaseTransaction,
    receipt_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let Some(r) = receipt::Entity::find_by_id(receipt_id).one(txn).await? else {
        return Err(DbErr::RecordNotFound("trace_receipt".into()));
    };
    let lines = receipt_line::Entity::find()
        .filter(receipt_line::Column::ReceiptId.eq(receipt_id))
        .order_by_asc(receipt_line::Column::LineNo)
        .all(txn)
        .await?;
    let n = lines.len();
    for l in lines {
        let p = purchase_of(txn, &r, &l, &actor.name, now).await?;
        queue(
            txn,
            Infno::Purchase,
            nhsa::purchase(&p),
            format!("入库单 {receipt_id} 第 {} 行", l.line_no),
            Some(Source::ReceiptLine {
                receipt_id,
                line_no: l.line_no,
            }),
            actor,
            now,
        )
        .await?;
    }
    Ok(n)
}

async fn purchase_of(
    txn: &DatabaseTransaction,
    r: &receipt::Model,
    l: &receipt_line::Model,
    opter_name: &str,
    at: DateTime<Utc>,
) -> Result<Purchase, DbErr> {
    Ok(Purchase {
        drug: drug_facts(txn, &l.drug_code).await?,
        batch: batch_facts(l),
        dynt_no: r.dynt_no.clone(),
        supplier: r.supplier_name.clone(),
        supplier_licence: r.supplier_licence.clone(),
        invoice_no: r.invoice_no.clone(),
        count: l.packages,
        at,
        opter_name: opter_name.to_owned(),
        purchase_no: None,
    })
}

/// 3504 for every line of a supplier return being confirmed.
pub async fn queue_supplier_return(
    txn: &DatabaseTransaction,
    return_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    use super::entities::supplier_return_line as srl;
    let lines = srl::Entity::find()
        .filter(srl::Column::ReturnId.eq(return_id))
        .order_by_asc(srl::Column::LineNo)
        .all(txn)
        .await?;
    let n = lines.len();
    for l in lines {
        let Some(p) = purchase_return_of(txn, &l, &actor.name, now).await? else {
            continue;
        };
        queue(
            txn,
            Infno::PurchaseReturn,
            nhsa::purchase_return(&p),
            format!("退货单 {return_id} 第 {} 行", l.line_no),
            Some(Source::ReturnLine {
                return_id,
                line_no: l.line_no,
            }),
            actor,
            now,
        )
        .await?;
    }
    Ok(n)
}

/// A return line as the purchase it returns: the receipt line's batch and supplier, the
/// packages going back, and the 3503's number as 商品采购流水号.
async fn purchase_return_of(
    txn: &DatabaseTransaction,
    l: &super::entities::supplier_return_line::Model,
    opter_name: &str,
    at: DateTime<Utc>,
) -> Result<Option<Purchase>, DbErr> {
    use yiqiao_store::outbox::entity as ob;
    let Some(rl) = receipt_line::Entity::find_by_id(l.receipt_line_id)
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let Some(r) = receipt::Entity::find_by_id(rl.receipt_id).one(txn).await? else {
        return Ok(None);
    };
    let purchase_no = ob::Entity::find()
        .filter(ob::Column::Kind.eq(Infno::Purchase.kind()))
        .filter(ob::Column::Subject.eq(format!("入库单 {} 第 {} 行", r.id, rl.line_no)))
        .order_by_asc(ob::Column::Id)
        .one(txn)
        .await?
        .map(|m| m.msg_id);
    let mut p = purchase_of(txn, &r, &rl, opter_name, at).await?;
    p.count = l.packages;
    p.purchase_no = purchase_no;
    Ok(Some(p))
}

/// 3501 for one stock batch counted at a location.
pub async fn queue_stock_take(
    txn: &DatabaseTransaction,
    receipt_line_id: i64,
    location: &str,
    codes: Vec<String>,
    opened: Vec<nhsa::OpenedPackage>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(rl) = receipt_line::Entity::find_by_id(receipt_line_id)
        .one(txn)
        .await?
    else {
        return Err(DbErr::RecordNotFound("trace_receipt_line".into()));
    };
    // 盘存日期: the day in Beijing.
    let date = now
        .with_timezone(&yiqiao_core::time::shanghai())
        .date_naive();
    let batch = batch_facts(&rl);
    let r = nhsa::StockTake {
        drug: drug_facts(txn, &rl.drug_code).await?,
        // `codes` carries the opened packages too (拆零: still in stock with what they have left).
        count: i64::try_from(codes.len().saturating_sub(opened.len())).unwrap_or(i64::MAX),
        memo: Some(if opened.is_empty() {
            format!("库位 {location}")
        } else {
            format!(
                "库位 {location}，含拆零开封 {} 盒（按余量折算）",
                opened.len()
            )
        }),
        opened,
        date,
        codes,
        batch,
    };
    queue(
        txn,
        Infno::StockTake,
        nhsa::stock_take(&r),
        format!("盘存 {location} 批次 {}", r.batch.bchno),
        None,
        actor,
        now,
    )
    .await?;
    Ok(())
}

/// 3502 for the codes of one stock batch changed (`inv_chg_type`).
pub async fn queue_stock_change(
    txn: &DatabaseTransaction,
    receipt_line_id: i64,
    chg_type: &str,
    codes: Vec<String>,
    memo: Option<String>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(rl) = receipt_line::Entity::find_by_id(receipt_line_id)
        .one(txn)
        .await?
    else {
        return Err(DbErr::RecordNotFound("trace_receipt_line".into()));
    };
    let batch = batch_facts(&rl);
    let r = nhsa::StockChange {
        drug: drug_facts(txn, &rl.drug_code).await?,
        chg_type: chg_type.to_owned(),
        count: i64::try_from(codes.len()).unwrap_or(i64::MAX),
        split: false,
        at: now,
        opter_name: actor.name.clone(),
        memo,
        codes,
        batch,
    };
    queue(
        txn,
        Infno::StockChange,
        nhsa::stock_change(&r),
        format!("库存变更 {chg_type} 批次 {}", r.batch.bchno),
        None,
        actor,
        now,
    )
    .await?;
    Ok(())
}

/// The 药师 of the sales `actor` queues now: the HIS staff member his account is linked to,
/// with a 药师执业资格证号 — refused otherwise, so that no 3505 goes out without one.
pub async fn pharmacist_of(
    txn: &DatabaseTransaction,
    actor: &Actor,
) -> Result<Pharmacist, TraceError> {
    use yiqiao_his::store::entities::staff;
    let row = match &actor.his_staff_code {
        Some(code) => staff::Entity::find_by_id(code.clone()).one(txn).await?,
        None => None,
    };
    Ok(up::pharmacist(
        &actor.name,
        actor.his_staff_code.as_deref(),
        row.map(|s| up::LinkedStaff {
            code: s.code,
            name: s.name,
            licence_no: s.licence_no,
        }),
    )?)
}

/// Who a sale names as 药师 and 经办人: the HIS staff member (工号) of a linked account,
/// else only a name (a 3506, which needs no licence; a message queued before linking).
pub(crate) struct Operator<'a> {
    staff_code: Option<&'a str>,
    name: &'a str,
}

impl<'a> Operator<'a> {
    pub(crate) fn of(actor: &'a Actor) -> Self {
        Operator {
            staff_code: actor.his_staff_code.as_deref(),
            name: &actor.name,
        }
    }
    pub(crate) fn queued(q: &'a Queued) -> Self {
        Operator {
            staff_code: q.staff_code.as_deref(),
            name: &q.opter_name,
        }
    }
    /// 药师姓名 and 执业资格证号 (empty when unknown).
    async fn facts(&self, txn: &DatabaseTransaction) -> Result<(String, String), DbErr> {
        use yiqiao_his::store::entities::staff;
        let row = match self.staff_code {
            Some(c) => staff::Entity::find_by_id(c.to_owned()).one(txn).await?,
            None => None,
        };
        Ok(match row {
            Some(s) => (s.name, s.licence_no.unwrap_or_default()),
            None => (self.name.to_owned(), String::new()),
        })
    }
}

/// The prescription's people and settlement, the same for every line of a dispense.
struct SaleHead {
    buyer: Buyer,
    doctor_name: String,
    doctor_cert_type: Option<String>,
    doctor_certno: Option<String>,
    pharmacist_name: String,
    pharmacist_cert_no: String,
    rx_no: String,
}

async fn sale_head(
    txn: &DatabaseTransaction,
    d: &dispense::Model,
    pharmacist: &Operator<'_>,
) -> Result<SaleHead, DbErr> {
    use yiqiao_his::store::entities::{patient, prescription, staff};
    let rx = prescription::Entity::find_by_id(d.rx_no.clone())
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("his_prescription".into()))?;
    let pt = patient::Entity::find_by_id(rx.patient_id.clone())
        .one(txn)
        .await?;
    let doctor = staff::Entity::find_by_id(rx.doctor_code.clone())
        .one(txn)
        .await?;
    // The dispensing account's linked HIS staff member (checked before a 3505 is queued).
    let (pharmacist_name, pharmacist_cert_no) = pharmacist.facts(txn).await?;
    let insured = !rx.self_pay && rx.mdtrt_id.is_some();
    let buyer = Buyer {
        insured,
        setl_id: if insured { rx.setl_id.clone() } else { None },
        mdtrt_sn: if insured {
            rx.mdtrt_id.clone().unwrap_or_default()
        } else {
            rx.visit_id.clone()
        },
        psn_no: rx.psn_no.clone(),
        psn_cert_type: pt
            .as_ref()
            .map(|p| format!("{:0>2}", p.id_type))
            .unwrap_or_default(),
        certno: pt.as_ref().map(|p| p.id_no.clone()).unwrap_or_default(),
        psn_name: pt.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
    };
    Ok(SaleHead {
        buyer,
        doctor_name: doctor
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_else(|| rx.doctor_code.clone()),
        doctor_cert_type: doctor.as_ref().and_then(|s| s.id_type.clone()),
        doctor_certno: doctor.as_ref().and_then(|s| s.id_no.clone()),
        pharmacist_name,
        pharmacist_cert_no,
        rx_no: rx.rx_no,
    })
}

fn docno(dispense_id: i64) -> String {
    format!("FY{dispense_id}")
}

async fn sale_of(
    txn: &DatabaseTransaction,
    head: &SaleHead,
    dispense_id: i64,
    receipt_line_id: i64,
    codes: Vec<code_e::Model>,
    now: DateTime<Utc>,
) -> Result<Option<Sale>, DbErr> {
    let Some(first) = codes.first() else {
        return Ok(None);
    };
    let Some(rl) = receipt_line::Entity::find_by_id(receipt_line_id)
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Sale {
        drug: drug_facts(txn, &first.drug_code).await?,
        batch: batch_facts(&rl),
        buyer: head.buyer.clone(),
        doctor_name: head.doctor_name.clone(),
        doctor_cert_type: head.doctor_cert_type.clone(),
        doctor_certno: head.doctor_certno.clone(),
        pharmacist_name: head.pharmacist_name.clone(),
        pharmacist_cert_no: head.pharmacist_cert_no.clone(),
        rx_no: head.rx_no.clone(),
        docno: docno(dispense_id),
        count: i64::try_from(codes.len()).unwrap_or(i64::MAX),
        split: false,
        at: now,
        opter_name: head.pharmacist_name.clone(),
        codes: codes.into_iter().map(|c| c.code_key).collect(),
        sale_no: None,
    }))
}

/// 3505 for a dispense being confirmed: one per line and stock batch, with its codes. Lines
/// without codes (exempt drugs, uncollected lines) send nothing from here.
pub async fn queue_dispense(
    txn: &DatabaseTransaction,
    dispense_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, TraceError> {
    let Some(d) = dispense::Entity::find_by_id(dispense_id).one(txn).await? else {
        return Err(DbErr::RecordNotFound("trace_dispense".into()).into());
    };
    let codes = code_e::Entity::find()
        .filter(code_e::Column::DispenseId.eq(dispense_id))
        .filter(code_e::Column::State.eq("dispensed"))
        .order_by_asc(code_e::Column::Id)
        .all(txn)
        .await?;
    let lines: BTreeMap<i64, i64> = dispense_line::Entity::find()
        .filter(dispense_line::Column::DispenseId.eq(dispense_id))
        .all(txn)
        .await?
        .into_iter()
        .map(|l| (l.id, l.rx_line_no))
        .collect();
    let mut groups: BTreeMap<(i64, i64), Vec<code_e::Model>> = BTreeMap::new();
    for c in codes {
        let line_no = c
            .dispense_line_id
            .and_then(|id| lines.get(&id).copied())
            .unwrap_or(0);
        groups
            .entry((line_no, c.receipt_line_id))
            .or_default()
            .push(c);
    }
    if groups.is_empty() {
        return Ok(0);
    }
    pharmacist_of(txn, actor).await?;
    let head = sale_head(txn, &d, &Operator::of(actor)).await?;
    let mut n = 0;
    for ((line_no, rl), codes) in groups {
        let keys: Vec<String> = codes.iter().map(|c| c.code_key.clone()).collect();
        if let Some(sale) = sale_of(txn, &head, dispense_id, rl, codes, now).await? {
            queue_sale(
                txn,
                &sale,
                format!("处方 {} 第 {line_no} 行 批次 {}", d.rx_no, sale.batch.bchno),
                Source::Sale {
                    dispense_id,
                    receipt_line_id: rl,
                    codes: keys,
                    returned: false,
                },
                actor,
                now,
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// Queues a sale (3505), or its return (3506) when `source` says it is one.
pub(crate) async fn queue_sale(
    txn: &DatabaseTransaction,
    sale: &Sale,
    subject: String,
    source: Source,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Message, DbErr> {
    let (infno, input) = if source.returned() {
        (Infno::SaleReturn, nhsa::sale_return(sale))
    } else {
        (Infno::Sale, nhsa::sale(sale))
    };
    queue(txn, infno, input, subject, Some(source), actor, now).await
}

/// The sale of one split draw (拆零): the package's code, the units drawn, `trdn_flag` 1.
async fn split_sale(
    txn: &DatabaseTransaction,
    draw: &split_draw::Model,
    opter: &Operator<'_>,
    at: DateTime<Utc>,
) -> Result<Option<Sale>, DbErr> {
    let Some(d) = dispense::Entity::find_by_id(draw.dispense_id)
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let Some(c) = code_e::Entity::find()
        .filter(code_e::Column::CodeKey.eq(&draw.code_key))
        .one(txn)
        .await?
    else {
        return Ok(None);
    };
    let head = sale_head(txn, &d, opter).await?;
    let rl = c.receipt_line_id;
    Ok(sale_of(txn, &head, d.id, rl, vec![c], at)
        .await?
        .map(|mut sale| {
            sale.count = draw.units;
            sale.split = true;
            if draw.returned_at.is_some() {
                sale.sale_no = Some(docno(d.id));
            }
            sale
        }))
}

/// 3505 for every split draw of a dispense being confirmed, one per draw (`trdn_flag` 1).
pub async fn queue_split_sales(
    txn: &DatabaseTransaction,
    dispense_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, TraceError> {
    let draws = split_draw::Entity::find()
        .filter(split_draw::Column::DispenseId.eq(dispense_id))
        .filter(split_draw::Column::ReturnedAt.is_null())
        .order_by_asc(split_draw::Column::Id)
        .all(txn)
        .await?;
    if !draws.is_empty() {
        pharmacist_of(txn, actor).await?;
    }
    let mut n = 0;
    for draw in draws {
        if let Some(sale) = split_sale(txn, &draw, &Operator::of(actor), now).await? {
            queue_sale(
                txn,
                &sale,
                format!(
                    "发药单 #{dispense_id} 拆零 {} × {}",
                    draw.code_key, draw.units
                ),
                Source::SplitSale {
                    draw_id: draw.id,
                    returned: false,
                },
                actor,
                now,
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// 3506 for a split draw given back (its units return to the opened package).
pub async fn queue_split_return(
    txn: &DatabaseTransaction,
    draw: &split_draw::Model,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if let Some(sale) = split_sale(txn, draw, &Operator::of(actor), now).await? {
        queue_sale(
            txn,
            &sale,
            format!(
                "发药单 #{} 拆零退回 {} × {}",
                draw.dispense_id, draw.code_key, draw.units
            ),
            Source::SplitSale {
                draw_id: draw.id,
                returned: true,
            },
            actor,
            now,
        )
        .await?;
    }
    Ok(())
}

/// 3506 for one returned code (部分退药), read before it left the dispense.
pub async fn queue_return(
    txn: &DatabaseTransaction,
    dispense_id: i64,
    returned: &code_e::Model,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(d) = dispense::Entity::find_by_id(dispense_id).one(txn).await? else {
        return Err(DbErr::RecordNotFound("trace_dispense".into()));
    };
    let head = sale_head(txn, &d, &Operator::of(actor)).await?;
    let rl = returned.receipt_line_id;
    if let Some(mut sale) =
        sale_of(txn, &head, dispense_id, rl, vec![returned.clone()], now).await?
    {
        sale.sale_no = Some(docno(dispense_id));
        queue_sale(
            txn,
            &sale,
            format!("处方 {} 退药 {}", d.rx_no, returned.code_key),
            Source::Sale {
                dispense_id,
                receipt_line_id: rl,
                codes: vec![returned.code_key.clone()],
                returned: true,
            },
            actor,
            now,
        )
        .await?;
    }
    Ok(())
}

/// The head of a ward line's sale: the patient of the stay, the ordering doctor (开嘱医生) —
/// the one the HIS list names on the line, else the stay's doctor (its case, else the visit of
/// the same `mdtrt_id`) — and the pharmacist or nurse who confirmed.
async fn ward_head(
    txn: &DatabaseTransaction,
    l: &ward_line::Model,
    opter: &Operator<'_>,
) -> Result<SaleHead, DbErr> {
    use yiqiao_his::store::entities::{
        inpatient_case, patient, staff, visit, ward_dispensing_line as his_line,
    };
    let pt = patient::Entity::find_by_id(l.patient_id.clone())
        .one(txn)
        .await?;
    let case = match &l.admission_no {
        Some(a) => {
            inpatient_case::Entity::find()
                .filter(inpatient_case::Column::PatientId.eq(&l.patient_id))
                .filter(inpatient_case::Column::AdmissionNo.eq(a))
                .one(txn)
                .await?
        }
        None => None,
    };
    let ordering = match ward_dispense::Entity::find_by_id(l.ward_dispense_id)
        .one(txn)
        .await?
    {
        Some(w) => his_line::Entity::find_by_id((w.list_id, l.line_no))
            .one(txn)
            .await?
            .and_then(|h| h.ordering_doctor_code),
        None => None,
    };
    let doctor_code = match (ordering, &case, &l.mdtrt_id) {
        (Some(d), _, _) => Some(d),
        (None, Some(c), _) => Some(c.doctor_code.clone()),
        (None, None, Some(m)) => visit::Entity::find()
            .filter(visit::Column::MdtrtId.eq(m))
            .one(txn)
            .await?
            .map(|v| v.doctor_code),
        // Neither the line nor the stay names a doctor: the patient's latest visit does.
        (None, None, None) => visit::Entity::find()
            .filter(visit::Column::PatientId.eq(&l.patient_id))
            .order_by_desc(visit::Column::RegisteredAt)
            .one(txn)
            .await?
            .map(|v| v.doctor_code),
    };
    let doctor = match &doctor_code {
        Some(c) => staff::Entity::find_by_id(c.clone()).one(txn).await?,
        None => None,
    };
    let (pharmacist_name, pharmacist_cert_no) = opter.facts(txn).await?;
    // Settled through insurance only once the stay's settlement (setl_id) is known; before
    // that the sale is sent under the hospital's own serial (the admission number).
    let setl_id = case.as_ref().and_then(|c| c.setl_id.clone());
    let insured = l.mdtrt_id.is_some() && setl_id.is_some();
    let buyer = Buyer {
        insured,
        setl_id: if insured { setl_id } else { None },
        mdtrt_sn: match (&l.mdtrt_id, insured) {
            (Some(m), true) => m.clone(),
            _ => l
                .admission_no
                .clone()
                .unwrap_or_else(|| l.patient_id.clone()),
        },
        psn_no: None,
        psn_cert_type: pt
            .as_ref()
            .map(|p| format!("{:0>2}", p.id_type))
            .unwrap_or_default(),
        certno: pt.as_ref().map(|p| p.id_no.clone()).unwrap_or_default(),
        psn_name: pt.as_ref().map(|p| p.name.clone()).unwrap_or_default(),
    };
    Ok(SaleHead {
        buyer,
        doctor_name: doctor
            .as_ref()
            .map(|s| s.name.clone())
            .or(doctor_code)
            .unwrap_or_default(),
        doctor_cert_type: doctor.as_ref().and_then(|s| s.id_type.clone()),
        doctor_certno: doctor.as_ref().and_then(|s| s.id_no.clone()),
        pharmacist_name,
        pharmacist_cert_no,
        rx_no: l.order_id.clone(),
    })
}

/// 零售单据号 of a ward list's dispensing: `BQ<ward dispensing id>`.
pub(crate) fn ward_docno(ward_dispense_id: i64) -> String {
    format!("BQ{ward_dispense_id}")
}

pub(crate) async fn ward_sale(
    txn: &DatabaseTransaction,
    l: &ward_line::Model,
    receipt_line_id: i64,
    codes: Vec<code_e::Model>,
    opter: &Operator<'_>,
    at: DateTime<Utc>,
) -> Result<Option<Sale>, DbErr> {
    let head = ward_head(txn, l, opter).await?;
    let mut sale = sale_of(txn, &head, 0, receipt_line_id, codes, at).await?;
    if let Some(s) = sale.as_mut() {
        s.docno = ward_docno(l.ward_dispense_id);
    }
    Ok(sale)
}

/// 3505 for one confirmed ward line: one per stock batch, with the codes dispensed on it now.
pub async fn queue_ward_line(
    txn: &DatabaseTransaction,
    ward_line_id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<usize, TraceError> {
    let Some(l) = ward_line::Entity::find_by_id(ward_line_id).one(txn).await? else {
        return Err(DbErr::RecordNotFound("trace_ward_line".into()).into());
    };
    let list_id = ward_dispense::Entity::find_by_id(l.ward_dispense_id)
        .one(txn)
        .await?
        .map(|w| w.list_id)
        .unwrap_or_default();
    let codes = code_e::Entity::find()
        .filter(code_e::Column::WardLineId.eq(ward_line_id))
        .filter(code_e::Column::State.eq("dispensed"))
        .order_by_asc(code_e::Column::Id)
        .all(txn)
        .await?;
    let mut groups: BTreeMap<i64, Vec<code_e::Model>> = BTreeMap::new();
    for c in codes {
        groups.entry(c.receipt_line_id).or_default().push(c);
    }
    if !groups.is_empty() {
        pharmacist_of(txn, actor).await?;
    }
    let mut n = 0;
    for (rl, codes) in groups {
        let keys: Vec<String> = codes.iter().map(|c| c.code_key.clone()).collect();
        if let Some(sale) = ward_sale(txn, &l, rl, codes, &Operator::of(actor), now).await? {
            queue_sale(
                txn,
                &sale,
                format!(
                    "病区发药单 {list_id} 第 {} 行 患者 {} 批次 {}",
                    l.line_no, l.patient_id, sale.batch.bchno
                ),
                Source::WardSale {
                    ward_line_id,
                    receipt_line_id: rl,
                    codes: keys,
                    returned: false,
                },
                actor,
                now,
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}

/// 3506 for one code a nurse gave back (护士退药), read before it left the ward line.
pub async fn queue_ward_return(
    txn: &DatabaseTransaction,
    l: &ward_line::Model,
    returned: &code_e::Model,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let rl = returned.receipt_line_id;
    let opter = Operator::of(actor);
    if let Some(mut sale) = ward_sale(txn, l, rl, vec![returned.clone()], &opter, now).await? {
        sale.sale_no = Some(ward_docno(l.ward_dispense_id));
        queue_sale(
            txn,
            &sale,
            format!("病区退药 患者 {} {}", l.patient_id, returned.code_key),
            Source::WardSale {
                ward_line_id: l.id,
                receipt_line_id: rl,
                codes: vec![returned.code_key.clone()],
                returned: true,
            },
            actor,
            now,
        )
        .await?;
    }
    Ok(())
}

/// An NHSA message as listed for the insurance office.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UploadRow {
    pub id: i64,
    pub msg_id: String,
    pub infno: String,
    pub label: String,
    pub subject: String,
    pub status: &'static str,
    pub status_label: &'static str,
    pub attempts: i32,
    /// `msgRslt` / `err_msg` / the transport error.
    pub note: String,
    pub created_at: DateTime<Utc>,
    pub resendable: bool,
    pub deletable: bool,
}

fn deletable(infno: Option<Infno>, status: UploadStatus) -> bool {
    infno.is_some_and(|i| i != Infno::Delete)
        && matches!(status, UploadStatus::Accepted | UploadStatus::Rejected)
}

fn row_of(m: outbox::Message) -> UploadRow {
    let infno = Infno::from_kind(&m.kind);
    let status = UploadStatus::of(&m.state, m.last_error.as_deref());
    UploadRow {
        id: m.id,
        infno: infno.map(|i| i.code()).unwrap_or("").to_owned(),
        label: infno.map(|i| i.label()).unwrap_or("").to_owned(),
        msg_id: m.msg_id,
        subject: m.subject.unwrap_or_default(),
        status: status.as_str(),
        status_label: status.label(),
        attempts: m.attempts,
        note: m.last_error.unwrap_or_default(),
        created_at: m.created_at,
        resendable: status.resendable(),
        deletable: deletable(infno, status),
    }
}

/// NHSA messages, newest first, optionally of one status.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    status: Option<UploadStatus>,
    limit: u64,
) -> Result<Vec<UploadRow>, DbErr> {
    use sea_orm::QuerySelect;
    use yiqiao_store::outbox::entity as ob;
    let mut q = ob::Entity::find()
        .filter(ob::Column::Kind.starts_with("nhsa."))
        .order_by_desc(ob::Column::Id);
    if let Some(s) = status {
        q = q.filter(ob::Column::State.eq(s.outbox_state()));
    }
    Ok(q.limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(row_of)
        .filter(|r| status.is_none_or(|s| r.status == s.as_str()))
        .collect())
}

/// Send a waiting, rejected or failed NHSA message again now, with the same `msgid`.
pub async fn resend(
    db: &yiqiao_store::Db,
    id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<(), TraceError> {
    use yiqiao_store::outbox::{entity as ob, state};
    let txn = db.begin_write().await?;
    let Some(m) = ob::Entity::find_by_id(id)
        .filter(ob::Column::Kind.starts_with("nhsa."))
        .one(&txn)
        .await?
    else {
        return Err(UploadError::NoSuchMessage.into());
    };
    // Rebuilt from today's data, so that what was fixed is sent; same msgid, same times.
    let payload = match serde_json::from_str::<Queued>(&m.payload) {
        Ok(mut q) => {
            if let Some(input) = rebuild(&txn, &q, m.created_at).await? {
                q.input = input;
            }
            serde_json::to_string(&q).map_err(|e| DbErr::Custom(e.to_string()))?
        }
        Err(_) => m.payload.clone(),
    };
    // The state decides: a message delivered or being sent meanwhile is not touched.
    let res = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "UPDATE outbox_message SET state = $1, next_attempt_at = $2, attempts = 0, payload = $3 \
             WHERE id = $4 AND state IN ($5, $1)",
            [
                state::PENDING.into(),
                now.into(),
                payload.into(),
                id.into(),
                state::DEAD.into(),
            ],
        ))
        .await?;
    if res.rows_affected() != 1 {
        return Err(UploadError::NotResendable.into());
    }
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.nhsa.resend", "outbox_message", id.to_string()),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Queue a 3507 deleting the platform's record of an accepted or rejected message (its
/// batch and data type); once per message, the primary key deciding.
pub async fn delete(
    db: &yiqiao_store::Db,
    id: i64,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Message, TraceError> {
    use yiqiao_store::outbox::entity as ob;
    let txn = db.begin_write().await?;
    let Some(m) = ob::Entity::find_by_id(id)
        .filter(ob::Column::Kind.starts_with("nhsa."))
        .one(&txn)
        .await?
    else {
        return Err(UploadError::NoSuchMessage.into());
    };
    let infno = Infno::from_kind(&m.kind);
    let status = UploadStatus::of(&m.state, m.last_error.as_deref());
    let (Some(of), true) = (infno, deletable(infno, status)) else {
        return Err(UploadError::NotDeletable.into());
    };
    let queued: Queued =
        serde_json::from_str(&m.payload).map_err(|e| DbErr::Custom(e.to_string()))?;
    let bchno = queued.input[of.node()]["fixmedins_bchno"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    let del = queue(
        &txn,
        Infno::Delete,
        nhsa::delete(&bchno, of),
        format!("删除 {} {}", of.code(), m.msg_id),
        None,
        actor,
        now,
    )
    .await?;
    let taken = txn
        .execute_raw(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "INSERT INTO trace_nhsa_delete (message_id, delete_message_id, created_at, created_by) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (message_id) DO NOTHING",
            [
                id.into(),
                del.id.into(),
                now.into(),
                actor.name.clone().into(),
            ],
        ))
        .await?
        .rows_affected();
    if taken != 1 {
        return Err(UploadError::AlreadyDeleted.into());
    }
    audit::record(
        &txn,
        actor,
        Change::new("tracecode.nhsa.delete", "outbox_message", id.to_string())
            .after(serde_json::json!({"msg_id": del.msg_id, "fixmedins_bchno": bchno})),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(del)
}

/// The record of a queued message built again from the current data (`None`: nothing to
/// rebuild from).
async fn rebuild(
    txn: &DatabaseTransaction,
    q: &Queued,
    at: DateTime<Utc>,
) -> Result<Option<Value>, DbErr> {
    match &q.source {
        None => Ok(None),
        Some(Source::ReceiptLine {
            receipt_id,
            line_no,
        }) => {
            let Some(r) = receipt::Entity::find_by_id(*receipt_id).one(txn).await? else {
                return Ok(None);
            };
            let Some(l) = receipt_line::Entity::find()
                .filter(receipt_line::Column::ReceiptId.eq(*receipt_id))
                .filter(receipt_line::Column::LineNo.eq(*line_no))
                .one(txn)
                .await?
            else {
                return Ok(None);
            };
            let p = purchase_of(txn, &r, &l, &q.opter_name, at).await?;
            Ok(Some(nhsa::purchase(&p)))
        }
        Some(Source::ReturnLine { return_id, line_no }) => {
            use super::entities::supplier_return_line as srl;
            let Some(l) = srl::Entity::find()
                .filter(srl::Column::ReturnId.eq(*return_id))
                .filter(srl::Column::LineNo.eq(*line_no))
                .one(txn)
                .await?
            else {
                return Ok(None);
            };
            Ok(purchase_return_of(txn, &l, &q.opter_name, at)
                .await?
                .map(|p| nhsa::purchase_return(&p)))
        }
        Some(Source::Sale {
            dispense_id,
            receipt_line_id,
            codes,
            returned,
        }) => {
            let Some(d) = dispense::Entity::find_by_id(*dispense_id).one(txn).await? else {
                return Ok(None);
            };
            let head = sale_head(txn, &d, &Operator::queued(q)).await?;
            let rows = code_e::Entity::find()
                .filter(code_e::Column::CodeKey.is_in(codes.iter().cloned()))
                .order_by_asc(code_e::Column::Id)
                .all(txn)
                .await?;
            let Some(mut sale) =
                sale_of(txn, &head, *dispense_id, *receipt_line_id, rows, at).await?
            else {
                return Ok(None);
            };
            Ok(Some(if *returned {
                sale.sale_no = Some(docno(*dispense_id));
                nhsa::sale_return(&sale)
            } else {
                nhsa::sale(&sale)
            }))
        }
        Some(Source::SplitSale { draw_id, returned }) => {
            let Some(draw) = split_draw::Entity::find_by_id(*draw_id).one(txn).await? else {
                return Ok(None);
            };
            Ok(split_sale(txn, &draw, &Operator::queued(q), at)
                .await?
                .map(|sale| {
                    if *returned {
                        nhsa::sale_return(&sale)
                    } else {
                        nhsa::sale(&sale)
                    }
                }))
        }
        Some(Source::WardSplitSale { draw_id, returned }) => {
            use super::entities::ward_split_draw;
            let Some(draw) = ward_split_draw::Entity::find_by_id(*draw_id)
                .one(txn)
                .await?
            else {
                return Ok(None);
            };
            Ok(
                super::split::ward_split_sale(txn, &draw, &Operator::queued(q), at)
                    .await?
                    .map(|sale| {
                        if *returned {
                            nhsa::sale_return(&sale)
                        } else {
                            nhsa::sale(&sale)
                        }
                    }),
            )
        }
        Some(Source::WardSale {
            ward_line_id,
            receipt_line_id,
            codes,
            returned,
        }) => {
            let Some(l) = ward_line::Entity::find_by_id(*ward_line_id)
                .one(txn)
                .await?
            else {
                return Ok(None);
            };
            let rows = code_e::Entity::find()
                .filter(code_e::Column::CodeKey.is_in(codes.iter().cloned()))
                .order_by_asc(code_e::Column::Id)
                .all(txn)
                .await?;
            let opter = Operator::queued(q);
            let Some(mut sale) = ward_sale(txn, &l, *receipt_line_id, rows, &opter, at).await?
            else {
                return Ok(None);
            };
            Ok(Some(if *returned {
                sale.sale_no = Some(ward_docno(l.ward_dispense_id));
                nhsa::sale_return(&sale)
            } else {
                nhsa::sale(&sale)
            }))
        }
    }
}

/// The NHSA messages that carried a code: its receipt line's 3503 and every 3505/3506 with it
/// in `drugtracinfo`, oldest first (for the trace page).
pub async fn uploads_of<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    receipt_id: i64,
    line_no: i32,
) -> Result<Vec<UploadRow>, DbErr> {
    use sea_orm::Condition;
    use yiqiao_store::outbox::entity as ob;
    // The payload is compact JSON: the code appears exactly so in `drugtracinfo`.
    let needle = serde_json::json!({ "drug_trac_codg": key }).to_string();
    let needle = needle.trim_start_matches('{').trim_end_matches('}');
    Ok(ob::Entity::find()
        .filter(ob::Column::Kind.starts_with("nhsa."))
        .filter(
            Condition::any()
                .add(ob::Column::Payload.contains(needle))
                .add(ob::Column::Subject.eq(format!("入库单 {receipt_id} 第 {line_no} 行"))),
        )
        .order_by_asc(ob::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(row_of)
        .collect())
}
