//! The fixed lists the demo hospital is drawn from. Diagnosis and procedure codes are from the
//! national clinical versions (ICD-10 国家临床版 2.0, ICD-9-CM-3 国家临床版 3.0) as used by
//! ZJ-DRG; the TCM codes are placeholders of the GB/T 15657-2021 shape (演示编码), not the
//! official table.

/// A department: code, name, kind, TCM, open to online taking.
pub struct Dept {
    pub code: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub tcm: bool,
    pub online: bool,
    /// Relative share of outpatient visits.
    pub visits: u32,
    /// Doctors out of the 80.
    pub doctors: u32,
    pub specialties: &'static [&'static str],
}

#[rustfmt::skip]
pub const DEPTS: &[Dept] = &[
    Dept { code: "A03.01", name: "呼吸内科", kind: "clinic", tcm: false, online: true, visits: 9, doctors: 5, specialties: &["慢性阻塞性肺病", "哮喘", "肺部感染"] },
    Dept { code: "A03.02", name: "消化内科", kind: "clinic", tcm: false, online: true, visits: 8, doctors: 5, specialties: &["胃肠疾病", "消化内镜", "肝病"] },
    Dept { code: "A03.03", name: "神经内科", kind: "clinic", tcm: false, online: true, visits: 5, doctors: 4, specialties: &["脑血管病", "头痛", "睡眠障碍"] },
    Dept { code: "A03.04", name: "心血管内科", kind: "clinic", tcm: false, online: true, visits: 8, doctors: 5, specialties: &["高血压", "冠心病介入", "心力衰竭"] },
    Dept { code: "A03.06", name: "肾内科", kind: "clinic", tcm: false, online: true, visits: 3, doctors: 3, specialties: &["慢性肾脏病", "血液透析"] },
    Dept { code: "A03.07", name: "内分泌科", kind: "clinic", tcm: false, online: true, visits: 6, doctors: 3, specialties: &["糖尿病", "甲状腺疾病", "骨质疏松"] },
    Dept { code: "A04.01", name: "普外科", kind: "clinic", tcm: false, online: true, visits: 4, doctors: 4, specialties: &["肝胆外科", "胃肠外科", "疝外科"] },
    Dept { code: "A04.03", name: "骨科", kind: "clinic", tcm: false, online: true, visits: 6, doctors: 5, specialties: &["关节外科", "脊柱外科", "创伤骨科"] },
    Dept { code: "A04.04", name: "泌尿外科", kind: "clinic", tcm: false, online: true, visits: 3, doctors: 3, specialties: &["泌尿系结石", "前列腺疾病"] },
    Dept { code: "A05.01", name: "妇科", kind: "clinic", tcm: false, online: true, visits: 5, doctors: 3, specialties: &["妇科炎症", "月经病"] },
    Dept { code: "A05.02", name: "产科", kind: "clinic", tcm: false, online: true, visits: 3, doctors: 3, specialties: &["围产保健", "高危妊娠"] },
    Dept { code: "A07", name: "儿科", kind: "clinic", tcm: false, online: true, visits: 7, doctors: 4, specialties: &["小儿呼吸", "新生儿"] },
    Dept { code: "A10", name: "眼科", kind: "clinic", tcm: false, online: true, visits: 3, doctors: 2, specialties: &["白内障", "屈光"] },
    Dept { code: "A11", name: "耳鼻咽喉科", kind: "clinic", tcm: false, online: true, visits: 3, doctors: 2, specialties: &["鼻炎", "咽喉疾病"] },
    Dept { code: "A12", name: "口腔科", kind: "clinic", tcm: false, online: true, visits: 3, doctors: 2, specialties: &["牙体牙髓", "牙周病"] },
    Dept { code: "A13", name: "皮肤科", kind: "clinic", tcm: false, online: true, visits: 4, doctors: 2, specialties: &["湿疹皮炎", "真菌病"] },
    Dept { code: "A20", name: "急诊医学科", kind: "clinic", tcm: false, online: false, visits: 8, doctors: 5, specialties: &["急危重症", "创伤急救"] },
    Dept { code: "A21", name: "康复医学科", kind: "clinic", tcm: false, online: true, visits: 2, doctors: 2, specialties: &["神经康复", "骨关节康复"] },
    Dept { code: "A50.01", name: "中医内科", kind: "clinic", tcm: true, online: true, visits: 10, doctors: 6, specialties: &["脾胃病", "失眠", "咳嗽"] },
    Dept { code: "A50.11", name: "中医骨伤科", kind: "clinic", tcm: true, online: true, visits: 5, doctors: 4, specialties: &["颈腰椎病", "骨折手法复位"] },
    Dept { code: "A50.16", name: "针灸推拿科", kind: "clinic", tcm: true, online: true, visits: 6, doctors: 4, specialties: &["针刺", "推拿", "艾灸"] },
    Dept { code: "A50.20", name: "治未病科", kind: "clinic", tcm: true, online: true, visits: 3, doctors: 2, specialties: &["体质辨识", "膏方调理"] },
    Dept { code: "A30", name: "医学检验科", kind: "medtech", tcm: false, online: false, visits: 0, doctors: 0, specialties: &[] },
    Dept { code: "A32", name: "医学影像科", kind: "medtech", tcm: false, online: false, visits: 0, doctors: 0, specialties: &[] },
    Dept { code: "W01", name: "内科一病区", kind: "ward", tcm: false, online: false, visits: 0, doctors: 0, specialties: &[] },
    Dept { code: "Y01", name: "门诊西药房", kind: "pharmacy", tcm: false, online: false, visits: 0, doctors: 0, specialties: &[] },
    Dept { code: "Y02", name: "中药房", kind: "pharmacy", tcm: false, online: false, visits: 0, doctors: 0, specialties: &[] },
    Dept { code: "Y03", name: "住院药房", kind: "pharmacy", tcm: false, online: false, visits: 0, doctors: 0, specialties: &[] },
];

