//! Devices and contracts to and from a spreadsheet (设备台账 xlsx): one row per contract (a
//! device without a contract has one row), headers in Chinese.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Workbook};

use crate::domain::asset::{AssetDraft, AssetKind, AssetStatus, ContractDraft, NetworkZone};
use crate::store::OpsError;
use crate::store::asset::{ImportRow, asset, contract};

/// The columns, in order. The first three are required in an import.
pub const HEADERS: [&str; 20] = [
    "资产编号",
    "设备名称",
    "设备类型",
    "厂商",
    "型号",
    "序列号",
    "位置",
    "机柜",
    "U位",
    "管理地址",
    "所属网络",
    "责任人",
    "购置日期",
    "特征库到期",
    "状态",
    "维保合同号",
    "维保厂商",
    "服务级别",
    "维保开始",
    "维保结束",
];

/// The largest spreadsheet accepted (bytes).
pub const MAX_IMPORT_BYTES: usize = 5 * 1024 * 1024;

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(dt) => {
            excel_day(dt.as_f64()).map_or_else(|| dt.as_f64().to_string(), |d| d.to_string())
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.chars().take(10).collect(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// An Excel serial day (1900 system) as a date.
fn excel_day(serial: f64) -> Option<NaiveDate> {
    let base = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    base.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// Read the first sheet. Refuses (in Chinese) a file that is not xlsx or lacks a required
/// column; rows that are entirely empty are skipped. Row numbers are those Excel shows.
pub fn read(bytes: &[u8]) -> Result<Vec<ImportRow>, OpsError> {
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(OpsError::Bad(format!(
            "文件太大（最多 {} MB）",
            MAX_IMPORT_BYTES / 1024 / 1024
        )));
    }
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|_| OpsError::Bad("文件不是 xlsx 表格".into()))?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or_else(|| OpsError::Bad("表格里没有工作表".into()))?
        .map_err(|_| OpsError::Bad("第一个工作表读不出来".into()))?;
    let mut rows = range.rows();
    let header: Vec<String> = rows
        .next()
        .ok_or_else(|| OpsError::Bad("表格是空的".into()))?
        .iter()
        .map(cell_text)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let missing: Vec<&str> = HEADERS[..3]
        .iter()
        .copied()
        .filter(|h| col(h).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(OpsError::Bad(format!(
            "第 1 行（表头）缺少列：{}",
            missing.join("、")
        )));
    }
    let idx: Vec<Option<usize>> = HEADERS.iter().map(|h| col(h)).collect();
    let first_row = range.start().map_or(0, |(r, _)| r as usize) + 2;
    let mut out = Vec::new();
    for (n, r) in rows.enumerate() {
        let get = |i: usize| {
            idx[i]
                .and_then(|c| r.get(c))
                .map(cell_text)
                .unwrap_or_default()
        };
        let v: Vec<String> = (0..HEADERS.len()).map(get).collect();
        if v.iter().all(String::is_empty) {
            continue;
        }
        out.push(ImportRow {
            row: first_row + n,
            asset: AssetDraft {
                code: v[0].clone(),
                name: v[1].clone(),
                kind: v[2].clone(),
                vendor: v[3].clone(),
                model: v[4].clone(),
                serial_no: v[5].clone(),
                location: v[6].clone(),
                rack: v[7].clone(),
                rack_u: v[8].clone(),
                mgmt_ip: v[9].clone(),
                network: v[10].clone(),
                owner: v[11].clone(),
                purchase_date: v[12].clone(),
                signature_end: v[13].clone(),
                status: v[14].clone(),
                notes: String::new(),
            },
            contract: ContractDraft {
                contract_no: v[15].clone(),
                vendor: v[16].clone(),
                sla: v[17].clone(),
                start_date: v[18].clone(),
                end_date: v[19].clone(),
            },
        });
    }
    Ok(out)
}

fn xlsx_err(e: rust_xlsxwriter::XlsxError) -> OpsError {
    OpsError::Db(sea_orm::DbErr::Custom(format!("xlsx: {e}")))
}

/// Write the devices and their contracts, in the columns [`read`] takes back.
pub fn write(assets: &[asset::Model], contracts: &[contract::Model]) -> Result<Vec<u8>, OpsError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("设备台账").map_err(xlsx_err)?;
    let bold = Format::new().set_bold();
    for (c, h) in HEADERS.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(xlsx_err)?;
        ws.set_column_width(c as u16, 14).map_err(xlsx_err)?;
    }
    let mut r: u32 = 1;
    for a in assets {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let base = [
            a.code.clone(),
            a.name.clone(),
            AssetKind::parse(&a.kind).map_or(a.kind.clone(), |k| k.label().to_owned()),
            a.vendor.clone(),
            a.model.clone(),
            a.serial_no.clone(),
            a.location.clone(),
            a.rack.clone(),
            a.rack_u.map(|u| u.to_string()).unwrap_or_default(),
            a.mgmt_ip.clone().unwrap_or_default(),
            NetworkZone::parse(&a.network).map_or(a.network.clone(), |n| n.label().to_owned()),
            a.owner.clone(),
            day(a.purchase_date),
            day(a.signature_end),
            AssetStatus::parse(&a.status).map_or(a.status.clone(), |s| s.label().to_owned()),
        ];
        let mine: Vec<&contract::Model> = contracts.iter().filter(|c| c.asset_id == a.id).collect();
        let extra: Vec<[String; 5]> = if mine.is_empty() {
            vec![Default::default()]
        } else {
            mine.iter()
                .map(|c| {
                    [
                        c.contract_no.clone(),
                        c.vendor.clone(),
                        c.sla.clone(),
                        c.start_date.to_string(),
                        c.end_date.to_string(),
                    ]
                })
                .collect()
        };
        for e in extra {
            for (c, v) in base.iter().chain(e.iter()).enumerate() {
                if !v.is_empty() {
                    ws.write_string(r, c as u16, v).map_err(xlsx_err)?;
                }
            }
            r += 1;
        }
    }
    wb.save_to_buffer().map_err(xlsx_err)
}
