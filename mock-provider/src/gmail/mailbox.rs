use super::message::{MessageSummary, NewMessage, StoredMessage};
use fake::Fake;
use fake::faker::internet::en::SafeEmail;
use fake::faker::lorem::en::{Paragraph, Sentence};
use fake::faker::name::en::Name;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

/// One change in a mailbox's history.
#[derive(Debug, Clone)]
pub(crate) struct HistoryRecord {
    pub id: u64,
    pub at: SystemTime,
    pub change: Change,
}

#[derive(Debug, Clone)]
pub(crate) enum Change {
    Added(StoredMessage),
    Deleted(StoredMessage),
    /// Labels put on a message (the message as it was after the change).
    LabelsAdded(StoredMessage, Vec<String>),
    /// Labels taken off a message (the message as it was after the change).
    LabelsRemoved(StoredMessage, Vec<String>),
}

impl Change {
    /// The `historyTypes` value that selects this change.
    pub fn history_type(&self) -> &'static str {
        match self {
            Self::Added(_) => "messageAdded",
            Self::Deleted(_) => "messageDeleted",
            Self::LabelsAdded(..) => "labelAdded",
            Self::LabelsRemoved(..) => "labelRemoved",
        }
    }

    /// The key of the change's list in a History resource.
    pub fn history_key(&self) -> &'static str {
        match self {
            Self::Added(_) => "messagesAdded",
            Self::Deleted(_) => "messagesDeleted",
            Self::LabelsAdded(..) => "labelsAdded",
            Self::LabelsRemoved(..) => "labelsRemoved",
        }
    }

    pub fn message(&self) -> &StoredMessage {
        match self {
            Self::Added(m)
            | Self::Deleted(m)
            | Self::LabelsAdded(m, _)
            | Self::LabelsRemoved(m, _) => m,
        }
    }

    /// The labels a label change concerns (empty for additions and
    /// deletions).
    pub fn labels(&self) -> &[String] {
        match self {
            Self::LabelsAdded(_, labels) | Self::LabelsRemoved(_, labels) => labels,
            Self::Added(_) | Self::Deleted(_) => &[],
        }
    }
}

/// One account's mailbox: messages, history and a seeded generator for ids.
#[derive(Debug)]
pub(crate) struct Mailbox {
    pub owner: String,
    pub messages: BTreeMap<String, StoredMessage>,
    pub history: Vec<HistoryRecord>,
    pub history_id: u64,
    /// A `startHistoryId` below this is too old: 404.
    pub expired_below: u64,
    next_message: u64,
    max_gap: u64,
    rng: ChaCha8Rng,
}

