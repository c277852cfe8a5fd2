//! `yiqiao user link` / `unlink`: an account linked to the HIS staff member it is (工号), on the
//! demo hospital's staff list.

use crate::{Env, text};

#[tokio::test]
async fn user_link_checks_the_staff_list_and_one_account_per_staff_member() {
    let env = Env::new().await;
    let out = env.run(&["demo"]);
    assert!(out.status.success(), "{}", text(&out));
    // The demo's pharmacist comes linked; the demo says so.
    assert!(
        text(&out).contains("yaofang       门诊药房 赵药师（药房药师，HIS 工号 F001）"),
        "{}",
        text(&out)
    );
    let list = text(&env.run(&["user", "list"]));
    assert!(list.contains("\tF001\n"), "{list}");

    let out = env.run(&["user", "link", "guahao", "F999"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("HIS 职工表中没有工号「F999」"),
        "{}",
        text(&out)
    );
    let out = env.run(&["user", "link", "guahao", "F001"]);
    assert!(!out.status.success());
    assert!(
        text(&out).contains("HIS 工号「F001」已关联到用户「yaofang」，一个工号只能关联一个账号"),
        "{}",
        text(&out)
    );
    let out = env.run(&["user", "link", "nobody", "F001"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("没有用户「nobody」"), "{}", text(&out));

    let out = env.run(&["user", "unlink", "yaofang"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = env.run(&["user", "link", "guahao", "F001"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("已将用户 guahao 关联到 HIS 工号 F001"));
    let list = text(&env.run(&["user", "list"]));
    let guahao = list.lines().find(|l| l.starts_with("guahao\t")).unwrap();
    assert!(guahao.ends_with("\tF001"), "{guahao}");
    let yaofang = list.lines().find(|l| l.starts_with("yaofang\t")).unwrap();
    assert!(yaofang.ends_with("\t-"), "{yaofang}");
}
