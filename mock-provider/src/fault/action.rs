use http::StatusCode;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};
use std::time::Duration;

/// How long a [`FaultAction::Delay`] holds a request, drawn from the
/// provider's seeded generator so a seed replays the same latencies.
#[derive(Debug, Clone, PartialEq)]
pub enum Latency {
    /// Always this long.
    Fixed(Duration),
    /// Uniformly between `min` and `max` (inclusive).
    Uniform {
        /// Shortest delay.
        min: Duration,
        /// Longest delay.
        max: Duration,
    },
    /// Log-normal around `median` with shape `sigma` (a long right tail,
    /// like real network latency).
    LogNormal {
        /// The median delay.
        median: Duration,
        /// Standard deviation of the underlying normal; 0.5 is a good start.
        sigma: f64,
    },
}

impl Latency {
    /// Draws one delay.
    pub(crate) fn sample(&self, rng: &mut impl Rng) -> Duration {
        match self {
            Self::Fixed(d) => *d,
            Self::Uniform { min, max } if max > min => rng.random_range(*min..=*max),
            Self::Uniform { min, .. } => *min,
            Self::LogNormal { median, sigma } => {
                let mu = median.as_secs_f64().max(1e-9).ln();
                match LogNormal::new(mu, sigma.abs()) {
                    // Capped so a wild draw cannot stall a run for hours.
                    Ok(dist) => Duration::from_secs_f64(dist.sample(rng).min(3600.0)),
                    Err(_) => *median,
                }
            }
        }
    }
}

/// How a fault answers a request it matched.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Answer with this status, headers and body instead of the handler.
    Respond {
        /// HTTP status.
        status: StatusCode,
        /// Extra headers.
        headers: Vec<(String, String)>,
        /// Body bytes.
        body: String,
    },
    /// Hold the request (in provider/tokio time), then handle it normally.
    Delay(Latency),
    /// Drop the connection without handling the request or answering.
    Reset,
    /// Handle the request (its effects stay), then drop the connection
    /// before the answer is delivered: the client never learns it worked.
    AckLost,
    /// Never answer; the client's own timeout has to fire.
    Hang,
}

impl FaultAction {
    /// A short description for the journal.
    pub fn label(&self) -> String {
        match self {
            Self::Respond { status, .. } => format!("respond {}", status.as_u16()),
            Self::Delay(Latency::Fixed(d)) => format!("delay {}ms", d.as_millis()),
            Self::Delay(Latency::Uniform { min, max }) => {
                format!("delay {}..{}ms", min.as_millis(), max.as_millis())
            }
            Self::Delay(Latency::LogNormal { median, sigma }) => {
                format!("delay lognormal {}ms σ{sigma}", median.as_millis())
            }
            Self::Reset => "reset".to_owned(),
            Self::AckLost => "ack-lost".to_owned(),
            Self::Hang => "hang".to_owned(),
        }
    }

    /// True for the actions that leave the client with no HTTP response.
    pub fn drops_connection(&self) -> bool {
        matches!(self, Self::Reset | Self::AckLost | Self::Hang)
    }
}