pub const WARD: &str = "W01";
pub const PHARMACY_WESTERN: &str = "Y01";
pub const PHARMACY_HERBAL: &str = "Y02";
pub const PHARMACY_WARD: &str = "Y03";
pub const EMERGENCY: &str = "A20";

/// Taizhou county-level regions: code, name, weight, streets.
#[rustfmt::skip]
pub const REGIONS: &[(&str, &str, u32, &[&str])] = &[
    ("331002", "椒江区", 24, &["海门街道", "白云街道", "葭沚街道", "洪家街道", "下陈街道"]),
    ("331003", "黄岩区", 12, &["东城街道", "西城街道", "南城街道", "北城街道"]),
    ("331004", "路桥区", 12, &["路桥街道", "路南街道", "路北街道", "螺洋街道"]),
    ("331081", "温岭市", 14, &["太平街道", "城东街道", "城西街道", "横峰街道"]),
    ("331082", "临海市", 12, &["古城街道", "大洋街道", "江南街道", "大田街道"]),
    ("331083", "玉环市", 7, &["玉城街道", "坎门街道", "大麦屿街道"]),
    ("331022", "三门县", 6, &["海游街道", "沙柳街道"]),
    ("331023", "天台县", 7, &["赤城街道", "始丰街道", "福溪街道"]),
    ("331024", "仙居县", 6, &["福应街道", "南峰街道", "安洲街道"]),
];

pub const ROADS: &[&str] = &[
    "市府大道",
    "东海大道",
    "中山路",
    "解放路",
    "人民路",
    "青年路",
    "开发大道",
    "环城东路",
    "文化路",
    "商业街",
    "工人路",
    "学院路",
    "府前街",
    "振兴路",
    "和平路",
    "劳动路",
];

pub const SURNAMES: &[&str] = &[
    "王", "陈", "林", "李", "张", "黄", "郑", "周", "徐", "杨", "叶", "金", "蒋", "朱", "梁", "应",
    "潘", "陶", "何", "吴", "赵", "卢", "许", "章", "毛", "罗", "洪", "方", "江", "牟", "阮", "项",
    "管", "柯", "颜", "泮", "蔡", "戴", "胡", "梅",
];

pub const GIVEN_MALE: &[&str] = &[
    "伟", "强", "军", "杰", "涛", "斌", "明", "辉", "建", "华", "国", "平", "志", "勇", "峰", "磊",
    "鹏", "浩", "宇", "俊", "文", "海", "东", "亮", "林", "刚", "荣", "晨", "凯", "鑫", "航", "豪",
    "博", "翔", "锋", "波", "健", "超", "毅", "昊",
];

pub const GIVEN_FEMALE: &[&str] = &[
    "芳", "娟", "敏", "静", "丽", "燕", "霞", "玲", "婷", "萍", "红", "艳", "琴", "英", "慧", "洁",
    "雪", "琳", "颖", "倩", "佳", "怡", "欣", "悦", "雅", "梦", "晶", "璐", "蓉", "瑶", "露", "彤",
    "诗", "涵", "菲", "薇", "莉", "君", "月", "秀",
];

pub const MOBILE_PREFIXES: &[&str] = &[
    "138", "139", "137", "136", "135", "158", "159", "150", "151", "152", "157", "188", "187",
    "182", "183", "189", "180", "133", "153", "177", "199", "130", "131", "132", "155", "156",
    "185", "186", "176", "166",
];

pub const DRUG_ALLERGENS: &[&str] = &["青霉素", "头孢类", "磺胺类", "阿司匹林", "碘造影剂"];
pub const OTHER_ALLERGENS: &[&str] = &["海鲜", "花粉", "尘螨", "芒果", "酒精"];

/// A western drug or 中成药: name, spec, form, unit, pack unit, pack size, price 分/unit,
/// rx, antibacterial.
pub type DrugBase = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
    bool,
    bool,
);

