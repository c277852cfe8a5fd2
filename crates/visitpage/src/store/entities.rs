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
