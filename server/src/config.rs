//! The server's configuration, from the environment. The API key is held here and nowhere
//! else: it is never logged (its `Debug` is redacted) and never sent to a browser.

use std::fmt;
use std::path::PathBuf;

/// How the server is configured.
#[derive(Clone)]
pub struct Config {
    /// `GEMINI_API_KEY` (required): the long-lived key the tokens are minted with.
    pub key: String,
    /// `UPSTREAM`: where `auth_tokens` lives (default Google's; tests point it at the emulator).
    pub upstream: String,
    /// `DIST`: the release build of the page to serve (default `dist`).
    pub dist: PathBuf,
    /// `LIVE_MODEL`: the only model a token opens (default `models/gemini-3.8-live`).
    pub model: String,
    /// `TOKEN_USES`: new sessions a token may start (default 1). Resuming a session does not
    /// count as a use (kotlin-genai `AuthToken`), and the page asks for a fresh token when it
    /// opens a connection after the first, so one use is all a conversation needs.
    pub uses: u32,
    /// `TOKEN_MINUTES`: how long a token works at all (default 30).
    pub token_minutes: u64,
    /// `START_SECONDS`: how soon its first session must start (default 60).
    pub start_seconds: u64,
    /// `PASSCODE`: if set, minting needs it (header `x-passcode`).
    pub passcode: Option<String>,
    /// `IDENTITY_HEADER`: if set, minting needs this header (set by a trusted reverse proxy
    /// that authenticated the person, e.g. `x-forwarded-email`); its value is logged.
    pub identity_header: Option<String>,
    /// `ALLOWED_ORIGINS` (comma-separated): the pages that may mint; unset, only this
    /// server's own pages (and clients that send no `Origin`, such as curl).
    pub origins: Vec<String>,
    /// `RATE_PER_CLIENT`, `RATE_OVERALL`: tokens per minute (defaults 10 and 300).
    pub per_client_per_minute: u32,
    pub overall_per_minute: u32,
    /// `HEADER_TIMEOUT_MS`: a client must send a request's headers within this (default
    /// 10,000).
    pub header_timeout_ms: u64,
    /// Where finished conversations are kept: a directory (`ARCHIVE_DIR`) or an object store
    /// (`ARCHIVE_URL`); neither: archiving is off.
    pub archive_dir: Option<PathBuf>,
    /// `ARCHIVE_URL`: `s3://bucket/prefix` or `gs://bucket/prefix`, for a team whose replicas
    /// share one archive; the store's own settings (endpoint, region, credentials) from the
    /// variables its SDKs read ([`STORE_VARS`]).
    pub archive_url: Option<String>,
    /// Those settings as (lower-case name, value), as object_store takes them.
    pub archive_options: Vec<(String, String)>,
    /// The largest recording kept (`ARCHIVE_MAX_MB`, 200: an hour of 24 kHz stereo is 173 MB).
    pub archive_max_bytes: u64,
    /// Who keeps the conversations (`ARCHIVE_ORGANISATION`), as each person is told before
    /// they talk; required with `ARCHIVE_DIR`.
    pub archive_organisation: String,
    /// Days a conversation is kept (`RETENTION_DAYS`, 30); older ones are removed.
    pub retention_days: u64,
    /// Who may review and delete kept conversations (`REVIEWERS`: identities as the
    /// `IDENTITY_HEADER` carries them, comma-separated); none: nobody.
    pub reviewers: Vec<String>,
}