#[rustfmt::skip]
pub const WESTERN: &[DrugBase] = &[
    ("阿莫西林胶囊", "0.25g*24粒", "胶囊剂", "粒", "盒", 24, 35, true, true),
    ("头孢克肟分散片", "0.1g*6片", "片剂", "片", "盒", 6, 280, true, true),
    ("左氧氟沙星片", "0.5g*4片", "片剂", "片", "盒", 4, 350, true, true),
    ("阿奇霉素片", "0.25g*6片", "片剂", "片", "盒", 6, 180, true, true),
    ("头孢呋辛酯片", "0.25g*12片", "片剂", "片", "盒", 12, 150, true, true),
    ("克拉霉素片", "0.25g*6片", "片剂", "片", "盒", 6, 160, true, true),
    ("甲硝唑片", "0.2g*21片", "片剂", "片", "瓶", 21, 8, true, true),
    ("布洛芬缓释胶囊", "0.3g*20粒", "胶囊剂", "粒", "盒", 20, 45, false, false),
    ("对乙酰氨基酚片", "0.5g*12片", "片剂", "片", "盒", 12, 20, false, false),
    ("苯磺酸氨氯地平片", "5mg*28片", "片剂", "片", "盒", 28, 25, true, false),
    ("硝苯地平控释片", "30mg*7片", "片剂", "片", "盒", 7, 330, true, false),
    ("厄贝沙坦片", "0.15g*7片", "片剂", "片", "盒", 7, 120, true, false),
    ("缬沙坦胶囊", "80mg*7粒", "胶囊剂", "粒", "盒", 7, 140, true, false),
    ("琥珀酸美托洛尔缓释片", "47.5mg*7片", "片剂", "片", "盒", 7, 260, true, false),
    ("阿托伐他汀钙片", "20mg*7片", "片剂", "片", "盒", 7, 190, true, false),
    ("瑞舒伐他汀钙片", "10mg*7片", "片剂", "片", "盒", 7, 210, true, false),
    ("阿司匹林肠溶片", "100mg*30片", "片剂", "片", "盒", 30, 15, false, false),
    ("硫酸氢氯吡格雷片", "75mg*7片", "片剂", "片", "盒", 7, 320, true, false),
    ("盐酸二甲双胍缓释片", "0.5g*30片", "片剂", "片", "盒", 30, 30, true, false),
    ("格列美脲片", "2mg*30片", "片剂", "片", "盒", 30, 45, true, false),
    ("阿卡波糖片", "50mg*30片", "片剂", "片", "盒", 30, 60, true, false),
    ("甘精胰岛素注射液", "3ml:300单位", "注射剂", "支", "支", 1, 17800, true, false),
    ("奥美拉唑肠溶胶囊", "20mg*14粒", "胶囊剂", "粒", "盒", 14, 40, true, false),
    ("雷贝拉唑钠肠溶片", "10mg*7片", "片剂", "片", "盒", 7, 230, true, false),
    ("铝碳酸镁咀嚼片", "0.5g*20片", "片剂", "片", "盒", 20, 55, false, false),
    ("蒙脱石散", "3g*10袋", "散剂", "袋", "盒", 10, 95, false, false),
    ("多潘立酮片", "10mg*30片", "片剂", "片", "盒", 30, 50, false, false),
    ("乳果糖口服溶液", "100ml:66.7g", "口服溶液剂", "瓶", "瓶", 1, 3200, false, false),
    ("氯雷他定片", "10mg*6片", "片剂", "片", "盒", 6, 150, false, false),
    ("盐酸西替利嗪片", "10mg*12片", "片剂", "片", "盒", 12, 110, false, false),
    ("孟鲁司特钠片", "10mg*5片", "片剂", "片", "盒", 5, 380, true, false),
    ("硫酸沙丁胺醇吸入气雾剂", "100μg*200揿", "气雾剂", "瓶", "瓶", 1, 2500, true, false),
    ("布地奈德福莫特罗吸入粉雾剂", "160μg/4.5μg*60吸", "粉雾剂", "支", "支", 1, 23500, true, false),
    ("盐酸氨溴索口服溶液", "100ml:0.6g", "口服溶液剂", "瓶", "瓶", 1, 1800, false, false),
    ("甲钴胺片", "0.5mg*20片", "片剂", "片", "盒", 20, 95, true, false),
    ("碳酸钙D3片", "600mg*30片", "片剂", "片", "盒", 30, 70, false, false),
    ("骨化三醇软胶囊", "0.25μg*10粒", "软胶囊剂", "粒", "盒", 10, 280, true, false),
    ("左甲状腺素钠片", "50μg*100片", "片剂", "片", "瓶", 100, 28, true, false),
    ("艾司唑仑片", "1mg*20片", "片剂", "片", "盒", 20, 12, true, false),
    ("盐酸舍曲林片", "50mg*14片", "片剂", "片", "盒", 14, 310, true, false),
    ("0.9%氯化钠注射液", "100ml:0.9g", "注射剂", "袋", "袋", 1, 350, true, false),
    ("5%葡萄糖注射液", "250ml:12.5g", "注射剂", "袋", "袋", 1, 420, true, false),
    ("注射用头孢曲松钠", "1.0g", "注射剂", "支", "支", 1, 860, true, true),
    ("注射用头孢呋辛钠", "0.75g", "注射剂", "支", "支", 1, 720, true, true),
    ("地塞米松磷酸钠注射液", "1ml:5mg", "注射剂", "支", "支", 1, 90, true, false),
    ("呋塞米片", "20mg*100片", "片剂", "片", "瓶", 100, 5, true, false),
    ("螺内酯片", "20mg*100片", "片剂", "片", "瓶", 100, 8, true, false),
    ("低分子肝素钙注射液", "0.4ml:4100IU", "注射剂", "支", "支", 1, 2300, true, false),
    ("双氯芬酸钠缓释片", "75mg*10片", "片剂", "片", "盒", 10, 85, true, false),
    ("塞来昔布胶囊", "0.2g*6粒", "胶囊剂", "粒", "盒", 6, 420, true, false),
    ("妥布霉素滴眼液", "5ml:15mg", "滴眼剂", "支", "支", 1, 1500, true, true),
    ("莫匹罗星软膏", "5g:0.1g", "软膏剂", "支", "支", 1, 1600, true, true),
    ("盐酸坦索罗辛缓释胶囊", "0.2mg*10粒", "胶囊剂", "粒", "盒", 10, 320, true, false),
    ("非那雄胺片", "5mg*10片", "片剂", "片", "盒", 10, 360, true, false),
    ("叶酸片", "0.4mg*31片", "片剂", "片", "盒", 31, 10, false, false),
];

