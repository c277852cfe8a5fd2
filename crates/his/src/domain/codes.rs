//! The small code lists of the feed that are not national standards of `yiqiao_core::codes`:
//! those of the outpatient information page (国卫办医政发〔2024〕16号), of the settlement list
//! (医保结算清单), and the feed's own.

use yiqiao_core::codes::CodeTable;

const PAGE: &str = "门（急）诊诊疗信息页代码表（国卫办医政发〔2024〕16号）";
const SETTLEMENT_LIST: &str = "医疗保障基金结算清单代码表";
const FEED: &str = "医桥 HIS 接口约定";

/// 就诊类型 (JZLX).
pub static VISIT_TYPE: CodeTable = CodeTable {
    key: "visit_type",
    name: "就诊类型",
    standard: PAGE,
    entries: &[
        ("1", "急诊"),
        ("2", "普通门诊"),
        ("3", "特需门诊"),
        ("4", "互联网诊疗"),
        ("5", "MDT门诊"),
        ("9", "其他"),
    ],
};

/// 急诊患者分级 (JZHZFJ).
pub static TRIAGE_LEVEL: CodeTable = CodeTable {
    key: "triage_level",
    name: "急诊患者分级",
    standard: PAGE,
    entries: &[
        ("1", "Ⅰ级（急危）"),
        ("2", "Ⅱ级（急重）"),
        ("3", "Ⅲ级（急症）"),
        ("4", "Ⅳ级（亚急症/非急症）"),
    ],
};

/// 急诊患者去向 (JZHZQX).
pub static EMERGENCY_DESTINATION: CodeTable = CodeTable {
    key: "emergency_destination",
    name: "急诊患者去向",
    standard: PAGE,
    entries: &[
        ("1", "医嘱离院"),
        ("2", "医嘱转院"),
        ("3", "医嘱转社区卫生服务机构/乡镇卫生院"),
        ("4", "非医嘱离院"),
        ("5", "死亡"),
        ("6", "急诊留观"),
        ("7", "急诊转入院"),
        ("9", "其他"),
    ],
};

/// 手术级别 (SHJB).
pub static PROCEDURE_GRADE: CodeTable = CodeTable {
    key: "procedure_grade",
    name: "手术级别",
    standard: PAGE,
    entries: &[
        ("1", "一级手术"),
        ("2", "二级手术"),
        ("3", "三级手术"),
        ("4", "四级手术"),
    ],
};

/// 过敏史 有无 (YWGMS / QTGMS).
pub static ALLERGY: CodeTable = CodeTable {
    key: "allergy",
    name: "过敏史",
    standard: PAGE,
    entries: &[("1", "无"), ("2", "有")],
};

/// 离院方式 (settlement list / 病案首页).
pub static DISCHARGE_WAY: CodeTable = CodeTable {
    key: "discharge_way",
    name: "离院方式",
    standard: SETTLEMENT_LIST,
    entries: &[
        ("1", "医嘱离院"),
        ("2", "医嘱转院"),
        ("3", "医嘱转社区卫生服务机构/乡镇卫生院"),
        ("4", "非医嘱离院"),
        ("5", "死亡"),
        ("9", "其他"),
    ],
};

/// 入院病情 (present on admission).
pub static ADMISSION_CONDITION: CodeTable = CodeTable {
    key: "admission_condition",
    name: "入院病情",
    standard: SETTLEMENT_LIST,
    entries: &[
        ("1", "有"),
        ("2", "临床未确定"),
        ("3", "情况不明"),
        ("4", "无"),
    ],
};

/// 科室类别.
pub static DEPT_KIND: CodeTable = CodeTable {
    key: "dept_kind",
    name: "科室类别",
    standard: FEED,
    entries: &[
        ("clinic", "临床科室"),
        ("ward", "病区"),
        ("medtech", "医技科室"),
        ("pharmacy", "药房"),
        ("other", "其他"),
    ],
};

/// 人员类别.
pub static STAFF_ROLE: CodeTable = CodeTable {
    key: "staff_role",
    name: "人员类别",
    standard: FEED,
    entries: &[
        ("doctor", "医师"),
        ("nurse", "护士"),
        ("pharmacist", "药师"),
        ("technician", "技师"),
        ("other", "其他"),
    ],
};

/// 药品类别 (also the type of a prescription).
pub static DRUG_CATEGORY: CodeTable = CodeTable {
    key: "drug_category",
    name: "药品类别",
    standard: FEED,
    entries: &[
        ("western", "西药"),
        ("patent", "中成药"),
        ("herbal", "中药饮片"),
    ],
};

/// 医嘱类别.
pub static ORDER_KIND: CodeTable = CodeTable {
    key: "order_kind",
    name: "医嘱类别",
    standard: FEED,
    entries: &[("long", "长期医嘱"), ("temporary", "临时医嘱")],
};
