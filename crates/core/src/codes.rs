//! National code tables (国家标准代码表) as data: 性别, 婚姻状况, 民族, 国籍, 证件类型.
//!
//! Each table is a [`CodeTable`]: a list of `(code, name)` pairs in the standard's own order.
//! Codes are compared exactly (no trimming, no case folding): callers normalise first.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// A national code table (代码表): which standard, and its `(代码, 名称)` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeTable {
    /// Stable machine key, e.g. `sex`.
    pub key: &'static str,
    /// What the table codes, in Chinese, e.g. `性别`.
    pub name: &'static str,
    /// The standard it comes from, e.g. `GB/T 2261.1-2003`.
    pub standard: &'static str,
    /// `(code, name)` pairs in the standard's order.
    pub entries: &'static [(&'static str, &'static str)],
}

impl CodeTable {
    /// The name (名称) of `code`, if the table has it.
    pub fn name_of(&self, code: &str) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, name)| *name)
    }

    /// Whether `code` is in the table.
    pub fn contains(&self, code: &str) -> bool {
        self.name_of(code).is_some()
    }

    /// The code whose name is exactly `name`, if any (for imports that carry names, not codes).
    pub fn code_of(&self, name: &str) -> Option<&'static str> {
        self.entries
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(code, _)| *code)
    }

    /// Checks that `code` is in the table; the error names the field, the code and the standard,
    /// e.g. "性别代码 7 不在 GB/T 2261.1-2003 中".
    pub fn check(&self, field: &str, code: &str) -> Result<(), FieldError> {
        if code.is_empty() {
            return Err(FieldError::new(field, format!("{}代码为空", self.name)));
        }
        if self.contains(code) {
            Ok(())
        } else {
            Err(FieldError::new(
                field,
                format!("{}代码 {} 不在 {} 中", self.name, code, self.standard),
            ))
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries (never true for the tables here).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// All tables of this module, for listing and lookup by key.
pub static ALL: [&CodeTable; 5] = [&SEX, &MARITAL, &ETHNICITY, &NATIONALITY, &ID_TYPE];

/// The table with this `key` (`sex`, `marital`, `ethnicity`, `nationality`, `id_type`).
pub fn table(key: &str) -> Option<&'static CodeTable> {
    ALL.iter().copied().find(|t| t.key == key)
}

/// 性别代码 (GB/T 2261.1-2003 个人基本信息分类与代码 第1部分：人的性别代码).
pub static SEX: CodeTable = CodeTable {
    key: "sex",
    name: "性别",
    standard: "GB/T 2261.1-2003",
    entries: &[
        ("0", "未知的性别"),
        ("1", "男性"),
        ("2", "女性"),
        ("9", "未说明的性别"),
    ],
};

/// 婚姻状况代码 (GB/T 2261.2-2003 个人基本信息分类与代码 第2部分：婚姻状况代码).
pub static MARITAL: CodeTable = CodeTable {
    key: "marital",
    name: "婚姻状况",
    standard: "GB/T 2261.2-2003",
    entries: &[
        ("10", "未婚"),
        ("20", "已婚"),
        ("21", "初婚"),
        ("22", "再婚"),
        ("23", "复婚"),
        ("30", "丧偶"),
        ("40", "离婚"),
        ("90", "未说明的婚姻状况"),
    ],
};

/// 民族代码 (GB/T 3304-1991 中国各民族名称的罗马字母拼写法和代码): the 56 nationalities in the
/// standard's order, plus 97 其他 and 98 外国血统中国籍人士.
pub static ETHNICITY: CodeTable = CodeTable {
    key: "ethnicity",
    name: "民族",
    standard: "GB/T 3304-1991",
    entries: &[
        ("01", "汉族"),
        ("02", "蒙古族"),
        ("03", "回族"),
        ("04", "藏族"),
        ("05", "维吾尔族"),
        ("06", "苗族"),
        ("07", "彝族"),
        ("08", "壮族"),
        ("09", "布依族"),
        ("10", "朝鲜族"),
        ("11", "满族"),
        ("12", "侗族"),
        ("13", "瑶族"),
        ("14", "白族"),
        ("15", "土家族"),
        ("16", "哈尼族"),
        ("17", "哈萨克族"),
        ("18", "傣族"),
        ("19", "黎族"),
        ("20", "傈僳族"),
        ("21", "佤族"),
        ("22", "畲族"),
        ("23", "高山族"),
        ("24", "拉祜族"),
        ("25", "水族"),
        ("26", "东乡族"),
        ("27", "纳西族"),
        ("28", "景颇族"),
        ("29", "柯尔克孜族"),
        ("30", "土族"),
        ("31", "达斡尔族"),
        ("32", "仫佬族"),
        ("33", "羌族"),
        ("34", "布朗族"),
        ("35", "撒拉族"),
        ("36", "毛南族"),
        ("37", "仡佬族"),
        ("38", "锡伯族"),
        ("39", "阿昌族"),
        ("40", "普米族"),
        ("41", "塔吉克族"),
        ("42", "怒族"),
        ("43", "乌孜别克族"),
        ("44", "俄罗斯族"),
        ("45", "鄂温克族"),
        ("46", "德昂族"),
        ("47", "保安族"),
        ("48", "裕固族"),
        ("49", "京族"),
        ("50", "塔塔尔族"),
        ("51", "独龙族"),
        ("52", "鄂伦春族"),
        ("53", "赫哲族"),
        ("54", "门巴族"),
        ("55", "珞巴族"),
        ("56", "基诺族"),
        ("97", "其他"),
        ("98", "外国血统中国籍人士"),
    ],
};

/// 国籍代码 (GB/T 2659 世界各国和地区名称代码, alpha-3): the countries and regions of the
/// current ISO 3166-1 list (249), with their Chinese short names. Taiwan, Hong Kong and Macao
/// are named as parts of China.
pub static NATIONALITY: CodeTable = CodeTable {
    key: "nationality",
    name: "国籍",
    standard: "GB/T 2659",
    entries: &[
        ("AFG", "阿富汗"),
        ("ALA", "奥兰群岛"),
        ("ALB", "阿尔巴尼亚"),
        ("DZA", "阿尔及利亚"),
        ("ASM", "美属萨摩亚"),
        ("AND", "安道尔"),
        ("AGO", "安哥拉"),
        ("AIA", "安圭拉"),
        ("ATA", "南极洲"),
        ("ATG", "安提瓜和巴布达"),
        ("ARG", "阿根廷"),
        ("ARM", "亚美尼亚"),
        ("ABW", "阿鲁巴"),
        ("AUS", "澳大利亚"),
        ("AUT", "奥地利"),
        ("AZE", "阿塞拜疆"),
        ("BHS", "巴哈马"),
        ("BHR", "巴林"),
        ("BGD", "孟加拉国"),
        ("BRB", "巴巴多斯"),
        ("BLR", "白俄罗斯"),
        ("BEL", "比利时"),
        ("BLZ", "伯利兹"),
        ("BEN", "贝宁"),
        ("BMU", "百慕大"),
        ("BTN", "不丹"),
        ("BOL", "玻利维亚"),
        ("BES", "荷兰加勒比区"),
        ("BIH", "波斯尼亚和黑塞哥维那"),
        ("BWA", "博茨瓦纳"),
        ("BVT", "布韦岛"),
        ("BRA", "巴西"),
        ("IOT", "英属印度洋领地"),
        ("BRN", "文莱"),
        ("BGR", "保加利亚"),
        ("BFA", "布基纳法索"),
        ("BDI", "布隆迪"),
        ("CPV", "佛得角"),
        ("KHM", "柬埔寨"),
        ("CMR", "喀麦隆"),
        ("CAN", "加拿大"),
        ("CYM", "开曼群岛"),
        ("CAF", "中非"),
        ("TCD", "乍得"),
        ("CHL", "智利"),
        ("CHN", "中国"),
        ("CXR", "圣诞岛"),
        ("CCK", "科科斯（基林）群岛"),
        ("COL", "哥伦比亚"),
        ("COM", "科摩罗"),
        ("COG", "刚果（布）"),
        ("COD", "刚果（金）"),
        ("COK", "库克群岛"),
        ("CRI", "哥斯达黎加"),
        ("CIV", "科特迪瓦"),
        ("HRV", "克罗地亚"),
        ("CUB", "古巴"),
        ("CUW", "库拉索"),
        ("CYP", "塞浦路斯"),
        ("CZE", "捷克"),
        ("DNK", "丹麦"),
        ("DJI", "吉布提"),
        ("DMA", "多米尼克"),
        ("DOM", "多米尼加"),
        ("ECU", "厄瓜多尔"),
        ("EGY", "埃及"),
        ("SLV", "萨尔瓦多"),
        ("GNQ", "赤道几内亚"),
        ("ERI", "厄立特里亚"),
        ("EST", "爱沙尼亚"),
        ("SWZ", "斯威士兰"),
        ("ETH", "埃塞俄比亚"),
        ("FLK", "福克兰群岛（马尔维纳斯）"),
        ("FRO", "法罗群岛"),
        ("FJI", "斐济"),
        ("FIN", "芬兰"),
        ("FRA", "法国"),
        ("GUF", "法属圭亚那"),
        ("PYF", "法属波利尼西亚"),
        ("ATF", "法属南部领地"),
        ("GAB", "加蓬"),
        ("GMB", "冈比亚"),
        ("GEO", "格鲁吉亚"),
        ("DEU", "德国"),
        ("GHA", "加纳"),
        ("GIB", "直布罗陀"),
        ("GRC", "希腊"),
        ("GRL", "格陵兰"),
        ("GRD", "格林纳达"),
        ("GLP", "瓜德罗普"),
        ("GUM", "关岛"),
        ("GTM", "危地马拉"),
        ("GGY", "根西"),
        ("GIN", "几内亚"),
        ("GNB", "几内亚比绍"),
        ("GUY", "圭亚那"),
        ("HTI", "海地"),
        ("HMD", "赫德岛和麦克唐纳群岛"),
        ("VAT", "梵蒂冈"),
        ("HND", "洪都拉斯"),
        ("HKG", "中国香港"),
        ("HUN", "匈牙利"),
        ("ISL", "冰岛"),
        ("IND", "印度"),
        ("IDN", "印度尼西亚"),
        ("IRN", "伊朗"),
        ("IRQ", "伊拉克"),
        ("IRL", "爱尔兰"),
        ("IMN", "马恩岛"),
        ("ISR", "以色列"),
        ("ITA", "意大利"),
        ("JAM", "牙买加"),
        ("JPN", "日本"),
        ("JEY", "泽西"),
        ("JOR", "约旦"),
        ("KAZ", "哈萨克斯坦"),
        ("KEN", "肯尼亚"),
        ("KIR", "基里巴斯"),
        ("PRK", "朝鲜"),
        ("KOR", "韩国"),
        ("KWT", "科威特"),
        ("KGZ", "吉尔吉斯斯坦"),
        ("LAO", "老挝"),
        ("LVA", "拉脱维亚"),
        ("LBN", "黎巴嫩"),
        ("LSO", "莱索托"),
        ("LBR", "利比里亚"),
        ("LBY", "利比亚"),
        ("LIE", "列支敦士登"),
        ("LTU", "立陶宛"),
        ("LUX", "卢森堡"),
        ("MAC", "中国澳门"),
        ("MDG", "马达加斯加"),
        ("MWI", "马拉维"),
        ("MYS", "马来西亚"),
        ("MDV", "马尔代夫"),
        ("MLI", "马里"),
        ("MLT", "马耳他"),
        ("MHL", "马绍尔群岛"),
        ("MTQ", "马提尼克"),
        ("MRT", "毛里塔尼亚"),
        ("MUS", "毛里求斯"),
        ("MYT", "马约特"),
        ("MEX", "墨西哥"),
        ("FSM", "密克罗尼西亚联邦"),
        ("MDA", "摩尔多瓦"),
        ("MCO", "摩纳哥"),
        ("MNG", "蒙古"),
        ("MNE", "黑山"),
        ("MSR", "蒙特塞拉特"),
        ("MAR", "摩洛哥"),
        ("MOZ", "莫桑比克"),
        ("MMR", "缅甸"),
        ("NAM", "纳米比亚"),
        ("NRU", "瑙鲁"),
        ("NPL", "尼泊尔"),
        ("NLD", "荷兰"),
        ("NCL", "新喀里多尼亚"),
        ("NZL", "新西兰"),
        ("NIC", "尼加拉瓜"),
        ("NER", "尼日尔"),
        ("NGA", "尼日利亚"),
        ("NIU", "纽埃"),
        ("NFK", "诺福克岛"),
        ("MKD", "北马其顿"),
        ("MNP", "北马里亚纳群岛"),
        ("NOR", "挪威"),
        ("OMN", "阿曼"),
        ("PAK", "巴基斯坦"),
        ("PLW", "帕劳"),
        ("PSE", "巴勒斯坦"),
        ("PAN", "巴拿马"),
        ("PNG", "巴布亚新几内亚"),
        ("PRY", "巴拉圭"),
        ("PER", "秘鲁"),
        ("PHL", "菲律宾"),
        ("PCN", "皮特凯恩"),
        ("POL", "波兰"),
        ("PRT", "葡萄牙"),
        ("PRI", "波多黎各"),
        ("QAT", "卡塔尔"),
        ("REU", "留尼汪"),
        ("ROU", "罗马尼亚"),
        ("RUS", "俄罗斯"),
        ("RWA", "卢旺达"),
        ("BLM", "圣巴泰勒米"),
        ("SHN", "圣赫勒拿、阿森松和特里斯坦-达库尼亚"),
        ("KNA", "圣基茨和尼维斯"),
        ("LCA", "圣卢西亚"),
        ("MAF", "法属圣马丁"),
        ("SPM", "圣皮埃尔和密克隆"),
        ("VCT", "圣文森特和格林纳丁斯"),
        ("WSM", "萨摩亚"),
        ("SMR", "圣马力诺"),
        ("STP", "圣多美和普林西比"),
        ("SAU", "沙特阿拉伯"),
        ("SEN", "塞内加尔"),
        ("SRB", "塞尔维亚"),
        ("SYC", "塞舌尔"),
        ("SLE", "塞拉利昂"),
        ("SGP", "新加坡"),
        ("SXM", "荷属圣马丁"),
        ("SVK", "斯洛伐克"),
        ("SVN", "斯洛文尼亚"),
        ("SLB", "所罗门群岛"),
        ("SOM", "索马里"),
        ("ZAF", "南非"),
        ("SGS", "南乔治亚和南桑威奇群岛"),
        ("SSD", "南苏丹"),
        ("ESP", "西班牙"),
        ("LKA", "斯里兰卡"),
        ("SDN", "苏丹"),
        ("SUR", "苏里南"),
        ("SJM", "斯瓦尔巴和扬马延"),
        ("SWE", "瑞典"),
        ("CHE", "瑞士"),
        ("SYR", "叙利亚"),
        ("TWN", "中国台湾"),
        ("TJK", "塔吉克斯坦"),
        ("TZA", "坦桑尼亚"),
        ("THA", "泰国"),
        ("TLS", "东帝汶"),
        ("TGO", "多哥"),
        ("TKL", "托克劳"),
        ("TON", "汤加"),
        ("TTO", "特立尼达和多巴哥"),
        ("TUN", "突尼斯"),
        ("TUR", "土耳其"),
        ("TKM", "土库曼斯坦"),
        ("TCA", "特克斯和凯科斯群岛"),
        ("TUV", "图瓦卢"),
        ("UGA", "乌干达"),
        ("UKR", "乌克兰"),
        ("ARE", "阿联酋"),
        ("GBR", "英国"),
        ("USA", "美国"),
        ("UMI", "美国本土外小岛屿"),
        ("URY", "乌拉圭"),
        ("UZB", "乌兹别克斯坦"),
        ("VUT", "瓦努阿图"),
        ("VEN", "委内瑞拉"),
        ("VNM", "越南"),
        ("VGB", "英属维尔京群岛"),
        ("VIR", "美属维尔京群岛"),
        ("WLF", "瓦利斯和富图纳"),
        ("ESH", "西撒哈拉"),
        ("YEM", "也门"),
        ("ZMB", "赞比亚"),
        ("ZWE", "津巴布韦"),
    ],
};

/// 证件类型 of the outpatient/emergency information page (门（急）诊诊疗信息页, 国卫办医政发〔2024〕16号).
pub static ID_TYPE: CodeTable = CodeTable {
    key: "id_type",
    name: "证件类型",
    standard: "国卫办医政发〔2024〕16号 门（急）诊诊疗信息页",
    entries: &[
        ("1", "居民身份证"),
        ("2", "军人身份证件"),
        ("3", "武警身份证件"),
        ("4", "港澳居民来往内地通行证"),
        ("5", "台湾居民来往大陆通行证"),
        ("6", "护照"),
        ("9", "其他"),
    ],
};

/// 性别 (GB/T 2261.1-2003), typed. Serialised as its code string (`"1"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// 0 未知的性别
    Unknown = 0,
    /// 1 男性
    Male = 1,
    /// 2 女性
    Female = 2,
    /// 9 未说明的性别
    Unstated = 9,
}

