//! The demo hospital's machine room (演示数据): devices with contracts near their end, the
//! address plan, last month's inspections signed and confirmed with a fault they found, this
//! month's plan, a configuration change, links and the year's assessment findings.

use chrono::{DateTime, Duration, Utc};
use yiqiao_core::time::local_today;
use yiqiao_store::Db;
use yiqiao_store::audit::Actor;

use crate::config::InspectionConfig;
use crate::domain::asset::{AssetDraft, ContractDraft};
use crate::domain::fault::FaultStep;
use crate::domain::inspection::Period;
use crate::report_print::ReportError;
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

/// Load the demo machine room at `now`. `hospital` names the monthly report; `config` says
/// whether expiry notices have a receiver (without one they are shown on the dashboard only,
/// see [`crate::ops::tick_for`]). Ends by keeping the previous month's report, printed by the
/// report code as the jobs would on the 1st. Returns a one-line summary.
pub async fn load(
    db: &Db,
    hospital: &str,
    config: &InspectionConfig,
    now: DateTime<Utc>,
) -> Result<String, ReportError> {
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
        let parsed = d.parse().map_err(OpsError::from)?;
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
        .parse()
        .map_err(OpsError::from)?;
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
    // The rest of the network: the server area, the internet edge and the buildings' wiring
    // closets with their aggregation and floor switches; then the links.
    let extra = network(db, &it, now).await?;
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
    // Monitoring history of the core devices, recorded before the month's report is printed
    // so that the report shows it.
    let monitored = match last.first_day() {
        Some(first) => crate::ops_demo_monitor::load(db, first, now).await?,
        None => crate::ops_demo_monitor::History::default(),
    };
    let send = !config.notice_url.trim().is_empty();
    let notices = asset::expiry_notices(db, today, now, send).await?;
    let report =
        if crate::report_print::generate(db, hospital, last, "演示数据", now, false).await? {
            format!("，{last} 月度运行报告已生成")
        } else {
            String::new()
        };
    Ok(format!(
        "设备 {} 台，维保合同 {} 份，{} 巡检已确认（异常生成故障 {faults_opened} 条），{} 巡检计划已生成，到期提醒 {notices} 条{}，监控历史 {} 台设备 {} 次轮询（演示数据，不轮询）{report}",
        devices.len() + extra,
        devices.len(),
        last,
        this,
        if send {
            ""
        } else {
            "（未配置通知地址，只在看板显示）"
        },
        monitored.devices,
        monitored.polls,
    ))
}

