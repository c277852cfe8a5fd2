//! Every data check: one case that provokes it, and the correct case that passes it.

use chrono::{DateTime, TimeZone, Utc};
use yiqiao_drg::domain::checks::{Rule, Severity, Stay, StayProcedure, check};

use crate::version;

fn at(d: u32, h: u32) -> DateTime<Utc> {
    // Beijing time 2026-03-d h:00.
    Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap() - chrono::Duration::hours(8)
}

/// A correct adult stay: 冠心病 with a stent, admitted 3 月 2 日, discharged 3 月 9 日.
fn good() -> Stay {
    Stay {
        id: "C1".into(),
        sex: "1".into(),
        age_years: Some(67),
        age_days: None,
        birth_weight: None,
        admitted_at: at(2, 10),
        discharged_at: at(9, 9),
        los_days: 7,
        discharge_way: "1".into(),
        transfer_org: None,
        ventilation_hours: None,
        dept_code: "A03.04".into(),
        diagnoses: vec!["I25.103".into(), "I10.x00".into()],
        procedures: vec![StayProcedure {
            code: "36.0700".into(),
            date: Some(at(3, 14)),
        }],
    }
}

/// A correct newborn stay (早产婴儿, 5 天, 2100 克).
fn good_newborn() -> Stay {
    Stay {
        sex: "2".into(),
        age_years: Some(0),
        age_days: Some(5),
        birth_weight: Some(2100),
        diagnoses: vec!["P07.300".into()],
        procedures: vec![],
        ..good()
    }
}

fn rules(s: &Stay) -> Vec<&'static str> {
    check(s, version("zj-drg-2022"))
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

/// `s` fails exactly `rule` (and only it), and the finding names the problem in Chinese.
fn only(s: &Stay, rule: Rule, says: &str) {
    let found = check(s, version("zj-drg-2022"));
    assert_eq!(
        found.iter().map(|f| f.rule).collect::<Vec<_>>(),
        [rule.id()],
        "{found:#?}"
    );
    assert_eq!(found[0].severity, rule.severity());
    assert!(found[0].message.contains(says), "{}", found[0].message);
}

#[test]
fn correct_cases_pass_every_rule() {
    assert_eq!(rules(&good()), Vec::<&str>::new());
    assert_eq!(rules(&good_newborn()), Vec::<&str>::new());
    // Same-day stay counts as one day; a transfer with its institution; ventilation coded right.
    let mut s = good();
    s.discharged_at = at(2, 18);
    s.los_days = 1;
    s.procedures[0].date = Some(at(2, 0));
    s.discharge_way = "2".into();
    s.transfer_org = Some("台州医院".into());
    s.procedures.push(StayProcedure {
        code: "96.7201".into(),
        date: None,
    });
    s.ventilation_hours = Some(96);
    assert_eq!(rules(&s), Vec::<&str>::new());
    s.procedures[1].code = "96.7101".into();
    s.ventilation_hours = Some(95);
    assert_eq!(rules(&s), Vec::<&str>::new());
}

#[test]
fn rule_ids_are_distinct_and_numbered() {
    for (i, r) in Rule::ALL.iter().enumerate() {
        assert_eq!(r.id(), format!("DRG-C{:02}", i + 1));
        assert_eq!(Rule::by_id(r.id()), Some(*r));
        assert!(!r.title().is_empty());
    }
    assert_eq!(Rule::DiagnosisAgeConflict.severity(), Severity::Warning);
    assert_eq!(Rule::SexInvalid.severity(), Severity::Error);
}

#[test]
fn c01_sex_missing_or_not_1_2() {
    only(
        &Stay {
            sex: "".into(),
            ..good()
        },
        Rule::SexInvalid,
        "性别为空",
    );
    only(
        &Stay {
            sex: "9".into(),
            ..good()
        },
        Rule::SexInvalid,
        "「9」",
    );
}

#[test]
fn c02_age_missing() {
    only(
        &Stay {
            age_years: None,
            ..good()
        },
        Rule::AgeMissing,
        "年龄",
    );
}

#[test]
fn c03_age_zero_without_days() {
    only(
        &Stay {
            age_days: None,
            birth_weight: None,
            ..good_newborn()
        },
        Rule::AgeDaysMissing,
        "年龄（天）",
    );
}

