//! Where a module's secret-encryption master key comes from (密钥来源): the configured one, or
//! a key file in the data directory made with a fresh random key, readable by the owner only, on
//! first use. Never from the database, so a copy of the database alone does not reveal the
//! secrets. It lives here (not in `yiqiao-core`) because it touches the file system; booking and
//! inspection each hold one with their own label, setting name and file.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use yiqiao_core::secret::SecretKey;

/// The master key of one module's secrets, read lazily (a server that never meets a secret never
/// touches the file) and then kept.
#[derive(Debug)]
pub struct KeyProvider {
    /// Derivation label, e.g. `yiqiao-booking-secret`.
    label: &'static str,
    /// The setting's name for messages, e.g. `booking.secret_key`.
    setting: &'static str,
    configured: String,
    file: PathBuf,
    cell: OnceLock<SecretKey>,
}

impl KeyProvider {
    /// The configured key (64 hex characters) when not empty, otherwise the key file `file`.
    pub fn new(
        label: &'static str,
        setting: &'static str,
        configured: &str,
        file: PathBuf,
    ) -> KeyProvider {
        KeyProvider {
            label,
            setting,
            configured: configured.trim().to_owned(),
            file,
            cell: OnceLock::new(),
        }
    }

    /// A fixed key (tests, tools).
    pub fn fixed(key: SecretKey) -> KeyProvider {
        let cell = OnceLock::new();
        let _ = cell.set(key);
        KeyProvider {
            label: "",
            setting: "",
            configured: String::new(),
            file: PathBuf::new(),
            cell,
        }
    }

    /// The key, or why it cannot be had (a bad setting, an unreadable or unwritable file).
    pub fn get(&self) -> Result<SecretKey, String> {
        if let Some(k) = self.cell.get() {
            return Ok(k.clone());
        }
        let k = self.load()?;
        Ok(self.cell.get_or_init(|| k).clone())
    }

    fn key_of(&self, s: &str, whence: &dyn std::fmt::Display) -> Result<SecretKey, String> {
        SecretKey::from_hex(self.label, s).map_err(|e| format!("{whence}：{e}"))
    }

    fn load(&self) -> Result<SecretKey, String> {
        if !self.configured.is_empty() {
            return self.key_of(&self.configured, &self.setting);
        }
        let path = &self.file;
        match std::fs::read_to_string(path) {
            Ok(s) => self.key_of(&s, &path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                use rand::RngCore;
                let mut k = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut k);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| format!("{}：{e}", dir.display()))?;
                }
                match write_private(path, &hex::encode(k)) {
                    Ok(()) => Ok(SecretKey::derive(self.label, &k)),
                    // Another process made it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        let s = std::fs::read_to_string(path)
                            .map_err(|e| format!("{}：{e}", path.display()))?;
                        self.key_of(&s, &path.display())
                    }
                    Err(e) => Err(format!("无法写入 {}：{e}", path.display())),
                }
            }
            Err(e) => Err(format!("无法读取 {}：{e}", path.display())),
        }
    }
}

fn write_private(path: &Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(content.as_bytes())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub").join("x.key");
        let a = KeyProvider::new("label-a", "x.secret_key", "", file.clone());
        let sealed = a.get().unwrap().encrypt(b"s", [0u8; 16]);
        let again = KeyProvider::new("label-a", "x.secret_key", "", file.clone());
        assert_eq!(again.get().unwrap().decrypt(&sealed).unwrap(), b"s");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let bad = KeyProvider::new("label-a", "x.secret_key", "zz", file);
        assert!(bad.get().unwrap_err().starts_with("x.secret_key："));
    }
}
