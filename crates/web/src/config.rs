//! Configuration: one TOML file plus `YIQIAO_*` environment overrides.
//!
//! Every key has an environment name made from its path: `database.url` is
//! `YIQIAO_DATABASE_URL`, `bind` is `YIQIAO_BIND`. The environment wins over the file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address and port the server listens on.
    pub bind: String,
    /// Where the embedded database, backups and generated files live.
    pub data_dir: PathBuf,
    pub database: DatabaseConfig,
    pub hospital: HospitalConfig,
    pub http: HttpConfig,
    pub session: SessionConfig,
    pub login: LoginConfig,
    pub outbox: OutboxConfig,
    pub jobs: JobsConfig,
    pub log: LogConfig,
    /// 号源预约: release rules, limits, the key of platform-app secrets.
    pub booking: yiqiao_booking::BookingConfig,
    /// 药品追溯码: the NHSA 进销存 endpoint, institution and region codes.
    pub tracecode: yiqiao_tracecode::TracecodeConfig,
    /// 机房运维: where its notices go.
    pub inspection: yiqiao_inspection::InspectionConfig,
    /// DRG 预分组: the grouping version in use.
    pub drg: yiqiao_drg::DrgConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Empty: the embedded SQLite file `<data_dir>/yiqiao.db`. Otherwise `postgres://…`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HospitalConfig {
    /// 医疗机构名称
    pub name: String,
    /// 统一社会信用代码
    pub credit_code: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Mark cookies `Secure` (set when served over HTTPS, e.g. behind nginx with TLS).
    pub secure_cookies: bool,
    /// Seconds a request may take before it is answered with 503.
    pub request_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// A session ends this many hours after sign-in, whatever happens.
    pub max_hours: i64,
    /// A session ends after this many minutes without a request.
    pub idle_minutes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LoginConfig {
    /// Failed sign-ins for one user name within `window_minutes` before it is locked.
    pub max_failures: i64,
    pub window_minutes: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxConfig {
    /// Run the delivery worker in this process.
    pub enabled: bool,
    pub base_delay_secs: u64,
    pub max_delay_secs: u64,
    pub max_attempts: i32,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Run the scheduled jobs (booking end-of-day sweep, schedule generation) in this process.
    pub enabled: bool,
    /// Minutes between two rounds.
    pub interval_minutes: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            interval_minutes: 5,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: String,
    /// A tracing filter, e.g. `info` or `yiqiao=debug,info`.
    pub filter: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            database: DatabaseConfig::default(),
            hospital: HospitalConfig::default(),
            http: HttpConfig::default(),
            session: SessionConfig::default(),
            login: LoginConfig::default(),
            outbox: OutboxConfig::default(),
            jobs: JobsConfig::default(),
            log: LogConfig::default(),
            booking: yiqiao_booking::BookingConfig::default(),
            tracecode: yiqiao_tracecode::TracecodeConfig::default(),
            inspection: yiqiao_inspection::InspectionConfig::default(),
            drg: yiqiao_drg::DrgConfig::default(),
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: String::new(),
            max_connections: 8,
        }
    }
}

impl Default for HospitalConfig {
    fn default() -> Self {
        HospitalConfig {
            name: "台州市中西医结合医院".into(),
            credit_code: String::new(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 8 * 1024 * 1024,
            secure_cookies: false,
            request_timeout_secs: 60,
        }
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            max_hours: 12,
            idle_minutes: 240,
        }
    }
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            max_failures: 5,
            window_minutes: 15,
        }
    }
}