#[rustfmt::skip]
pub const PATENT: &[DrugBase] = &[
    ("连花清瘟胶囊", "0.35g*24粒", "胶囊剂", "粒", "盒", 24, 60, false, false),
    ("复方丹参滴丸", "27mg*180丸", "滴丸剂", "丸", "瓶", 180, 15, false, false),
    ("银黄颗粒", "4g*10袋", "颗粒剂", "袋", "盒", 10, 150, false, false),
    ("藿香正气水", "10ml*10支", "酊剂", "支", "盒", 10, 110, false, false),
    ("感冒清热颗粒", "12g*10袋", "颗粒剂", "袋", "盒", 10, 160, false, false),
    ("板蓝根颗粒", "10g*20袋", "颗粒剂", "袋", "包", 20, 60, false, false),
    ("血府逐瘀胶囊", "0.4g*48粒", "胶囊剂", "粒", "盒", 48, 65, true, false),
    ("六味地黄丸", "200丸", "浓缩丸", "丸", "瓶", 200, 12, false, false),
    ("逍遥丸", "200丸", "浓缩丸", "丸", "瓶", 200, 10, false, false),
    ("归脾丸", "200丸", "浓缩丸", "丸", "瓶", 200, 12, false, false),
    ("香砂养胃丸", "200丸", "浓缩丸", "丸", "瓶", 200, 10, false, false),
    ("保和丸", "200丸", "浓缩丸", "丸", "瓶", 200, 9, false, false),
    ("通心络胶囊", "0.26g*30粒", "胶囊剂", "粒", "盒", 30, 190, true, false),
    ("麝香保心丸", "22.5mg*42丸", "微丸", "丸", "瓶", 42, 95, true, false),
    ("养血清脑颗粒", "4g*15袋", "颗粒剂", "袋", "盒", 15, 320, true, false),
    ("百令胶囊", "0.5g*42粒", "胶囊剂", "粒", "盒", 42, 130, true, false),
    ("蓝芩口服液", "10ml*12支", "合剂", "支", "盒", 12, 280, false, false),
    ("蒲地蓝消炎口服液", "10ml*10支", "合剂", "支", "盒", 10, 300, false, false),
    ("玉屏风颗粒", "5g*15袋", "颗粒剂", "袋", "盒", 15, 210, false, false),
    ("云南白药气雾剂", "85g+60g", "气雾剂", "瓶", "盒", 1, 5800, false, false),
    ("独活寄生丸", "6g*10袋", "水蜜丸", "袋", "盒", 10, 180, false, false),
    ("颈复康颗粒", "5g*10袋", "颗粒剂", "袋", "盒", 10, 260, true, false),
    ("腰痹通胶囊", "0.42g*30粒", "胶囊剂", "粒", "盒", 30, 150, true, false),
    ("舒筋活血片", "0.37g*60片", "片剂", "片", "瓶", 60, 20, false, false),
    ("乌灵胶囊", "0.33g*36粒", "胶囊剂", "粒", "盒", 36, 110, true, false),
    ("枣仁安神胶囊", "0.45g*24粒", "胶囊剂", "粒", "盒", 24, 95, false, false),
    ("麻仁润肠丸", "6g*10丸", "大蜜丸", "丸", "盒", 10, 150, false, false),
    ("桂枝茯苓胶囊", "0.31g*60粒", "胶囊剂", "粒", "盒", 60, 55, true, false),
];

/// 中药饮片: name, price 分 per g.
#[rustfmt::skip]
pub const HERBAL: &[(&str, i64)] = &[
    ("黄芪", 12),
    ("党参", 25),
    ("炒白术", 18),
    ("茯苓", 10),
    ("炙甘草", 9),
    ("当归", 30),
    ("川芎", 14),
    ("白芍", 12),
    ("熟地黄", 11),
    ("生地黄", 10),
    ("柴胡", 28),
    ("黄芩", 15),
    ("法半夏", 40),
    ("陈皮", 8),
    ("桂枝", 6),
    ("麻黄", 9),
    ("苦杏仁", 16),
    ("桔梗", 14),
    ("薄荷", 7),
    ("金银花", 45),
    ("连翘", 22),
    ("板蓝根", 8),
    ("丹参", 10),
    ("红花", 60),
    ("桃仁", 25),
    ("牛膝", 16),
    ("杜仲", 13),
    ("续断", 15),
    ("枸杞子", 32),
    ("山药", 14),
    ("山茱萸", 38),
    ("泽泻", 9),
    ("牡丹皮", 18),
    ("酸枣仁", 90),
    ("远志", 42),
    ("煅龙骨", 6),
    ("煅牡蛎", 3),
    ("葛根", 6),
    ("防风", 35),
    ("羌活", 55),
    ("独活", 18),
    ("威灵仙", 16),
    ("鸡血藤", 5),
    ("木香", 20),
    ("砂仁", 150),
    ("姜厚朴", 12),
    ("麸炒枳壳", 10),
    ("焦六神曲", 5),
    ("炒麦芽", 4),
    ("焦山楂", 6),
];

