//! How each kind of record is written to and read from its tables.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use yiqiao_core::{FieldError, Sex};

use super::Stamped;
use super::entities as e;
use crate::domain::inpatient_case::{CaseDiagnosis, CaseProcedure};
use crate::domain::patient::Address;
use crate::domain::prescription::PrescriptionLine;
use crate::domain::visit::Procedure;
use crate::domain::ward_dispensing::WardLine;
use crate::domain::{
    Charge, Coded, Department, Drug, InpatientCase, Patient, Prescription, Record, Staff, Visit,
    WardDispensing, field,
};

/// A record kind that can be stored.
#[async_trait::async_trait]
pub trait Persist: Record {
    /// The stored record, if any.
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr>;

    /// Writes the record: inserts it when `created_at` is `None`, else replaces it (child rows
    /// included) keeping `created_at`.
    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        record: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr>;

    /// Checks across records beyond "the referred record exists" (run after those pass).
    async fn consistency<C: ConnectionTrait>(&self, _conn: &C) -> Result<Vec<FieldError>, DbErr> {
        Ok(Vec::new())
    }
}

/// Inserts or updates a parent row given as a full model.
async fn put<A, C>(conn: &C, model: A, insert: bool) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let am = model.reset_all();
    if insert {
        <A::Entity as EntityTrait>::insert(am)
            .exec_without_returning(conn)
            .await?;
    } else {
        <A::Entity as EntityTrait>::update(am)
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Inserts child rows.
async fn put_children<A, C>(conn: &C, rows: Vec<A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    if rows.is_empty() {
        return Ok(());
    }
    <A::Entity as EntityTrait>::insert_many(rows.into_iter().map(|a| a.reset_all()))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn sex_of(code: &str) -> Result<Sex, DbErr> {
    Sex::from_code(code).ok_or_else(|| DbErr::Type(format!("stored sex code {code} is unknown")))
}

#[async_trait::async_trait]
impl Persist for Department {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::department::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        Ok(Some(Stamped {
            record: Department {
                name: m.name,
                kind: m.kind,
                campus: m.campus,
                tcm: m.tcm,
                online_booking: m.online_booking,
                intro: m.intro,
                active: m.active,
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::department::Model {
            code: id.to_owned(),
            name: r.name.clone(),
            kind: r.kind.clone(),
            campus: r.campus.clone(),
            tcm: r.tcm,
            online_booking: r.online_booking,
            intro: r.intro.clone(),
            active: r.active,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        put(
            conn,
            e::department::ActiveModel::from(m),
            created_at.is_none(),
        )
        .await
    }
}

#[async_trait::async_trait]
impl Persist for Staff {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::staff::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        Ok(Some(Stamped {
            record: Staff {
                name: m.name,
                role: m.role,
                dept_code: m.dept_code,
                title: m.title,
                licence_no: m.licence_no,
                id_type: m.id_type,
                id_no: m.id_no,
                specialty: m.specialty,
                intro: m.intro,
                active: m.active,
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::staff::Model {
            code: id.to_owned(),
            name: r.name.clone(),
            role: r.role.clone(),
            dept_code: r.dept_code.clone(),
            title: r.title.clone(),
            licence_no: r.licence_no.clone(),
            id_type: r.id_type.clone(),
            id_no: r.id_no.clone(),
            specialty: r.specialty.clone(),
            intro: r.intro.clone(),
            active: r.active,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        put(conn, e::staff::ActiveModel::from(m), created_at.is_none()).await
    }
}

#[async_trait::async_trait]
impl Persist for Patient {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::patient::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        Ok(Some(Stamped {
            record: Patient {
                card_no: m.card_no,
                name: m.name,
                sex: sex_of(&m.sex)?,
                birth_date: m.birth_date,
                id_type: m.id_type,
                id_no: m.id_no,
                nationality: m.nationality,
                ethnicity: m.ethnicity,
                marital: m.marital,
                address: Address {
                    province: m.address_province,
                    city: m.address_city,
                    county: m.address_county,
                    detail: m.address_detail,
                },
                phone: m.phone,
                drug_allergy: m.drug_allergy,
                allergy_drugs: m.allergy_drugs,
                other_allergy: m.other_allergy,
                other_allergens: m.other_allergens,
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::patient::Model {
            id: id.to_owned(),
            card_no: r.card_no.clone(),
            name: r.name.clone(),
            sex: r.sex.code().to_owned(),
            birth_date: r.birth_date,
            id_type: r.id_type.clone(),
            id_no: r.id_no.clone(),
            nationality: r.nationality.clone(),
            ethnicity: r.ethnicity.clone(),
            marital: r.marital.clone(),
            address_province: r.address.province.clone(),
            address_city: r.address.city.clone(),
            address_county: r.address.county.clone(),
            address_detail: r.address.detail.clone(),
            phone: r.phone.clone(),
            drug_allergy: r.drug_allergy.clone(),
            allergy_drugs: r.allergy_drugs.clone(),
            other_allergy: r.other_allergy.clone(),
            other_allergens: r.other_allergens.clone(),
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        put(conn, e::patient::ActiveModel::from(m), created_at.is_none()).await
    }
}

#[async_trait::async_trait]
impl Persist for Drug {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::drug::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        Ok(Some(Stamped {
            record: Drug {
                generic_name: m.generic_name,
                trade_name: m.trade_name,
                category: m.category,
                spec: m.spec,
                form: m.form,
                manufacturer: m.manufacturer,
                approval_no: m.approval_no,
                nhsa_code: m.nhsa_code,
                rx: m.rx,
                antibacterial: m.antibacterial,
                unit: m.unit,
                pack_unit: m.pack_unit,
                pack_size: m.pack_size,
                price: m.price,
                active: m.active,
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::drug::Model {
            code: id.to_owned(),
            generic_name: r.generic_name.clone(),
            trade_name: r.trade_name.clone(),
            category: r.category.clone(),
            spec: r.spec.clone(),
            form: r.form.clone(),
            manufacturer: r.manufacturer.clone(),
            approval_no: r.approval_no.clone(),
            nhsa_code: r.nhsa_code.clone(),
            rx: r.rx,
            antibacterial: r.antibacterial,
            unit: r.unit.clone(),
            pack_unit: r.pack_unit.clone(),
            pack_size: r.pack_size,
            price: r.price,
            active: r.active,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        put(conn, e::drug::ActiveModel::from(m), created_at.is_none()).await
    }
}

const WESTERN: &str = "western";
const TCM_DISEASE: &str = "tcm_disease";
const TCM_SYNDROME: &str = "tcm_syndrome";

#[async_trait::async_trait]
impl Persist for Visit {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::visit::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        let dx = e::visit_diagnosis::Entity::find()
            .filter(e::visit_diagnosis::Column::VisitId.eq(id))
            .order_by_asc(e::visit_diagnosis::Column::Kind)
            .order_by_asc(e::visit_diagnosis::Column::Seq)
            .all(conn)
            .await?;
        let procs = e::visit_procedure::Entity::find()
            .filter(e::visit_procedure::Column::VisitId.eq(id))
            .order_by_asc(e::visit_procedure::Column::Seq)
            .all(conn)
            .await?;
        let coded = |kind: &str| -> Vec<Coded> {
            dx.iter()
                .filter(|d| d.kind == kind)
                .map(|d| Coded {
                    code: d.code.clone(),
                    name: d.name.clone(),
                })
                .collect()
        };
        Ok(Some(Stamped {
            record: Visit {
                patient_id: m.patient_id,
                visit_type: m.visit_type,
                dept_code: m.dept_code,
                doctor_code: m.doctor_code,
                registered_at: m.registered_at,
                checked_in_at: m.checked_in_at,
                visited_at: m.visited_at,
                revisit: m.revisit,
                infusion: m.infusion,
                chronic_special: m.chronic_special,
                triage_level: m.triage_level,
                emergency_destination: m.emergency_destination,
                admission_cert_at: m.admission_cert_at,
                mdtrt_id: m.mdtrt_id,
                settled_at: m.settled_at,
                cancelled: m.cancelled,
                western_diagnoses: coded(WESTERN),
                tcm_disease: coded(TCM_DISEASE).into_iter().next(),
                tcm_syndromes: coded(TCM_SYNDROME),
                procedures: procs
                    .into_iter()
                    .map(|p| Procedure {
                        date: p.date,
                        name: p.name,
                        code: p.code,
                        anesthesia: p.anesthesia,
                        grade: p.grade,
                        operator: p.operator,
                        anesthetist: p.anesthetist,
                    })
                    .collect(),
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::visit::Model {
            id: id.to_owned(),
            patient_id: r.patient_id.clone(),
            visit_type: r.visit_type.clone(),
            dept_code: r.dept_code.clone(),
            doctor_code: r.doctor_code.clone(),
            registered_at: r.registered_at,
            checked_in_at: r.checked_in_at,
            visited_at: r.visited_at,
            revisit: r.revisit,
            infusion: r.infusion,
            chronic_special: r.chronic_special,
            triage_level: r.triage_level.clone(),
            emergency_destination: r.emergency_destination.clone(),
            admission_cert_at: r.admission_cert_at,
            mdtrt_id: r.mdtrt_id.clone(),
            settled_at: r.settled_at,
            cancelled: r.cancelled,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        let insert = created_at.is_none();
        put(conn, e::visit::ActiveModel::from(m), insert).await?;
        if !insert {
            e::visit_diagnosis::Entity::delete_many()
                .filter(e::visit_diagnosis::Column::VisitId.eq(id))
                .exec(conn)
                .await?;
            e::visit_procedure::Entity::delete_many()
                .filter(e::visit_procedure::Column::VisitId.eq(id))
                .exec(conn)
                .await?;
        }
        let dx_row = |kind: &str, seq: usize, c: &Coded| {
            e::visit_diagnosis::ActiveModel::from(e::visit_diagnosis::Model {
                visit_id: id.to_owned(),
                kind: kind.to_owned(),
                seq: seq as i32,
                code: c.code.clone(),
                name: c.name.clone(),
            })
        };
        let mut dx = Vec::new();
        for (i, c) in r.western_diagnoses.iter().enumerate() {
            dx.push(dx_row(WESTERN, i, c));
        }
        if let Some(c) = &r.tcm_disease {
            dx.push(dx_row(TCM_DISEASE, 0, c));
        }
        for (i, c) in r.tcm_syndromes.iter().enumerate() {
            dx.push(dx_row(TCM_SYNDROME, i, c));
        }
        put_children(conn, dx).await?;
        let procs = r
            .procedures
            .iter()
            .enumerate()
            .map(|(i, p)| {
                e::visit_procedure::ActiveModel::from(e::visit_procedure::Model {
                    visit_id: id.to_owned(),
                    seq: i as i32,
                    date: p.date,
                    name: p.name.clone(),
                    code: p.code.clone(),
                    anesthesia: p.anesthesia.clone(),
                    grade: p.grade.clone(),
                    operator: p.operator.clone(),
                    anesthetist: p.anesthetist.clone(),
                })
            })
            .collect();
        put_children(conn, procs).await
    }
}

#[async_trait::async_trait]
impl Persist for Charge {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::charge::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        Ok(Some(Stamped {
            record: Charge {
                visit_id: m.visit_id,
                item_code: m.item_code,
                item_name: m.item_name,
                category: m.category,
                category_name: m.category_name,
                drug_code: m.drug_code,
                dept_code: m.dept_code,
                unit_price: m.unit_price,
                quantity: m.quantity,
                amount: m.amount,
                self_paid: m.self_paid,
                charged_at: m.charged_at,
                settlement_id: m.settlement_id,
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::charge::Model {
            id: id.to_owned(),
            visit_id: r.visit_id.clone(),
            item_code: r.item_code.clone(),
            item_name: r.item_name.clone(),
            category: r.category.clone(),
            category_name: r.category_name.clone(),
            drug_code: r.drug_code.clone(),
            dept_code: r.dept_code.clone(),
            unit_price: r.unit_price,
            quantity: r.quantity,
            amount: r.amount,
            self_paid: r.self_paid,
            charged_at: r.charged_at,
            settlement_id: r.settlement_id.clone(),
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        put(conn, e::charge::ActiveModel::from(m), created_at.is_none()).await
    }
}

#[async_trait::async_trait]
impl Persist for Prescription {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::prescription::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        let lines = e::prescription_line::Entity::find()
            .filter(e::prescription_line::Column::RxNo.eq(id))
            .order_by_asc(e::prescription_line::Column::LineNo)
            .all(conn)
            .await?;
        Ok(Some(Stamped {
            record: Prescription {
                visit_id: m.visit_id,
                patient_id: m.patient_id,
                doctor_code: m.doctor_code,
                dept_code: m.dept_code,
                pharmacy_code: m.pharmacy_code,
                prescribed_at: m.prescribed_at,
                rx_type: m.rx_type,
                self_pay: m.self_pay,
                setl_id: m.setl_id,
                mdtrt_id: m.mdtrt_id,
                psn_no: m.psn_no,
                settled_at: m.settled_at,
                lines: lines
                    .into_iter()
                    .map(|l| PrescriptionLine {
                        line_no: l.line_no,
                        drug_code: l.drug_code,
                        quantity: l.quantity,
                        dosage: l.dosage,
                        frequency: l.frequency,
                        route: l.route,
                        days: l.days,
                        unit_price: l.unit_price,
                        amount: l.amount,
                    })
                    .collect(),
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::prescription::Model {
            rx_no: id.to_owned(),
            visit_id: r.visit_id.clone(),
            patient_id: r.patient_id.clone(),
            doctor_code: r.doctor_code.clone(),
            dept_code: r.dept_code.clone(),
            pharmacy_code: r.pharmacy_code.clone(),
            prescribed_at: r.prescribed_at,
            rx_type: r.rx_type.clone(),
            self_pay: r.self_pay,
            setl_id: r.setl_id.clone(),
            mdtrt_id: r.mdtrt_id.clone(),
            psn_no: r.psn_no.clone(),
            settled_at: r.settled_at,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        let insert = created_at.is_none();
        put(conn, e::prescription::ActiveModel::from(m), insert).await?;
        if !insert {
            e::prescription_line::Entity::delete_many()
                .filter(e::prescription_line::Column::RxNo.eq(id))
                .exec(conn)
                .await?;
        }
        let lines = r
            .lines
            .iter()
            .map(|l| {
                e::prescription_line::ActiveModel::from(e::prescription_line::Model {
                    rx_no: id.to_owned(),
                    line_no: l.line_no,
                    drug_code: l.drug_code.clone(),
                    quantity: l.quantity,
                    dosage: l.dosage.clone(),
                    frequency: l.frequency.clone(),
                    route: l.route.clone(),
                    days: l.days,
                    unit_price: l.unit_price,
                    amount: l.amount,
                })
            })
            .collect();
        put_children(conn, lines).await
    }

    /// The prescription's patient must be its visit's patient.
    async fn consistency<C: ConnectionTrait>(&self, conn: &C) -> Result<Vec<FieldError>, DbErr> {
        let visit = e::visit::Entity::find_by_id(self.visit_id.as_str())
            .one(conn)
            .await?;
        Ok(match visit {
            Some(v) if v.patient_id != self.patient_id => vec![FieldError::new(
                field(Self::KIND, "patient_id"),
                format!(
                    "患者 {} 与就诊 {} 的患者 {} 不一致",
                    self.patient_id, self.visit_id, v.patient_id
                ),
            )],
            _ => Vec::new(),
        })
    }
}

#[async_trait::async_trait]
impl Persist for WardDispensing {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::ward_dispensing::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        let lines = e::ward_dispensing_line::Entity::find()
            .filter(e::ward_dispensing_line::Column::ListId.eq(id))
            .order_by_asc(e::ward_dispensing_line::Column::LineNo)
            .all(conn)
            .await?;
        Ok(Some(Stamped {
            record: WardDispensing {
                ward_code: m.ward_code,
                pharmacy_code: m.pharmacy_code,
                issued_at: m.issued_at,
                lines: lines
                    .into_iter()
                    .map(|l| WardLine {
                        line_no: l.line_no,
                        patient_id: l.patient_id,
                        admission_no: l.admission_no,
                        bed_no: l.bed_no,
                        order_id: l.order_id,
                        order_kind: l.order_kind,
                        drug_code: l.drug_code,
                        quantity: l.quantity,
                        mdtrt_id: l.mdtrt_id,
                        ordering_doctor_code: l.ordering_doctor_code,
                    })
                    .collect(),
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::ward_dispensing::Model {
            id: id.to_owned(),
            ward_code: r.ward_code.clone(),
            pharmacy_code: r.pharmacy_code.clone(),
            issued_at: r.issued_at,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        let insert = created_at.is_none();
        put(conn, e::ward_dispensing::ActiveModel::from(m), insert).await?;
        if !insert {
            e::ward_dispensing_line::Entity::delete_many()
                .filter(e::ward_dispensing_line::Column::ListId.eq(id))
                .exec(conn)
                .await?;
        }
        // Chunks keep each statement well below SQLite's limit on bound values.
        for chunk in r.lines.chunks(500) {
            let lines = chunk
                .iter()
                .map(|l| {
                    e::ward_dispensing_line::ActiveModel::from(e::ward_dispensing_line::Model {
                        list_id: id.to_owned(),
                        line_no: l.line_no,
                        patient_id: l.patient_id.clone(),
                        admission_no: l.admission_no.clone(),
                        bed_no: l.bed_no.clone(),
                        order_id: l.order_id.clone(),
                        order_kind: l.order_kind.clone(),
                        drug_code: l.drug_code.clone(),
                        quantity: l.quantity,
                        mdtrt_id: l.mdtrt_id.clone(),
                        ordering_doctor_code: l.ordering_doctor_code.clone(),
                    })
                })
                .collect();
            put_children(conn, lines).await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl Persist for InpatientCase {
    async fn load<C: ConnectionTrait>(conn: &C, id: &str) -> Result<Option<Stamped<Self>>, DbErr> {
        let Some(m) = e::inpatient_case::Entity::find_by_id(id).one(conn).await? else {
            return Ok(None);
        };
        let dx = e::case_diagnosis::Entity::find()
            .filter(e::case_diagnosis::Column::CaseId.eq(id))
            .order_by_asc(e::case_diagnosis::Column::Seq)
            .all(conn)
            .await?;
        let procs = e::case_procedure::Entity::find()
            .filter(e::case_procedure::Column::CaseId.eq(id))
            .order_by_asc(e::case_procedure::Column::Seq)
            .all(conn)
            .await?;
        Ok(Some(Stamped {
            record: InpatientCase {
                patient_id: m.patient_id,
                admission_no: m.admission_no,
                sex: sex_of(&m.sex)?,
                age: m.age,
                age_days: m.age_days,
                birth_weight: m.birth_weight,
                admitted_at: m.admitted_at,
                discharged_at: m.discharged_at,
                los_days: m.los_days,
                discharge_way: m.discharge_way,
                transfer_org: m.transfer_org,
                admit_dept_code: m.admit_dept_code,
                dept_code: m.dept_code,
                doctor_code: m.doctor_code,
                total_cost: m.total_cost,
                self_paid: m.self_paid,
                insurance_type: m.insurance_type,
                setl_id: m.setl_id,
                ventilation_hours: m.ventilation_hours,
                diagnoses: dx
                    .into_iter()
                    .map(|d| CaseDiagnosis {
                        code: d.code,
                        name: d.name,
                        admission_condition: d.admission_condition,
                    })
                    .collect(),
                procedures: procs
                    .into_iter()
                    .map(|p| CaseProcedure {
                        code: p.code,
                        name: p.name,
                        date: p.date,
                        operator: p.operator,
                        anesthesia: p.anesthesia,
                        grade: p.grade,
                    })
                    .collect(),
            },
            content_hash: m.content_hash,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }))
    }

    async fn write<C: ConnectionTrait>(
        conn: &C,
        id: &str,
        r: &Self,
        hash: &str,
        now: DateTime<Utc>,
        created_at: Option<DateTime<Utc>>,
    ) -> Result<(), DbErr> {
        let m = e::inpatient_case::Model {
            id: id.to_owned(),
            patient_id: r.patient_id.clone(),
            admission_no: r.admission_no.clone(),
            sex: r.sex.code().to_owned(),
            age: r.age,
            age_days: r.age_days,
            birth_weight: r.birth_weight,
            admitted_at: r.admitted_at,
            discharged_at: r.discharged_at,
            los_days: r.los_days,
            discharge_way: r.discharge_way.clone(),
            transfer_org: r.transfer_org.clone(),
            admit_dept_code: r.admit_dept_code.clone(),
            dept_code: r.dept_code.clone(),
            doctor_code: r.doctor_code.clone(),
            total_cost: r.total_cost,
            self_paid: r.self_paid,
            insurance_type: r.insurance_type.clone(),
            setl_id: r.setl_id.clone(),
            ventilation_hours: r.ventilation_hours,
            content_hash: hash.to_owned(),
            created_at: created_at.unwrap_or(now),
            updated_at: now,
        };
        let insert = created_at.is_none();
        put(conn, e::inpatient_case::ActiveModel::from(m), insert).await?;
        if !insert {
            e::case_diagnosis::Entity::delete_many()
                .filter(e::case_diagnosis::Column::CaseId.eq(id))
                .exec(conn)
                .await?;
            e::case_procedure::Entity::delete_many()
                .filter(e::case_procedure::Column::CaseId.eq(id))
                .exec(conn)
                .await?;
        }
        let dx = r
            .diagnoses
            .iter()
            .enumerate()
            .map(|(i, d)| {
                e::case_diagnosis::ActiveModel::from(e::case_diagnosis::Model {
                    case_id: id.to_owned(),
                    seq: i as i32,
                    code: d.code.clone(),
                    name: d.name.clone(),
                    admission_condition: d.admission_condition.clone(),
                })
            })
            .collect();
        put_children(conn, dx).await?;
        let procs = r
            .procedures
            .iter()
            .enumerate()
            .map(|(i, p)| {
                e::case_procedure::ActiveModel::from(e::case_procedure::Model {
                    case_id: id.to_owned(),
                    seq: i as i32,
                    code: p.code.clone(),
                    name: p.name.clone(),
                    date: p.date,
                    operator: p.operator.clone(),
                    anesthesia: p.anesthesia.clone(),
                    grade: p.grade.clone(),
                })
            })
            .collect();
        put_children(conn, procs).await
    }
}