#[test]
fn c04_newborn_without_weight() {
    only(
        &Stay {
            birth_weight: None,
            ..good_newborn()
        },
        Rule::NewbornWeightMissing,
        "5 天",
    );
    // Older than 28 days: no weight needed.
    let s = Stay {
        age_days: Some(29),
        birth_weight: None,
        ..good_newborn()
    };
    assert!(!rules(&s).contains(&Rule::NewbornWeightMissing.id()));
}

#[test]
fn c05_weight_out_of_range() {
    only(
        &Stay {
            birth_weight: Some(99),
            ..good_newborn()
        },
        Rule::WeightOutOfRange,
        "99 克",
    );
    only(
        &Stay {
            birth_weight: Some(10_000),
            ..good_newborn()
        },
        Rule::WeightOutOfRange,
        "10000 克",
    );
    for w in [100, 9999] {
        assert_eq!(
            rules(&Stay {
                birth_weight: Some(w),
                ..good_newborn()
            }),
            Vec::<&str>::new()
        );
    }
}

#[test]
fn c06_no_principal_diagnosis() {
    only(
        &Stay {
            diagnoses: vec![],
            ..good()
        },
        Rule::PrincipalMissing,
        "没有主要诊断",
    );
}

#[test]
fn c07_unknown_diagnosis() {
    let mut s = good();
    s.diagnoses[1] = "I10.x99".into();
    only(&s, Rule::DiagnosisUnknown, "「I10.x99」");
}

#[test]
fn c08_unknown_procedure() {
    let mut s = good();
    s.procedures[0].code = "36.0799".into();
    only(&s, Rule::ProcedureUnknown, "「36.0799」");
}

#[test]
fn c09_principal_that_may_not_be_principal() {
    // An external cause (V01.x00 is in the dictionary, so only this rule fires).
    only(
        &Stay {
            diagnoses: vec!["V01.x00".into(), "I25.103".into()],
            ..good()
        },
        Rule::PrincipalNotAllowed,
        "外部原因",
    );
    // As a secondary diagnosis it is fine.
    assert_eq!(
        rules(&Stay {
            diagnoses: vec!["I25.103".into(), "V01.x00".into()],
            ..good()
        }),
        Vec::<&str>::new()
    );
    // A lone asterisk code (also unknown to the dictionary).
    let r = rules(&Stay {
        diagnoses: vec!["J17.0*".into()],
        ..good()
    });
    assert!(r.contains(&Rule::PrincipalNotAllowed.id()), "{r:?}");
}

#[test]
fn c10_diagnosis_conflicts_with_sex() {
    // 前列腺增生 (MDCM, men only) in a woman.
    let s = Stay {
        sex: "2".into(),
        diagnoses: vec!["N40.x00".into()],
        ..good()
    };
    only(&s, Rule::DiagnosisSexConflict, "男性疾病");
    assert_eq!(
        rules(&Stay {
            sex: "1".into(),
            ..s
        }),
        Vec::<&str>::new()
    );
}

#[test]
fn c11_diagnosis_conflicts_with_age() {
    // A newborn diagnosis (MDCP, age 0) in a 67-year-old.
    only(
        &Stay {
            diagnoses: vec!["P07.300".into()],
            ..good()
        },
        Rule::DiagnosisAgeConflict,
        "67 岁",
    );
}

#[test]
fn c12_ventilation_code_against_hours() {
    let vent = |code: &str, hours: Option<i64>| {
        let mut s = good();
        s.procedures.push(StayProcedure {
            code: code.into(),
            date: None,
        });
        s.ventilation_hours = hours;
        s
    };
    only(
        &vent("96.7101", Some(120)),
        Rule::VentilationConflict,
        "120 小时",
    );
    only(
        &vent("96.7201", Some(40)),
        Rule::VentilationConflict,
        "不足 96 小时",
    );
    only(
        &vent("96.7201", None),
        Rule::VentilationConflict,
        "未填呼吸机使用时长",
    );
    assert_eq!(rules(&vent("96.7201", Some(200))), Vec::<&str>::new());
}

