//! Properties: the sum rules hold to the 分, and the parser and rules never panic.

use chrono::NaiveDate;
use proptest::prelude::*;
use serde_json::{Value, json};
use yiqiao_core::IdCardNo;
use yiqiao_visitpage::domain::rules;
use yiqiao_visitpage::{FeeItem, Page, check};

use super::{dicts, page, tcm_visit};

fn with_fees(amounts: &[i64], total: i64, self_paid: i64) -> Page {
    let mut v = tcm_visit();
    let mut fees = serde_json::Map::new();
    for (item, a) in FeeItem::ALL.iter().zip(amounts) {
        fees.insert(item.key().to_string(), json!(a));
    }
    fees.insert("total".into(), json!(total));
    fees.insert("self_paid".into(), json!(self_paid));
    v["fees"] = Value::Object(fees);
    page(&v)
}

/// Amounts where every "of which" sub-item fits in its parent.
fn consistent_amounts() -> impl Strategy<Value = Vec<i64>> {
    prop::collection::vec(0i64..10_000_000, FeeItem::ALL.len()).prop_map(|mut a| {
        let idx = |i: FeeItem| FeeItem::ALL.iter().position(|x| *x == i).unwrap();
        for sub in FeeItem::ALL {
            if let Some(parent) = sub.parent() {
                a[idx(*sub)] = a[idx(*sub)] % (a[idx(parent)] / 2 + 1);
            }
        }
        a
    })
}

proptest! {
    #[test]
    fn a_total_equal_to_the_item_sum_passes_every_fee_rule(a in consistent_amounts(), share in 0u32..=100) {
        let total: i64 = FeeItem::items().map(|i| a[FeeItem::ALL.iter().position(|x| *x == i).unwrap()]).sum();
        let self_paid = total * i64::from(share) / 100;
        let p = with_fees(&a, total, self_paid);
        let d = dicts();
        for r in [rules::vp_r22, rules::vp_r23, rules::vp_r24, rules::vp_r25, rules::vp_r26, rules::vp_r27] {
            prop_assert_eq!(r(&p, &d), vec![]);
        }
    }

    #[test]
    fn a_total_off_by_any_fen_is_found(a in consistent_amounts(), delta in prop_oneof![-1000i64..0, 1i64..1000]) {
        let total: i64 = FeeItem::items().map(|i| a[FeeItem::ALL.iter().position(|x| *x == i).unwrap()]).sum();
        let p = with_fees(&a, total + delta, 0);
        let f = rules::vp_r23(&p, &dicts());
        prop_assert_eq!(f.len(), 1);
        prop_assert_eq!(f[0].field.as_str(), "fees.total");
    }

    #[test]
    fn sub_items_never_count_towards_the_total(a in consistent_amounts(), extra in 0i64..1000) {
        let total: i64 = FeeItem::items().map(|i| a[FeeItem::ALL.iter().position(|x| *x == i).unwrap()]).sum();
        let mut b = a.clone();
        let anti = FeeItem::ALL.iter().position(|x| *x == FeeItem::Antibacterial).unwrap();
        let west = FeeItem::ALL.iter().position(|x| *x == FeeItem::WesternMedicine).unwrap();
        b[anti] = b[west].min(b[anti] + extra);
        prop_assert_eq!(rules::vp_r23(&with_fees(&b, total, 0), &dicts()), vec![]);
    }

    #[test]
    fn a_generated_resident_id_agrees_with_its_birth_date_and_sex(
        days in 0i64..40_000, seq in 0u16..1000
    ) {
        let birth = NaiveDate::from_ymd_opt(1910, 1, 1).unwrap() + chrono::Duration::days(days);
        prop_assume!(birth <= NaiveDate::from_ymd_opt(2026, 11, 2).unwrap());
        let id = IdCardNo::compose("331002", birth, seq).unwrap();
        let mut v = tcm_visit();
        v["id_no"] = json!(id.as_str());
        v["birth_date"] = json!(birth.format("%Y-%m-%d").to_string());
        v["sex"] = json!(if seq % 2 == 1 { "1" } else { "2" });
        let p = page(&v);
        let d = dicts();
        for r in [rules::vp_r04, rules::vp_r05, rules::vp_r06, rules::vp_r09] {
            prop_assert_eq!(r(&p, &d), vec![]);
        }
        // Changing any one of the first 17 digits breaks the check character.
        let mut chars: Vec<char> = id.as_str().chars().collect();
        let pos = usize::from(seq) % 17;
        let c = chars[pos].to_digit(10).unwrap();
        chars[pos] = char::from_digit((c + 1) % 10, 10).unwrap();
        v["id_no"] = json!(chars.into_iter().collect::<String>());
        prop_assert_eq!(rules::vp_r04(&page(&v), &d).len(), 1);
    }

    #[test]
    fn any_mobile_number_is_plausible(rest in "[3-9][0-9]{9}") {
        let phone = format!("1{rest}");
        prop_assert!(rules::is_plausible_phone(&phone));
    }

    #[test]
    fn the_parser_and_rules_never_panic_on_any_field_value(
        key in prop::sample::select(vec!["name", "sex", "birth_date", "visited_at", "fees", "address",
            "western_diagnoses", "procedures", "phone", "id_no", "org_credit_code", "tcm_disease"]),
        s in ".{0,40}", n in any::<i64>(), which in 0u8..4
    ) {
        let mut v = tcm_visit();
        v[key] = match which { 0 => json!(s), 1 => json!(n), 2 => json!([s]), _ => json!({"name": s}) };
        if let Ok(p) = Page::from_json(&v) {
            let _ = check(&p, &dicts());
        }
        let mut w = tcm_visit();
        w["fees"]["laboratory"] = json!(n);
        w["fees"]["total"] = json!(n);
        let p = page(&w);
        let _ = check(&p, &dicts());
    }
}

proptest! {
    /// 元 typed back from what the form shows is the same 分, for every amount.
    #[test]
    fn yuan_round_trips_to_the_fen(fen in -1_000_000_000_000i64..1_000_000_000_000i64) {
        let shown = yiqiao_visitpage::domain::form::yuan(fen);
        prop_assert_eq!(yiqiao_visitpage::domain::form::parse_yuan(&shown), Some(fen));
    }

    /// Anything that is not 元 with at most two decimals is refused, never misread.
    #[test]
    fn malformed_yuan_is_refused(s in "[0-9]{0,4}[.,][0-9]{3,5}|[a-z]{1,4}[0-9]{0,3}|[0-9]{1,3}\\.[0-9]{1,2}[a-z]") {
        prop_assert_eq!(yiqiao_visitpage::domain::form::parse_yuan(&s), None);
    }

    /// The edit form gives back the page it was filled from, whatever the fees.
    #[test]
    fn the_form_round_trips_a_page(total in 0i64..10_000_000, other in 0i64..10_000_000) {
        let mut p = page(&super::emergency_visit());
        p.fees.total = Some(total);
        p.fees.set(yiqiao_visitpage::FeeItem::Other, other);
        let pairs: Vec<(String, String)> = yiqiao_visitpage::domain::form::sections(&p)
            .into_iter()
            .flat_map(|s| s.fields.into_iter().map(|f| (f.path, f.value)))
            .collect();
        let back = yiqiao_visitpage::domain::form::page_from_form(&pairs).unwrap();
        prop_assert_eq!(back, p);
    }
}