pub const WESTERN_MAKERS: &[&str] = &[
    "台州华康制药有限公司",
    "浙江仁和药业有限公司",
    "杭州康恩制药有限公司",
    "上海信谊联合制药有限公司",
    "江苏恒泰制药有限公司",
    "山东齐鲁华信药业有限公司",
    "广东岭南制药有限公司",
    "四川科伦医药有限公司",
];
pub const PATENT_MAKERS: &[&str] = &[
    "浙江康莱特中药有限公司",
    "石家庄以岭药业股份有限公司演示厂",
    "天士力医药集团演示厂",
    "北京同仁堂演示制药厂",
    "广州白云山中药演示厂",
];
pub const HERBAL_MAKERS: &[&str] = &[
    "台州康宁中药饮片有限公司",
    "浙江济生堂中药饮片有限公司",
    "杭州华东中药饮片有限公司",
];

/// Outpatient diagnoses per department: (code, name). The first entries are the commonest.
#[rustfmt::skip]
pub fn outpatient_dx(dept: &str) -> &'static [(&'static str, &'static str)] {
    match dept {
        "A03.01" => &[("J06.900", "急性上呼吸道感染"), ("J20.900", "急性支气管炎"), ("R05.x00", "咳嗽"), ("J45.900", "哮喘"), ("J18.900", "肺炎"), ("J44.100", "慢性阻塞性肺病伴有急性加重")],
        "A03.02" => &[("K29.500", "慢性胃炎"), ("K21.000", "胃-食管反流性疾病伴有食管炎"), ("K29.700", "胃炎"), ("K59.000", "便秘"), ("A09.900", "胃肠炎和结肠炎"), ("R10.400", "腹痛，其他和未特指的")],
        "A03.03" => &[("R51.x00", "头痛"), ("G43.900", "偏头痛"), ("R42.x00", "头晕和眩晕"), ("G47.000", "初发性或维持性睡眠障碍［失眠症］"), ("I63.900", "脑梗死")],
        "A03.04" => &[("I10.x00", "特发性（原发性）高血压"), ("I25.103", "冠状动脉粥样硬化性心脏病"), ("E78.500", "高脂血症"), ("I50.900", "心力衰竭")],
        "A03.06" => &[("N39.000", "泌尿道感染"), ("N18.500", "慢性肾脏病5期"), ("I10.x00", "特发性（原发性）高血压")],
        "A03.07" => &[("E11.900", "2型糖尿病"), ("E03.900", "甲状腺功能减退症"), ("M81.000", "绝经后骨质疏松"), ("E78.500", "高脂血症")],
        "A04.01" => &[("K40.900", "单侧或未特指的腹股沟疝，不伴有梗阻或坏疽"), ("K80.100", "胆囊结石伴有其他胆囊炎"), ("T14.000", "浅表损伤"), ("K35.800", "急性阑尾炎，其他未特指")],
        "A04.03" => &[("M54.500", "下背痛"), ("M17.900", "膝关节病"), ("M47.800", "脊椎关节强硬，其他的"), ("S93.400", "踝扭伤和劳损"), ("S52.500", "桡骨下端骨折"), ("M25.500", "关节痛")],
        "A04.04" => &[("N20.000", "肾结石"), ("N40.x00", "前列腺增生"), ("N39.000", "泌尿道感染")],
        "A05.01" => &[("N76.000", "急性阴道炎"), ("N92.000", "月经过多和频繁伴有规则周期"), ("N95.100", "绝经期和女性更年期状态")],
        "A05.02" => &[("Z34.900", "正常妊娠监督"), ("O26.900", "与妊娠有关的情况")],
        "A07" => &[("J06.900", "急性上呼吸道感染"), ("J20.900", "急性支气管炎"), ("A09.900", "胃肠炎和结肠炎"), ("J03.900", "急性扁桃体炎"), ("L20.900", "特应性皮炎")],
        "A10" => &[("H10.900", "结膜炎"), ("H52.100", "近视"), ("H25.900", "老年性白内障")],
        "A11" => &[("J30.400", "变应性鼻炎"), ("J02.900", "急性咽炎"), ("H66.900", "中耳炎"), ("J35.000", "慢性扁桃体炎")],
        "A12" => &[("K02.900", "龋（牙）"), ("K05.100", "慢性龈炎")],
        "A13" => &[("L30.900", "皮炎"), ("L20.900", "特应性皮炎"), ("B35.300", "脚癣")],
        "A20" => &[("J06.900", "急性上呼吸道感染"), ("R10.400", "腹痛，其他和未特指的"), ("T14.000", "浅表损伤"), ("A09.900", "胃肠炎和结肠炎"), ("R51.x00", "头痛"), ("S93.400", "踝扭伤和劳损"), ("I63.900", "脑梗死")],
        "A21" => &[("M54.500", "下背痛"), ("M54.200", "颈痛"), ("M75.100", "旋转袖综合征"), ("I63.900", "脑梗死")],
        "A50.01" => &[("J06.900", "急性上呼吸道感染"), ("K29.500", "慢性胃炎"), ("F51.000", "非器质性失眠症"), ("R05.x00", "咳嗽"), ("K59.000", "便秘"), ("R42.x00", "头晕和眩晕")],
        "A50.11" => &[("M47.800", "脊椎关节强硬，其他的"), ("M54.500", "下背痛"), ("M17.900", "膝关节病"), ("S93.400", "踝扭伤和劳损")],
        "A50.16" => &[("M54.200", "颈痛"), ("M54.500", "下背痛"), ("M75.100", "旋转袖综合征"), ("F51.000", "非器质性失眠症"), ("R51.x00", "头痛")],
        _ => &[
            ("Z00.000", "一般性医学检查"),
            ("F51.000", "非器质性失眠症"),
            ("K59.000", "便秘"),
        ],
    }
}