#[test]
fn c13_length_of_stay_against_times() {
    only(
        &Stay {
            los_days: 8,
            ..good()
        },
        Rule::StayDaysConflict,
        "应为 7 天",
    );
    // Late-evening admission: Beijing dates decide (3-2 23:30 → 3-3 08:00 is 1 day).
    let s = Stay {
        admitted_at: at(2, 23) + chrono::Duration::minutes(30),
        discharged_at: at(3, 8),
        los_days: 1,
        procedures: vec![],
        ..good()
    };
    assert_eq!(rules(&s), Vec::<&str>::new());
}

#[test]
fn c14_transfer_without_institution() {
    only(
        &Stay {
            discharge_way: "2".into(),
            ..good()
        },
        Rule::TransferOrgMissing,
        "医嘱转院",
    );
    only(
        &Stay {
            discharge_way: "3".into(),
            transfer_org: Some(" ".into()),
            ..good()
        },
        Rule::TransferOrgMissing,
        "拟接收机构",
    );
}

#[test]
fn c15_procedure_date_outside_stay() {
    let mut s = good();
    s.procedures[0].date = Some(at(10, 9));
    only(&s, Rule::ProcedureDateOutsideStay, "2026-03-10");
    s.procedures[0].date = Some(at(1, 23));
    only(&s, Rule::ProcedureDateOutsideStay, "2026-03-01");
}

#[test]
fn the_stay_groups_as_its_case() {
    let v = version("zj-drg-2022");
    let g = v.group(&good().case());
    assert_eq!(g.status.as_str(), "SUCCESS");
    assert_eq!(g.mdc, "MDCF");
}

mod props {
    use proptest::prelude::*;
    use yiqiao_drg::domain::checks::{Rule, Stay, StayProcedure, check};

    use super::{at, good};
    use crate::version;

    fn stay() -> impl Strategy<Value = Stay> {
        (
            prop_oneof![Just("1".to_owned()), Just("2".to_owned()), "[0-9a-z]{0,2}"],
            proptest::option::of(0i64..120),
            proptest::option::of(0i64..400),
            proptest::option::of(0i64..12_000),
            (0u32..20, 0u32..20, 0i64..30),
            prop_oneof![
                Just("1".to_owned()),
                Just("2".to_owned()),
                Just("3".to_owned())
            ],
            proptest::option::of(0i64..300),
            proptest::collection::vec("[A-Z][0-9]{2}\\.[0-9x]{3}\\*?", 0..4),
            proptest::collection::vec(
                (
                    prop_oneof![
                        Just("96.7101".to_owned()),
                        Just("96.7201".to_owned()),
                        "[0-9]{2}\\.[0-9]{4}"
                    ],
                    proptest::option::of(1u32..25),
                ),
                0..3,
            ),
        )
            .prop_map(
                |(sex, age, days, weight, (a, d, los), way, vent, dx, px)| Stay {
                    sex,
                    age_years: age,
                    age_days: days,
                    birth_weight: weight,
                    admitted_at: at(1 + a.min(d), 10),
                    discharged_at: at(1 + a.max(d), 9),
                    los_days: los,
                    discharge_way: way,
                    ventilation_hours: vent,
                    diagnoses: dx,
                    procedures: px
                        .into_iter()
                        .map(|(code, day)| StayProcedure {
                            code,
                            date: day.map(|d| at(d, 12)),
                        })
                        .collect(),
                    ..good()
                },
            )
    }

    proptest! {
        /// The checks never panic; every finding is a known rule with its severity; and the
        /// checks depend on nothing but the stay (the same stay gives the same findings).
        #[test]
        fn findings_are_known_rules(s in stay()) {
            let v = version("zj-drg-2022");
            let found = check(&s, v);
            for f in &found {
                let rule = Rule::by_id(f.rule);
                prop_assert!(rule.is_some(), "{}", f.rule);
                prop_assert_eq!(rule.map(Rule::severity), Some(f.severity));
                prop_assert!(!f.message.is_empty());
            }
            prop_assert_eq!(check(&s, v), found);
            // The grouper accepts every stay as a case.
            let _ = v.group(&s.case());
        }
    }
}
