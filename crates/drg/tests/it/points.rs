//! Points and payment (点数付费): one test per rule of the spec's table, with the expected numbers
//! worked by hand in the comments, and properties over arbitrary rates and costs.

use chrono::NaiveDate;
use proptest::prelude::*;
use yiqiao_core::Fen;
use yiqiao_drg::domain::points::{
    Assessment, CaseForPoints, Category, Coefficient, CoefficientRule, DrgRate, HighBand,
    PointValue, PointValueSource, Points, PolicyError, PolicyTerms, PolicyYear, Readmission,
    ReviewReason, cmi,
};

fn pts(s: &str) -> Points {
    Points::parse(s).unwrap()
}
fn coef(s: &str) -> Coefficient {
    Coefficient::parse(s).unwrap()
}
fn yuan(y: i64) -> Fen {
    Fen::from_yuan(y).unwrap()
}

fn terms() -> PolicyTerms {
    PolicyTerms {
        year: 2026,
        hospital_coefficient: coef("1.02"),
        high_bands: vec![
            HighBand {
                up_to: Some(pts("100")),
                multiple: coef("3"),
            },
            HighBand {
                up_to: Some(pts("200")),
                multiple: coef("2.5"),
            },
            HighBand {
                up_to: None,
                multiple: coef("2"),
            },
        ],
        high_addition: coef("0.9"),
        low_multiple: coef("0.4"),
        low_coefficient: coef("1"),
        extreme_multiple: coef("5"),
        min_group_cases: 5,
        readmission_days: 15,
        point_value: PointValueSource::Entered(PointValue::parse("8050").unwrap()),
    }
}

fn rate(benchmark: &str, avg_yuan: i64, coefficient: CoefficientRule) -> DrgRate {
    DrgRate {
        benchmark: pts(benchmark),
        average_cost: yuan(avg_yuan),
        coefficient,
        daily_points: None,
    }
}

fn drgs() -> Vec<(String, DrgRate)> {
    vec![
        ("ES31".into(), rate("80", 10_000, CoefficientRule::Hospital)),
        (
            "GB11".into(),
            rate("150", 20_000, CoefficientRule::Own(coef("0.95"))),
        ),
        ("BR21".into(), rate("250", 30_000, CoefficientRule::None)),
        (
            "RU14".into(),
            DrgRate {
                daily_points: Some(pts("3.5")),
                ..rate("100", 5_000, CoefficientRule::Hospital)
            },
        ),
    ]
}

fn year() -> PolicyYear {
    PolicyYear::new(terms(), drgs()).unwrap()
}

fn case(drg: &str, cost_yuan: i64) -> CaseForPoints<'_> {
    CaseForPoints {
        drg: Some(drg),
        cost: yuan(cost_yuan),
        days: 10,
        incomplete: false,
        group_cases: None,
    }
}

fn priced(a: &Assessment) -> (Category, String) {
    (a.category, a.points.unwrap().to_string())
}

#[test]
fn point_value_is_read_in_fen_per_point() {
    // 80.50 元 per point is 8 050 分, kept in 万分之一 分.
    let pv = PointValue::parse("8050").unwrap();
    assert_eq!(pv.raw(), 80_500_000);
    assert_eq!(pv.to_string(), "8050.0000");
}

#[test]
fn complete_stay_is_benchmark_times_coefficient() {
    let y = year();
    // 80 × 1.02 = 81.6 (cost 8 000 = 0.8 × average, between the multiples).
    assert_eq!(
        priced(&y.assess(&case("ES31", 8_000))),
        (Category::Complete, "81.6000".into())
    );
    // The DRG's own coefficient: 150 × 0.95 = 142.5.
    assert_eq!(
        priced(&y.assess(&case("GB11", 20_000))),
        (Category::Complete, "142.5000".into())
    );
    // Paid without a coefficient: 250 × 1.
    assert_eq!(
        priced(&y.assess(&case("BR21", 30_000))),
        (Category::Complete, "250.0000".into())
    );
    // 2.9 × average stays below ES31's band multiple (3, benchmark ≤ 100).
    assert_eq!(
        priced(&y.assess(&case("ES31", 29_000))),
        (Category::Complete, "81.6000".into())
    );
}

