//! Grouping never panics, whatever the case holds, and the explanation agrees with the result.

use proptest::prelude::*;
use yiqiao_drg::domain::{Case, CaseText, Gender};

use crate::version;

/// Codes drawn from the version's own lists (so rules fire) mixed with arbitrary text.
fn code(pool: &'static [String]) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..pool.len()).prop_map(move |i| pool[i].clone()),
        1 => "[A-Z0-9.x+*|,]{0,12}",
    ]
}

fn pools(name: &str) -> (&'static [String], &'static [String]) {
    let v = version(name);
    let dx: Vec<String> = v
        .grouping_diagnoses()
        .into_iter()
        .map(String::from)
        .collect();
    let pr: Vec<String> = v
        .grouping_procedures()
        .into_iter()
        .map(String::from)
        .collect();
    (Vec::leak(dx), Vec::leak(pr))
}

fn case_strategy(name: &'static str) -> impl Strategy<Value = Case> {
    let (dx, pr) = pools(name);
    (
        prop_oneof![
            Just(Gender::Male),
            Just(Gender::Female),
            Just(Gender::Missing),
            "[a-z0-9]{1,3}".prop_map(Gender::Other)
        ],
        proptest::option::of(0u32..130),
        proptest::option::of(prop_oneof![0u32..40, any::<u32>()]),
        proptest::option::of(prop_oneof![0u32..6000, any::<u32>()]),
        prop_oneof![Just("ICU".to_string()), "[0-9A-Z]{0,6}"],
        proptest::collection::vec(code(dx), 0..8),
        proptest::collection::vec(code(pr), 0..6),
    )
        .prop_map(
            |(gender, age_years, age_days, birth_weight, dept, diagnoses, procedures)| Case {
                id: "p".into(),
                gender,
                age_years,
                age_days,
                birth_weight,
                dept,
                stay_days: None,
                leaving_type: String::new(),
                diagnoses,
                procedures,
            },
        )
}

fn check(name: &'static str, case: &Case) {
    let v = version(name);
    let g = v.group(case);
    let e = v.explain(case);
    assert_eq!(e.grouping, g);
    assert!(!e.trace.is_empty(), "every result has an explanation");
    match g.status {
        yiqiao_drg::Status::Success => {
            assert!(v.drg_name(g.drg).is_some() || g.drg.len() == 3, "{g:?}");
            assert!(g.drg.starts_with(g.adrg));
        }
        _ => assert_eq!((g.mdc, g.adrg, g.drg), ("0000", "00", "0000")),
    }
    for step in &e.trace {
        assert!(!step.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn zj_grouping_never_panics(case in case_strategy("zj-drg-2022")) {
        check("zj-drg-2022", &case);
    }

    #[test]
    fn chs_grouping_never_panics(case in case_strategy("chs-drg-1.1")) {
        check("chs-drg-1.1", &case);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(
        fields in proptest::collection::vec(".{0,20}", 10)
    ) {
        let t = CaseText {
            index: &fields[0], gender: &fields[1], age: &fields[2], age_day: &fields[3],
            weight: &fields[4], dept: &fields[5], in_hospital_time: &fields[6],
            leaving_type: &fields[7], diagnoses: &fields[8], procedures: &fields[9],
        };
        if let Ok(case) = t.parse() {
            check("zj-drg-2022", &case);
            check("chs-drg-1.1", &case);
        }
    }
}
