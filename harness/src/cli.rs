//! The `oauth-chaos` command line.

use crate::broker::{BrokerChoice, MUTANTS};
use crate::errors::{EXIT_PASSED, EXIT_VIOLATIONS};
use crate::report::{render_outcome, render_summary};
use crate::run::{Verdict, run_scenario};
use crate::scenario::load_paths;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Chaos and conformance tests for OAuth token brokers.
#[derive(Debug, Parser)]
#[command(name = "oauth-chaos", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenario files (or every `*.toml` in folders) against a broker.
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `reference` or `mutant:NAME`.
        #[arg(long, default_value = "reference")]
        broker: String,
        /// Override every scenario's seed (to replay a failure).
        #[arg(long)]
        seed: Option<u64>,
    },
    /// List the brokers and mutants this build knows.
    List,
}

/// Parses arguments, runs, and returns the process exit code.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            paths,
            broker,
            seed,
        } => run_command(&paths, &broker, seed),
        Command::List => {
            println!("reference\t the reference broker from reference-impl (in-process)");
            for (name, flaw) in MUTANTS {
                println!("mutant:{name}\t {flaw}");
            }
            EXIT_PASSED
        }
    }
}

fn run_command(paths: &[PathBuf], broker: &str, seed: Option<u64>) -> i32 {
    let broker = match BrokerChoice::parse(broker) {
        Ok(broker) => broker,
        Err(error) => {
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    let scenarios = match load_paths(paths) {
        Ok(scenarios) => scenarios,
        Err(error) => {
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    let mut outcomes = Vec::new();
    for (path, scenario) in &scenarios {
        match run_scenario(path, scenario, &broker, seed) {
            Ok((outcome, record)) => {
                print!("{}", render_outcome(&outcome, &record));
                outcomes.push(outcome);
            }
            Err(error) => {
                eprintln!("error: {}: {error}", path.display());
                return error.exit_code();
            }
        }
    }
    println!("{}", render_summary(&outcomes));
    if outcomes.iter().any(|o| o.verdict == Verdict::Failed) {
        EXIT_VIOLATIONS
    } else {
        EXIT_PASSED
    }
}