#[test]
fn high_cost_case_uses_the_band_multiple_and_the_addition() {
    let y = year();
    // ES31 band multiple 3: 35 000 ÷ 10 000 = 3.5 → 81.6 + (3.5 − 3) × 80 × 0.9 = 81.6 + 36 = 117.6.
    assert_eq!(
        priced(&y.assess(&case("ES31", 35_000))),
        (Category::HighCost, "117.6000".into())
    );
    // GB11 (150 ≤ 200) multiple 2.5, exactly at the threshold: 142.5 + 0.
    assert_eq!(
        priced(&y.assess(&case("GB11", 50_000))),
        (Category::HighCost, "142.5000".into())
    );
    // BR21 (over 200) multiple 2: 66 000 ÷ 30 000 = 2.2 → 250 + 0.2 × 250 × 0.9 = 295.
    assert_eq!(
        priced(&y.assess(&case("BR21", 66_000))),
        (Category::HighCost, "295.0000".into())
    );
}

#[test]
fn low_cost_case_is_proportional_to_cost() {
    let y = year();
    // 3 000 ÷ 10 000 = 0.3 ≤ 0.4 → 80 × 1.02 × 0.3 × 1 = 24.48.
    assert_eq!(
        priced(&y.assess(&case("ES31", 3_000))),
        (Category::LowCost, "24.4800".into())
    );
    // Exactly at the low multiple: 81.6 × 0.4 = 32.64.
    assert_eq!(
        priced(&y.assess(&case("ES31", 4_000))),
        (Category::LowCost, "32.6400".into())
    );
    // With a low-cost coefficient of 0.8: 24.48 × 0.8 = 19.584.
    let y = PolicyYear::new(
        PolicyTerms {
            low_coefficient: coef("0.8"),
            ..terms()
        },
        drgs(),
    )
    .unwrap();
    assert_eq!(
        priced(&y.assess(&case("ES31", 3_000))),
        (Category::LowCost, "19.5840".into())
    );
}

#[test]
fn incomplete_stay_is_proportional_and_capped_at_the_benchmark() {
    let y = year();
    let half = CaseForPoints {
        incomplete: true,
        ..case("ES31", 5_000)
    };
    // 81.6 × 0.5 = 40.8.
    assert_eq!(
        priced(&y.assess(&half)),
        (Category::Incomplete, "40.8000".into())
    );
    // 81.6 × 0.99 = 80.784 > 80 → the benchmark 80.
    let near = CaseForPoints {
        incomplete: true,
        ..case("ES31", 9_900)
    };
    assert_eq!(
        priced(&y.assess(&near)),
        (Category::Incomplete, "80.0000".into())
    );
    // Even a very expensive incomplete stay: at most 80.
    let dear = CaseForPoints {
        incomplete: true,
        ..case("ES31", 40_000)
    };
    assert_eq!(
        priced(&y.assess(&dear)),
        (Category::Incomplete, "80.0000".into())
    );
}

#[test]
fn per_diem_drg_is_daily_points_times_days() {
    let y = year();
    // 3.5 × 12 = 42, whatever the cost.
    for cost in [100, 5_000, 90_000] {
        let c = CaseForPoints {
            days: 12,
            ..case("RU14", cost)
        };
        assert_eq!(priced(&y.assess(&c)), (Category::PerDiem, "42.0000".into()));
    }
}

#[test]
fn readmission_within_the_window_halves_the_earlier_stay() {
    let y = year();
    let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
    let base = Readmission {
        earlier_drg: "ES31",
        earlier_discharged: d(3, 1),
        later_drg: "ES31",
        later_admitted: d(3, 16),
        tumour_therapy: false,
        justified: false,
    };
    // 15 days after discharge: halved.
    assert!(y.readmission_halves(&base));
    assert_eq!(pts("81.6").halved().to_string(), "40.8000");
    // Half of 0.0003 rounds half up to 0.0002.
    assert_eq!(Points::from_raw(3).halved(), Points::from_raw(2));
    // 16 days: not a readmission.
    assert!(!y.readmission_halves(&Readmission {
        later_admitted: d(3, 17),
        ..base
    }));
    // Another DRG, tumour radio/chemotherapy, good reason: not halved.
    assert!(!y.readmission_halves(&Readmission {
        later_drg: "GB11",
        ..base
    }));
    assert!(!y.readmission_halves(&Readmission {
        tumour_therapy: true,
        ..base
    }));
    assert!(!y.readmission_halves(&Readmission {
        justified: true,
        ..base
    }));
    // Admitted before the earlier discharge (bad data): not a readmission.
    assert!(!y.readmission_halves(&Readmission {
        later_admitted: d(2, 27),
        ..base
    }));
}