/// The variables an `ARCHIVE_URL` store reads its settings from (the names the AWS and
/// Google SDKs use): an S3 API elsewhere than AWS needs `AWS_ENDPOINT` (and `AWS_ALLOW_HTTP`
/// for plain HTTP); credentials come from these or, unset, from the machine's role.
pub const STORE_VARS: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
    "GOOGLE_SERVICE_ACCOUNT",
    "GOOGLE_SERVICE_ACCOUNT_KEY",
    "GOOGLE_APPLICATION_CREDENTIALS",
];

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("key", &"***")
            .field("upstream", &self.upstream)
            .field("dist", &self.dist)
            .field("model", &self.model)
            .field("uses", &self.uses)
            .field("passcode", &self.passcode.as_ref().map(|_| "***"))
            .field("identity_header", &self.identity_header)
            .field("origins", &self.origins)
            .field("archive_dir", &self.archive_dir)
            .field("archive_url", &self.archive_url)
            .field("archive_max_bytes", &self.archive_max_bytes)
            .field("archive_organisation", &self.archive_organisation)
            .field("retention_days", &self.retention_days)
            .field("reviewers", &self.reviewers)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// The configuration from `var` (the environment, or a test's table), or what is wrong.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let key = var("GEMINI_API_KEY")
            .filter(|k| !k.trim().is_empty())
            .ok_or("GEMINI_API_KEY is not set: the server mints tokens with it.")?;
        let number = |name: &str, default: u64| -> Result<u64, String> {
            match var(name) {
                None => Ok(default),
                Some(v) => v.trim().parse().ok().filter(|n| *n > 0).ok_or(format!(
                    "{name} must be a whole number above 0, not \"{v}\"."
                )),
            }
        };
        let model = var("LIVE_MODEL").unwrap_or_else(|| "gemini-3.8-live".into());
        let model = model.trim();
        let model = if model.starts_with("models/") {
            model.to_owned()
        } else {
            format!("models/{model}")
        };
        let small = |name: &str, default: u64| -> Result<u32, String> {
            u32::try_from(number(name, default)?).map_err(|_| format!("{name} is too large."))
        };
        Ok(Config {
            key: key.trim().to_owned(),
            upstream: var("UPSTREAM")
                .unwrap_or_else(|| "https://generativelanguage.googleapis.com".into())
                .trim_end_matches('/')
                .to_owned(),
            dist: var("DIST").unwrap_or_else(|| "dist".into()).into(),
            model,
            uses: small("TOKEN_USES", 1)?,
            token_minutes: number("TOKEN_MINUTES", 30)?,
            start_seconds: number("START_SECONDS", 60)?,
            passcode: var("PASSCODE").filter(|p| !p.is_empty()),
            identity_header: var("IDENTITY_HEADER")
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
            origins: var("ALLOWED_ORIGINS")
                .map(|o| {
                    o.split(',')
                        .map(|s| s.trim().trim_end_matches('/').to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            per_client_per_minute: small("RATE_PER_CLIENT", 10)?,
            overall_per_minute: small("RATE_OVERALL", 300)?,
            header_timeout_ms: number("HEADER_TIMEOUT_MS", 10_000)?,
            archive_dir: var("ARCHIVE_DIR")
                .filter(|d| !d.trim().is_empty())
                .map(Into::into),
            archive_url: var("ARCHIVE_URL")
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty()),
            archive_options: STORE_VARS
                .iter()
                .filter_map(|name| Some((name.to_ascii_lowercase(), var(name)?)))
                .collect(),
            archive_max_bytes: number("ARCHIVE_MAX_MB", 200)?
                .checked_mul(1 << 20)
                .ok_or("ARCHIVE_MAX_MB is too large.")?,
            archive_organisation: var("ARCHIVE_ORGANISATION")
                .map(|o| o.trim().to_owned())
                .unwrap_or_default(),
            retention_days: number("RETENTION_DAYS", 30)?,
            reviewers: var("REVIEWERS")
                .map(|r| {
                    r.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
        .and_then(|config: Config| {
            if !config.reviewers.is_empty() && config.identity_header.is_none() {
                return Err("REVIEWERS names people by the identity a proxy vouches for: set IDENTITY_HEADER too.".into());
            }
            if config.archive_dir.is_some() && config.archive_url.is_some() {
                return Err("Set ARCHIVE_DIR or ARCHIVE_URL, not both: the archive is in one place.".into());
            }
            if let Some(url) = &config.archive_url {
                if !(url.starts_with("s3://") || url.starts_with("gs://")) {
                    return Err(format!("ARCHIVE_URL must be s3://bucket/prefix or gs://bucket/prefix, not \"{url}\"."));
                }
            }
            let archiving = config.archive_dir.is_some() || config.archive_url.is_some();
            if archiving && config.archive_organisation.is_empty() {
                return Err("ARCHIVE_ORGANISATION must say who keeps the conversations: each person is told before they talk.".into());
            }
            Ok(config)
        })
    }
}
