//! The tables of the HIS data, as SeaORM entities (one module per table).
//!
//! Record tables carry `content_hash` (SHA-256 of the stored record's canonical JSON),
//! `created_at` and `updated_at`. Child tables are replaced as a whole when their record
//! changes.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod client {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_client")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub name: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_by: Option<String>,
    }

    no_relations!();
}

pub mod department {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_department")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name: String,
        pub kind: String,
        pub campus: Option<String>,
        pub tcm: bool,
        pub online_booking: bool,
        pub intro: Option<String>,
        pub active: bool,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod staff {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_staff")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name: String,
        pub role: String,
        pub dept_code: String,
        pub title: Option<String>,
        pub licence_no: Option<String>,
        pub id_type: Option<String>,
        pub id_no: Option<String>,
        pub specialty: Option<String>,
        pub intro: Option<String>,
        pub active: bool,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod patient {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_patient")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub card_no: String,
        pub name: String,
        pub sex: String,
        pub birth_date: Date,
        pub id_type: String,
        pub id_no: String,
        pub nationality: Option<String>,
        pub ethnicity: Option<String>,
        pub marital: Option<String>,
        pub address_province: Option<String>,
        pub address_city: Option<String>,
        pub address_county: Option<String>,
        pub address_detail: Option<String>,
        pub phone: Option<String>,
        pub drug_allergy: Option<String>,
        pub allergy_drugs: Option<String>,
        pub other_allergy: Option<String>,
        pub other_allergens: Option<String>,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod drug {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_drug")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub generic_name: String,
        pub trade_name: Option<String>,
        pub category: String,
        pub spec: String,
        pub form: String,
        pub manufacturer: String,
        pub approval_no: Option<String>,
        pub nhsa_code: Option<String>,
        pub rx: bool,
        pub antibacterial: bool,
        pub unit: String,
        pub pack_unit: Option<String>,
        pub pack_size: i64,
        pub price: Option<i64>,
        pub active: bool,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod visit {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_visit")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub patient_id: String,
        pub visit_type: String,
        pub dept_code: String,
        pub doctor_code: String,
        pub registered_at: Option<DateTimeUtc>,
        pub checked_in_at: Option<DateTimeUtc>,
        pub visited_at: Option<DateTimeUtc>,
        pub revisit: Option<bool>,
        pub infusion: Option<bool>,
        pub chronic_special: Option<bool>,
        pub triage_level: Option<String>,
        pub emergency_destination: Option<String>,
        pub admission_cert_at: Option<DateTimeUtc>,
        pub mdtrt_id: Option<String>,
        pub settled_at: Option<DateTimeUtc>,
        pub cancelled: bool,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod visit_diagnosis {
    use sea_orm::entity::prelude::*;

    /// `kind`: `western`, `tcm_disease` or `tcm_syndrome`; `seq` from 0 in record order.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_visit_diagnosis")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i32,
        pub code: Option<String>,
        pub name: String,
    }

    no_relations!();
}

pub mod visit_procedure {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_visit_procedure")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i32,
        pub date: DateTimeUtc,
        pub name: String,
        pub code: Option<String>,
        pub anesthesia: Option<String>,
        pub grade: Option<String>,
        pub operator: Option<String>,
        pub anesthetist: Option<String>,
    }

    no_relations!();
}

pub mod charge {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_charge")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub visit_id: String,
        pub item_code: String,
        pub item_name: String,
        pub category: String,
        pub category_name: Option<String>,
        pub drug_code: Option<String>,
        pub dept_code: Option<String>,
        pub unit_price: Option<i64>,
        pub quantity: i64,
        pub amount: i64,
        pub self_paid: i64,
        pub charged_at: DateTimeUtc,
        pub settlement_id: Option<String>,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod prescription {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_prescription")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub rx_no: String,
        pub visit_id: String,
        pub patient_id: String,
        pub doctor_code: String,
        pub dept_code: Option<String>,
        pub pharmacy_code: Option<String>,
        pub prescribed_at: DateTimeUtc,
        pub rx_type: Option<String>,
        pub self_pay: bool,
        pub setl_id: Option<String>,
        pub mdtrt_id: Option<String>,
        pub psn_no: Option<String>,
        pub settled_at: Option<DateTimeUtc>,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod prescription_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_prescription_line")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub rx_no: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub line_no: i64,
        pub drug_code: String,
        pub quantity: i64,
        pub dosage: Option<String>,
        pub frequency: Option<String>,
        pub route: Option<String>,
        pub days: Option<i64>,
        pub unit_price: Option<i64>,
        pub amount: Option<i64>,
    }

    no_relations!();
}

pub mod ward_dispensing {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_ward_dispensing")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub ward_code: String,
        pub pharmacy_code: Option<String>,
        pub issued_at: DateTimeUtc,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod ward_dispensing_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_ward_dispensing_line")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub list_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub line_no: i64,
        pub patient_id: String,
        pub admission_no: Option<String>,
        pub bed_no: Option<String>,
        pub order_id: String,
        pub order_kind: Option<String>,
        pub drug_code: String,
        pub quantity: i64,
        pub mdtrt_id: Option<String>,
        /// 开嘱医生: the staff code of the doctor who wrote the order, when the HIS sends it.
        pub ordering_doctor_code: Option<String>,
    }

    no_relations!();
}

pub mod inpatient_case {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_inpatient_case")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub patient_id: String,
        pub admission_no: String,
        pub sex: String,
        pub age: i64,
        pub age_days: Option<i64>,
        pub birth_weight: Option<i64>,
        pub admitted_at: DateTimeUtc,
        pub discharged_at: DateTimeUtc,
        pub los_days: i64,
        pub discharge_way: String,
        pub transfer_org: Option<String>,
        pub admit_dept_code: Option<String>,
        pub dept_code: String,
        pub doctor_code: String,
        pub total_cost: i64,
        pub self_paid: Option<i64>,
        pub insurance_type: Option<String>,
        pub setl_id: Option<String>,
        pub ventilation_hours: Option<i64>,
        pub content_hash: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod case_diagnosis {
    use sea_orm::entity::prelude::*;

    /// `seq` 0 is the principal diagnosis.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_case_diagnosis")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i32,
        pub code: String,
        pub name: Option<String>,
        pub admission_condition: Option<String>,
    }

    no_relations!();
}

pub mod case_procedure {
    use sea_orm::entity::prelude::*;

    /// `seq` 0 is the main procedure.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "his_case_procedure")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub case_id: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i32,
        pub code: String,
        pub name: Option<String>,
        pub date: Option<DateTimeUtc>,
        pub operator: Option<String>,
        pub anesthesia: Option<String>,
        pub grade: Option<String>,
    }

    no_relations!();
}
