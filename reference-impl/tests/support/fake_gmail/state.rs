use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use reference_impl::StoredMessage;

/// The endpoints the fake serves (for targeting faults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Profile,
    List,
    Get,
    History,
    Send,
    Any,
}

/// What a queued fault does to the next matching request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 with `Retry-After: secs`.
    TooManyRequests { retry_after: Option<u64> },
    /// 429 with only "Retry after <RFC3339>" in the message, `in_secs` from the fake's now.
    TooManyRequestsMessageOnly { in_secs: u64 },
    /// 403 `userRateLimitExceeded`.
    RateLimited403,
    /// 503 `backendError`.
    ServerError,
    /// 401 `authError` (an access token Google no longer accepts).
    Unauthorized,
    /// Perform the request, then drop the connection (the transport sees a reset).
    AckLost,
    /// Answer 200 with this body instead.
    Body(Corruption),
}

/// A malformed 200 body.
#[derive(Debug, Clone)]
pub enum Corruption {
    /// Exactly this text.
    Text(String),
}

#[derive(Debug, Clone)]
pub struct FakeMessage {
    pub id: String,
    pub thread_id: String,
    pub labels: BTreeSet<String>,
    pub history_id: u64,
    pub internal_date: i64,
    pub raw: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct HistoryEvent {
    pub id: u64,
    pub kind: &'static str,
    pub message_id: String,
    pub thread_id: String,
    pub labels: Vec<String>,
}

type Mutation = Box<dyn FnOnce(&mut GmailState) + Send>;

pub struct GmailState {
    rng: ChaCha8Rng,
    pub history_id: u64,
    next_message: u64,
    pub messages: BTreeMap<String, FakeMessage>,
    pub history: Vec<HistoryEvent>,
    /// `startHistoryId` below this answers 404.
    pub history_floor: u64,
    pub faults: VecDeque<(Endpoint, Fault)>,
    pub requests: u64,
    pub scheduled: Vec<(u64, Mutation)>,
    pub revoked: bool,
    pub empty_page_quirk: bool,
    pub now_unix: i64,
    pub latency: std::time::Duration,
    pub profile_requests: u64,
}

impl std::fmt::Debug for GmailState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GmailState")
            .field("history_id", &self.history_id)
            .field("messages", &self.messages.len())
            .field("requests", &self.requests)
            .finish_non_exhaustive()
    }
}

/// The fake's mailbox and fault queue; clones share state.
#[derive(Debug, Clone)]
pub struct FakeGmail {
    pub(crate) state: Arc<Mutex<GmailState>>,
}

impl FakeGmail {
    pub fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let history_id = rng.random_range(1_000..100_000);
        Self {
            state: Arc::new(Mutex::new(GmailState {
                rng,
                history_id,
                next_message: 0x18c0_0000_0000_0000,
                messages: BTreeMap::new(),
                history: Vec::new(),
                history_floor: 0,
                faults: VecDeque::new(),
                requests: 0,
                scheduled: Vec::new(),
                revoked: false,
                empty_page_quirk: false,
                now_unix: 1_700_000_000,
                latency: std::time::Duration::ZERO,
                profile_requests: 0,
            })),
        }
    }

    /// A fake holding `count` messages in INBOX.
    pub fn with_messages(seed: u64, count: usize) -> Self {
        let gmail = Self::new(seed);
        for _ in 0..count {
            gmail.add_message(&["INBOX", "UNREAD"]);
        }
        gmail
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, GmailState> {
        self.state.lock().unwrap()
    }

    pub fn add_message(&self, labels: &[&str]) -> String {
        self.lock().add_message(labels, None)
    }

    pub fn delete_message(&self, id: &str) {
        self.lock().delete_message(id);
    }

    pub fn relabel(&self, id: &str, add: &[&str], remove: &[&str]) {
        self.lock().relabel(id, add, remove);
    }

    /// Forget all history: every `startHistoryId` up to now gets 404.
    pub fn expire_history(&self) {
        self.lock().expire_history();
    }

    /// Every request gets 401 and the token source reports needs-reauth.
    pub fn revoke(&self) {
        self.lock().revoked = true;
    }

    pub fn set_empty_page_quirk(&self, on: bool) {
        self.lock().empty_page_quirk = on;
    }

    /// Queue `fault` for the next request to `endpoint`, `times` times.
    pub fn fail_next(&self, endpoint: Endpoint, fault: Fault, times: usize) {
        let mut state = self.lock();
        for _ in 0..times {
            state.faults.push_back((endpoint, fault.clone()));
        }
    }

    /// Run `mutation` just before the fake answers its `request_number`-th request (1-based).
    pub fn at_request(
        &self,
        request_number: u64,
        mutation: impl FnOnce(&mut GmailState) + Send + 'static,
    ) {
        self.lock()
            .scheduled
            .push((request_number, Box::new(mutation)));
    }

    pub fn requests(&self) -> u64 {
        self.lock().requests
    }

    /// The ids of the messages in the mailbox, sorted.
    pub fn message_ids(&self) -> Vec<String> {
        self.lock().messages.keys().cloned().collect()
    }

    /// The mailbox as the engine should have stored it, sorted by id.
    pub fn snapshot(&self) -> Vec<StoredMessage> {
        self.lock()
            .messages
            .values()
            .map(|m| StoredMessage {
                id: m.id.clone(),
                thread_id: m.thread_id.clone(),
                label_ids: m.labels.iter().cloned().collect(),
                history_id: m.history_id,
                internal_date: m.internal_date,
                raw: m.raw.clone(),
            })
            .collect()
    }

    /// How many messages in SENT carry this Message-ID header value.
    pub fn sent_with_message_id(&self, message_id: &str) -> usize {
        self.lock()
            .messages
            .values()
            .filter(|m| {
                m.labels.contains("SENT")
                    && header_value(&m.raw, "message-id").as_deref() == Some(message_id)
            })
            .count()
    }
}

