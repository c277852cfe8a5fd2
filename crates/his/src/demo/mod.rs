//! The demo hospital (台州市中西医结合医院, demo data): departments, doctors, patients with valid
//! synthetic ID numbers of the Taizhou area, drugs, a month of outpatient visits with
//! diagnoses, procedures, charges and prescriptions, one ward with inpatients and dispensing
//! lists, and a year of discharged inpatient cases.
//!
//! Deterministic: the same seed and the same day give the same data (a ChaCha RNG), so loading
//! twice is "unchanged" throughout. Every record is generated as the JSON the HIS would send
//! and goes through the same parsing and upsert as the feed, in transactions of
//! [`DemoOptions::batch_size`] records. Audit: one row per batch (`his.demo.load`, naming the
//! kind, the id range and the counts) instead of one per record, to keep the load fast.

pub mod data;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::DbErr;
use serde_json::{Value, json};
use yiqiao_core::time::{LOCAL_FORMAT, local_today};
use yiqiao_core::{ErrorKind, FieldError, IdCardNo, Refusal};
use yiqiao_store::Db;
use yiqiao_store::audit::{self, Actor, Change};

use crate::HisError;
use crate::domain::{
    Charge, Department, Drug, InpatientCase, Kind, Patient, Prescription, Staff, Visit,
    WardDispensing,
};
use crate::store::{Known, Outcome, Persist, WriteCtx, upsert_in};
use data::*;

/// What to generate.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub seed: u64,
    pub patients: usize,
    pub doctors: usize,
    pub drugs: usize,
    /// Outpatient visits over the last [`visit_days`](Self::visit_days) days.
    pub visits: usize,
    pub visit_days: u32,
    /// Patients lying on the ward now.
    pub inpatients: usize,
    /// Days of ward dispensing lists (one list a day).
    pub ward_days: u32,
    /// Discharged inpatient cases over the last 365 days.
    pub inpatient_cases: usize,
    /// A folder with `dx_names.tsv` and `proc_names.tsv` (`code<TAB>name`, header line), e.g.
    /// `…/drg/zj-drg-2022/icd`: when given, diagnosis and procedure names are taken from it.
    pub icd_dir: Option<PathBuf>,
    /// Records per transaction.
    pub batch_size: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 20_261_102,
            patients: 3000,
            doctors: 80,
            drugs: 300,
            visits: 3000,
            visit_days: 30,
            inpatients: 30,
            ward_days: 3,
            inpatient_cases: 2000,
            icd_dir: None,
            batch_size: 500,
        }
    }
}

/// What was loaded (records of each kind, whether new or not).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoSummary {
    pub departments: usize,
    pub staff: usize,
    pub patients: usize,
    pub drugs: usize,
    pub visits: usize,
    pub charges: usize,
    pub prescriptions: usize,
    pub ward_dispensing: usize,
    pub inpatient_cases: usize,
    /// Records newly created (the rest were already there, unchanged or updated).
    pub created: usize,
    /// Whether names came from the ICD files.
    pub icd_names: bool,
}

/// Why the demo could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("无法读取 ICD 名称文件 {path}：{source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("演示数据 {kind} {id} 未通过校验：{}", .fields.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("；"))]
    Invalid {
        kind: Kind,
        id: String,
        fields: Vec<FieldError>,
    },
    #[error("数据库错误：{0}")]
    Db(#[from] DbErr),
}

impl Refusal for DemoError {
    fn kind(&self) -> ErrorKind {
        match self {
            DemoError::Io { .. } => ErrorKind::BadRequest,
            DemoError::Invalid { .. } | DemoError::Db(_) => ErrorKind::Internal,
        }
    }
    fn code(&self) -> &'static str {
        match self {
            DemoError::Io { .. } => "DEMO_ICD_FILE",
            DemoError::Invalid { .. } => "DEMO_INVALID",
            DemoError::Db(_) => "DATABASE",
        }
    }
}

/// Diagnosis and procedure names from the ICD files, if given.
#[derive(Debug, Default)]
struct Names {
    dx: HashMap<String, String>,
    proc: HashMap<String, String>,
}

impl Names {
    fn load(dir: &Path) -> Result<Names, DemoError> {
        let read = |file: &str| -> Result<HashMap<String, String>, DemoError> {
            let path = dir.join(file);
            let text = std::fs::read_to_string(&path).map_err(|source| DemoError::Io {
                path: path.display().to_string(),
                source,
            })?;
            Ok(text
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once('\t'))
                .map(|(c, n)| (c.trim().to_owned(), n.trim().to_owned()))
                .collect())
        };
        Ok(Names {
            dx: read("dx_names.tsv")?,
            proc: read("proc_names.tsv")?,
        })
    }

    fn dx(&self, code: &str, fallback: &str) -> String {
        self.dx
            .get(code)
            .cloned()
            .unwrap_or_else(|| fallback.to_owned())
    }

    fn proc(&self, code: &str, fallback: &str) -> String {
        self.proc
            .get(code)
            .cloned()
            .unwrap_or_else(|| fallback.to_owned())
    }
}

/// A generated patient, as the generator needs it.
#[derive(Debug, Clone)]
struct P {
    id: String,
    male: bool,
    birth: NaiveDate,
}

/// A generated doctor.
#[derive(Debug, Clone)]
struct Doc {
    code: String,
    name: String,
    title: &'static str,
}

/// A generated drug.
#[derive(Debug, Clone)]
struct D {
    code: String,
    name: String,
    category: &'static str,
    price: i64,
    antibacterial: bool,
    pack: i64,
}

/// The whole generated hospital, in feed order.
struct Hospital {
    records: Vec<(Kind, Vec<(String, Value)>)>,
}

fn fmt_local(t: NaiveDateTime) -> String {
    t.format(LOCAL_FORMAT).to_string()
}

fn at(day: NaiveDate, minutes: i64) -> NaiveDateTime {
    day.and_time(NaiveTime::MIN) + Duration::minutes(minutes)
}