impl Mailbox {
    /// A mailbox of `size` messages generated from `seed` with `fake`,
    /// dated hourly up to `now`.
    pub fn generate(owner: &str, seed: u64, size: usize, max_gap: u64, now: SystemTime) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let history_id = rng.random_range(1_000..100_000);
        let mut mailbox = Self {
            owner: owner.to_owned(),
            messages: BTreeMap::new(),
            history: Vec::new(),
            history_id,
            expired_below: history_id,
            next_message: rng.random_range(0x1000..0x10000),
            max_gap: max_gap.max(1),
            rng,
        };
        for n in 0..size {
            let age = Duration::from_secs(3600 * (size - n) as u64);
            let from = format!(
                "{} <{}>",
                Name().fake_with_rng::<String, _>(&mut mailbox.rng),
                SafeEmail().fake_with_rng::<String, _>(&mut mailbox.rng)
            );
            let unread = mailbox.rng.random_bool(0.3);
            let new = NewMessage {
                from,
                to: None,
                subject: Sentence(3..8).fake_with_rng(&mut mailbox.rng),
                body: Paragraph(1..4).fake_with_rng(&mut mailbox.rng),
                labels: Some(if unread {
                    vec!["INBOX".into(), "UNREAD".into()]
                } else {
                    vec!["INBOX".into()]
                }),
                message_id: None,
            };
            let message = mailbox.store(new, now.checked_sub(age).unwrap_or(now));
            mailbox.messages.insert(message.id.clone(), message);
        }
        mailbox
    }

    fn next_history_id(&mut self) -> u64 {
        self.history_id += self.rng.random_range(1..=self.max_gap);
        self.history_id
    }

    /// Builds a message (fresh id and history id) without recording history.
    fn store(&mut self, new: NewMessage, at: SystemTime) -> StoredMessage {
        self.next_message += self.rng.random_range(1..0x100);
        let id = format!("{:016x}", 0x18c0_0000_0000_0000u64 + self.next_message);
        let message_id = new
            .message_id
            .unwrap_or_else(|| format!("<{id}@mock-provider.example>"));
        // Gmail's own order for a plain-text message.
        let headers = vec![
            ("MIME-Version".to_owned(), "1.0".to_owned()),
            ("Date".to_owned(), super::rfc5322::date(at)),
            ("Message-ID".to_owned(), message_id),
            ("Subject".to_owned(), new.subject),
            ("From".to_owned(), new.from),
            (
                "To".to_owned(),
                new.to.unwrap_or_else(|| self.owner.clone()),
            ),
            (
                "Content-Type".to_owned(),
                "text/plain; charset=\"UTF-8\"".to_owned(),
            ),
        ];
        StoredMessage {
            thread_id: id.clone(),
            id,
            label_ids: new
                .labels
                .unwrap_or_else(|| vec!["INBOX".into(), "UNREAD".into()]),
            history_id: self.next_history_id(),
            internal_date: at,
            headers,
            body: new.body,
            wire_body: false,
        }
    }

    /// Adds a message and records `messageAdded` history.
    pub fn add(&mut self, new: NewMessage, at: SystemTime) -> StoredMessage {
        let message = self.store(new, at);
        self.insert_recorded(message.clone(), at);
        message
    }

    /// Adds an already-built message (a send) and records its history.
    pub fn add_with_headers(
        &mut self,
        headers: Vec<(String, String)>,
        body: String,
        labels: Vec<String>,
        at: SystemTime,
    ) -> StoredMessage {
        let mut message = self.store(NewMessage::default(), at);
        message.headers = headers;
        message.body = body;
        message.wire_body = true;
        message.label_ids = labels;
        // Gmail fills in what the sender left out.
        if message.header("Date").is_none() {
            let date = super::rfc5322::date(at);
            message.headers.push(("Date".to_owned(), date));
        }
        if message.header("Message-ID").is_none() {
            let generated = format!("<{}@mock-provider.example>", message.id);
            message.headers.push(("Message-ID".to_owned(), generated));
        }
        self.insert_recorded(message.clone(), at);
        message
    }

    fn insert_recorded(&mut self, message: StoredMessage, at: SystemTime) {
        self.messages.insert(message.id.clone(), message.clone());
        self.history.push(HistoryRecord {
            id: message.history_id,
            at,
            change: Change::Added(message),
        });
    }

    /// Deletes a message and records `messageDeleted`; false if absent.
    pub fn delete(&mut self, id: &str, at: SystemTime) -> bool {
        let Some(message) = self.messages.remove(id) else {
            return false;
        };
        let history_id = self.next_history_id();
        self.history.push(HistoryRecord {
            id: history_id,
            at,
            change: Change::Deleted(message),
        });
        true
    }

    /// Puts `add` on and takes `remove` off message `id`, recording a
    /// `labelAdded` and a `labelRemoved` change for the labels that really
    /// changed (Gmail records nothing for a no-op). `None` if absent;
    /// otherwise the labels the message now has.
    pub fn relabel(
        &mut self,
        id: &str,
        add: &[String],
        remove: &[String],
        at: SystemTime,
    ) -> Option<Vec<String>> {
        let mut labels = self.messages.get(id)?.label_ids.clone();
        let added: Vec<String> = add
            .iter()
            .filter(|l| !labels.contains(l) && !remove.contains(l))
            .cloned()
            .collect();
        let removed: Vec<String> = remove
            .iter()
            .filter(|l| labels.contains(l))
            .cloned()
            .collect();
        labels.extend(added.iter().cloned());
        labels.retain(|l| !removed.contains(l));
        for (changed, is_addition) in [(added, true), (removed, false)] {
            if changed.is_empty() {
                continue;
            }
            let history_id = self.next_history_id();
            let message = self.messages.get_mut(id)?;
            message.label_ids.clone_from(&labels);
            message.history_id = history_id;
            let snapshot = message.clone();
            self.history.push(HistoryRecord {
                id: history_id,
                at,
                change: if is_addition {
                    Change::LabelsAdded(snapshot, changed)
                } else {
                    Change::LabelsRemoved(snapshot, changed)
                },
            });
        }
        Some(labels)
    }

    /// Moves the expiry floor past records older than `retention`, never
    /// past the mailbox's current history id: a cursor at "now" lost
    /// nothing, so an idle mailbox's profile `historyId` stays usable.
    pub fn expire(&mut self, now: SystemTime, retention: Duration) {
        let cutoff = now.checked_sub(retention).unwrap_or(SystemTime::UNIX_EPOCH);
        let newest_expired = self
            .history
            .iter()
            .filter(|r| r.at < cutoff)
            .map(|r| r.id)
            .max();
        if let Some(id) = newest_expired {
            self.expired_below = self.expired_below.max((id + 1).min(self.history_id));
        }
    }

    /// Forgets all history: every cursor handed out before now gets 404.
    /// The mailbox's history id moves on and every message is stamped with
    /// it, so both cursors Gmail's sync guide tells a client to keep after
    /// its full sync (the profile's `historyId`, or the newest message's)
    /// are valid at once, with no new mail needed: a client following the
    /// recipe never loops on 404.
    pub fn forget_history(&mut self) {
        let current = self.next_history_id();
        for message in self.messages.values_mut() {
            message.history_id = current;
        }
        self.history.clear();
        self.expired_below = current;
    }

    /// Messages, newest first (Gmail's list order).
    pub fn newest_first(&self) -> Vec<&StoredMessage> {
        let mut messages: Vec<_> = self.messages.values().collect();
        messages.sort_by(|a, b| b.internal_date.cmp(&a.internal_date).then(b.id.cmp(&a.id)));
        messages
    }

    pub fn summaries(&self) -> Vec<MessageSummary> {
        self.newest_first()
            .into_iter()
            .map(|m| m.summary())
            .collect()
    }
}
