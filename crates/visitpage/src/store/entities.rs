//! Hand-written SeaORM entities of visitpage's tables.

pub mod page {
    use sea_orm::entity::prelude::*;

    /// A stored page; `page_json` is the JSON contract, `unmapped_json` the charges the fee
    /// mapping did not place.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visitpage_page")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub visit_id: String,
        pub card_no: String,
        pub dept_code: String,
        pub doctor: Option<String>,
        pub visited_at: Option<DateTimeUtc>,
        pub state: String,
        pub page_json: String,
        pub unmapped_json: String,
        pub error_count: i32,
        pub warning_count: i32,
        pub assembled_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        /// YYYY-MM of the visit, Asia/Shanghai (统计期).
        pub period: String,
        pub dept_name: Option<String>,
        pub required_total: i32,
        pub required_filled: i32,
        pub main_code_ok: i32,
        pub rules: String,
        pub revision: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod fee_mapping {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visitpage_fee_mapping")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub by_kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub by_code: String,
        pub fee_item: String,
        pub of_which: Option<String>,
        pub updated_at: DateTimeUtc,
        pub updated_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod dict_version {
    use sea_orm::entity::prelude::*;

    /// One import of one code table (字典版本).
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visitpage_dict_version")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: String,
        pub label: String,
        pub sample: i32,
        pub source: String,
        pub entries: i32,
        pub imported_at: DateTimeUtc,
        pub imported_by: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod dict_entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "visitpage_dict_entry")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub version_id: i64,
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
