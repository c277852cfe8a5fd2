//! The `yiqiao` command line. Everything it does lives in the crates; this file only reads
//! the command and calls them.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use yiqiao_core::Role;
use yiqiao_core::time::Clock;
use yiqiao_store::audit::Actor;
use yiqiao_web::Config;

#[derive(Parser)]
#[command(name = "yiqiao", version, about = "医桥 — 医院合规与集成服务器")]
struct Cli {
    /// Configuration file (TOML). `yiqiao config example` prints a documented one.
    #[arg(long, global = true, env = "YIQIAO_CONFIG")]
    config: Option<PathBuf>,
    /// Data directory: the embedded database and generated files (default `data`).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates and migrates the database on first start).
    Serve {
        /// Address to listen on, e.g. 127.0.0.1:8080.
        #[arg(long)]
        bind: Option<String>,
        /// Load the demo hospital first if the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Fill an empty database with the demo hospital and print the demo accounts.
    Demo,
    /// Apply database migrations.
    Migrate,
    /// People who sign in.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// HIS feed clients (machines with bearer tokens).
    HisClient {
        #[command(subcommand)]
        command: HisClientCommand,
    },
    /// An online copy of the SQLite database to FILE.
    Backup { file: PathBuf },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a person, e.g. the first administrator: `yiqiao user add --name admin --role admin`.
    Add {
        /// User name for signing in.
        #[arg(long)]
        name: String,
        /// Name shown on pages (default: the user name).
        #[arg(long)]
        display_name: Option<String>,
        /// Role(s), repeat or comma-separate: admin, registration, outpatient_office,
        /// drug_store, pharmacist, nurse, records, quality, insurance, it_ops, engineer.
        #[arg(long = "role", value_delimiter = ',', required = true)]
        roles: Vec<String>,
        /// Password; if absent it is read from YIQIAO_PASSWORD or asked for.
        #[arg(long, env = "YIQIAO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Set a new password for a person (ends their sessions).
    ResetPassword {
        #[arg(long)]
        name: String,
        #[arg(long, env = "YIQIAO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List people and their roles.
    List,
}

#[derive(Subcommand)]
enum HisClientCommand {
    /// Create a client and print its bearer token (shown once).
    Add { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; exits 1 if a row was changed or deleted.
    Verify,
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print a documented configuration file.
    Example,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let config = match load_config(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("错误：{e:#}");
            return std::process::ExitCode::from(2);
        }
    };
    init_logs(&config);
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("错误：{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli, config)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(d) = &cli.data_dir {
        config.data_dir = d.clone();
    }
    if let Command::Serve {
        bind: Some(bind), ..
    } = &cli.command
    {
        config.bind = bind.clone();
    }
    Ok(config)
}

fn init_logs(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("YIQIAO_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log.filter));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log.format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn read_password(given: Option<String>) -> anyhow::Result<String> {
    match given {
        Some(p) => Ok(p),
        None => {
            let p = rpassword::prompt_password("密码：")?;
            let again = rpassword::prompt_password("再输一次：")?;
            if p != again {
                bail!("两次输入的密码不一致");
            }
            Ok(p)
        }
    }
}

async fn run(cli: Cli, config: Config) -> anyhow::Result<std::process::ExitCode> {
    let clock = yiqiao_web::server::system_clock();
    match cli.command {
        Command::Config {
            command: ConfigCommand::Example,
        } => {
            print!("{}", yiqiao_web::config::EXAMPLE);
        }
        Command::Migrate => {
            let db = yiqiao_web::server::open_db(&config).await?;
            println!("数据库已是最新（{}）", db.backend().as_str());
        }
        Command::Serve { demo, .. } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            if demo {
                load_demo(&db, &config, clock.clone()).await?;
            }
            let bind = config.bind.clone();
            let backend = db.backend().as_str();
            let running = yiqiao_web::server::start(db, config, clock, &bind, true).await?;
            println!(
                "医桥已启动：http://{}/  （数据库：{backend}；Ctrl-C 停止）",
                running.addr
            );
            running.wait().await;
            println!("医桥已停止");
        }
        Command::Demo => {
            let db = yiqiao_web::server::open_db(&config).await?;
            load_demo(&db, &config, clock).await?;
        }
        Command::User { command } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            let now = clock.now();
            let actor = Actor::system("command-line");
            match command {
                UserCommand::Add {
                    name,
                    display_name,
                    roles,
                    password,
                } => {
                    let roles = roles
                        .iter()
                        .map(|r| Role::parse(r))
                        .collect::<Result<Vec<_>, _>>()?;
                    let password = read_password(password)?;
                    let txn = db.begin_write().await?;
                    let u = yiqiao_web::auth::store::create_user(
                        &txn,
                        &name,
                        display_name.as_deref().unwrap_or(&name),
                        &password,
                        &roles,
                        &actor,
                        now,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    txn.commit().await?;
                    println!("已添加用户 {}（{}）", u.username, u.roles);
                }
                UserCommand::ResetPassword { name, password } => {
                    let u = yiqiao_web::auth::store::find_by_username(&*db, &name)
                        .await?
                        .with_context(|| format!("没有用户「{name}」"))?;
                    let password = read_password(password)?;
                    let txn = db.begin_write().await?;
                    yiqiao_web::auth::store::set_password(&txn, u.id, &password, &actor, now)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    txn.commit().await?;
                    println!("已重置 {} 的密码，其会话已全部退出", u.username);
                }
                UserCommand::List => {
                    for u in yiqiao_web::auth::store::list(&*db).await? {
                        println!(
                            "{}\t{}\t{}\t{}",
                            u.username,
                            u.display_name,
                            u.roles,
                            if u.active { "启用" } else { "停用" }
                        );
                    }
                }
            }
        }
        Command::HisClient {
            command: HisClientCommand::Add { name },
        } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            let txn = db.begin_write().await?;
            let (_, token) = yiqiao_his::clients::create(
                &txn,
                &name,
                &Actor::system("command-line"),
                clock.now(),
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            txn.commit().await?;
            println!("HIS 客户端「{name}」的令牌（只显示这一次）：\n{token}");
        }
        Command::Backup { file } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            match db.backend() {
                yiqiao_store::Backend::Sqlite => {
                    yiqiao_store::db::backup_sqlite(&db, &file).await?;
                    println!("已备份到 {}", file.display());
                }
                yiqiao_store::Backend::Postgres => {
                    bail!(
                        "PostgreSQL 请用 pg_dump 备份，例如：pg_dump -Fc -f yiqiao.dump \"$YIQIAO_DATABASE_URL\""
                    );
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            let v = yiqiao_store::audit::verify(&*db).await?;
            if v.is_intact() {
                println!("审计链完整：共 {} 条记录", v.rows);
            } else {
                println!("审计链有问题（共 {} 条记录）：", v.rows);
                for p in &v.problems {
                    println!("  - {p}");
                }
                return Ok(std::process::ExitCode::FAILURE);
            }
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

async fn load_demo(
    db: &yiqiao_store::Db,
    config: &Config,
    clock: Arc<dyn yiqiao_core::time::Clock>,
) -> anyhow::Result<()> {
    let summary = yiqiao_web::demo::load(db, config, clock.now()).await?;
    println!("{summary}");
    Ok(())
}
