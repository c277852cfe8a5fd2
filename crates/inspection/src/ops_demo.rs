//! The demo hospital's machine room (演示数据): devices with contracts near their end, the
//! address plan, last month's inspections signed and confirmed with a fault they found, this
//! month's plan, a configuration change, links and the year's assessment findings.

use chrono::{DateTime, Duration, Utc};
use yiqiao_core::time::local_today;
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::domain::asset::{AssetDraft, ContractDraft};
use crate::domain::fault::FaultStep;
use crate::domain::inspection::Period;
use crate::store::OpsError;
use crate::store::{assessment, asset, inspection, ipam, links};

#[allow(clippy::too_many_arguments)]
fn device(
    code: &str,
    name: &str,
    kind: &str,
    vendor: &str,
    model: &str,
    rack: &str,
    ip: &str,
    network: &str,
    signature_end: &str,
) -> AssetDraft {
    AssetDraft {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        vendor: vendor.into(),
        model: model.into(),
        serial_no: format!("SN{}", code.replace('-', "")),
        location: "门诊楼三楼主机房".into(),
        rack: rack.into(),
        mgmt_ip: ip.into(),
        network: network.into(),
        owner: "信息科".into(),
        purchase_date: "2022-06-15".into(),
        signature_end: signature_end.into(),
        ..Default::default()
    }
}

