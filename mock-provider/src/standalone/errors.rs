use std::path::PathBuf;

/// Why a config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config `{path}`")]
    Read {
        /// The file.
        path: PathBuf,
        /// The IO error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema (for example an
    /// unknown field, or a string where a number belongs).
    #[error("invalid config `{path}` at line {line}, column {column}: {}{message}", field_prefix(.field))]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The field (`oauth.code_ttl_secs`), when the value of one was wrong.
        field: Option<String>,
        /// What was wrong.
        message: String,
        /// The TOML error.
        #[source]
        source: Box<toml::de::Error>,
    },
    /// A `[[service_accounts]]` entry is incomplete or its key file is
    /// not a Google JSON key.
    #[error("invalid config entry `{entry}`: {problem}")]
    ServiceAccount {
        /// Which entry, e.g. `service_accounts[0]`.
        entry: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A service account's public key does not parse.
    #[error("invalid config entry `{entry}`: the public key is not an RSA public key in PEM form")]
    ServiceAccountKey {
        /// Which entry.
        entry: String,
        /// What the key parser said.
        #[source]
        source: crate::InvalidServiceAccountKey,
    },
    /// A setting parsed but is outside its documented range.
    #[error("invalid config {origin}: `{field}` {message}")]
    Invalid {
        /// Where the value came from: the file, or the command line.
        origin: String,
        /// The setting (`oauth.refresh_token_limit`, `accounts[1]`).
        field: String,
        /// What is wrong with its value.
        message: String,
    },
}

fn field_prefix(field: &Option<String>) -> String {
    field
        .as_ref()
        .map(|f| format!("field `{f}`: "))
        .unwrap_or_default()
}

impl ConfigError {
    /// A setting from `origin` (a file, the command line) out of range.
    pub fn invalid(origin: impl Into<String>, setting: super::InvalidSetting) -> Self {
        Self::Invalid {
            origin: origin.into(),
            field: setting.field,
            message: setting.message,
        }
    }
}
