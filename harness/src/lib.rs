//! oauth-chaos: run chaos scenarios against OAuth token brokers and check
//! that they keep their promises.
//!
//! A run builds a mock Google provider ([`mock_provider`]), one or more
//! brokers under test ([`broker`]), plays a [`scenario`]'s timeline on
//! simulated time ([`sim`]), and hands what it recorded to the
//! [`checkers`]. Every failure carries its seed and a replay command.
//!
//! ```
//! use harness::{broker::BrokerChoice, run::run_scenario, scenario::parse_scenario};
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
pub mod cli;
pub mod errors;
pub mod mutants;
pub mod report;
pub mod run;
pub mod scenario;
pub mod sim;
