//! oauth-chaos: run chaos scenarios against OAuth token brokers and check
//! that they keep their promises.
//!
//! A run builds a mock Google provider ([`mock_provider`]), one or more
//! brokers under test ([`broker`]: in-process Rust brokers, or any process
//! speaking the JSON-RPC protocol of docs/PROTOCOL.md), plays a
//! [`scenario`]'s timeline ([`run`]: on simulated time in sim mode, on wall
//! time over loopback in real mode), and hands what it recorded to the
//! [`checkers`]. [`mutants`] are deliberately flawed brokers that prove
//! each checker can fail; [`report`] renders outcomes as text, JSON, JUnit
//! and HTML timelines. Every failure carries its seed and a replay command.
//!
//! ```
//! use harness::{choice::BrokerChoice, run::run_scenario, scenario::parse_scenario};
//! let scenario = parse_scenario(r#"
//! name = "tiny-herd"
//! seed = 1
//! duration = "2h"
//! [provider]
//! token_latency = "100ms"
//! [[timeline]]
//! at = "0s"
//! every = "55m"
//! action.token_requests = { account = "alice@example.com", callers = 20 }
//! [invariants]
//! single_flight_refresh = {}
//! proactive_refresh = { margin = "60s" }
//! "#, "tiny.toml").unwrap();
//! let broker = BrokerChoice::parse("reference").unwrap();
//! let (outcome, _) = run_scenario("tiny.toml".as_ref(), &scenario, &broker, None).unwrap();
//! assert!(outcome.violations.is_empty(), "{:?}", outcome.violations);
//! ```

pub mod broker;
pub mod checkers;
pub mod choice;
pub mod cli;
pub mod errors;
pub mod explore;
pub mod mutants;
pub mod out_dir;
pub mod record;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
pub mod steps;
