//! The explanation names the rule that admitted the MDC, the code and list of the ADRG, and
//! each secondary diagnosis' MCC/CC standing with its exclusion table.

use yiqiao_drg::Step;
use yiqiao_drg::domain::{Case, Gender};

use crate::version;

fn case(gender: Gender, age: Option<u32>, dx: &[&str], procs: &[&str]) -> Case {
    Case {
        id: "t".into(),
        gender,
        age_years: age,
        age_days: None,
        birth_weight: None,
        dept: String::new(),
        stay_days: None,
        leaving_type: String::new(),
        diagnoses: dx.iter().map(|s| s.to_string()).collect(),
        procedures: procs.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn zj_input30_first_case_is_explained_step_by_step() {
    // Index 22058878 of the input30 file: expected MDCG / GS1 / GS11.
    let v = version("zj-drg-2022");
    let c = case(
        Gender::Female,
        Some(88),
        &["K22.301", "K11.901", "E11.900", "I10.x05"],
        &["96.0800x005"],
    );
    let e = v.explain(&c);
    assert_eq!(
        (e.grouping.mdc, e.grouping.adrg, e.grouping.drg),
        ("MDCG", "GS1", "GS11")
    );
    let entered = e
        .trace
        .iter()
        .find_map(|s| match s {
            Step::MdcEntered {
                mdc, rule, matches, ..
            } => Some((mdc, rule, matches)),
            _ => None,
        })
        .unwrap();
    assert_eq!(entered.0, "MDCG");
    assert_eq!(*entered.1, "main_dx");
    assert_eq!(entered.2[0].code, "K22.301");
    let adrg = e
        .trace
        .iter()
        .find_map(|s| match s {
            Step::AdrgMatched { adrg, matches, .. } => Some((adrg, matches)),
            _ => None,
        })
        .unwrap();
    assert_eq!(adrg.0, "GS1");
    assert_eq!(adrg.1[0].code, "K22.301");
    assert_eq!(adrg.1[0].list, "GS1/adrg_zd");
    let items = e
        .trace
        .iter()
        .find_map(|s| match s {
            Step::Complications { items, .. } => Some(items),
            _ => None,
        })
        .unwrap();
    assert_eq!(items.len(), 3);
    // GS11 is the MCC split: some secondary must be a counted MCC.
    assert!(
        items.iter().any(|i| i.level == Some("MCC") && !i.excluded),
        "{items:?}"
    );
    let last_split = e
        .trace
        .iter()
        .rev()
        .find_map(|s| match s {
            Step::Split { drg, holds, .. } => Some((drg.clone(), *holds)),
            _ => None,
        })
        .unwrap();
    assert_eq!(last_split, ("GS11".to_string(), true));
}

#[test]
fn an_excluded_complication_is_named_with_its_table() {
    // Find in the data a secondary diagnosis excluded by the principal's table: use the
    // principal as its own secondary when it is itself an MCC/CC with the same table.
    let v = version("zj-drg-2022");
    let mut found = false;
    for dx in v.grouping_diagnoses() {
        let c = case(Gender::Male, Some(50), &[dx, dx], &[]);
        let e = v.explain(&c);
        for s in &e.trace {
            if let Step::Complications {
                items,
                principal_table: Some(t),
                ..
            } = s
                && items[0].excluded
            {
                assert_eq!(items[0].table.as_deref(), Some(t.as_str()));
                assert!(s.to_string().contains("排除"), "{s}");
                found = true;
            }
        }
        if found {
            break;
        }
    }
    assert!(found, "no self-excluding complication found in the data");
}

#[test]
fn input_check_names_the_field_at_fault() {
    let chs = version("chs-drg-1.1");
    let mut c = case(Gender::Male, Some(0), &["P07.100"], &[]);
    c.age_days = Some(3);
    let g = chs.group(&c);
    assert_eq!(g.status.as_str(), "CHECK_FAILED");
    assert_eq!(g.check.as_ref().unwrap().field, "weight");

    c.age_days = None;
    assert_eq!(chs.group(&c).check.unwrap().field, "ageDay");

    // ZJ switches the newborn checks off: empty day age and weight count as 0.
    let zj = version("zj-drg-2022");
    assert_ne!(zj.group(&c).status.as_str(), "CHECK_FAILED");

    let c = case(Gender::Other("3".into()), Some(40), &["K22.301"], &[]);
    for v in [zj, chs] {
        let e = v.explain(&c);
        assert_eq!(e.grouping.check.as_ref().unwrap().field, "gender");
        assert!(matches!(&e.trace[0], Step::InputCheck { field, .. } if field == "gender"));
    }
    let c = case(Gender::Female, None, &["K22.301"], &[]);
    assert_eq!(zj.group(&c).check.unwrap().field, "age");
    let c = case(Gender::Female, Some(3), &[], &[]);
    assert_eq!(zj.group(&c).check.unwrap().field, "ICD10_DRGS");
}

#[test]
fn zj_retry_with_each_other_procedure_is_explained() {
    // A principal diagnosis with an unknown first procedure that matches nothing in ZJ, but a
    // second procedure that is an OR procedure: the retry groups it.
    let v = version("zj-drg-2022");
    let file =
        std::fs::read_to_string(crate::data_dir().join("cases/zj-drg-2022-public.csv")).unwrap();
    let mut seen = 0;
    for line in file.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let c = yiqiao_drg::domain::CaseText {
            index: f[0],
            gender: f[1],
            age: f[2],
            age_day: f[3],
            weight: f[4],
            dept: f[5],
            in_hospital_time: f[6],
            leaving_type: f[7],
            diagnoses: f[8],
            procedures: f[9],
        }
        .parse()
        .unwrap();
        let e = v.explain(&c);
        let retries = e
            .trace
            .iter()
            .filter(|s| matches!(s, Step::Retry { .. }))
            .count();
        if retries > 0 && e.grouping.status.as_str() == "SUCCESS" {
            // Grouping with only the procedure named in the last retry gives the same DRG.
            let Some(Step::Retry { procedure }) = e
                .trace
                .iter()
                .rev()
                .find(|s| matches!(s, Step::Retry { .. }))
            else {
                unreachable!()
            };
            let mut alone = c.clone();
            alone.procedures = vec![procedure.clone()];
            assert_eq!(v.group(&alone).drg, e.grouping.drg, "case {}", c.id);
            seen += 1;
        }
        // CHS never retries.
        let chs = version("chs-drg-1.1").explain(&c);
        assert!(!chs.trace.iter().any(|s| matches!(s, Step::Retry { .. })));
    }
    assert!(seen > 0, "the public ZJ cases contain retried cases");
}
