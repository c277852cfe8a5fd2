//! The module's tables, as SeaORM entities (one module per table).

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

/// `trace_drug_policy`: a drug's trace policy, when set (absent = scan).
pub mod drug_policy {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_drug_policy")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub drug_code: String,
        pub policy: String,
        pub reason: Option<String>,
        pub updated_at: DateTimeUtc,
        pub updated_by: String,
    }

    no_relations!();
}

/// `trace_ident_code`: 药品标识码 / GTIN / MA product → drug, level, units.
pub mod ident_code {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_ident_code")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub value: String,
        pub drug_code: String,
        pub level: String,
        pub units: i64,
        pub created_at: DateTimeUtc,
        pub created_by: String,
    }

    no_relations!();
}

/// `trace_receipt`: 采购入库单.
pub mod receipt {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_receipt")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub supplier_name: String,
        pub supplier_licence: Option<String>,
        pub invoice_no: Option<String>,
        pub dynt_no: Option<String>,
        pub location: String,
        /// `draft` (scanning) or `confirmed`.
        pub state: String,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub confirmed_by: Option<String>,
    }

    no_relations!();
}

/// `trace_receipt_line`: one drug and batch of a receipt, with 应扫 / 已扫.
pub mod receipt_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_receipt_line")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub receipt_id: i64,
        pub line_no: i32,
        pub drug_code: String,
        pub batch_no: String,
        pub manu_date: Date,
        pub expiry: Date,
        pub packages: i64,
        pub required: i64,
        pub scanned: i64,
        pub price_fen: Option<i64>,
    }

    no_relations!();
}

/// `trace_code`: every code received, one row per package, with its state.
pub mod code {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_code")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub code_key: String,
        pub raw: String,
        pub format: String,
        pub drug_code: String,
        pub level: String,
        pub units: i64,
        /// `pending`, `in_stock`, …
        pub state: String,
        pub receipt_id: i64,
        pub receipt_line_id: i64,
        pub location: String,
        pub received_at: DateTimeUtc,
        pub received_by: String,
        pub updated_at: DateTimeUtc,
        /// The dispense holding (`dispensing`) or having dispensed (`dispensed`) it.
        pub dispense_id: Option<i64>,
        pub dispense_line_id: Option<i64>,
        pub dispensed_at: Option<DateTimeUtc>,
        pub dispensed_by: Option<String>,
        /// The ward line holding or having dispensed it (住院病区发药).
        pub ward_line_id: Option<i64>,
        /// The supplier return line holding or having returned it (采购退货).
        pub supplier_return_line_id: Option<i64>,
        /// Smallest units an opened package (拆零, `opened`/`used_up`) has left; null until opened.
        pub units_left: Option<i64>,
    }

    no_relations!();
}

/// `trace_dispense`: 门诊发药 of one prescription.
pub mod dispense {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_dispense")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub rx_no: String,
        pub pharmacy_code: Option<String>,
        /// `open` (scanning) or `confirmed`.
        pub state: String,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub confirmed_by: Option<String>,
    }

    no_relations!();
}

/// `trace_dispense_line`: one prescription line: 应扫, 已扫, 拆零, why uncollected.
pub mod dispense_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_dispense_line")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dispense_id: i64,
        pub rx_line_no: i64,
        pub drug_code: String,
        pub quantity: i64,
        pub pack_size: i64,
        pub required: i64,
        pub split_qty: i64,
        pub scanned: i64,
        pub uncollected_reason: Option<String>,
        /// Smallest units of `split_qty` drawn from opened packages (拆零扫码).
        pub split_drawn: i64,
    }

    no_relations!();
}

/// `trace_split_draw`: smallest units of an opened package drawn for a dispense line (拆零).
pub mod split_draw {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_split_draw")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dispense_id: i64,
        pub dispense_line_id: i64,
        pub code_key: String,
        pub units: i64,
        pub drawn_at: DateTimeUtc,
        pub drawn_by: String,
        pub returned_at: Option<DateTimeUtc>,
        pub returned_by: Option<String>,
    }

    no_relations!();
}

/// `trace_return`: a code given back on a partial return (部分退药).
pub mod return_ {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_return")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub dispense_id: i64,
        pub dispense_line_id: i64,
        pub code_key: String,
        /// `in_stock` (resold) or `quarantined` (cannot be resold).
        pub to_state: String,
        pub returned_at: DateTimeUtc,
        pub returned_by: String,
    }

    no_relations!();
}