/// Other diagnoses of adults.
pub const COMORBIDITIES: &[(&str, &str)] = &[
    ("I10.x00", "特发性（原发性）高血压"),
    ("E11.900", "2型糖尿病"),
    ("E78.500", "高脂血症"),
    ("K29.500", "慢性胃炎"),
    ("M81.000", "绝经后骨质疏松"),
    ("D50.900", "缺铁性贫血"),
];

/// TCM diseases and syndromes (演示编码 of the GB/T 15657-2021 shape).
/// A TCM disease: code, name, its syndromes (code, name).
pub type TcmDisease = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

#[rustfmt::skip]
pub const TCM_DISEASES: &[TcmDisease] = &[
    ("A01.01.01.01.", "感冒", &[("B01.01.01.01.01.", "风寒束表证"), ("B01.01.01.01.02.", "风热犯表证")]),
    ("A01.01.02.01.", "咳嗽", &[("B01.02.01.01.01.", "痰湿蕴肺证"), ("B01.02.01.01.02.", "风热犯肺证")]),
    ("A01.03.01.01.", "胃脘痛", &[("B02.01.01.01.01.", "肝胃不和证"), ("B02.01.01.01.02.", "脾胃虚寒证")]),
    ("A01.04.01.01.", "不寐", &[("B03.01.01.01.01.", "心脾两虚证"), ("B03.01.01.01.02.", "肝火扰心证")]),
    ("A01.05.01.01.", "眩晕", &[("B04.01.01.01.01.", "肝阳上亢证"), ("B04.01.01.01.02.", "痰湿中阻证")]),
    ("A03.06.01.01.", "项痹", &[("B05.01.01.01.01.", "风寒湿证"), ("B05.01.01.01.02.", "气滞血瘀证")]),
    ("A03.06.02.01.", "腰痛", &[("B05.02.01.01.01.", "寒湿证"), ("B05.02.01.01.02.", "肾虚证")]),
    ("A03.06.03.01.", "膝痹", &[("B05.03.01.01.01.", "肝肾亏虚证"), ("B05.03.01.01.02.", "瘀血闭阻证")]),
    ("A01.06.01.01.", "便秘", &[("B02.02.01.01.01.", "气虚证"), ("B02.02.01.01.02.", "肠道实热证")]),
    ("A09.01.01.01.", "体质偏颇", &[("B09.01.01.01.01.", "气虚质"), ("B09.01.01.01.02.", "阳虚质")]),
];

/// Outpatient procedures per department: (code, name, HIS charge item, price 分).
#[rustfmt::skip]
pub fn outpatient_procedures(dept: &str) -> &'static [(&'static str, &'static str, i64)] {
    match dept {
        "A03.01" => &[("93.9400", "喷雾法给予呼吸药物", 1500)],
        "A03.02" => &[("44.1300", "其他胃镜检查", 26000), ("45.2300", "结肠镜检查", 38000)],
        "A03.04" => &[("89.5200", "心电图", 2500)],
        "A04.01" => &[("86.0400", "皮肤和皮下组织的其他切开术伴引流术", 9000)],
        "A04.03" => &[("93.5400", "夹板应用", 6000)],
        "A12" => &[("23.0900", "拔除其他牙", 8000)],
        "A20" => &[("86.5900", "其他部位的皮肤和皮下组织闭合术", 12000), ("96.5900", "伤口的其他冲洗术", 3000)],
        "A21" => &[("93.1100", "辅助运动训练", 4500)],
        "A50.11" => &[("93.3900", "其他物理治疗", 3500), ("17.92110", "颈椎病推拿治疗", 6000)],
        "A50.16" => &[("17.91100", "毫针治疗", 3000), ("17.91350", "温针灸治疗", 4500), ("17.92110", "颈椎病推拿治疗", 6000)],
        _ => &[],
    }
}

/// HIS charge categories (收费类别) of the demo HIS.
pub mod category {
    pub const WESTERN: (&str, &str) = ("01", "西药费");
    pub const PATENT: (&str, &str) = ("02", "中成药费");
    pub const HERBAL: (&str, &str) = ("03", "中草药费");
    pub const EXAM: (&str, &str) = ("04", "检查费");
    pub const TREATMENT: (&str, &str) = ("05", "治疗费");
    pub const RADIOLOGY: (&str, &str) = ("06", "放射费");
    pub const LAB: (&str, &str) = ("07", "化验费");
    pub const SURGERY: (&str, &str) = ("08", "手术费");
    pub const CONSULTATION: (&str, &str) = ("09", "诊查费");
    pub const TCM: (&str, &str) = ("13", "中医治疗费");
}

