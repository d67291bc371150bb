use std::fmt;

/// A step boundary where a process could die: tests stop the engine at each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// About to send a request to this Gmail endpoint.
    BeforeRequest(GmailEndpoint),
    /// A response from this endpoint arrived and nothing was done with it yet.
    AfterResponse(GmailEndpoint),
    /// About to commit to the mailbox store.
    BeforeCommit,
    /// A commit just landed.
    AfterCommit,
}

/// The Gmail endpoints the engine calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GmailEndpoint {
    /// `GET profile`.
    Profile,
    /// `GET messages`.
    ListMessages,
    /// `GET messages/{id}`.
    GetMessage,
    /// `GET history`.
    History,
    /// `POST messages/send`.
    Send,
}

impl fmt::Display for GmailEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Profile => "users.getProfile",
            Self::ListMessages => "users.messages.list",
            Self::GetMessage => "users.messages.get",
            Self::History => "users.history.list",
            Self::Send => "users.messages.send",
        })
    }
}

/// The engine stopped because a [`CrashPoints`] hook said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("stopped at crash point {point:?}")]
pub struct Crashed {
    /// Where it stopped.
    pub point: CrashPoint,
}

/// Called at every [`CrashPoint`]; returning `Err` stops the engine right there, as a
/// `kill -9` would (nothing further is sent or written).
///
/// ```
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use reference_impl::{CrashPoint, CrashPoints, Crashed};
///
/// /// Crashes at the n-th point reached.
/// #[derive(Debug)]
/// struct CrashAt { n: usize, seen: AtomicUsize }
///
/// impl CrashPoints for CrashAt {
///     fn reached(&self, point: CrashPoint) -> Result<(), Crashed> {
///         if self.seen.fetch_add(1, Ordering::SeqCst) == self.n { Err(Crashed { point }) } else { Ok(()) }
///     }
/// }
/// ```
pub trait CrashPoints: Send + Sync + fmt::Debug + 'static {
    /// The engine reached `point`.
    fn reached(&self, point: CrashPoint) -> Result<(), Crashed>;
}

/// Production: never crashes.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoCrashes;

impl CrashPoints for NoCrashes {
    fn reached(&self, _point: CrashPoint) -> Result<(), Crashed> {
        Ok(())
    }
}