fn weighted<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T], weight: impl Fn(&T) -> u32) -> &'a T {
    let total: u32 = items.iter().map(&weight).sum();
    let mut pick = rng.gen_range(0..total.max(1));
    for item in items {
        let w = weight(item);
        if pick < w {
            return item;
        }
        pick -= w;
    }
    // Only reached when every weight is zero.
    &items[0]
}

fn person_name(rng: &mut ChaCha8Rng, male: bool) -> String {
    let mut s = String::from(*SURNAMES.choose(rng).unwrap_or(&"王"));
    let pool = if male { GIVEN_MALE } else { GIVEN_FEMALE };
    let n = if rng.gen_bool(0.3) { 1 } else { 2 };
    for _ in 0..n {
        s.push_str(pool.choose(rng).unwrap_or(&"明"));
    }
    s
}

fn digits(rng: &mut ChaCha8Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> Option<&'a T> {
    items.choose(rng)
}

fn generate(opts: &DemoOptions, today: NaiveDate, names: &Names) -> Hospital {
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let mut out: Vec<(Kind, Vec<(String, Value)>)> = Vec::new();

    // Departments.
    out.push((
        Kind::Department,
        DEPTS
            .iter()
            .map(|d| {
                (
                    d.code.to_owned(),
                    json!({"name": d.name, "kind": d.kind, "campus": "本部", "tcm": d.tcm,
                    "online_booking": d.online,
                    "intro": if d.specialties.is_empty() { Value::Null } else {
                        json!(format!("{}：{}", d.name, d.specialties.join("、")))
                    }}),
                )
            })
            .collect(),
    ));

    // Doctors, distributed by each department's share; then nurses and pharmacists.
    let clinical: Vec<&Dept> = DEPTS.iter().filter(|d| d.doctors > 0).collect();
    let share: u32 = clinical.iter().map(|d| d.doctors).sum();
    let mut doctors: HashMap<&str, Vec<Doc>> = HashMap::new();
    let mut staff = Vec::new();
    let mut n = 0usize;
    for (i, d) in clinical.iter().enumerate() {
        let want = if i + 1 == clinical.len() {
            opts.doctors.saturating_sub(n)
        } else {
            ((d.doctors as usize) * opts.doctors / share.max(1) as usize).max(1)
        };
        for _ in 0..want {
            n += 1;
            let code = format!("D{n:03}");
            let male = rng.gen_bool(0.55);
            let name = person_name(&mut rng, male);
            let title = *weighted(
                &mut rng,
                &[
                    ("主任医师", 15),
                    ("副主任医师", 25),
                    ("主治医师", 35),
                    ("医师", 25),
                ],
                |t| t.1,
            );
            let licence = format!(
                "1{}0331000{}",
                if d.tcm { 2 } else { 1 },
                digits(&mut rng, 6)
            );
            staff.push((
                code.clone(),
                json!({"name": name, "role": "doctor", "dept_code": d.code, "title": title.0,
                    "licence_no": licence,
                    "specialty": pick(&mut rng, d.specialties).copied(),
                    "intro": format!("{}{}，从事{}临床工作。", d.name, title.0, d.name)}),
            ));
            doctors.entry(d.code).or_default().push(Doc {
                code,
                name,
                title: title.0,
            });
        }
    }
    let mut nurses = Vec::new();
    for i in 1..=10 {
        let code = format!("N{i:03}");
        let male = rng.gen_bool(0.05);
        let name = person_name(&mut rng, male);
        let title = *weighted(
            &mut rng,
            &[
                ("主任护师", 5),
                ("副主任护师", 15),
                ("主管护师", 35),
                ("护师", 30),
                ("护士", 15),
            ],
            |t| t.1,
        );
        staff.push((
            code.clone(),
            json!({"name": name, "role": "nurse", "dept_code": WARD, "title": title.0,
                "licence_no": format!("2020331{}", digits(&mut rng, 5))}),
        ));
        nurses.push(code);
    }
    for (i, pharmacy) in [
        PHARMACY_WESTERN,
        PHARMACY_WESTERN,
        PHARMACY_WESTERN,
        PHARMACY_HERBAL,
        PHARMACY_HERBAL,
        PHARMACY_WARD,
        PHARMACY_WARD,
        PHARMACY_WARD,
    ]
    .iter()
    .enumerate()
    {
        let male = rng.gen_bool(0.4);
        let name = person_name(&mut rng, male);
        let title = *weighted(
            &mut rng,
            &[
                ("主任药师", 5),
                ("副主任药师", 15),
                ("主管药师", 40),
                ("药师", 40),
            ],
            |t| t.1,
        );
        staff.push((
            format!("F{:03}", i + 1),
            json!({"name": name, "role": "pharmacist", "dept_code": pharmacy, "title": title.0,
                "licence_no": format!("0320331{}", digits(&mut rng, 6))}),
        ));
    }
    out.push((Kind::Staff, staff));

    // Patients.
    let mut patients: Vec<P> = Vec::with_capacity(opts.patients);
    let mut records = Vec::with_capacity(opts.patients);
    for i in 1..=opts.patients.max(1) {
        let id = format!("P{i:06}");
        let male = rng.gen_bool(0.49);
        let age = *weighted(
            &mut rng,
            &[
                (0i64, 3u32),
                (1, 3),
                (2, 5),
                (7, 5),
                (15, 8),
                (25, 16),
                (35, 16),
                (45, 16),
                (55, 14),
                (65, 10),
                (75, 6),
                (85, 2),
            ],
            |a| a.1,
        );
        let span = match age.0 {
            0 => 1,
            1 => 1,
            2 => 5,
            7 => 8,
            _ => 10,
        };
        let age_years = age.0 + rng.gen_range(0..span);
        let birth = today - Duration::days(age_years * 365 + rng.gen_range(1..365));
        let name = person_name(&mut rng, male);
        let foreign = rng.gen_ratio(1, 200) && age_years >= 18;
        let region = weighted(&mut rng, REGIONS, |r| r.2);
        let seq = rng.gen_range(0..500u16) * 2 + u16::from(male);
        let (id_type, id_no, nationality, ethnicity) = if foreign {
            let nat = *pick(&mut rng, &["USA", "KOR", "JPN", "DEU", "GBR"]).unwrap_or(&"USA");
            ("6", format!("E{}", digits(&mut rng, 8)), nat, Value::Null)
        } else {
            let Ok(no) = IdCardNo::compose(region.0, birth, seq) else {
                continue;
            };
            let eth = *weighted(&mut rng, &[("01", 97u32), ("22", 2), ("03", 1)], |e| e.1);
            ("1", no.as_str().to_owned(), "CHN", json!(eth.0))
        };
        let marital = if age_years < 22 {
            "10"
        } else if age_years > 70 && rng.gen_bool(0.25) {
            "30"
        } else {
            weighted(
                &mut rng,
                &[("20", 80u32), ("10", 10), ("40", 5), ("22", 5)],
                |m| m.1,
            )
            .0
        };
        let street = pick(&mut rng, region.3).copied().unwrap_or("");
        let road = pick(&mut rng, ROADS).copied().unwrap_or("");
        let detail = format!(
            "{street}{road}{}号{}幢{}室",
            rng.gen_range(1..400),
            rng.gen_range(1..30),
            rng.gen_range(101..2200)
        );
        let phone = format!(
            "{}{}",
            pick(&mut rng, MOBILE_PREFIXES).copied().unwrap_or("138"),
            digits(&mut rng, 8)
        );
        let drug_allergy = rng.gen_ratio(1, 10);
        let other_allergy = rng.gen_ratio(1, 20);
        records.push((
            id.clone(),
            json!({"card_no": format!("MZ{:07}", 1_200_000 + i), "name": name,
                "sex": if male { "1" } else { "2" }, "birth_date": birth.to_string(),
                "id_type": id_type, "id_no": id_no, "nationality": nationality,
                "ethnicity": ethnicity, "marital": marital,
                "address": {"province": "浙江省", "city": "台州市", "county": region.1, "detail": detail},
                "phone": phone,
                "drug_allergy": if drug_allergy { "2" } else { "1" },
                "allergy_drugs": if drug_allergy { json!(pick(&mut rng, DRUG_ALLERGENS)) } else { Value::Null },
                "other_allergy": if other_allergy { "2" } else { "1" },
                "other_allergens": if other_allergy { json!(pick(&mut rng, OTHER_ALLERGENS)) } else { Value::Null }}),
        ));
        patients.push(P { id, male, birth });
    }
    out.push((Kind::Patient, records));
    if patients.is_empty() {
        return Hospital { records: out };
    }

    // Drugs: Western 55 %, 中成药 20 %, 中药饮片 the rest; repeats of a base drug come from
    // other manufacturers.
    let n_western = (opts.drugs * 55 / 100).max(1);
    let n_patent = opts.drugs * 20 / 100;
    let n_herbal = opts.drugs.saturating_sub(n_western + n_patent);
    let mut drugs: Vec<D> = Vec::new();
    let mut records = Vec::new();
    let base_drug = |rng: &mut ChaCha8Rng,
                     records: &mut Vec<(String, Value)>,
                     drugs: &mut Vec<D>,
                     prefix: char,
                     j: usize,
                     base: &DrugBase,
                     patent: bool| {
        let (name, spec, form, unit, pack_unit, pack, price, rx, anti) = *base;
        let makers = if patent {
            PATENT_MAKERS
        } else {
            WESTERN_MAKERS
        };
        let maker = makers[(j + j / 7) % makers.len()];
        let code = format!("{prefix}{:04}", j + 1);
        let approval = format!(
            "国药准字{}{}",
            if patent { "Z" } else { "H" },
            3302_0000 + rng.gen_range(0..9999)
        );
        let nhsa = if patent {
            format!(
                "Z{}{:02}{}{:04}",
                char::from(b'A' + rng.gen_range(0..10u8)),
                rng.gen_range(1..20),
                digits(rng, 3),
                rng.gen_range(0..10000)
            )
        } else {
            format!(
                "X{}{:02}{}{}A{:03}A001010100{:03}",
                char::from(b'A' + rng.gen_range(0..14u8)),
                rng.gen_range(1..20),
                char::from(b'A' + rng.gen_range(0..8u8)),
                char::from(b'A' + rng.gen_range(0..8u8)),
                rng.gen_range(1..300),
                rng.gen_range(1..999)
            )
        };
        let price = price + (j / 60) as i64 * price / 10;
        records.push((
            code.clone(),
            json!({"generic_name": name, "trade_name": Value::Null,
                "category": if patent { "patent" } else { "western" }, "spec": spec,
                "form": form, "manufacturer": maker, "approval_no": approval,
                "nhsa_code": nhsa, "rx": rx, "antibacterial": anti, "unit": unit,
                "pack_unit": pack_unit, "pack_size": pack, "price": price}),
        ));
        drugs.push(D {
            code,
            name: name.to_owned(),
            category: if patent { "patent" } else { "western" },
            price,
            antibacterial: anti,
            pack,
        });
    };
    for j in 0..n_western {
        base_drug(
            &mut rng,
            &mut records,
            &mut drugs,
            'X',
            j,
            &WESTERN[j % WESTERN.len()],
            false,
        );
    }
    for j in 0..n_patent {
        base_drug(
            &mut rng,
            &mut records,
            &mut drugs,
            'Z',
            j,
            &PATENT[j % PATENT.len()],
            true,
        );
    }
    for j in 0..n_herbal {
        let (name, price) = HERBAL[j % HERBAL.len()];
        let code = format!("T{:04}", j + 1);
        let maker = HERBAL_MAKERS[(j / HERBAL.len()) % HERBAL_MAKERS.len()];
        records.push((
            code.clone(),
            json!({"generic_name": name, "category": "herbal", "spec": "1kg/袋", "form": "饮片",
                "manufacturer": maker, "nhsa_code": format!("T{:09}", 100_000_000 + rng.gen_range(0..900_000_000)),
                "rx": true, "unit": "g", "pack_unit": "袋", "pack_size": 1000, "price": price}),
        ));
        drugs.push(D {
            code,
            name: name.to_owned(),
            category: "herbal",
            price,
            antibacterial: false,
            pack: 1000,
        });
    }
    out.push((Kind::Drug, records));

    let western: Vec<&D> = drugs.iter().filter(|d| d.category == "western").collect();
    let patent: Vec<&D> = drugs.iter().filter(|d| d.category == "patent").collect();
    let herbal: Vec<&D> = drugs.iter().filter(|d| d.category == "herbal").collect();

    // Outpatient visits with charges and prescriptions.
    let visit_depts: Vec<&Dept> = DEPTS.iter().filter(|d| d.visits > 0).collect();
    let mut visits = Vec::new();
    let mut charges = Vec::new();
    let mut prescriptions = Vec::new();
    let age_on = |p: &P, day: NaiveDate| day.years_since(p.birth).map_or(0, i64::from);
    for v in 1..=opts.visits {
        let dept = *weighted(&mut rng, &visit_depts, |d| d.visits);
        let day = today - Duration::days(rng.gen_range(1..=i64::from(opts.visit_days.max(1))));
        // A patient who fits the department.
        let mut patient = &patients[rng
            .gen_range(0..patients.len().max(1))
            .min(patients.len().saturating_sub(1))];
        for _ in 0..50 {
            let ok = match dept.code {
                "A05.01" | "A05.02" => !patient.male && (18..=55).contains(&age_on(patient, day)),
                "A07" => age_on(patient, day) < 14,
                "A04.04" => age_on(patient, day) >= 14,
                _ => age_on(patient, day) >= 14 || dept.code == "A20",
            };
            if ok {
                break;
            }
            patient = &patients[rng.gen_range(0..patients.len())];
        }
        let age = age_on(patient, day);
        let Some(doctor) = doctors.get(dept.code).and_then(|ds| ds.choose(&mut rng)) else {
            continue;
        };
        let emergency = dept.code == EMERGENCY;
        let visit_type = if emergency {
            "1"
        } else {
            weighted(
                &mut rng,
                &[("2", 94u32), ("3", 2), ("4", 2), ("5", 2)],
                |t| t.1,
            )
            .0
        };
        let start = if emergency {
            rng.gen_range(0..24 * 60 - 120)
        } else if rng.gen_bool(0.6) {
            rng.gen_range(7 * 60 + 30..11 * 60 + 30)
        } else {
            rng.gen_range(13 * 60 + 30..16 * 60 + 30)
        };
        let registered = at(day, start);
        let checked_in = registered + Duration::minutes(rng.gen_range(2..40));
        let visited = checked_in + Duration::minutes(rng.gen_range(3..50));
        let internet = visit_type == "4";
        let id = format!("V{}{:05}", day.format("%Y%m%d"), v);
        let mut dx = Vec::new();
        let (code, name) =
            *pick(&mut rng, outpatient_dx(dept.code)).unwrap_or(&("Z00.000", "一般性医学检查"));
        dx.push(json!({"code": code, "name": names.dx(code, name)}));
        if age >= 40 {
            for _ in 0..rng.gen_range(0..3) {
                let (c, n) = *pick(&mut rng, COMORBIDITIES).unwrap_or(&COMORBIDITIES[0]);
                if dx.iter().all(|d| d["code"] != c) && !(c == "M81.000" && patient.male) {
                    dx.push(json!({"code": c, "name": names.dx(c, n)}));
                }
            }
        }
        let (tcm_disease, tcm_syndromes) = if dept.tcm {
            let (c, n, syn) = *pick(&mut rng, TCM_DISEASES).unwrap_or(&TCM_DISEASES[0]);
            let (sc, sn) = *pick(&mut rng, syn).unwrap_or(&syn[0]);
            (
                json!({"code": c, "name": n}),
                json!([{"code": sc, "name": sn}]),
            )
        } else {
            (Value::Null, json!([]))
        };
        let mut procedures = Vec::new();
        let mut procedure_charges = Vec::new();
        if let Some(&(pc, pn, price)) = pick(&mut rng, outpatient_procedures(dept.code))
            && rng.gen_bool(if dept.tcm { 0.7 } else { 0.3 })
        {
            let when = visited + Duration::minutes(rng.gen_range(10..60));
            procedures.push(
                json!({"date": fmt_local(when), "name": names.proc(pc, pn), "code": pc,
                "anesthesia": Value::Null, "grade": "1", "operator": doctor.name}),
            );
            procedure_charges.push((pc, pn, price, when));
        }
        let (triage, destination, admission_cert) = if emergency {
            let t = weighted(
                &mut rng,
                &[("1", 2u32), ("2", 8), ("3", 40), ("4", 50)],
                |t| t.1,
            )
            .0;
            let d = weighted(
                &mut rng,
                &[("1", 85u32), ("6", 5), ("7", 6), ("2", 2), ("4", 2)],
                |d| d.1,
            )
            .0;
            let cert =
                (d == "7").then(|| fmt_local(visited + Duration::minutes(rng.gen_range(20..120))));
            (json!(t), json!(d), json!(cert))
        } else {
            (Value::Null, Value::Null, Value::Null)
        };
        let self_pay = rng.gen_bool(0.25);
        let mdtrt_id =
            (!self_pay).then(|| format!("M{}{}", day.format("%Y%m%d"), digits(&mut rng, 8)));
        let settled = visited + Duration::minutes(rng.gen_range(15..90));
        let infusion = rng.gen_bool(if emergency { 0.3 } else { 0.05 });
        visits.push((
            id.clone(),
            json!({"patient_id": patient.id, "visit_type": visit_type, "dept_code": dept.code,
                "doctor_code": doctor.code,
                "registered_at": if internet { Value::Null } else { json!(fmt_local(registered)) },
                "checked_in_at": if internet { Value::Null } else { json!(fmt_local(checked_in)) },
                "visited_at": fmt_local(visited), "revisit": rng.gen_bool(0.4),
                "infusion": infusion, "chronic_special": age >= 50 && rng.gen_bool(0.1),
                "triage_level": triage, "emergency_destination": destination,
                "admission_cert_at": admission_cert, "mdtrt_id": mdtrt_id,
                "settled_at": fmt_local(settled), "western_diagnoses": dx,
                "tcm_disease": tcm_disease, "tcm_syndromes": tcm_syndromes,
                "procedures": procedures}),
        ));

        // Charges: consultation, tests, procedures, infusion, drugs.
        let ratio = if self_pay { 100 } else { rng.gen_range(15..60) };
        let mut line = 0;
        let mut charge = |item: &str,
                          name: &str,
                          cat: (&str, &str),
                          unit_price: i64,
                          qty: i64,
                          when: NaiveDateTime,
                          drug: Option<&str>| {
            line += 1;
            let amount = unit_price * qty;
            charges.push((
                format!("{id}-{line:02}"),
                json!({"visit_id": id, "item_code": item, "item_name": name, "category": cat.0,
                    "category_name": cat.1, "drug_code": drug, "dept_code": dept.code,
                    "unit_price": unit_price, "quantity": qty, "amount": amount,
                    "self_paid": amount * ratio / 100, "charged_at": fmt_local(when),
                    "settlement_id": mdtrt_id.as_ref().map(|_| format!("S{}", &id[1..]))}),
            ));
        };
        let fee = match doctor.title {
            "主任医师" => 4000,
            "副主任医师" => 3000,
            "主治医师" => 2000,
            _ => 1500,
        };
        let fee_item = if dept.tcm { "110200005" } else { "110200001" };
        let fee_name = if dept.tcm {
            "中医辨证论治"
        } else {
            "门诊诊查费"
        };
        charge(
            fee_item,
            fee_name,
            category::CONSULTATION,
            fee,
            1,
            registered,
            None,
        );
        if rng.gen_bool(if emergency { 0.7 } else { 0.4 }) {
            for _ in 0..rng.gen_range(1..4) {
                let (item, name, cat, price) = *pick(&mut rng, TESTS).unwrap_or(&TESTS[0]);
                charge(
                    item,
                    name,
                    cat,
                    price,
                    1,
                    visited + Duration::minutes(20),
                    None,
                );
            }
        }
        for (pc, pn, price, when) in &procedure_charges {
            let cat = if pc.starts_with("17.") {
                category::TCM
            } else if pc.starts_with("86.") || pc.starts_with("23.") {
                category::SURGERY
            } else {
                category::TREATMENT
            };
            charge(pc, pn, cat, *price, 1, *when, None);
        }
        if infusion {
            charge(
                "120400006",
                "静脉输液",
                category::TREATMENT,
                1000,
                1,
                visited + Duration::minutes(30),
                None,
            );
        }

        // A prescription for most visits.
        if rng.gen_bool(0.7) && !western.is_empty() {
            let herbal_rx = dept.tcm && rng.gen_bool(0.5) && !herbal.is_empty();
            let (rx_type, pool): (&str, Vec<&D>) = if herbal_rx {
                ("herbal", herbal.clone())
            } else if dept.tcm && !patent.is_empty() {
                ("patent", patent.clone())
            } else {
                (
                    "western",
                    western
                        .iter()
                        .copied()
                        .filter(|d| !d.antibacterial || rng.gen_bool(0.3))
                        .collect(),
                )
            };
            let n_lines = if herbal_rx {
                rng.gen_range(8..13)
            } else {
                rng.gen_range(1..4)
            };
            let doses = rng.gen_range(5..8);
            let mut chosen: Vec<&D> = pool.choose_multiple(&mut rng, n_lines).copied().collect();
            chosen.sort_by(|a, b| a.code.cmp(&b.code));
            let rx_no = format!("RX{}{:05}", day.format("%Y%m%d"), v);
            let prescribed = visited + Duration::minutes(rng.gen_range(5..20));
            let mut lines = Vec::new();
            for (k, d) in chosen.iter().enumerate() {
                let qty = if herbal_rx {
                    rng.gen_range(6..31) * doses
                } else {
                    d.pack * rng.gen_range(1..3)
                };
                let amount = d.price * qty;
                lines.push(json!({"line_no": k + 1, "drug_code": d.code, "quantity": qty,
                    "dosage": if herbal_rx { Value::Null } else { json!("1") },
                    "frequency": if herbal_rx { "bid" } else { *pick(&mut rng, &["qd", "bid", "tid"]).unwrap_or(&"qd") },
                    "route": if herbal_rx { "煎服" } else { "口服" },
                    "days": if herbal_rx { doses } else { rng.gen_range(3..15) },
                    "unit_price": d.price, "amount": amount}));
                let cat = match d.category {
                    "herbal" => category::HERBAL,
                    "patent" => category::PATENT,
                    _ => category::WESTERN,
                };
                let drug_code = d.code.clone();
                charge(
                    &drug_code,
                    &d.name,
                    cat,
                    d.price,
                    qty,
                    prescribed,
                    Some(drug_code.as_str()),
                );
            }
            prescriptions.push((
                rx_no,
                json!({"visit_id": id, "patient_id": patient.id, "doctor_code": doctor.code,
                    "dept_code": dept.code,
                    "pharmacy_code": if herbal_rx { PHARMACY_HERBAL } else { PHARMACY_WESTERN },
                    "prescribed_at": fmt_local(prescribed), "rx_type": rx_type,
                    "self_pay": self_pay,
                    "setl_id": mdtrt_id.as_ref().map(|_| format!("S{}", &id[1..])),
                    "mdtrt_id": mdtrt_id,
                    "psn_no": (!self_pay).then(|| format!("3310{}", digits(&mut rng, 16))),
                    "settled_at": fmt_local(settled), "lines": lines}),
            ));
        }
    }
    out.push((Kind::Visit, visits));
    out.push((Kind::Charge, charges));
    out.push((Kind::Prescription, prescriptions));

    // The ward: inpatients lying there now, with their orders, and a list a day.
    let adults: Vec<&P> = patients.iter().filter(|p| age_on(p, today) >= 40).collect();
    // Patient, admission number, bed, orders.
    type Lying<'a> = (&'a P, String, String, Vec<(usize, i64, bool)>);
    let mut lying: Vec<Lying> = Vec::new();
    for (bed, p) in adults
        .choose_multiple(&mut rng, opts.inpatients.min(adults.len()))
        .enumerate()
    {
        let n_orders = rng.gen_range(2..5);
        let orders: Vec<(usize, i64, bool)> = WARD_ORDERS
            .choose_multiple(&mut rng, n_orders)
            .copied()
            .collect();
        lying.push((
            p,
            format!("ZY{}{:05}", today.year(), 90_000 + bed),
            format!("{}", bed + 1),
            orders,
        ));
    }
    // Each bed's orders are written by one of the 呼吸内科 doctors (chosen by bed, so the
    // random sequence — and with it the rest of the demo — stays as it was).
    let ward_doctors: Vec<&str> = clinical
        .first()
        .and_then(|d| doctors.get(d.code))
        .map(|ds| ds.iter().map(|d| d.code.as_str()).collect())
        .unwrap_or_default();
    let mut lists = Vec::new();
    for back in (0..opts.ward_days).rev() {
        let day = today - Duration::days(i64::from(back));
        let mut lines = Vec::new();
        for (b, (p, admission_no, bed, orders)) in lying.iter().enumerate() {
            let doctor = ward_doctors.get(b % ward_doctors.len().max(1)).copied();
            for (k, (drug, qty, long)) in orders.iter().enumerate() {
                let Some(d) = western.get(drug % western.len().max(1)) else {
                    continue;
                };
                lines.push(json!({"line_no": lines.len() + 1, "patient_id": p.id,
                    "admission_no": admission_no, "bed_no": bed,
                    "order_id": format!("YZ{}{:02}", &admission_no[2..], k + 1),
                    "order_kind": if *long { "long" } else { "temporary" },
                    "drug_code": d.code, "quantity": qty,
                    "mdtrt_id": format!("MZY{}", &admission_no[2..]),
                    "ordering_doctor_code": doctor}));
            }
        }
        if !lines.is_empty() {
            lists.push((
                format!("WD{}01", day.format("%Y%m%d")),
                json!({"ward_code": WARD, "pharmacy_code": PHARMACY_WARD,
                    "issued_at": fmt_local(at(day, 9 * 60 + 30)), "lines": lines}),
            ));
        }
    }
    out.push((Kind::WardDispensing, lists));

    // A year of discharged inpatient cases.
    let newborns: Vec<&P> = patients
        .iter()
        .filter(|p| p.birth >= today - Duration::days(330) && p.birth < today - Duration::days(30))
        .collect();
    let mut cases = Vec::new();
    // A readmission waiting to be written as the next case: the same patient back within two
    // weeks with the same illness (for the 15-day readmission rule of the DRG pages).
    let mut readmit: Option<(&P, &CaseTemplate, NaiveDateTime, Value)> = None;
    for c in 1..=opts.inpatient_cases {
        let again = readmit.take();
        let t = match &again {
            Some((_, t, _, _)) => *t,
            None => weighted(&mut rng, CASES, |t| t.weight),
        };
        let Some(doctor) = doctors.get(t.dept).and_then(|ds| ds.choose(&mut rng)) else {
            continue;
        };
        let los = rng.gen_range(t.los.0..=t.los.1);
        let (patient, admitted) = if let Some((p, _, before, _)) = &again {
            (
                *p,
                at(
                    before.date() + Duration::days(rng.gen_range(3..=12)),
                    rng.gen_range(8 * 60..20 * 60),
                ),
            )
        } else if t.newborn {
            let Some(p) = newborns.choose(&mut rng) else {
                continue;
            };
            (
                *p,
                at(
                    p.birth + Duration::days(rng.gen_range(1..4)),
                    rng.gen_range(8 * 60..20 * 60),
                ),
            )
        } else {
            let discharge_day = today - Duration::days(rng.gen_range(1..366));
            let admit_day = discharge_day - Duration::days(los);
            let mut found = None;
            for _ in 0..200 {
                let p = &patients[rng.gen_range(0..patients.len())];
                let age = age_on(p, admit_day);
                let sex_ok = match t.sex {
                    1 => p.male,
                    2 => !p.male,
                    _ => true,
                };
                if sex_ok && (t.age.0..=t.age.1).contains(&age) {
                    found = Some(p);
                    break;
                }
            }
            let Some(p) = found else { continue };
            (p, at(admit_day, rng.gen_range(8 * 60..20 * 60)))
        };
        let discharged = at(
            admitted.date() + Duration::days(los),
            rng.gen_range(8 * 60..12 * 60),
        );
        if discharged.date() >= today {
            // A readmission that would end in the future: not discharged yet.
            continue;
        }
        let age = age_on(patient, admitted.date());
        let age_days = (admitted.date() - patient.birth).num_days();
        // A readmission is medical care for the same illness, without the operation.
        let with_proc = if again.is_some() {
            None
        } else {
            t.proc.filter(|p| rng.gen_range(0..100) < p.4)
        };
        let cost_yuan = if with_proc.is_some() && t.proc.is_some_and(|p| p.4 < 60) {
            rng.gen_range((t.cost.0 + t.cost.1) / 2..=t.cost.1)
        } else {
            rng.gen_range(t.cost.0..=t.cost.1)
        };
        let total = cost_yuan * 100 + rng.gen_range(0..100);
        let insurance = weighted(
            &mut rng,
            &[("职工医保", 50u32), ("居民医保", 40), ("自费", 10)],
            |i| i.1,
        )
        .0;
        let self_paid = if insurance == "自费" {
            total
        } else {
            total * rng.gen_range(10..40) / 100
        };
        let mut dx = if let Some((_, _, _, dx)) = &again {
            dx.clone()
        } else {
            let mut dx = vec![
                json!({"code": t.dx.0, "name": names.dx(t.dx.0, t.dx.1), "admission_condition": "1"}),
            ];
            if !t.others.is_empty() {
                for _ in 0..rng.gen_range(0..=t.others.len().min(3)) {
                    let (oc, on) = *pick(&mut rng, t.others).unwrap_or(&t.others[0]);
                    if dx.iter().all(|d| d["code"] != oc) && !(oc == "M81.000" && patient.male) {
                        dx.push(json!({"code": oc, "name": names.dx(oc, on),
                            "admission_condition": if rng.gen_bool(0.8) { "1" } else { "4" }}));
                    }
                }
            }
            json!(dx)
        };
        let mut procedures = match with_proc {
            Some((pc, pn, grade, anesthesia, _)) => {
                let when = at(
                    admitted.date() + Duration::days(rng.gen_range(0..=(los - 1).max(0))),
                    rng.gen_range(9 * 60..16 * 60),
                );
                let when = when.clamp(admitted, discharged);
                json!([{"code": pc, "name": names.proc(pc, pn), "date": fmt_local(when),
                    "operator": doctor.name, "grade": grade,
                    "anesthesia": if anesthesia.is_empty() { Value::Null } else { json!(anesthesia) }}])
            }
            None => json!([]),
        };
        let mut way = weighted(
            &mut rng,
            &[("1", 94u32), ("2", 2), ("4", 3), ("5", 1)],
            |w| w.1,
        )
        .0;
        let mut transfer_org = if way == "2" {
            json!("台州市级医院（演示）")
        } else {
            Value::Null
        };
        let mut recorded_los = los;
        // About one case in 30 is recorded with a mistake the records office must fix before
        // upload (the DRG checks queue): a transfer without the receiving institution, a wrong
        // length of stay, an operation dated outside the stay, a principal diagnosis code the
        // grouping dictionary does not know.
        if again.is_none() && rng.gen_range(0..30) == 0 {
            match rng.gen_range(0..4) {
                0 => {
                    way = "2";
                    transfer_org = Value::Null;
                }
                1 => recorded_los += 1,
                _ if procedures.as_array().is_some_and(|a| !a.is_empty()) => {
                    procedures[0]["date"] = json!(fmt_local(admitted - Duration::days(2)));
                }
                _ => {
                    let code = format!("{}x099", &t.dx.0[..t.dx.0.len().min(7)]);
                    dx[0]["code"] = json!(code);
                }
            }
        }
        let id = format!("IC{}{:06}", discharged.date().format("%Y"), c);
        // One stay in 25 of a medical case brings the patient back within two weeks.
        if again.is_none() && with_proc.is_none() && !t.newborn && rng.gen_range(0..25) == 0 {
            readmit = Some((patient, t, discharged, dx.clone()));
        }
        cases.push((
            id,
            json!({"patient_id": patient.id,
                "admission_no": format!("ZY{}{:05}", admitted.date().year(), c),
                "sex": if patient.male { "1" } else { "2" }, "age": age,
                "age_days": if age < 1 { json!(age_days) } else { Value::Null },
                "birth_weight": if t.newborn { json!(rng.gen_range(1800..4200)) } else { Value::Null },
                "admitted_at": fmt_local(admitted), "discharged_at": fmt_local(discharged),
                "los_days": recorded_los, "discharge_way": way,
                "transfer_org": transfer_org,
                "admit_dept_code": t.dept, "dept_code": t.dept, "doctor_code": doctor.code,
                "total_cost": total, "self_paid": self_paid, "insurance_type": insurance,
                "setl_id": if insurance == "自费" { Value::Null } else { json!(format!("SZ{}{:06}", discharged.date().format("%Y%m%d"), c)) },
                "ventilation_hours": Value::Null, "diagnoses": dx, "procedures": procedures}),
        ));
    }
    out.push((Kind::InpatientCase, cases));
    Hospital { records: out }
}