impl GmailState {
    fn bump(&mut self) -> u64 {
        // Real history ids increase with gaps.
        self.history_id += self.rng.random_range(1..=7);
        self.history_id
    }

    pub fn add_message(&mut self, labels: &[&str], raw: Option<Vec<u8>>) -> String {
        self.next_message += self.rng.random_range(1..=0xff);
        let id = format!("{:016x}", self.next_message);
        let history_id = self.bump();
        let number = self.messages.len() + self.history.len();
        let raw = raw.unwrap_or_else(|| {
            format!(
                "From: sender{number}@example.com\r\nTo: alice@example.com\r\nSubject: message {number}\r\nMessage-ID: <{id}@fake.example>\r\n\r\nHello {number}, this is the body of a message.\r\n"
            )
            .into_bytes()
        });
        let message = FakeMessage {
            id: id.clone(),
            thread_id: id.clone(),
            labels: labels.iter().map(|l| (*l).to_owned()).collect(),
            history_id,
            internal_date: self.now_unix * 1000 + i64::try_from(number).unwrap_or(0),
            raw,
        };
        self.record(history_id, "messagesAdded", &message, Vec::new());
        self.messages.insert(id.clone(), message);
        id
    }

    pub fn delete_message(&mut self, id: &str) {
        if let Some(message) = self.messages.remove(id) {
            let history_id = self.bump();
            self.record(history_id, "messagesDeleted", &message, Vec::new());
        }
    }

    pub fn relabel(&mut self, id: &str, add: &[&str], remove: &[&str]) {
        let history_id = self.bump();
        let Some(mut message) = self.messages.remove(id) else {
            return;
        };
        message.history_id = history_id;
        for label in add {
            message.labels.insert((*label).to_owned());
        }
        for label in remove {
            message.labels.remove(*label);
        }
        let to_strings = |labels: &[&str]| labels.iter().map(|l| (*l).to_owned()).collect();
        if !add.is_empty() {
            self.record(history_id, "labelsAdded", &message, to_strings(add));
        }
        if !remove.is_empty() {
            self.record(history_id, "labelsRemoved", &message, to_strings(remove));
        }
        self.messages.insert(id.to_owned(), message);
    }

    pub fn expire_history(&mut self) {
        self.history_floor = self.history_id;
    }

    fn record(&mut self, id: u64, kind: &'static str, message: &FakeMessage, labels: Vec<String>) {
        self.history.push(HistoryEvent {
            id,
            kind,
            message_id: message.id.clone(),
            thread_id: message.thread_id.clone(),
            labels,
        });
    }

    /// The oldest message id (for tests that delete "some message").
    pub fn first_id(&self) -> Option<String> {
        self.messages.keys().next().cloned()
    }
}

pub(crate) fn header_value(raw: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.split("\r\n")
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name)
                .then(|| value.trim().to_owned())
        })
}

impl FakeGmail {
    /// Sets or clears the revoked flag (re-consent in tests).
    pub fn lock_revoked(&self, revoked: bool) {
        self.lock().revoked = revoked;
    }
}

impl FakeGmail {
    /// Every answer waits this long first (real-mode tests use it to be killable mid-sync).
    pub fn set_latency(&self, latency: std::time::Duration) {
        self.lock().latency = latency;
    }

    /// How many full syncs started (each reads the profile once).
    pub fn profile_requests(&self) -> u64 {
        self.lock().profile_requests
    }

    /// Serves the fake over real HTTP on 127.0.0.1; returns its base URL.
    pub async fn serve(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = self.router();
        tokio::spawn(async move { axum::serve(listener, router).await });
        format!("http://{address}")
    }
}