impl Default for OutboxConfig {
    fn default() -> Self {
        OutboxConfig {
            enabled: true,
            base_delay_secs: 5,
            max_delay_secs: 3600,
            max_attempts: 20,
        }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "human".into(),
            filter: "info".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("读取配置文件 {path} 失败：{source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("配置文件 {path} 有误：{message}")]
    Parse { path: String, message: String },
    #[error("环境变量 {var} 的值「{value}」不是有效的{expected}")]
    Env {
        var: String,
        value: String,
        expected: &'static str,
    },
}

impl Config {
    /// Read `path` (if given), then apply the environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.display().to_string(),
                source,
            })?,
            None => String::new(),
        };
        let env: Vec<(String, String)> = std::env::vars()
            .filter(|(k, _)| k.starts_with("YIQIAO_"))
            .collect();
        Self::from_parts(&text, path.map(|p| p.display().to_string()), &env)
    }

    /// The pure part of `load`: file text and environment in, configuration out.
    pub fn from_parts(
        text: &str,
        path: Option<String>,
        env: &[(String, String)],
    ) -> Result<Config, ConfigError> {
        let path = path.unwrap_or_else(|| "（无）".into());
        let mut value: toml::Table = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let defaults =
            toml::Table::try_from(Config::default()).map_err(|e| ConfigError::Parse {
                path: path.clone(),
                message: e.to_string(),
            })?;
        apply_env(&mut value, &defaults, "YIQIAO", env)?;
        let cfg: Config = toml::Value::Table(value)
            .try_into()
            .map_err(|e: toml::de::Error| ConfigError::Parse {
                path,
                message: e.to_string(),
            })?;
        Ok(cfg)
    }

    /// The database URL: the configured one, or the embedded SQLite file in `data_dir`.
    pub fn database_url(&self) -> String {
        if self.database.url.trim().is_empty() {
            yiqiao_store::Db::sqlite_url_in(&self.data_dir)
        } else {
            self.database.url.trim().to_owned()
        }
    }
}

/// Walk the default configuration's keys; where `PREFIX_PATH_TO_KEY` is set, put its value
/// (typed like the default) into `target`.
fn apply_env(
    target: &mut toml::Table,
    defaults: &toml::Table,
    prefix: &str,
    env: &[(String, String)],
) -> Result<(), ConfigError> {
    for (key, default) in defaults {
        let var = format!("{prefix}_{}", key.to_uppercase());
        match default {
            toml::Value::Table(sub) => {
                let entry = target
                    .entry(key.clone())
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()));
                if let toml::Value::Table(t) = entry {
                    apply_env(t, sub, &var, env)?;
                }
            }
            _ => {
                if let Some((_, raw)) = env.iter().find(|(k, _)| *k == var) {
                    let bad = |expected| ConfigError::Env {
                        var: var.clone(),
                        value: raw.clone(),
                        expected,
                    };
                    let v = match default {
                        toml::Value::Integer(_) => {
                            toml::Value::Integer(raw.trim().parse().map_err(|_| bad("整数"))?)
                        }
                        toml::Value::Boolean(_) => {
                            toml::Value::Boolean(match raw.trim().to_ascii_lowercase().as_str() {
                                "1" | "true" | "yes" | "on" => true,
                                "0" | "false" | "no" | "off" => false,
                                _ => return Err(bad("布尔值（true/false）")),
                            })
                        }
                        _ => toml::Value::String(raw.clone()),
                    };
                    target.insert(key.clone(), v);
                }
            }
        }
    }
    Ok(())
}

/// The documented example printed by `yiqiao config example`.
pub const EXAMPLE: &str = include_str!("../yiqiao.example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_parses_to_the_defaults() {
        let c = Config::from_parts(EXAMPLE, None, &[]).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn environment_overrides_the_file() {
        let env = vec![
            (
                "YIQIAO_DATABASE_URL".to_owned(),
                "postgres://x@h/db".to_owned(),
            ),
            ("YIQIAO_BIND".to_owned(), "0.0.0.0:9000".to_owned()),
            ("YIQIAO_LOGIN_MAX_FAILURES".to_owned(), "3".to_owned()),
            ("YIQIAO_HTTP_SECURE_COOKIES".to_owned(), "true".to_owned()),
        ];
        let c = Config::from_parts("bind = \"127.0.0.1:1\"\n", None, &env).unwrap();
        assert_eq!(c.bind, "0.0.0.0:9000");
        assert_eq!(c.database.url, "postgres://x@h/db");
        assert_eq!(c.login.max_failures, 3);
        assert!(c.http.secure_cookies);
    }

    #[test]
    fn a_bad_value_names_the_variable() {
        let env = vec![("YIQIAO_LOGIN_MAX_FAILURES".to_owned(), "many".to_owned())];
        let e = Config::from_parts("", None, &env).unwrap_err().to_string();
        assert!(e.contains("YIQIAO_LOGIN_MAX_FAILURES"), "{e}");
    }

    #[test]
    fn an_unknown_key_is_refused_with_its_name() {
        let e = Config::from_parts("[database]\nurll = \"x\"\n", Some("a.toml".into()), &[])
            .unwrap_err()
            .to_string();
        assert!(e.contains("urll"), "{e}");
    }
}
