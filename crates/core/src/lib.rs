//! yiqiao-core — the vocabulary every module shares.
//!
//! Pure code only: no I/O, no database, no HTTP. Everything here is parsed, not validated:
//! a value of one of these types is known to be well-formed.

pub mod codes;
pub mod credit_code;
pub mod error;
pub mod id_card;
pub mod mask;
pub mod money;
pub mod role;
pub mod secret;
pub mod time;

pub use codes::{CodeTable, Sex};
pub use credit_code::{CreditCodeError, UnifiedCreditCode};
pub use error::{ErrorKind, FieldError, Refusal};
pub use id_card::{IdCardError, IdCardNo};
pub use mask::{mask_id_no, mask_name, mask_phone};
pub use money::{Fen, MoneyError};
pub use role::{Role, UnknownRole};
pub use time::{Clock, ManualClock, SystemClock, TimeError};