/// `trace_ward_dispense`: 住院病区发药 of one HIS ward dispensing list.
pub mod ward_dispense {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_ward_dispense")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        #[sea_orm(unique)]
        pub list_id: String,
        pub ward_code: String,
        pub pharmacy_code: Option<String>,
        /// `open` (scanning) or `confirmed`.
        pub state: String,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub confirmed_by: Option<String>,
    }

    no_relations!();
}

/// `trace_ward_line`: one line of a ward list (patient, order, drug): 应扫, 已扫, 拆零.
pub mod ward_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_ward_line")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ward_dispense_id: i64,
        pub line_no: i64,
        pub patient_id: String,
        pub admission_no: Option<String>,
        pub bed_no: Option<String>,
        pub order_id: String,
        pub mdtrt_id: Option<String>,
        pub drug_code: String,
        pub quantity: i64,
        pub pack_size: i64,
        pub required: i64,
        pub split_qty: i64,
        pub scanned: i64,
        pub uncollected_reason: Option<String>,
        /// When its 3505 was queued (at confirmation, or at the patient's settlement).
        pub sale_queued_at: Option<DateTimeUtc>,
        /// Smallest units of `split_qty` drawn from opened packages (拆零扫码).
        pub split_drawn: i64,
    }

    no_relations!();
}

/// `trace_ward_split_draw`: smallest units of an opened package drawn for a ward line (拆零).
pub mod ward_split_draw {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_ward_split_draw")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ward_dispense_id: i64,
        pub ward_line_id: i64,
        pub code_key: String,
        pub units: i64,
        pub drawn_at: DateTimeUtc,
        pub drawn_by: String,
        pub returned_at: Option<DateTimeUtc>,
        pub returned_by: Option<String>,
    }

    no_relations!();
}

/// `trace_ward_return`: a code a nurse gave back to the pharmacy (护士退药).
pub mod ward_return {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_ward_return")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub ward_dispense_id: i64,
        pub ward_line_id: i64,
        pub code_key: String,
        /// `in_stock` or `quarantined`.
        pub to_state: String,
        pub returned_at: DateTimeUtc,
        pub returned_by: String,
    }

    no_relations!();
}

/// `trace_supplier_return`: 采购退货 of packages of one confirmed receipt.
pub mod supplier_return {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_supplier_return")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub receipt_id: i64,
        pub reason: String,
        /// `draft` (scanning) or `confirmed`.
        pub state: String,
        pub created_at: DateTimeUtc,
        pub created_by: String,
        pub confirmed_at: Option<DateTimeUtc>,
        pub confirmed_by: Option<String>,
    }

    no_relations!();
}

/// `trace_supplier_return_line`: packages of one receipt line going back, 应扫 / 已扫.
pub mod supplier_return_line {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_supplier_return_line")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub return_id: i64,
        pub line_no: i32,
        pub receipt_line_id: i64,
        pub drug_code: String,
        pub packages: i64,
        pub required: i64,
        pub scanned: i64,
    }

    no_relations!();
}

/// `trace_stock_change`: a code that left stock by a recorded change (盘损, 销毁).
pub mod stock_change {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_stock_change")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `inv_chg_type` (104 盘损, 105 销毁).
        pub chg_type: String,
        pub code_key: String,
        pub from_state: String,
        pub memo: Option<String>,
        pub changed_at: DateTimeUtc,
        pub changed_by: String,
    }

    no_relations!();
}

/// `trace_code_relation`: a child code of a case (父子码关系).
pub mod relation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_code_relation")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub parent_key: String,
        #[sea_orm(unique)]
        pub child_key: String,
        pub child_raw: String,
        pub imported_at: DateTimeUtc,
        pub imported_by: String,
    }

    no_relations!();
}

/// `trace_refusal`: one refused scan (for the figures).
pub mod refusal {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "trace_refusal")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// `receipt`, `dispense`, `ward`, `supplier_return`.
        pub flow: String,
        pub doc_id: i64,
        /// 库位 / 药房 / 病区.
        pub dept: String,
        /// The refusal's code, e.g. `ALREADY_DISPENSED`.
        pub reason: String,
        pub message: String,
        pub raw: String,
        pub refused_at: DateTimeUtc,
        pub refused_by: String,
    }

    no_relations!();
}
