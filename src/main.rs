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
    /// DRG pre-grouping (DRG 预分组).
    Drg {
        #[command(subcommand)]
        command: DrgCommand,
    },
    /// 机房运维: SNMP monitoring probe and the poller benchmark.
    Inspection {
        #[command(subcommand)]
        command: InspectionCommand,
    },
    /// Drug trace codes (药品追溯码).
    Tracecode {
        #[command(subcommand)]
        command: TracecodeCommand,
    },
    /// A simulator of the NHSA 进销存 endpoint (3501–3507) for testing uploads: checks
    /// required fields, refuses a code sold twice ("追溯码已销售"), takes faults on
    /// POST /sim/fault, lists what it received on GET /sim/received.
    NhsaSim {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:9350")]
        bind: String,
    },
    /// City-platform apps (健康台州) that may call /platform/v1 with signed requests.
    PlatformApp {
        #[command(subcommand)]
        command: PlatformAppCommand,
    },
    /// Outpatient/emergency information pages (门（急）诊诊疗信息页).
    Visitpage {
        #[command(subcommand)]
        command: VisitpageCommand,
    },
    /// Code tables of the information page (编码表): ICD-10, ICD-9-CM-3, TCM, departments, …
    Dict {
        #[command(subcommand)]
        command: DictCommand,
    },
    /// Online number-taking (号源预约).
    Booking {
        #[command(subcommand)]
        command: BookingCommand,
    },
}