#[test]
fn special_review_flags() {
    let y = year();
    // Ungroupable, or a DRG the year does not price: flagged, no points.
    for drg in [None, Some("ZZ99")] {
        let a = y.assess(&CaseForPoints {
            drg,
            ..case("ES31", 8_000)
        });
        assert_eq!(a.category, Category::Ungroupable);
        assert_eq!(a.points, None);
        assert_eq!(a.review, vec![ReviewReason::Ungroupable]);
        assert!(!a.auto_priced());
    }
    // A group with 4 cases (< 5): flagged, the formula's points kept as provisional.
    let small = y.assess(&CaseForPoints {
        group_cases: Some(4),
        ..case("ES31", 8_000)
    });
    assert_eq!(small.review, vec![ReviewReason::SmallGroup]);
    assert_eq!(small.points, Some(pts("81.6")));
    assert!(!small.auto_priced());
    let enough = y.assess(&CaseForPoints {
        group_cases: Some(5),
        ..case("ES31", 8_000)
    });
    assert!(enough.auto_priced());
    // 5 × average: extreme; also high-cost: 81.6 + (5 − 3) × 80 × 0.9 = 225.6.
    let extreme = y.assess(&case("ES31", 50_000));
    assert_eq!(extreme.review, vec![ReviewReason::ExtremeCost]);
    assert_eq!(priced(&extreme), (Category::HighCost, "225.6000".into()));
}

#[test]
fn estimate_is_points_times_point_value_against_cost() {
    let y = PolicyYear::new(
        PolicyTerms {
            point_value: PointValueSource::Entered(PointValue::parse("8050").unwrap()),
            ..terms()
        },
        drgs(),
    )
    .unwrap();
    // 81.6 points × 80.50 元 = 6 568.80 元; cost 8 000 元 → deficit 1 431.20 元.
    let e = y.estimate(pts("81.6"), yuan(8_000));
    assert_eq!(e.payment, Fen(656_880));
    assert_eq!(e.balance, Fen(-143_120));
    // Surplus: cost 6 000 元 → +568.80 元.
    assert_eq!(y.estimate(pts("81.6"), yuan(6_000)).balance, Fen(56_880));
}

#[test]
fn point_value_from_budget_and_total_points() {
    // 8 050 000 元 ÷ 100 000 points = 80.50 元 = 8 050 分 per point.
    let y = PolicyYear::new(
        PolicyTerms {
            point_value: PointValueSource::Budget {
                budget: yuan(8_050_000),
                total_points: pts("100000"),
            },
            ..terms()
        },
        drgs(),
    )
    .unwrap();
    assert_eq!(y.point_value(), PointValue::parse("8050").unwrap());
    // 1 000 000 元 ÷ 30 000 points = 33.3333… 元 → 3 333.3333 分.
    let y = PolicyYear::new(
        PolicyTerms {
            point_value: PointValueSource::Budget {
                budget: yuan(1_000_000),
                total_points: pts("30000"),
            },
            ..terms()
        },
        drgs(),
    )
    .unwrap();
    assert_eq!(y.point_value().to_string(), "3333.3333");
}

#[test]
fn weight_and_cmi() {
    assert_eq!(pts("80").weight().to_string(), "0.800000");
    assert_eq!(pts("123.4567").weight().to_string(), "1.234567");
    // (0.8 + 1.5 + 2.5) ÷ 3 = 1.6.
    assert_eq!(
        cmi(&[pts("80"), pts("150"), pts("250")])
            .unwrap()
            .to_string(),
        "1.600000"
    );
    // (0.800001 + 0.800000) ÷ 2 = 0.8000005 → 0.800001 (half up).
    assert_eq!(cmi(&[pts("80.0001"), pts("80")]).unwrap().raw(), 800_001);
    assert_eq!(cmi(&[]), None);
}

