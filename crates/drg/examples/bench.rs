//! The grouping benchmark without the rest of the server:
//! `cargo run --release -p yiqiao-drg --example bench -- [DATA_DIR] [GENERATED] [ROUNDS]`
//! (the same as `yiqiao drg bench`).

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let data = args
        .next()
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/drg").into());
    let generated = args
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let rounds = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let bench = yiqiao_drg::bench::BenchArgs {
        data: data.into(),
        versions: vec!["zj-drg-2022".into(), "chs-drg-1.1".into()],
        generated,
        rounds,
    };
    match yiqiao_drg::bench::run(&bench, &mut |l| eprintln!("{l}")) {
        Ok(report) => {
            print!("{report}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