#[derive(Subcommand)]
enum PlatformAppCommand {
    /// Register an app and print its secret (generated when not given; stored encrypted).
    Add {
        #[arg(long)]
        app_id: String,
        #[arg(long)]
        name: String,
        /// Where notices to the platform are sent.
        #[arg(long)]
        callback_url: Option<String>,
        /// The shared secret (at least 16 characters); generated when absent.
        #[arg(long, env = "YIQIAO_PLATFORM_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// List the apps.
    List,
}

#[derive(Subcommand)]
enum BookingCommand {
    /// One signed request to a platform API, as 健康台州 would send it; prints status and envelope.
    /// e.g. `yiqiao booking client --base http://127.0.0.1:8080 --app-id demo-jktz --secret … GET /platform/v1/departments`
    Client {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        base: String,
        #[arg(long)]
        app_id: String,
        #[arg(long, env = "YIQIAO_PLATFORM_SECRET", hide_env_values = true)]
        secret: String,
        /// GET or POST.
        method: String,
        /// e.g. /platform/v1/schedules
        path: String,
        /// Query parameters, `name=value` (repeat).
        #[arg(long = "query")]
        query: Vec<String>,
        /// JSON body.
        #[arg(long)]
        body: Option<String>,
        /// Idempotency-Key of a POST (a fresh one when absent).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Generate schedules from the templates for the next DAYS days.
    Generate {
        #[arg(long, default_value_t = 14)]
        days: u32,
    },
    /// The end-of-day job: no-shows, suspensions, notices, settlement from the HIS.
    EndOfDay,
    /// The release-rush benchmark (on a fresh SQLite database, and on PostgreSQL with --postgres).
    Bench {
        #[arg(long, default_value_t = 4000)]
        requests: usize,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Online numbers of the schedule.
        #[arg(long, default_value_t = 2000)]
        places: u32,
        /// A PostgreSQL server URL; a fresh database is created on it.
        #[arg(long)]
        postgres: Option<String>,
        /// Database pool size.
        #[arg(long, default_value_t = 16)]
        pool: u32,
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
    /// Link a person's account to the HIS staff member (工号) they are: 3505 takes the
    /// pharmacist's name and practice licence from it. `yiqiao user link yaofang Y0101`.
    Link {
        /// User name.
        user: String,
        /// HIS staff code (工号); must be on the HIS staff list.
        staff_code: String,
    },
    /// Remove the link between a person's account and a HIS staff member.
    Unlink {
        /// User name.
        user: String,
    },
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
enum InspectionCommand {
    /// Poll one agent once, as the poller would, and print one JSON object.
    Probe {
        /// The agent, IP:PORT.
        #[arg(long)]
        target: String,
        /// SNMP v2c community (default public).
        #[arg(long)]
        community: Option<String>,
        /// SNMPv3 user (makes the probe use v3).
        #[arg(long)]
        v3_user: Option<String>,
        /// md5, sha1, sha224, sha256, sha384, sha512.
        #[arg(long)]
        auth_proto: Option<String>,
        #[arg(long)]
        auth_pass: Option<String>,
        /// des, aes128, aes192, aes256.
        #[arg(long)]
        priv_proto: Option<String>,
        #[arg(long)]
        priv_pass: Option<String>,
        /// SNMPv3 context name.
        #[arg(long)]
        context: Option<String>,
        #[arg(long, default_value_t = 2000)]
        timeout_ms: u64,
    },
    /// Benchmark the poller against an in-memory agent, beside net-snmp's snmpbulkget.
    Bench {
        #[arg(long, default_value_t = 2000)]
        devices: usize,
        #[arg(long, default_value_t = 60)]
        interval_secs: u64,
        #[arg(long, default_value_t = 60)]
        duration_secs: u64,
        #[arg(long, default_value_t = 2000)]
        timeout_ms: u64,
        /// Polls net-snmp makes for the comparison (0: skip).
        #[arg(long, default_value_t = 200)]
        netsnmp_polls: usize,
        #[arg(long, default_value_t = 4)]
        agent_sockets: usize,
    },
}

#[derive(Subcommand)]
enum TracecodeCommand {
    /// Read codes as a scanner delivers them and print one JSON object per code:
    /// {"input","ok","format","prefix7","gtin","serial","batch","expiry","error"}.
    /// Exit status 0 when all parsed, 1 when any was refused.
    Parse {
        /// Codes: 20-digit, GS1 element strings (quote those with GS/TAB) or `(01)…(21)…`, MA.
        #[arg(required = true)]
        codes: Vec<String>,
    },
    /// Scan-check latency (p50/p99) and checks/s under concurrent dispensing windows, beside a
    /// raw SQL look-up of the same codes in the same database; and the time to confirm a
    /// receipt of CODES codes. Fresh SQLite, and PostgreSQL with --postgres.
    Bench {
        #[arg(long, default_value_t = 10_000)]
        codes: u32,
        #[arg(long, default_value_t = 8)]
        windows: usize,
        #[arg(long)]
        postgres: Option<String>,
        #[arg(long, default_value_t = 16)]
        pool: u32,
    },
}

#[derive(Subcommand)]
enum DictCommand {
    /// Import the hospital's official file as a new version of a code table (the newest
    /// version is the one the rules use). FILE is xlsx (first sheet) or CSV/TSV text with a
    /// header row naming the code and name columns (code/编码/代码, name/名称).
    Import {
        /// icd10, icd9cm3, tcm_disease, tcm_syndrome, department, title, anesthesia,
        /// nationality or ethnicity.
        #[arg(long, required_unless_present = "samples")]
        kind: Option<String>,
        #[arg(required_unless_present = "samples")]
        file: Option<PathBuf>,
        /// The version's name, e.g. "ICD-10 国家临床版 2.0".
        #[arg(long)]
        label: Option<String>,
        /// Import the small sample tables shipped for the demo instead (marked as samples).
        #[arg(long, conflicts_with_all = ["kind", "file"])]
        samples: bool,
    },
    /// List the imported versions (newest first).
    List,
}

#[derive(Subcommand)]
enum VisitpageCommand {
    /// Run the quality rules VP-R01…VP-R32 on FILE (one page as a JSON object, an array of
    /// pages, or JSON lines) and print one JSON line per finding
    /// {"page","rule","severity","field","message"}. Exit status 1 when any error was found,
    /// 0 when none, 2 when the input cannot be read.
    Check {
        file: PathBuf,
        /// A folder of code tables (UTF-8 CSV, header `code,name`): icd10.csv, icd9cm3.csv,
        /// tcm_disease.csv, tcm_syndrome.csv, department.csv, title.csv, anesthesia.csv,
        /// nationality.csv, ethnicity.csv. A missing file means that table is not checked.
        #[arg(long)]
        dict: Option<PathBuf>,
    },
    /// Assemble the pages of a month's visits from HIS (drafts; submitted pages are kept).
    Assemble {
        /// YYYY-MM
        period: String,
    },
    /// Write the upload workbook (xlsx) of a month; refused while any page has errors.
    Export {
        /// YYYY-MM
        period: String,
        #[arg(long, short)]
        output: PathBuf,
    },
    /// Benchmark: assemble, check and export a month of visits and print one page, against a
    /// raw-SQL read of the same rows in the same run (BENCHMARKS.md).
    Bench {
        #[arg(long, default_value_t = 100_000)]
        pages: usize,
        /// An empty PostgreSQL database to run on (default: a fresh SQLite file).
        #[arg(long)]
        postgres: Option<String>,
    },
}

#[derive(Subcommand)]
enum DrgCommand {
    /// Group the cases of a CSV file (columns of the data's FORMAT.md): one result row per
    /// case (Index, mdc, adrg, drg, status, drg_name, message); bad rows get status ERROR.
    Group {
        /// Grouping version, e.g. zj-drg-2022 or chs-drg-1.1.
        #[arg(long, default_value = yiqiao_drg::DEFAULT_VERSION)]
        version: String,
        /// Folder holding the version folders (or the version folder itself).
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        input: PathBuf,
        /// Result CSV (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
        /// Add an `explain` column with the grouping path.
        #[arg(long)]
        explain: bool,
    },
    /// Store a grouping version's tables in the database (replacing an earlier import of it).
    Import {
        /// The version folder, or the folder holding version folders.
        dir: PathBuf,
        /// The version to import (required to match the folder's version.tsv when given;
        /// picks DIR/NAME when DIR holds version folders; default zj-drg-2022).
        #[arg(long)]
        version: Option<String>,
    },
    /// Check every discharged case of the HIS feed (data checks before upload) with an
    /// imported version and refill the records office's queue.
    Check {
        /// The imported grouping version to use (default: `[drg] version` of the configuration).
        #[arg(long)]
        version: Option<String>,
    },
    /// Import the provincial platform's grouping results (xlsx, or UTF-8 CSV; header with
    /// 病例编号, DRG and optionally 点数) and compare them with the local pre-grouping: the
    /// agreement rate and each disagreement with the local trace.
    Reconcile {
        /// The platform's result file.
        file: PathBuf,
    },
    /// Cases per second on the reference cases and on generated ones, one core and all cores.
    Bench {
        /// The drg data folder (version folders, cases/, BASELINE.md).
        #[arg(long)]
        data: PathBuf,
        /// Versions to measure (repeat or comma-separate).
        #[arg(long = "version", value_delimiter = ',', default_values_t = ["zj-drg-2022".to_string(), "chs-drg-1.1".to_string()])]
        versions: Vec<String>,
        /// Number of generated cases.
        #[arg(long, default_value_t = 1_000_000)]
        generated: usize,
        /// Times the reference cases are grouped per timed run.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
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
                            "{}\t{}\t{}\t{}\t{}",
                            u.username,
                            u.display_name,
                            u.roles,
                            if u.active { "启用" } else { "停用" },
                            u.his_staff_code.as_deref().unwrap_or("-")
                        );
                    }
                }
                UserCommand::Link { user, staff_code } => {
                    let u = yiqiao_web::auth::store::find_by_username(&*db, &user)
                        .await?
                        .with_context(|| format!("没有用户「{user}」"))?;
                    let txn = db.begin_write().await?;
                    let u = yiqiao_web::auth::store::link_staff(
                        &txn,
                        u.id,
                        Some(&staff_code),
                        &actor,
                        now,
                    )
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                    txn.commit().await?;
                    println!(
                        "已将用户 {} 关联到 HIS 工号 {}",
                        u.username,
                        u.his_staff_code.as_deref().unwrap_or("")
                    );
                }
                UserCommand::Unlink { user } => {
                    let u = yiqiao_web::auth::store::find_by_username(&*db, &user)
                        .await?
                        .with_context(|| format!("没有用户「{user}」"))?;
                    let txn = db.begin_write().await?;
                    yiqiao_web::auth::store::link_staff(&txn, u.id, None, &actor, now)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                    txn.commit().await?;
                    println!("已解除用户 {} 与 HIS 工号的关联", u.username);
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
        Command::Drg { command } => match command {
            DrgCommand::Group {
                version,
                data,
                input,
                output,
                explain,
            } => {
                let summary = yiqiao_drg::cli::run_group(&yiqiao_drg::cli::GroupArgs {
                    version,
                    data,
                    input,
                    output,
                    explain,
                })?;
                eprintln!("{summary}");
            }
            DrgCommand::Import { dir, version } => {
                let db = yiqiao_web::server::open_db(&config).await?;
                let stored = yiqiao_drg::store::import_folder(
                    &db,
                    &dir,
                    version.as_deref(),
                    &Actor::system("command-line"),
                    clock.now(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                println!(
                    "已导入分组方案「{}」（{} 个 DRG 组）",
                    stored.name, stored.drg_count
                );
            }
            DrgCommand::Check { version } => {
                let version = version.unwrap_or_else(|| config.drg.version.clone());
                let db = yiqiao_web::server::open_db(&config).await?;
                let v = yiqiao_drg::store::load(&*db, &version)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let run = yiqiao_drg::store::checks::run(
                    &db,
                    &v,
                    &Actor::system("command-line"),
                    clock.now(),
                )
                .await?;
                println!("{run}");
            }
            DrgCommand::Reconcile { file } => {
                let db = yiqiao_web::server::open_db(&config).await?;
                let lines = yiqiao_drg::cli::reconcile(
                    &db,
                    &file,
                    &config.drg.version,
                    &Actor::system("command-line"),
                    clock.now(),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                for l in lines {
                    println!("{l}");
                }
            }
            DrgCommand::Bench {
                data,
                versions,
                generated,
                rounds,
            } => {
                let args = yiqiao_drg::bench::BenchArgs {
                    data,
                    versions,
                    generated,
                    rounds,
                };
                let report = yiqiao_drg::bench::run(&args, &mut |l| eprintln!("{l}"))?;
                print!("{report}");
            }
        },
        Command::PlatformApp { command } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            match command {
                PlatformAppCommand::Add {
                    app_id,
                    name,
                    callback_url,
                    secret,
                } => {
                    let key = config.booking.key_provider(&config.data_dir);
                    let secret = yiqiao_booking::cli::add_app(
                        &db,
                        &key,
                        &app_id,
                        &name,
                        callback_url.as_deref(),
                        secret.as_deref(),
                        clock.now(),
                    )
                    .await?;
                    println!("已登记平台应用 {app_id}，密钥（请妥善交给平台方）：\n{secret}");
                }
                PlatformAppCommand::List => {
                    print!("{}", yiqiao_booking::cli::list_apps(&db).await?)
                }
            }
        }
        Command::Booking { command } => match command {
            BookingCommand::Client {
                base,
                app_id,
                secret,
                method,
                path,
                query,
                body,
                idempotency_key,
            } => {
                let (status, text) = yiqiao_booking::cli::client(
                    &base,
                    &app_id,
                    &secret,
                    &method,
                    &path,
                    &query,
                    body.as_deref(),
                    idempotency_key.as_deref(),
                )
                .await?;
                println!("HTTP {status}\n{text}");
                if status >= 400 {
                    return Ok(std::process::ExitCode::FAILURE);
                }
            }
            BookingCommand::Generate { days } => {
                let db = yiqiao_web::server::open_db(&config).await?;
                let rules = config.booking.rules().map_err(anyhow::Error::msg)?;
                let n = yiqiao_booking::cli::generate(&db, &rules, days, clock.now()).await?;
                println!("已按模板生成排班 {n} 个");
            }
            BookingCommand::EndOfDay => {
                let db = yiqiao_web::server::open_db(&config).await?;
                let rules = config.booking.rules().map_err(anyhow::Error::msg)?;
                let r = yiqiao_booking::cli::end_of_day(&db, &rules, clock.now()).await?;
                println!(
                    "日终完成：爽约 {}，新停约 {}，就诊 {}，结算 {}",
                    r.no_shows, r.suspended, r.visited, r.settled
                );
            }
            BookingCommand::Bench {
                requests,
                connections,
                places,
                postgres,
                pool,
            } => {
                let args = yiqiao_booking::bench::BenchArgs {
                    requests,
                    connections,
                    places,
                    postgres,
                    pool,
                };
                let report = yiqiao_booking::bench::run(&args, &mut |l| eprintln!("{l}")).await?;
                print!("{report}");
            }
        },
        Command::NhsaSim { bind } => {
            yiqiao_tracecode::sim::run(&bind).await?;
        }
        Command::Dict { command } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            let actor = Actor::system("command-line");
            match command {
                DictCommand::Import { samples: true, .. } => {
                    let n =
                        yiqiao_visitpage::store::dicts::import_samples(&db, clock.now(), &actor)
                            .await?;
                    println!("已导入示例编码表（演示用，非官方）：共 {n} 条");
                }
                DictCommand::Import {
                    kind, file, label, ..
                } => {
                    let (Some(kind), Some(file)) = (kind, file) else {
                        anyhow::bail!("需要 --kind 和文件");
                    };
                    let msg = yiqiao_visitpage::cli::dict_import(
                        &db,
                        clock.now(),
                        &actor,
                        &kind,
                        &file,
                        label.as_deref(),
                    )
                    .await?;
                    println!("{msg}");
                }
                DictCommand::List => {
                    let current: Vec<i64> = yiqiao_visitpage::store::dicts::current_versions(&*db)
                        .await?
                        .iter()
                        .map(|v| v.id)
                        .collect();
                    for v in yiqiao_visitpage::store::dicts::versions(&*db).await? {
                        println!(
                            "{}\t{}\t{}\t{} 条\t{}{}{}",
                            v.id,
                            v.kind,
                            v.label,
                            v.entries,
                            yiqiao_core::time::format_local(v.imported_at),
                            if v.sample == 1 { "\t示例" } else { "" },
                            if current.contains(&v.id) {
                                "\t在用"
                            } else {
                                ""
                            }
                        );
                    }
                }
            }
        }
        Command::Visitpage {
            command: VisitpageCommand::Assemble { period },
        } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            let period = yiqiao_visitpage::domain::period::Period::parse(&period)?;
            let demo = yiqiao_web::dashboard::is_demo(&db).await?;
            let (_, dicts) = yiqiao_visitpage::store::dicts::load_current(&*db).await?;
            let r = yiqiao_visitpage::store::assemble_period(
                &db,
                clock.now(),
                &yiqiao_web::app::visitpage_org(&config.hospital, demo),
                &dicts,
                period,
            )
            .await?;
            println!("{period}：{r}");
        }
        Command::Visitpage {
            command: VisitpageCommand::Export { period, output },
        } => {
            let db = yiqiao_web::server::open_db(&config).await?;
            let period = yiqiao_visitpage::domain::period::Period::parse(&period)?;
            let bytes = yiqiao_visitpage::store::export_period(&*db, period).await?;
            std::fs::write(&output, &bytes)?;
            println!(
                "已导出 {period} 上报表：{}（{} 字节）",
                output.display(),
                bytes.len()
            );
        }
        Command::Visitpage {
            command: VisitpageCommand::Bench { pages, postgres },
        } => {
            let args = yiqiao_visitpage::bench::BenchArgs {
                pages,
                postgres,
                ..Default::default()
            };
            let report = yiqiao_visitpage::bench::run(&args, &mut |l| eprintln!("{l}")).await?;
            print!("{report}");
        }
        Command::Visitpage {
            command: VisitpageCommand::Check { file, dict },
        } => {
            // The code tables come from --dict, or else from the database.
            let outcome = match dict {
                Some(dir) => yiqiao_visitpage::cli::run_check(
                    &file,
                    Some(&dir),
                    &mut std::io::stdout().lock(),
                ),
                None => {
                    let dicts = match yiqiao_web::server::open_db(&config).await {
                        Ok(db) => yiqiao_visitpage::store::dicts::load_current(&*db).await?.1,
                        Err(e) => {
                            eprintln!("提示：无法打开数据库（{e}），只检查本规范固定的代码");
                            yiqiao_visitpage::Dicts::none()
                        }
                    };
                    yiqiao_visitpage::cli::run_check_with(
                        &file,
                        &dicts,
                        &mut std::io::stdout().lock(),
                    )
                }
            };
            match outcome {
                Ok(summary) => {
                    eprintln!(
                        "共检查 {} 页：错误 {} 个，警告 {} 个",
                        summary.pages, summary.errors, summary.warnings
                    );
                    if summary.errors > 0 {
                        return Ok(std::process::ExitCode::FAILURE);
                    }
                }
                Err(e) => {
                    eprintln!("错误：{e}");
                    return Ok(std::process::ExitCode::from(2));
                }
            }
        }
        Command::Inspection { command } => match command {
            InspectionCommand::Probe {
                target,
                community,
                v3_user,
                auth_proto,
                auth_pass,
                priv_proto,
                priv_pass,
                context,
                timeout_ms,
            } => {
                let out = yiqiao_inspection::monitor::cli::probe(
                    &yiqiao_inspection::monitor::cli::ProbeArgs {
                        target,
                        community,
                        v3_user,
                        auth_proto,
                        auth_pass,
                        priv_proto,
                        priv_pass,
                        context,
                        timeout_ms,
                    },
                )
                .await?;
                println!("{out}");
            }
            InspectionCommand::Bench {
                devices,
                interval_secs,
                duration_secs,
                timeout_ms,
                netsnmp_polls,
                agent_sockets,
            } => {
                let report = yiqiao_inspection::monitor::bench::run(
                    yiqiao_inspection::monitor::bench::BenchArgs {
                        devices,
                        interval_secs,
                        duration_secs,
                        timeout_ms,
                        netsnmp_polls,
                        agent_sockets,
                    },
                    &mut |l| eprintln!("{l}"),
                )
                .await?;
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
        },
        Command::Tracecode {
            command:
                TracecodeCommand::Bench {
                    codes,
                    windows,
                    postgres,
                    pool,
                },
        } => {
            let args = yiqiao_tracecode::bench::BenchArgs {
                codes,
                windows,
                postgres,
                pool,
            };
            let report = yiqiao_tracecode::bench::run(&args, &mut |l| eprintln!("{l}")).await?;
            print!("{report}");
        }
        Command::Tracecode {
            command: TracecodeCommand::Parse { codes },
        } => {
            let all_ok = yiqiao_tracecode::cli::parse_codes(&codes, &mut std::io::stdout().lock())?;
            if !all_ok {
                return Ok(std::process::ExitCode::FAILURE);
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