#[test]
fn parsing_numbers() {
    assert_eq!(coef("1.0235").raw(), 10_235);
    assert_eq!(pts("85").raw(), 850_000);
    assert_eq!(coef("0.4").raw(), 4_000);
    for bad in ["1.23456", "-1", "", ".5", "1,5", "abc", "1.2.3"] {
        assert!(Points::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        Coefficient::parse("x").unwrap_err().to_string(),
        "系数「x」不是有效的数值（非负，最多四位小数）"
    );
}

#[test]
fn inconsistent_years_are_refused() {
    let unordered = PolicyTerms {
        high_bands: vec![
            HighBand {
                up_to: Some(pts("200")),
                multiple: coef("2.5"),
            },
            HighBand {
                up_to: Some(pts("100")),
                multiple: coef("3"),
            },
            HighBand {
                up_to: None,
                multiple: coef("2"),
            },
        ],
        ..terms()
    };
    assert_eq!(
        PolicyYear::new(unordered, drgs()).unwrap_err(),
        PolicyError::HighBands
    );
    let bounded_last = PolicyTerms {
        high_bands: vec![HighBand {
            up_to: Some(pts("100")),
            multiple: coef("3"),
        }],
        ..terms()
    };
    assert_eq!(
        PolicyYear::new(bounded_last, drgs()).unwrap_err(),
        PolicyError::HighBands
    );
    let low = PolicyTerms {
        low_multiple: coef("1"),
        ..terms()
    };
    assert_eq!(
        PolicyYear::new(low, drgs()).unwrap_err(),
        PolicyError::Multiples
    );
    let free = vec![("ES31".to_string(), rate("80", 0, CoefficientRule::Hospital))];
    assert_eq!(
        PolicyYear::new(terms(), free).unwrap_err(),
        PolicyError::AverageCostNotPositive { drg: "ES31".into() }
    );
    let zero_total = PolicyTerms {
        point_value: PointValueSource::Budget {
            budget: yuan(1),
            total_points: Points::ZERO,
        },
        ..terms()
    };
    assert_eq!(
        PolicyYear::new(zero_total, drgs()).unwrap_err(),
        PolicyError::TotalPointsNotPositive
    );
}

fn arbitrary_rate() -> impl Strategy<Value = DrgRate> {
    (
        1_i64..=20_000_000,
        1_i64..=1_000_000_000,
        prop_oneof![
            Just(CoefficientRule::Hospital),
            Just(CoefficientRule::None),
            (1_i64..=30_000).prop_map(|c| CoefficientRule::Own(Coefficient::from_raw(c))),
        ],
        proptest::option::weighted(0.2, 1_i64..=1_000_000),
    )
        .prop_map(|(bm, avg, coefficient, daily)| DrgRate {
            benchmark: Points::from_raw(bm),
            average_cost: Fen(avg),
            coefficient,
            daily_points: daily.map(Points::from_raw),
        })
}

proptest! {
    #[test]
    fn points_are_never_negative_and_incomplete_never_exceeds_the_benchmark(
        rate in arbitrary_rate(),
        cost in -1_000_i64..=10_000_000_000,
        days in 0_u32..=400,
        incomplete in any::<bool>(),
        group_cases in proptest::option::of(0_u32..=50),
    ) {
        let benchmark = rate.benchmark;
        let per_diem = rate.daily_points.is_some();
        let y = PolicyYear::new(terms(), vec![("X".to_string(), rate)]).unwrap();
        let a = y.assess(&CaseForPoints { drg: Some("X"), cost: Fen(cost), days, incomplete, group_cases });
        let points = a.points.unwrap();
        prop_assert!(points >= Points::ZERO);
        if incomplete && !per_diem {
            prop_assert_eq!(a.category, Category::Incomplete);
            prop_assert!(points <= benchmark);
        }
        prop_assert!(y.estimate(points, Fen(0)).payment >= Fen(0));
        prop_assert!(points.halved() <= points);
    }
}

#[test]
fn rate_table_and_bands_read_back_as_written() {
    let text = "# DRG 基准点数 均次费用 系数 床日\nES31 80 10000\nGB11\t150\t20000.50\t0.95\nBR21,250,30000,无\nRU14 100 5000 医院 3.5\n";
    let rates = yiqiao_drg::domain::points::parse_rates(text).unwrap();
    assert_eq!(rates.len(), 4);
    assert_eq!(rates[1].1.average_cost, Fen(2_000_050));
    assert_eq!(rates[1].1.coefficient, CoefficientRule::Own(coef("0.95")));
    assert_eq!(rates[2].1.coefficient, CoefficientRule::None);
    assert_eq!(rates[3].1.daily_points, Some(pts("3.5")));
    let y = PolicyYear::new(terms(), rates.clone()).unwrap();
    let again = yiqiao_drg::domain::points::parse_rates(&y.rates_text()).unwrap();
    let mut sorted = rates;
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(again, sorted);

    for (bad, message) in [
        (
            "ES31 80",
            "病组点数表第 1 行有误：应为「DRG 基准点数 均次费用 [差异系数] [床日点数]」",
        ),
        (
            "\nES31 80 abc",
            "病组点数表第 2 行有误：均次费用不是有效金额（元）",
        ),
        (
            "ES31 80 100 x",
            "病组点数表第 1 行有误：差异系数不是有效数值",
        ),
        ("ES31 80 100\nES31 90 100", "病组点数表中 DRG ES31 重复"),
    ] {
        assert_eq!(
            yiqiao_drg::domain::points::parse_rates(bad)
                .unwrap_err()
                .to_string(),
            message
        );
    }

    let bands = yiqiao_drg::domain::points::parse_bands("100=3; 200=2.5；*=2").unwrap();
    assert_eq!(bands, terms().high_bands);
    assert_eq!(
        yiqiao_drg::domain::points::bands_text(&bands),
        "100.0000=3.0000;200.0000=2.5000;*=2.0000"
    );
    assert!(yiqiao_drg::domain::points::parse_bands("100:3").is_err());
}
