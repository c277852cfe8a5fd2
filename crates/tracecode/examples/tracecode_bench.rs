//! The scan benchmark without building the server: `cargo run --release -p yiqiao-tracecode
//! --example tracecode_bench -- [CODES] [WINDOWS] [postgres://…/postgres]` (same as `yiqiao tracecode
//! bench`).

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let codes = args.first().and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let windows = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(8);
    let postgres = args.get(2).cloned();
    let a = yiqiao_tracecode::bench::BenchArgs {
        codes,
        windows,
        postgres,
        pool: 16,
    };
    let report = yiqiao_tracecode::bench::run(&a, &mut |l| eprintln!("{l}")).await?;
    print!("{report}");
    Ok(())
}