/// Laboratory and imaging items: (item code, name, category, price 分).
#[rustfmt::skip]
pub const TESTS: &[(&str, &str, (&str, &str), i64)] = &[
    ("250101015", "血细胞分析", category::LAB, 2000),
    ("250401030", "C反应蛋白测定", category::LAB, 3000),
    ("250101001", "尿常规检查", category::LAB, 1500),
    ("250300001", "肝功能检查", category::LAB, 6000),
    ("250305001", "血糖测定", category::LAB, 800),
    ("250304004", "血脂四项", category::LAB, 4000),
    ("210102015", "胸部正位X线摄影", category::RADIOLOGY, 8000),
    ("210300001", "颅脑CT平扫", category::RADIOLOGY, 22000),
    ("220301001", "腹部B超", category::EXAM, 12000),
    ("310701001", "常规心电图检查", category::EXAM, 2500),
];

/// A template of a discharged inpatient case.
pub struct CaseTemplate {
    pub dept: &'static str,
    pub weight: u32,
    /// 0 any, 1 male, 2 female.
    pub sex: u8,
    pub age: (i64, i64),
    pub dx: (&'static str, &'static str),
    pub others: &'static [(&'static str, &'static str)],
    /// Procedure code, name, grade, anaesthesia; with its probability in percent.
    pub proc: Option<(&'static str, &'static str, &'static str, &'static str, u32)>,
    pub los: (i64, i64),
    /// Total cost range in 元.
    pub cost: (i64, i64),
    pub newborn: bool,
}

const HTN: (&str, &str) = ("I10.x00", "特发性（原发性）高血压");
const DM: (&str, &str) = ("E11.900", "2型糖尿病");
const HLP: (&str, &str) = ("E78.500", "高脂血症");