/// Load the demo machine room at `now`. Returns a one-line summary.
pub async fn load(db: &Db, now: DateTime<Utc>) -> Result<String, OpsError> {
    let it = Actor::person("信息科 王工（演示）");
    let eng = Actor::person("驻场工程师 陈工（演示）");
    let today = local_today(now);
    let day = |d: i64| (today + Duration::days(d)).to_string();
    let devices = [
        device(
            "FW-01",
            "互联网出口防火墙",
            "firewall",
            "华为",
            "USG6555E",
            "A01",
            "10.10.0.1",
            "internet",
            &day(25),
        ),
        device(
            "IPS-01",
            "入侵防御系统",
            "ips",
            "深信服",
            "NIPS-1000",
            "A01",
            "10.10.0.2",
            "internet",
            &day(5),
        ),
        device(
            "AC-GW-01",
            "上网行为管理",
            "web_gateway",
            "深信服",
            "AC-1000",
            "A01",
            "10.10.0.3",
            "internet",
            &day(200),
        ),
        device(
            "BH-01",
            "运维堡垒机",
            "bastion",
            "齐治",
            "PAM-2000",
            "A02",
            "10.10.0.4",
            "intranet",
            &day(300),
        ),
        device(
            "LA-01",
            "日志审计系统",
            "log_audit",
            "启明星辰",
            "SA-3000",
            "A02",
            "10.10.0.5",
            "intranet",
            &day(80),
        ),
        device(
            "CSW-01",
            "核心交换机1",
            "core_switch",
            "华为",
            "S12704",
            "B01",
            "10.10.0.11",
            "intranet",
            "",
        ),
        device(
            "CSW-02",
            "核心交换机2",
            "core_switch",
            "华为",
            "S12704",
            "B02",
            "10.10.0.12",
            "intranet",
            "",
        ),
        device(
            "GSW-01",
            "政务网接入交换机",
            "access_switch",
            "H3C",
            "S5560X",
            "B03",
            "172.16.8.2",
            "government",
            "",
        ),
        device(
            "SRV-HIS-01",
            "HIS 数据库服务器",
            "server",
            "浪潮",
            "NF5280M6",
            "C01",
            "10.20.0.21",
            "intranet",
            "",
        ),
        device(
            "VM-01",
            "虚拟化主机1",
            "virt_host",
            "华为",
            "FusionServer 2288H",
            "C02",
            "10.20.0.31",
            "intranet",
            "",
        ),
        device(
            "ST-01",
            "集中存储",
            "storage",
            "华为",
            "OceanStor 5310",
            "C03",
            "10.20.0.41",
            "intranet",
            "",
        ),
        device(
            "UPS-01",
            "UPS 主机",
            "ups",
            "艾默生",
            "UL33-0800L",
            "D01",
            "",
            "intranet",
            "",
        ),
        device(
            "PAC-01",
            "精密空调1",
            "air_conditioner",
            "艾默生",
            "Liebert PEX",
            "D02",
            "",
            "intranet",
            "",
        ),
    ];
    let mut ids = Vec::new();
    for d in &devices {
        let parsed = d.parse()?;
        ids.push(asset::create_asset(db, &parsed, &it, now).await?);
    }
    // Contracts: one ends within a week, one within a month, one within three; the rest next year.
    let ends = [6i64, 28, 85, 400, 400, 500, 500, 400, 365, 365, 700, 30, 60];
    for (i, id) in ids.iter().enumerate() {
        let c = ContractDraft {
            contract_no: format!("TZZXY-WB-2024-{:03}", i + 1),
            vendor: devices[i].vendor.clone(),
            sla: if i < 7 {
                "7×24×4".into()
            } else {
                "NBD".into()
            },
            start_date: (today - Duration::days(365)).to_string(),
            end_date: day(ends[i]),
        }
        .parse()?;
        asset::add_contract(db, *id, &c, &it, now).await?;
    }
    // The address plan.
    for (net, vid, name, purpose) in [
        ("intranet", "10", "管理网", "网络设备带外管理"),
        ("intranet", "20", "服务器区", "HIS/EMR/PACS 服务器"),
        ("government", "108", "政务外网", "医保与卫健委专线"),
    ] {
        ipam::add_vlan(
            db,
            &ipam::VlanDraft {
                network: net.into(),
                vid: vid.into(),
                name: name.into(),
                purpose: purpose.into(),
            },
            &it,
            now,
        )
        .await?;
    }
    let plan = ipam::plan(db.conn()).await?;
    let vlan = |vid: i32| {
        plan.vlans
            .iter()
            .find(|v| v.vid == vid)
            .map(|v| v.id.to_string())
            .unwrap_or_default()
    };
    for (net, p, v, desc) in [
        ("intranet", "10.10.0.0/24", vlan(10), "设备管理地址"),
        ("intranet", "10.20.0.0/24", vlan(20), "服务器区"),
        ("government", "172.16.8.0/28", vlan(108), "政务外网接入"),
    ] {
        ipam::add_prefix(
            db,
            &ipam::PrefixDraft {
                network: net.into(),
                prefix: p.into(),
                vlan_id: v,
                description: desc.into(),
            },
            &it,
            now,
        )
        .await?;
    }
    for (d, iface) in devices.iter().zip([
        "MGMT",
        "MGMT",
        "MGMT",
        "eth0",
        "eth0",
        "MEth0/0/0",
        "MEth0/0/0",
        "Vlanif108",
        "bond0",
        "bond0",
        "MGMT",
        "",
        "",
    ]) {
        if d.mgmt_ip.is_empty() || d.network == "internet" {
            continue;
        }
        ipam::add_address(
            db,
            &ipam::AddressDraft {
                network: d.network.clone(),
                address: d.mgmt_ip.clone(),
                asset_code: d.code.clone(),
                interface: iface.into(),
                status: "active".into(),
                ..Default::default()
            },
            &it,
            now,
        )
        .await?;
    }
    // Links between the core and the edge.
    for (a, lp, b, rp) in [
        (
            "CSW-01",
            "XGigabitEthernet1/0/1",
            "CSW-02",
            "XGigabitEthernet1/0/1",
        ),
        ("CSW-01", "GigabitEthernet2/0/1", "FW-01", "GE1/0/1"),
        ("CSW-01", "GigabitEthernet2/0/2", "SRV-HIS-01", "bond0"),
        ("CSW-02", "GigabitEthernet2/0/1", "VM-01", "bond0"),
        ("CSW-02", "GigabitEthernet2/0/2", "ST-01", "CTE0.A.IOM0.P0"),
        (
            "GSW-01",
            "GigabitEthernet1/0/48",
            "CSW-02",
            "GigabitEthernet3/0/1",
        ),
    ] {
        links::record_link(
            db,
            &links::LinkDraft {
                asset_code: a.into(),
                local_port: lp.into(),
                remote: b.into(),
                remote_port: rp.into(),
            },
            "manual",
            &it,
            now,
        )
        .await?;
    }
    // Last month: every device inspected, the air-conditioner's cold aisle too warm.
    let this = Period::of(today);
    let last = this.previous();
    let start = now - Duration::days(20);
    inspection::plan_month(db, last, start).await?;
    let mut faults_opened = 0;
    for r in inspection::records(db.conn(), last).await? {
        let d = inspection::record_detail(db.conn(), r.record.id).await?;
        let answers: Vec<inspection::Answer> = d
            .items
            .iter()
            .map(|i| {
                let warm = r.asset_code == "PAC-01" && i.code == "room_temp";
                inspection::Answer {
                    seq: i.seq,
                    answer: match (i.check_kind.as_str(), i.code.as_str()) {
                        ("range", "room_temp") if warm => "28.5".into(),
                        ("range", "room_temp") => "23.5".into(),
                        ("range", "humidity") => "45".into(),
                        ("range", _) => "52".into(),
                        _ => "pass".into(),
                    },
                    note: if warm {
                        "冷通道 3 号点位温度偏高".into()
                    } else {
                        String::new()
                    },
                }
            })
            .collect();
        inspection::save_answers(db, r.record.id, &answers, "", &eng, start).await?;
        faults_opened +=
            inspection::sign(db, r.record.id, &eng, start + Duration::hours(1)).await?;
        inspection::confirm(db, r.record.id, &it, start + Duration::hours(3)).await?;
    }
    if let Some(f) = inspection::faults(db.conn(), true, None).await?.first() {
        let id = f.fault.id;
        inspection::step_fault(
            db,
            id,
            FaultStep::Confirm,
            "",
            "",
            &it,
            start + Duration::hours(4),
        )
        .await?;
        inspection::step_fault(
            db,
            id,
            FaultStep::Repair,
            "清洗冷凝器并补充冷媒，温度恢复 23 ℃",
            "EMR-2026-1187",
            &eng,
            start + Duration::hours(30),
        )
        .await?;
        inspection::step_fault(
            db,
            id,
            FaultStep::Close,
            "",
            "",
            &it,
            start + Duration::hours(32),
        )
        .await?;
    }
    // This month's plan, and a fault reported by phone still open.
    inspection::plan_month(db, this, now).await?;
    inspection::report_fault(
        db,
        &inspection::FaultDraft {
            asset_code: "ST-01".into(),
            title: "存储控制器 B 告警灯亮".into(),
            description: "信息科电话报修".into(),
            source: "phone".into(),
        },
        &it,
        now - Duration::hours(3),
    )
    .await?;
    inspection::record_change(
        db,
        &inspection::ChangeDraft {
            asset_code: "FW-01".into(),
            changed_at: String::new(),
            reason: "开放医保前置机到省平台的 443 端口".into(),
            before_text: "security-policy\n rule name his-out\n  source-zone trust\n  destination-zone untrust\n  service http\n  action permit\n".into(),
            after_text: "security-policy\n rule name his-out\n  source-zone trust\n  destination-zone untrust\n  service http\n  service https\n  action permit\n".into(),
        },
        &eng,
        now - Duration::days(2),
    )
    .await?;
    let year = today.format("%Y").to_string();
    for (title, risk, owner) in [
        ("部分服务器未启用登录失败处理", "高", "系统管理员"),
        ("日志留存不足 6 个月", "中", "信息科"),
        ("机房门禁记录未定期审查", "低", "机房管理员"),
    ] {
        assessment::add_finding(
            db,
            &assessment::FindingDraft {
                year: year.clone(),
                title: title.into(),
                risk: risk.into(),
                owner: owner.into(),
                remediation: String::new(),
                detail: String::new(),
            },
            &it,
            now,
        )
        .await?;
    }
    let notices = asset::send_expiry_notices(db, today, now).await?;
    Ok(format!(
        "设备 {} 台，维保合同 {} 份，{} 巡检已确认（异常生成故障 {faults_opened} 条），{} 巡检计划已生成，到期提醒 {notices} 条",
        devices.len(),
        devices.len(),
        last,
        this
    ))
}