impl Sex {
    pub const ALL: [Sex; 4] = [Sex::Unknown, Sex::Male, Sex::Female, Sex::Unstated];

    /// The GB/T 2261.1 code: `"0"`, `"1"`, `"2"` or `"9"`.
    pub fn code(self) -> &'static str {
        match self {
            Sex::Unknown => "0",
            Sex::Male => "1",
            Sex::Female => "2",
            Sex::Unstated => "9",
        }
    }

    /// The standard's name: 未知的性别, 男性, 女性, 未说明的性别.
    pub fn label(self) -> &'static str {
        match self {
            Sex::Unknown => "未知的性别",
            Sex::Male => "男性",
            Sex::Female => "女性",
            Sex::Unstated => "未说明的性别",
        }
    }

    /// The short form used on forms and lists: 未知, 男, 女, 未说明.
    pub fn short_label(self) -> &'static str {
        match self {
            Sex::Unknown => "未知",
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unstated => "未说明",
        }
    }

    /// The sex with this GB/T 2261.1 code (exact match, no trimming).
    pub fn from_code(code: &str) -> Option<Sex> {
        Sex::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl std::fmt::Display for Sex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

impl Serialize for Sex {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Sex {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Sex::from_code(&code).ok_or_else(|| {
            serde::de::Error::custom(format!("性别代码 {code} 不在 GB/T 2261.1-2003 中"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_sizes() {
        assert_eq!(SEX.len(), 4);
        assert_eq!(MARITAL.len(), 8);
        assert_eq!(ETHNICITY.len(), 56 + 2);
        assert_eq!(NATIONALITY.len(), 249);
        assert_eq!(ID_TYPE.len(), 7);
    }

    #[test]
    fn codes_and_names_are_unique_in_every_table() {
        for t in ALL {
            let codes: HashSet<_> = t.entries.iter().map(|(c, _)| c).collect();
            assert_eq!(codes.len(), t.len(), "duplicate code in {}", t.key);
            let names: HashSet<_> = t.entries.iter().map(|(_, n)| n).collect();
            assert_eq!(names.len(), t.len(), "duplicate name in {}", t.key);
            assert!(!t.is_empty());
            assert!(
                t.entries
                    .iter()
                    .all(|(c, n)| !c.is_empty() && !n.is_empty())
            );
        }
        let keys: HashSet<_> = ALL.iter().map(|t| t.key).collect();
        assert_eq!(keys.len(), ALL.len());
    }

    #[test]
    fn ethnicities_are_numbered_in_order_and_named_zu() {
        for (i, (code, name)) in ETHNICITY.entries.iter().take(56).enumerate() {
            assert_eq!(*code, format!("{:02}", i + 1));
            assert!(name.ends_with('族'), "{name}");
        }
        assert_eq!(ETHNICITY.name_of("01"), Some("汉族"));
        assert_eq!(ETHNICITY.name_of("15"), Some("土家族"));
        assert_eq!(ETHNICITY.name_of("22"), Some("畲族"));
        assert_eq!(ETHNICITY.name_of("30"), Some("土族"));
        assert_eq!(ETHNICITY.name_of("56"), Some("基诺族"));
        assert_eq!(ETHNICITY.name_of("97"), Some("其他"));
        assert_eq!(ETHNICITY.name_of("98"), Some("外国血统中国籍人士"));
        assert_eq!(ETHNICITY.name_of("57"), None);
        assert_eq!(ETHNICITY.code_of("畲族"), Some("22"));
    }

    #[test]
    fn nationality_codes_are_alpha3_and_include_china() {
        for (code, _) in NATIONALITY.entries {
            assert_eq!(code.len(), 3);
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
        }
        assert_eq!(NATIONALITY.name_of("CHN"), Some("中国"));
        assert_eq!(NATIONALITY.name_of("HKG"), Some("中国香港"));
        assert_eq!(NATIONALITY.name_of("MAC"), Some("中国澳门"));
        assert_eq!(NATIONALITY.name_of("TWN"), Some("中国台湾"));
        assert_eq!(NATIONALITY.name_of("USA"), Some("美国"));
        assert!(!NATIONALITY.contains("chn"));
        assert!(!NATIONALITY.contains("XXX"));
    }

    #[test]
    fn lookups_and_check() {
        assert_eq!(SEX.name_of("1"), Some("男性"));
        assert!(MARITAL.contains("21"));
        assert!(!MARITAL.contains("2"));
        assert_eq!(ID_TYPE.name_of("6"), Some("护照"));
        assert!(SEX.check("sex", "2").is_ok());
        let e = SEX.check("sex", "7").err();
        assert_eq!(
            e,
            Some(FieldError::new(
                "sex",
                "性别代码 7 不在 GB/T 2261.1-2003 中"
            ))
        );
        let e = NATIONALITY.check("nationality", "").err();
        assert_eq!(e.map(|e| e.message), Some("国籍代码为空".to_owned()));
        assert_eq!(table("ethnicity").map(|t| t.name), Some("民族"));
        assert!(table("nope").is_none());
    }

    #[test]
    fn sex_enum_matches_the_table() {
        assert_eq!(Sex::ALL.len(), SEX.len());
        for s in Sex::ALL {
            assert_eq!(SEX.name_of(s.code()), Some(s.label()));
            assert_eq!(Sex::from_code(s.code()), Some(s));
            assert_eq!((s as u8).to_string(), s.code());
        }
        assert_eq!(Sex::from_code("3"), None);
        assert_eq!(Sex::Male.short_label(), "男");
    }

    #[test]
    fn sex_serde_uses_the_code() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&Sex::Female)?, "\"2\"");
        assert_eq!(serde_json::from_str::<Sex>("\"9\"")?, Sex::Unstated);
        assert!(serde_json::from_str::<Sex>("\"3\"").is_err());
        Ok(())
    }
}