/// Writes one kind's records in transactions of `batch` records, one audit row per batch.
async fn write_kind<R: Persist>(
    db: &Db,
    items: &[(String, Value)],
    batch: usize,
    actor: &Actor,
    now: DateTime<Utc>,
    known: &mut Known,
) -> Result<usize, DemoError> {
    let mut created = 0;
    for chunk in items.chunks(batch.max(1)) {
        let txn = db.begin_write().await?;
        let ctx = WriteCtx {
            actor,
            now,
            audit_each: false,
        };
        let mut counts = [0usize; 3];
        for (id, raw) in chunk {
            let invalid = |fields| DemoError::Invalid {
                kind: R::KIND,
                id: id.clone(),
                fields,
            };
            let record = R::parse(raw).map_err(invalid)?;
            match upsert_in(&txn, id, &record, &ctx, known).await {
                Ok(Outcome::Created) => counts[0] += 1,
                Ok(Outcome::Updated) => counts[1] += 1,
                Ok(Outcome::Unchanged) => counts[2] += 1,
                Err(HisError::Invalid(fields)) => return Err(invalid(fields)),
                Err(HisError::Db(e)) => return Err(e.into()),
                Err(other) => return Err(invalid(vec![FieldError::new("", other.to_string())])),
            }
        }
        if counts[0] + counts[1] > 0
            && let (Some(first), Some(last)) = (chunk.first(), chunk.last())
        {
            audit::record(
                &txn,
                actor,
                Change::new(
                    "his.demo.load",
                    R::KIND.entity(),
                    format!("{}..{}", first.0, last.0),
                )
                .after(json!({"created": counts[0], "updated": counts[1], "unchanged": counts[2]})),
                now,
            )
            .await?;
        }
        txn.commit().await?;
        created += counts[0];
    }
    Ok(created)
}