#[rustfmt::skip]
pub const CASES: &[CaseTemplate] = &[
    CaseTemplate { dept: "A03.01", weight: 10, sex: 0, age: (18, 92), dx: ("J18.900", "肺炎"), others: &[HTN, DM, ("J44.100", "慢性阻塞性肺病伴有急性加重")], proc: None, los: (5, 12), cost: (5000, 18000), newborn: false },
    CaseTemplate { dept: "A03.01", weight: 6, sex: 0, age: (55, 92), dx: ("J44.100", "慢性阻塞性肺病伴有急性加重"), others: &[HTN, ("J96.000", "急性呼吸衰竭")], proc: Some(("93.9400", "喷雾法给予呼吸药物", "1", "", 40)), los: (7, 15), cost: (8000, 26000), newborn: false },
    CaseTemplate { dept: "A03.04", weight: 8, sex: 0, age: (45, 88), dx: ("I25.103", "冠状动脉粥样硬化性心脏病"), others: &[HTN, DM, HLP], proc: Some(("36.0700", "药物洗脱冠状动脉支架置入", "4", "26", 45)), los: (4, 10), cost: (7000, 60000), newborn: false },
    CaseTemplate { dept: "A03.04", weight: 4, sex: 0, age: (60, 95), dx: ("I50.900", "心力衰竭"), others: &[HTN, ("N17.900", "急性肾衰竭")], proc: None, los: (7, 16), cost: (9000, 30000), newborn: false },
    CaseTemplate { dept: "A03.03", weight: 8, sex: 0, age: (50, 92), dx: ("I63.900", "脑梗死"), others: &[HTN, DM, HLP], proc: None, los: (9, 16), cost: (11000, 32000), newborn: false },
    CaseTemplate { dept: "A03.03", weight: 2, sex: 0, age: (45, 85), dx: ("I61.902", "高血压脑出血"), others: &[HTN], proc: None, los: (12, 25), cost: (20000, 60000), newborn: false },
    CaseTemplate { dept: "A03.02", weight: 4, sex: 0, age: (30, 85), dx: ("K92.208", "上消化道出血"), others: &[("D50.900", "缺铁性贫血")], proc: Some(("44.1300", "其他胃镜检查", "2", "", 80)), los: (5, 10), cost: (7000, 20000), newborn: false },
    CaseTemplate { dept: "A03.06", weight: 3, sex: 0, age: (40, 85), dx: ("N18.500", "慢性肾脏病5期"), others: &[HTN, DM], proc: Some(("39.9500", "血液透析", "2", "", 70)), los: (6, 14), cost: (9000, 25000), newborn: false },
    CaseTemplate { dept: "A03.07", weight: 5, sex: 0, age: (35, 85), dx: ("E11.900", "2型糖尿病"), others: &[HTN, HLP], proc: None, los: (6, 12), cost: (5000, 12000), newborn: false },
    CaseTemplate { dept: "A04.01", weight: 5, sex: 0, age: (25, 80), dx: ("K80.101", "胆囊结石伴慢性胆囊炎"), others: &[HTN], proc: Some(("51.2300", "腹腔镜下胆囊切除术", "3", "1", 95)), los: (4, 8), cost: (12000, 26000), newborn: false },
    CaseTemplate { dept: "A04.01", weight: 4, sex: 0, age: (8, 75), dx: ("K35.800x001", "急性阑尾炎"), others: &[], proc: Some(("47.0100", "腹腔镜下阑尾切除术", "3", "1", 95)), los: (3, 7), cost: (9000, 18000), newborn: false },
    CaseTemplate { dept: "A04.01", weight: 3, sex: 1, age: (30, 85), dx: ("K40.900x003", "单侧腹股沟斜疝"), others: &[HTN], proc: Some(("53.0401", "单侧腹股沟斜疝无张力修补术", "2", "2", 95)), los: (3, 6), cost: (8000, 15000), newborn: false },
    CaseTemplate { dept: "A04.03", weight: 4, sex: 0, age: (58, 85), dx: ("M17.900", "膝关节病"), others: &[HTN, DM], proc: Some(("81.5400", "全部膝关节置换", "4", "1", 90)), los: (8, 15), cost: (45000, 80000), newborn: false },
    CaseTemplate { dept: "A04.03", weight: 3, sex: 0, age: (65, 95), dx: ("S72.000", "股骨颈骨折"), others: &[HTN, ("M81.000", "绝经后骨质疏松")], proc: Some(("81.5100", "全髋关节置换", "4", "1", 85)), los: (9, 18), cost: (40000, 75000), newborn: false },
    CaseTemplate { dept: "A04.03", weight: 3, sex: 0, age: (30, 75), dx: ("M51.202", "腰椎间盘突出"), others: &[], proc: Some(("80.5100x013", "后入路腰椎间盘切除术", "3", "1", 60)), los: (7, 14), cost: (10000, 45000), newborn: false },
    CaseTemplate { dept: "A04.04", weight: 3, sex: 0, age: (25, 75), dx: ("N20.000", "肾结石"), others: &[], proc: Some(("98.5100", "肾、输尿管和（或）膀胱体外休克波碎石[ESWL]", "2", "", 80)), los: (2, 5), cost: (5000, 12000), newborn: false },
    CaseTemplate { dept: "A04.04", weight: 2, sex: 1, age: (55, 90), dx: ("N40.x00", "前列腺增生"), others: &[HTN], proc: Some(("60.2901", "经尿道前列腺气化电切术[TEVAP手术]", "3", "2", 90)), los: (5, 10), cost: (12000, 25000), newborn: false },
    CaseTemplate { dept: "A05.02", weight: 5, sex: 2, age: (20, 40), dx: ("O80.000", "头位顺产"), others: &[("Z38.000", "单胎，在医院内出生")], proc: Some(("73.5900", "其他手法助产", "1", "", 95)), los: (2, 4), cost: (3500, 7000), newborn: false },
    CaseTemplate { dept: "A05.02", weight: 4, sex: 2, age: (22, 42), dx: ("O82.000", "经选择性剖宫产术的分娩"), others: &[("O34.201", "妊娠合并子宫瘢痕")], proc: Some(("74.1x01", "剖宫产术，子宫下段横切口", "3", "2", 100)), los: (4, 7), cost: (8000, 14000), newborn: false },
    CaseTemplate { dept: "A05.01", weight: 2, sex: 2, age: (35, 60), dx: ("N92.000x001", "月经过多"), others: &[("D50.900", "缺铁性贫血")], proc: Some(("68.4100", "腹腔镜经腹全子宫切除术", "3", "1", 50)), los: (5, 10), cost: (8000, 22000), newborn: false },
    CaseTemplate { dept: "A07", weight: 6, sex: 0, age: (1, 12), dx: ("J18.900", "肺炎"), others: &[], proc: None, los: (4, 9), cost: (3000, 9000), newborn: false },
    CaseTemplate { dept: "A07", weight: 3, sex: 0, age: (0, 0), dx: ("P59.901", "新生儿高胆红素血症"), others: &[("P07.100", "其他低出生体重（1000-2499克）")], proc: None, los: (3, 8), cost: (2500, 8000), newborn: true },
    CaseTemplate { dept: "A10", weight: 3, sex: 0, age: (55, 90), dx: ("H25.900", "老年性白内障"), others: &[HTN, DM], proc: Some(("13.4101", "飞秒激光白内障超声乳化抽吸术", "3", "26", 95)), los: (1, 3), cost: (5000, 9000), newborn: false },
    CaseTemplate { dept: "A50.01", weight: 4, sex: 0, age: (50, 90), dx: ("I63.900", "脑梗死"), others: &[HTN, DM], proc: Some(("17.91100", "毫针治疗", "1", "", 70)), los: (10, 20), cost: (10000, 25000), newborn: false },
    CaseTemplate { dept: "A50.16", weight: 3, sex: 0, age: (30, 80), dx: ("M54.500", "下背痛"), others: &[], proc: Some(("17.91350", "温针灸治疗", "1", "", 90)), los: (7, 14), cost: (5000, 10000), newborn: false },
    CaseTemplate { dept: "A50.11", weight: 3, sex: 0, age: (35, 85), dx: ("M47.801", "颈椎关节强硬"), others: &[HTN], proc: Some(("93.3900", "其他物理治疗", "1", "", 80)), los: (7, 14), cost: (5000, 11000), newborn: false },
];

/// Ward (内科一病区) orders: (drug index in WESTERN, quantity per day, long-term).
pub const WARD_ORDERS: &[(usize, i64, bool)] = &[
    (9, 1, true),   // 氨氯地平
    (14, 1, true),  // 阿托伐他汀
    (16, 1, true),  // 阿司匹林
    (18, 2, true),  // 二甲双胍
    (22, 2, true),  // 奥美拉唑
    (40, 2, true),  // 氯化钠注射液
    (42, 2, false), // 头孢曲松
    (47, 1, false), // 低分子肝素
];
