//! The upload template (上报模板): one row per visit, the header row the column codes of the
//! specification, repeated fields expanded `…1…N` without gaps, times `yyyy-MM-dd HH:mm:ss`,
//! money in 元 with two decimals. Pure: the cells; the workbook is written in `crate::export`.

use super::form::{PROCEDURE_ROWS, SYNDROME_ROWS};
use super::page::{DATE_FORMAT, FeeItem, Page, TIME_FORMAT};
use super::rules::MAX_OTHER_DIAGNOSES;

/// One cell of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// 分, written as 元 with two decimals.
    Money(i64),
}

/// The header row.
pub fn columns() -> Vec<String> {
    let mut c: Vec<String> = [
        "JGMC",
        "JZKH",
        "XM",
        "XB",
        "CSRQ",
        "HY",
        "GJ",
        "MZ",
        "ZJLB",
        "ZJHM",
        "XZZ",
        "LXDH",
        "YWGMS",
        "GMYW",
        "QTGMS",
        "QTGMY",
        "GHSJ",
        "BDSJ",
        "JZSJ",
        "JZKSDM",
        "JZKS",
        "JZYS",
        "JZYSZC",
        "JZLX",
        "FZ",
        "SY",
        "MZMTBHZ",
        "JZHZFJ",
        "JZHZQX",
        "ZYZKJSJ",
        "MZZD_ZYZD",
        "MZZD_JBBM",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect();
    for i in 1..=MAX_OTHER_DIAGNOSES {
        c.push(format!("MZZD_QTZD{i}"));
        c.push(format!("MZZD_JBBM{i}"));
    }
    c.push("MZD_ZB".into());
    c.push("JBDM_ZB".into());
    for i in 1..=SYNDROME_ROWS {
        c.push(format!("MZD_ZZ{i}"));
        c.push(format!("JBDM_ZZ{i}"));
    }
    for i in 1..=PROCEDURE_ROWS {
        for k in [
            "SSCZRQ", "SSCZMC", "SSCZBM", "MZFS", "SHJB", "SSCZZ", "MZYS",
        ] {
            c.push(format!("{k}{i}"));
        }
    }
    c.push("ZFY".into());
    c.push("ZFJE".into());
    for item in FeeItem::ALL {
        c.push(item.column().to_string());
    }
    c
}

fn t(v: &Option<String>) -> Cell {
    Cell::Text(v.clone().unwrap_or_default())
}

fn time(v: Option<chrono::NaiveDateTime>) -> Cell {
    Cell::Text(
        v.map(|x| x.format(TIME_FORMAT).to_string())
            .unwrap_or_default(),
    )
}

/// The row of one page, in the order of [`columns`].
pub fn row(p: &Page) -> Vec<Cell> {
    let addr = [
        &p.address.province,
        &p.address.city,
        &p.address.county,
        &p.address.detail,
    ]
    .iter()
    .filter_map(|x| x.as_deref())
    .collect::<String>();
    let mut r = vec![
        t(&p.org_name),
        t(&p.card_no),
        t(&p.name),
        t(&p.sex),
        Cell::Text(
            p.birth_date
                .map(|d| d.format(DATE_FORMAT).to_string())
                .unwrap_or_default(),
        ),
        t(&p.marital),
        t(&p.nationality),
        t(&p.ethnicity),
        t(&p.id_type),
        t(&p.id_no),
        Cell::Text(addr),
        t(&p.phone),
        t(&p.drug_allergy),
        t(&p.allergy_drugs),
        t(&p.other_allergy),
        t(&p.other_allergens),
        time(p.registered_at),
        time(p.checked_in_at),
        time(p.visited_at),
        t(&p.dept_code),
        t(&p.dept_name),
        t(&p.doctor),
        t(&p.doctor_title),
        t(&p.visit_type),
        t(&p.revisit),
        t(&p.infusion),
        t(&p.chronic_special),
        t(&p.triage_level),
        t(&p.emergency_destination),
        time(p.admission_cert_at),
    ];
    let main = p.western_diagnoses.first();
    r.push(t(&main.and_then(|d| d.name.clone())));
    r.push(t(&main.and_then(|d| d.code.clone())));
    for i in 1..=MAX_OTHER_DIAGNOSES {
        let d = p.western_diagnoses.get(i);
        r.push(t(&d.and_then(|d| d.name.clone())));
        r.push(t(&d.and_then(|d| d.code.clone())));
    }
    r.push(t(&p.tcm_disease.as_ref().and_then(|d| d.name.clone())));
    r.push(t(&p.tcm_disease.as_ref().and_then(|d| d.code.clone())));
    for i in 0..SYNDROME_ROWS {
        let d = p.tcm_syndromes.get(i);
        r.push(t(&d.and_then(|d| d.name.clone())));
        r.push(t(&d.and_then(|d| d.code.clone())));
    }
    for i in 0..PROCEDURE_ROWS {
        match p.procedures.get(i) {
            Some(x) => {
                r.push(time(x.date));
                r.push(t(&x.name));
                r.push(t(&x.code));
                r.push(t(&x.anesthesia));
                r.push(t(&x.grade));
                r.push(t(&x.operator));
                r.push(t(&x.anesthetist));
            }
            None => r.extend(std::iter::repeat_n(Cell::Text(String::new()), 7)),
        }
    }
    r.push(Cell::Money(p.fees.total.unwrap_or(0)));
    r.push(Cell::Money(p.fees.self_paid.unwrap_or(0)));
    for item in FeeItem::ALL {
        r.push(Cell::Money(p.fees.get(*item)));
    }
    r
}
