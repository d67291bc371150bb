//! `no_token_leak`: no secret where secrets do not belong.
//!
//! `forms.rs` lists the encodings a secret travels in, `scan.rs` is the
//! one-pass window scan, `channels.rs` the places a run recorded that a
//! broker writes to. This file is the checker on top.

mod channels;
mod forms;
mod scan;

use super::{Checker, Judgement, Violation, capped};
use crate::record::RunRecord;
use crate::scenario::NoTokenLeakParams;
use mock_provider::{Endpoint, SecretKind};
use scan::{Needles, Origin};
use secrecy::ExposeSecret;
use std::collections::{BTreeMap, BTreeSet};

const NAME: &str = "no_token_leak";

/// No secret the provider issued or was configured with (tokens, client
/// secrets, codes, id_tokens, PKCE verifiers, assertions, device codes),
/// and none of the gateway's own (its service-account private keys, its
/// relay consumers' credentials: `GatewayRecord::secrets`), appears where
/// secrets do not belong:
///
/// - the broker's log (in-process: its tracing events at TRACE; processes:
///   stderr);
/// - the messages of its failed calls;
/// - every protocol answer a process broker sends (`status` results,
///   errors with their `data`, every result; only an `access_token`
///   result's own `access_token` field is allowed a token);
/// - its `status` answers;
/// - the URLs it requests: in full for in-process brokers (their
///   transport records them), and for every broker through the provider's
///   journal, which flags each request whose path or query carried a
///   registered secret or a credential parameter (`?access_token=`);
/// - the raw bytes of the store the harness provisioned for it (SQLite
///   file with its `-wal` and `-journal`, a `file:` directory, a
///   PostgreSQL schema's rows), read after every restart and after the run.
///
/// A secret is present when `min_substring` consecutive bytes of any of
/// its forms appear: raw, URL-encoded, base64 and base64url at each
/// alignment (so one inside `base64(id:secret)` is found), hex in either
/// case. So a truncated token in a log line is still a leak.
///
/// Unknown (never passed) when the provider registered no secret long
/// enough to look for, or nothing at all was captured to scan.
///
/// ```
/// use harness::checkers::{Checker, NoTokenLeak};
/// use harness::run::RunRecord;
/// use mock_provider::{RegisteredSecret, SecretKind};
/// let token = "ya29.a0AfB_byC4kX9-secret-value";
/// let run = RunRecord {
///     secrets: vec![RegisteredSecret { kind: SecretKind::AccessToken, value: token.to_owned().into() }],
///     broker_log: format!("DEBUG token bytes {}", hex::encode(token)).into_bytes(),
///     ..RunRecord::default()
/// };
/// let found = NoTokenLeak::default().judge(&run).expect("there was data");
/// assert!(found[0].message.contains("access token (hex form)"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct NoTokenLeak {
    params: NoTokenLeakParams,
}

impl NoTokenLeak {
    /// A checker with these parameters.
    pub fn new(params: NoTokenLeakParams) -> Self {
        Self { params }
    }

    /// The violations found, or why there was nothing to judge. The first
    /// violation ends with what was scanned.
    pub fn judge(&self, run: &RunRecord) -> Result<Vec<Violation>, String> {
        let provider = run.secrets.iter().map(|secret| {
            let value = secret.value.expose_secret().as_bytes();
            (kind_name(secret.kind), value)
        });
        let gateway = run.gateway.secrets.iter();
        let gateway = gateway.map(|(what, value)| (*what, value.expose_secret().as_bytes()));
        let width = self.params.min_substring.max(4);
        let needles = Needles::new(provider.chain(gateway), width);
        if needles.is_empty() {
            return Err(format!(
                "the provider registered no secret of {}+ characters: nothing to look for",
                needles.width()
            ));
        }
        let channels = channels::channels(run);
        let requests = channels::provider_requests(run).count();
        let coverage = channels::coverage(&channels, requests);
        if requests == 0 && channels.iter().all(|c| c.bytes() == 0) {
            return Err(format!("nothing was captured to scan ({coverage})"));
        }
        let mut found = Vec::new();
        let mut reported = BTreeSet::new();
        for channel in &channels {
            for (label, bytes) in &channel.parts {
                needles.scan(bytes, |offset, origin| {
                    if reported.insert((channel.name, origin.what, origin.form)) {
                        found.push(hit(channel.name, *label, offset, origin, needles.width()));
                    }
                });
            }
        }
        found.extend(url_flags(run));
        if let Some(first) = found.first_mut() {
            first.message = format!("{} ({coverage})", first.message);
        }
        Ok(capped(NAME, found))
    }
}

fn hit(
    channel: &str,
    label: Option<&str>,
    offset: usize,
    origin: Origin,
    width: usize,
) -> Violation {
    let place = match label {
        Some(label) => format!("{channel} (`{label}`)"),
        None => channel.to_owned(),
    };
    Violation {
        invariant: NAME,
        message: format!(
            "{place} holds {width}+ characters of {} ({} form) at byte {offset}",
            origin.what, origin.form
        ),
        entries: Vec::new(),
    }
}

/// The provider's view of every URL: one violation per endpoint whose
/// requests carried a secret or credential parameter in the URL.
fn url_flags(run: &RunRecord) -> Vec<Violation> {
    let mut by_endpoint: BTreeMap<Endpoint, Vec<u64>> = BTreeMap::new();
    for entry in channels::provider_requests(run).filter(|e| e.request.url_secret) {
        by_endpoint
            .entry(entry.endpoint)
            .or_default()
            .push(entry.seq);
    }
    by_endpoint
        .into_iter()
        .map(|(endpoint, seqs)| {
            let first = seqs[0];
            let path = run
                .journal
                .iter()
                .find(|e| e.seq == first)
                .map(|e| e.request.path.clone())
                .unwrap_or_default();
            Violation {
                invariant: NAME,
                message: format!(
                    "{} request(s) to `{endpoint}` carried a secret or a credential parameter in the URL (first #{first}, path `{path}`): URLs end up in proxy and server logs",
                    seqs.len()
                ),
                entries: seqs.into_iter().take(super::MAX_EXAMPLES).collect(),
            }
        })
        .collect()
}

impl Checker for NoTokenLeak {
    fn name(&self) -> &'static str {
        NAME
    }

    fn check(&self, run: &RunRecord) -> Judgement {
        match self.judge(run) {
            Ok(found) => Judgement::from_violations(found),
            Err(reason) => Judgement::unknown(reason),
        }
    }
}

fn kind_name(kind: SecretKind) -> &'static str {
    match kind {
        SecretKind::AccessToken => "an access token",
        SecretKind::RefreshToken => "a refresh token",
        SecretKind::ClientSecret => "a client secret",
        SecretKind::AuthorizationCode => "an authorization code",
        SecretKind::IdToken => "an id_token",
        SecretKind::CodeVerifier => "a PKCE code verifier",
        SecretKind::JwtAssertion => "a JWT assertion",
        SecretKind::DeviceCode => "a device code",
    }
}