/// The network beyond the first devices (网络拓扑): the server area's switches and servers, the
/// internet edge, the medical-insurance front end on the government network, and three
/// buildings' wiring closets (弱电间) with an aggregation switch uplinked to both cores and a
/// switch per floor. Records the links of the whole room. Returns how many devices it added.
async fn network(db: &Db, it: &Actor, now: DateTime<Utc>) -> Result<usize, OpsError> {
    let main_room = "门诊楼三楼主机房";
    let mut extra: Vec<AssetDraft> = Vec::new();
    let mut put = |code: &str,
                   name: &str,
                   kind: &str,
                   vendor: &str,
                   model: &str,
                   room: &str,
                   rack: &str,
                   ip: String,
                   network: &str| {
        extra.push(AssetDraft {
            code: code.into(),
            name: name.into(),
            kind: kind.into(),
            vendor: vendor.into(),
            model: model.into(),
            serial_no: format!("SN{}", code.replace('-', "")),
            location: room.into(),
            rack: rack.into(),
            mgmt_ip: ip,
            network: network.into(),
            owner: "信息科".into(),
            purchase_date: "2023-03-20".into(),
            ..Default::default()
        });
    };
    put(
        "RT-01",
        "电信出口路由器",
        "router",
        "华为",
        "AR6280",
        main_room,
        "A01",
        "10.10.0.6".into(),
        "internet",
    );
    put(
        "SSW-01",
        "服务器区接入交换机1",
        "access_switch",
        "H3C",
        "S6520X-30QC",
        main_room,
        "C01",
        "10.10.0.21".into(),
        "intranet",
    );
    put(
        "SSW-02",
        "服务器区接入交换机2",
        "access_switch",
        "H3C",
        "S6520X-30QC",
        main_room,
        "C02",
        "10.10.0.22".into(),
        "intranet",
    );
    for (code, name, ip) in [
        ("SRV-HIS-02", "HIS 应用服务器", "10.20.0.22"),
        ("SRV-EMR-01", "电子病历服务器", "10.20.0.23"),
        ("SRV-PACS-01", "PACS 影像服务器", "10.20.0.24"),
        ("SRV-LIS-01", "LIS 检验服务器", "10.20.0.25"),
        ("SRV-TJ-01", "体检系统服务器", "10.20.0.26"),
        ("VM-02", "虚拟化主机2", "10.20.0.32"),
        ("VM-03", "虚拟化主机3", "10.20.0.33"),
        ("ST-02", "备份存储", "10.20.0.42"),
    ] {
        let kind = match code.split('-').next() {
            Some("VM") => "virt_host",
            Some("ST") => "storage",
            _ => "server",
        };
        put(
            code,
            name,
            kind,
            "浪潮",
            "NF5270M6",
            main_room,
            "C03",
            ip.into(),
            "intranet",
        );
    }
    put(
        "SRV-YB-01",
        "医保前置机",
        "server",
        "华为",
        "2288H V6",
        main_room,
        "B03",
        "172.16.8.5".into(),
        "government",
    );
    let buildings = [
        ("MZ", "门诊楼", 5),
        ("ZY", "住院楼", 12),
        ("YJ", "医技楼", 4),
    ];
    for (b, (code, building, floors)) in buildings.iter().enumerate() {
        let room = format!("{building}弱电间");
        put(
            &format!("AGG-{code}"),
            &format!("{building}汇聚交换机"),
            "access_switch",
            "华为",
            "S6730-H24X6C",
            &room,
            "1F-01",
            format!("10.10.{}.1", b + 1),
            "intranet",
        );
        for f in 1..=*floors {
            put(
                &format!("ASW-{code}-{f}F"),
                &format!("{building}{f}楼接入"),
                "access_switch",
                "华为",
                "S5735-L48T4X",
                &room,
                &format!("{f}F-01"),
                format!("10.10.{}.{}", b + 1, 10 + f),
                "intranet",
            );
        }
    }
    for d in &extra {
        asset::create_asset(db, &d.parse()?, it, now).await?;
    }
    let mut links: Vec<(String, String, String, String)> = [
        (
            "CSW-01",
            "XGigabitEthernet1/0/1",
            "CSW-02",
            "XGigabitEthernet1/0/1",
        ),
        (
            "CSW-01",
            "XGigabitEthernet1/0/2",
            "CSW-02",
            "XGigabitEthernet1/0/2",
        ),
        ("CSW-01", "GigabitEthernet2/0/1", "FW-01", "GE1/0/1"),
        ("CSW-02", "GigabitEthernet2/0/3", "FW-01", "GE1/0/2"),
        ("FW-01", "GE1/0/3", "IPS-01", "eth1"),
        ("IPS-01", "eth2", "AC-GW-01", "eth1"),
        ("AC-GW-01", "eth2", "RT-01", "GE0/0/1"),
        ("CSW-01", "GigabitEthernet2/0/2", "SRV-HIS-01", "bond0"),
        ("CSW-02", "GigabitEthernet2/0/1", "VM-01", "bond0"),
        ("CSW-02", "GigabitEthernet2/0/2", "ST-01", "CTE0.A.IOM0.P0"),
        (
            "GSW-01",
            "GigabitEthernet1/0/48",
            "CSW-02",
            "GigabitEthernet3/0/1",
        ),
        ("GSW-01", "GigabitEthernet1/0/1", "SRV-YB-01", "eth0"),
        (
            "CSW-01",
            "XGigabitEthernet1/0/5",
            "SSW-01",
            "Ten-GigabitEthernet1/0/49",
        ),
        (
            "CSW-02",
            "XGigabitEthernet1/0/5",
            "SSW-02",
            "Ten-GigabitEthernet1/0/49",
        ),
        (
            "SSW-01",
            "Ten-GigabitEthernet1/0/50",
            "SSW-02",
            "Ten-GigabitEthernet1/0/50",
        ),
        ("SSW-01", "GigabitEthernet1/0/1", "BH-01", "eth0"),
        ("SSW-01", "GigabitEthernet1/0/2", "LA-01", "eth0"),
        ("SSW-01", "GigabitEthernet1/0/3", "SRV-HIS-02", "bond0"),
        ("SSW-01", "GigabitEthernet1/0/4", "SRV-EMR-01", "bond0"),
        ("SSW-01", "GigabitEthernet1/0/5", "SRV-PACS-01", "bond0"),
        ("SSW-02", "GigabitEthernet1/0/1", "SRV-LIS-01", "bond0"),
        ("SSW-02", "GigabitEthernet1/0/2", "SRV-TJ-01", "bond0"),
        ("SSW-02", "GigabitEthernet1/0/3", "VM-02", "bond0"),
        ("SSW-02", "GigabitEthernet1/0/4", "VM-03", "bond0"),
        ("SSW-02", "GigabitEthernet1/0/5", "ST-02", "MGMT"),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
    .collect();
    for (b, (code, _, floors)) in buildings.iter().enumerate() {
        let agg = format!("AGG-{code}");
        for (core, port) in [("CSW-01", 3), ("CSW-02", 4)] {
            links.push((
                core.into(),
                format!("XGigabitEthernet{port}/0/{}", b + 1),
                agg.clone(),
                format!("XGigabitEthernet0/0/{}", port - 2),
            ));
        }
        for f in 1..=*floors {
            links.push((
                agg.clone(),
                format!("GigabitEthernet0/0/{f}"),
                format!("ASW-{code}-{f}F"),
                "XGigabitEthernet0/0/1".into(),
            ));
        }
    }
    for (a, lp, b, rp) in links {
        links::record_link(
            db,
            &links::LinkDraft {
                asset_code: a,
                local_port: lp,
                remote: b,
                remote_port: rp,
            },
            "manual",
            it,
            now,
        )
        .await?;
    }
    Ok(extra.len())
}
