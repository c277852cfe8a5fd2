//! Loading versions: the counts of FORMAT.md, and malformed tables refused with file and line.

use yiqiao_drg::domain::Version;
use yiqiao_drg::tables;

use crate::{data_dir, version};

#[test]
fn both_versions_load_with_their_counts() {
    let zj = version("zj-drg-2022");
    assert_eq!(zj.drg_count(), 1006);
    assert!(zj.switches().retry_each_other_procedure);
    let chs = version("chs-drg-1.1");
    assert_eq!(chs.drg_count(), 628);
    assert!(chs.switches().newborn_weight_required_check);
    assert!(zj.drg_name("GS11").is_some());
    assert!(zj.knows_diagnosis("K22.301"));
    assert!(!zj.knows_diagnosis("NOT-A-CODE"));
    assert!(zj.knows_procedure("96.0800x005"));
}

#[test]
fn malformed_tables_are_refused_with_file_and_line() {
    let files = tables::read_files(&data_dir().join("zj-drg-2022")).unwrap();

    let mut bad = files.clone();
    bad.splits = bad.splits.replacen("\tnone\t", "\tnonsense\t", 1);
    let e = Version::compile(&bad).unwrap_err();
    assert_eq!(e.file, "splits.tsv");
    assert_eq!(e.line, 2);
    assert!(e.message.contains("nonsense"), "{e}");

    let mut bad = files.clone();
    bad.version = bad.version.replace("drg_count\t1006", "drg_count\t1005");
    let e = Version::compile(&bad).unwrap_err();
    assert!(e.to_string().contains("1005"), "{e}");

    let mut bad = files.clone();
    bad.adrg = bad.adrg.replacen("\tmain_proc\t", "\tmain_proc\tx\t", 1);
    let e = Version::compile(&bad).unwrap_err();
    assert_eq!((e.file.as_str(), e.line), ("adrg.tsv", 2));

    let mut bad = files;
    bad.mdc = String::new();
    assert_eq!(Version::compile(&bad).unwrap_err().file, "mdc.tsv");

    let missing = tables::load(&data_dir(), "no-such-version").unwrap_err();
    assert!(missing.to_string().contains("no-such-version"), "{missing}");
}
