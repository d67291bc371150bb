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
    /// unknown field).
    #[error("invalid config `{path}` at line {line}, column {column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the offending text.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What was wrong, naming the field.
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
}