/// Loads the demo hospital's HIS data (idempotent: loading again with the same seed on the
/// same day changes nothing).
pub async fn load(
    db: &Db,
    opts: &DemoOptions,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DemoError> {
    let names = match &opts.icd_dir {
        Some(dir) => Names::load(dir)?,
        None => Names::default(),
    };
    let hospital = generate(opts, local_today(now), &names);
    let actor = Actor::system("demo");
    let mut known = Known::new();
    let mut summary = DemoSummary {
        icd_names: opts.icd_dir.is_some(),
        ..DemoSummary::default()
    };
    let b = opts.batch_size;
    for (kind, items) in &hospital.records {
        let created = match kind {
            Kind::Department => {
                write_kind::<Department>(db, items, b, &actor, now, &mut known).await?
            }
            Kind::Staff => write_kind::<Staff>(db, items, b, &actor, now, &mut known).await?,
            Kind::Patient => write_kind::<Patient>(db, items, b, &actor, now, &mut known).await?,
            Kind::Drug => write_kind::<Drug>(db, items, b, &actor, now, &mut known).await?,
            Kind::Visit => write_kind::<Visit>(db, items, b, &actor, now, &mut known).await?,
            Kind::Charge => write_kind::<Charge>(db, items, b, &actor, now, &mut known).await?,
            Kind::Prescription => {
                write_kind::<Prescription>(db, items, b, &actor, now, &mut known).await?
            }
            Kind::WardDispensing => {
                write_kind::<WardDispensing>(db, items, b, &actor, now, &mut known).await?
            }
            Kind::InpatientCase => {
                write_kind::<InpatientCase>(db, items, b, &actor, now, &mut known).await?
            }
        };
        summary.created += created;
        let n = items.len();
        match kind {
            Kind::Department => summary.departments = n,
            Kind::Staff => summary.staff = n,
            Kind::Patient => summary.patients = n,
            Kind::Drug => summary.drugs = n,
            Kind::Visit => summary.visits = n,
            Kind::Charge => summary.charges = n,
            Kind::Prescription => summary.prescriptions = n,
            Kind::WardDispensing => summary.ward_dispensing = n,
            Kind::InpatientCase => summary.inpatient_cases = n,
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Record;

    fn small() -> DemoOptions {
        DemoOptions {
            patients: 300,
            visits: 200,
            inpatient_cases: 100,
            ..DemoOptions::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).expect("date")
    }

    #[test]
    fn the_same_seed_gives_the_same_hospital() {
        let a = generate(&small(), today(), &Names::default());
        let b = generate(&small(), today(), &Names::default());
        assert_eq!(a.records, b.records);
        let mut other = small();
        other.seed += 1;
        let c = generate(&other, today(), &Names::default());
        assert_ne!(a.records, c.records);
    }

    #[test]
    fn every_generated_record_parses() {
        let h = generate(&DemoOptions::default(), today(), &Names::default());
        for (kind, items) in &h.records {
            for (id, raw) in items {
                let r = match kind {
                    Kind::Department => Department::parse(raw).map(|_| ()),
                    Kind::Staff => Staff::parse(raw).map(|_| ()),
                    Kind::Patient => Patient::parse(raw).map(|_| ()),
                    Kind::Drug => Drug::parse(raw).map(|_| ()),
                    Kind::Visit => Visit::parse(raw).map(|_| ()),
                    Kind::Charge => Charge::parse(raw).map(|_| ()),
                    Kind::Prescription => Prescription::parse(raw).map(|_| ()),
                    Kind::WardDispensing => WardDispensing::parse(raw).map(|_| ()),
                    Kind::InpatientCase => InpatientCase::parse(raw).map(|_| ()),
                };
                assert!(r.is_ok(), "{kind} {id}: {r:?}");
            }
        }
        let count = |k: Kind| {
            h.records
                .iter()
                .find(|(kk, _)| *kk == k)
                .map_or(0, |(_, v)| v.len())
        };
        assert_eq!(count(Kind::Patient), 3000);
        assert_eq!(count(Kind::Drug), 300);
        assert_eq!(count(Kind::Visit), 3000);
        assert!(count(Kind::Department) >= 25);
        assert!(count(Kind::InpatientCase) > 1900);
        assert!(count(Kind::WardDispensing) == 3);
    }

    #[test]
    fn built_in_codes_are_in_the_national_tables_when_available() {
        // The public tables beside the project (../shared), as CI lays them out.
        let dir = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/drg/zj-drg-2022/icd"
        ));
        let names = Names::load(dir).expect("../shared/data/drg/zj-drg-2022/icd");
        let mut dx: Vec<&str> = COMORBIDITIES.iter().map(|d| d.0).collect();
        for d in DEPTS {
            dx.extend(outpatient_dx(d.code).iter().map(|x| x.0));
        }
        let mut procs = Vec::new();
        for d in DEPTS {
            procs.extend(outpatient_procedures(d.code).iter().map(|x| x.0));
        }
        for t in CASES {
            dx.push(t.dx.0);
            dx.extend(t.others.iter().map(|x| x.0));
            procs.extend(t.proc.map(|p| p.0));
        }
        for c in dx {
            assert!(names.dx.contains_key(c), "diagnosis {c}");
        }
        for c in procs {
            assert!(names.proc.contains_key(c), "procedure {c}");
        }
    }
}
