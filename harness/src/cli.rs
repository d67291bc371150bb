//! The `oauth-chaos` command line: `run`, `list`, `replay`, `serve`,
//! `schema` and `explore`. Exit codes are the constants in [`crate::errors`].

use crate::choice::{BrokerChoice, MUTANTS};
use crate::errors::{EXIT_BAD_INPUT, EXIT_PASSED, EXIT_RUN_ERROR, EXIT_VIOLATIONS};
use crate::report::{
    render_json, render_junit, render_outcome, render_summary_table, render_timeline,
};
use crate::run::{RunOutcome, Verdict, run_scenario};
use crate::scenario::{json_schema, load_paths};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

/// `println!` that ignores a closed stdout (`oauth-chaos ... | head`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// `print!` that ignores a closed stdout.
macro_rules! say_raw {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Chaos and conformance tests for OAuth token brokers.
#[derive(Debug, Parser)]
#[command(name = "oauth-chaos", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// How `run` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Verdict lines, failures in detail, a summary table.
    Human,
    /// One JSON document.
    Json,
    /// JUnit XML, for CI systems.
    Junit,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run scenario files (or every `*.toml` in folders) against a broker.
    Run {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// `reference`, `reference-broker`, `mutant:NAME` or `cmd:"COMMAND"`.
        #[arg(long, default_value = "reference")]
        broker: String,
        /// The relay under test beside a process broker, for scenarios with
        /// a `[relay]`: run as `sh -c "exec COMMAND --config relay.toml"`
        /// (docs/PROTOCOL.md, "The relay under test"). Default:
        /// `token-relay` for `reference-broker`, none for `cmd:`.
        #[arg(long)]
        relay: Option<String>,
        /// Override every scenario's seed (to replay a failure).
        #[arg(long)]
        seed: Option<u64>,
        /// Only scenarios whose name or file contains this text.
        #[arg(long)]
        filter: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Write `results.json`, `junit.xml` and an HTML timeline per failing run here.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Fail every scenario with an invariant that could not be judged
        /// (unknown); always on under `CI=true`.
        #[arg(long)]
        strict: bool,
        /// How many scenarios run at once (each has its own provider and
        /// brokers); results are reported in file order whatever the number.
        /// Default: twice the cores for in-process brokers (their wall-clock
        /// scenarios mostly sleep), 1 for processes.
        #[arg(long)]
        jobs: Option<NonZeroUsize>,
    },
    /// Run one scenario and print its whole journal and timeline events.
    Replay {
        /// The scenario file.
        file: PathBuf,
        /// The seed (default: the file's).
        #[arg(long)]
        seed: Option<u64>,
        /// The broker.
        #[arg(long, default_value = "reference")]
        broker: String,
        /// The relay process beside a process broker (as for `run`).
        #[arg(long)]
        relay: Option<String>,
    },
    /// List the scenarios under the given folders, and the brokers and mutants.
    List {
        /// Scenario files or folders (default `scenarios/`).
        paths: Vec<PathBuf>,
    },
    /// Serve the mock Google provider on 127.0.0.1 and print its URI.
    Serve {
        /// Seed for tokens.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Accounts to seed (each gets an offline grant).
        #[arg(long = "account")]
        accounts: Vec<String>,
        /// Access-token lifetime, e.g. `3599s`.
        #[arg(long, default_value = "3599s")]
        access_token_ttl: humantime::Duration,
    },
    /// Print the JSON Schema of scenario files.
    Schema,
    /// Run random fault schedules, judge every invariant, and shrink each
    /// failure into a scenario file that reproduces it.
    Explore {
        /// Cases to run (default 100; 20 against a process broker).
        #[arg(long)]
        cases: Option<u64>,
        /// The master seed (case `i` derives its own seed from it).
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// `reference`, `mutant:NAME` (sim mode), `reference-broker` or
        /// `cmd:"…"` (a process broker on the process timeline).
        #[arg(long, default_value = "reference")]
        broker: String,
        /// Write each shrunk failure here as a scenario file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Only failures of this invariant count; cases weight the steps that exercise it.
        #[arg(long)]
        invariant: Option<String>,
        /// Run every case twice and compare journal hashes (in-process brokers).
        #[arg(long)]
        determinism: bool,
        /// Simulated length of each case, e.g. `6h` (default 6h; 2h against a process broker).
        #[arg(long)]
        duration: Option<humantime::Duration>,
        /// Most broker instances per case (1 to 3).
        #[arg(long, default_value_t = 3)]
        max_instances: u32,
        /// Most accounts per case (1 to 5).
        #[arg(long, default_value_t = 5)]
        max_accounts: usize,
        /// Replays the shrinker may spend on one failure (default 400; 40 against a process broker).
        #[arg(long)]
        shrink_budget: Option<usize>,
    },
}

/// Parses arguments, runs, and returns the process exit code.
pub fn run() -> i32 {
    match Cli::parse().command {
        Command::Run {
            paths,
            broker,
            relay,
            seed,
            filter,
            format,
            out,
            strict,
            jobs,
        } => run_command(
            &paths,
            &broker,
            RunOptions {
                relay: relay.as_deref(),
                seed,
                filter: filter.as_deref(),
                format,
                out: out.as_deref(),
                strict: strict || crate::run::required_by_ci(),
                jobs,
            },
        ),
        Command::Replay {
            file,
            seed,
            broker,
            relay,
        } => replay(&file, &broker, relay.as_deref(), seed),
        Command::List { paths } => list(&paths),
        Command::Serve {
            seed,
            accounts,
            access_token_ttl,
        } => serve(seed, &accounts, access_token_ttl.into()),
        Command::Schema => {
            say_raw!("{}", json_schema());
            EXIT_PASSED
        }
        Command::Explore {
            cases,
            seed,
            broker,
            out,
            invariant,
            determinism,
            duration,
            max_instances,
            max_accounts,
            shrink_budget,
        } => {
            let broker = match BrokerChoice::parse(&broker) {
                Ok(broker) => broker,
                Err(error) => {
                    eprintln!("error: {error}");
                    return error.exit_code();
                }
            };
            let budget = crate::explore::Budget::for_broker(&broker);
            let options = crate::explore::ExploreOptions {
                cases: cases.unwrap_or(budget.cases),
                seed,
                shape: crate::explore::ScheduleShape {
                    duration: duration.map_or(budget.duration, Into::into),
                    instances: (1, max_instances.clamp(1, 3)),
                    accounts: (1, max_accounts.clamp(1, crate::explore::ACCOUNTS.len())),
                    ..crate::explore::ScheduleShape::default()
                },
                invariant,
                determinism,
                out,
                shrink_budget: shrink_budget.unwrap_or(budget.shrink_budget),
                ..crate::explore::ExploreOptions::default()
            };
            explore_command(&options, &broker)
        }
    }
}

/// `explore`: a progress bar on a TTY, then the summary; exit codes like `run`.
fn explore_command(options: &crate::explore::ExploreOptions, broker: &BrokerChoice) -> i32 {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(options.cases);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} cases {per_sec} {eta}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let tick = |_: u64| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let report = crate::explore::explore(options, broker, &tick);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match report {
        Ok(report) => {
            say_raw!(
                "{}",
                crate::explore::render_summary(&report, &broker.name(), options.seed)
            );
            if report.failed > 0 || !report.nondeterministic.is_empty() {
                EXIT_VIOLATIONS
            } else {
                EXIT_PASSED
            }
        }
        Err(error) => {
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            error.exit_code()
        }
    }
}

/// What `run` was asked for besides the paths and the broker.
#[derive(Debug, Clone, Copy)]
struct RunOptions<'a> {
    relay: Option<&'a str>,
    seed: Option<u64>,
    filter: Option<&'a str>,
    format: Format,
    out: Option<&'a Path>,
    strict: bool,
    jobs: Option<NonZeroUsize>,
}

fn run_command(paths: &[PathBuf], broker: &str, options: RunOptions<'_>) -> i32 {
    let RunOptions {
        relay,
        seed,
        filter,
        format,
        out,
        strict,
        jobs,
    } = options;
    let broker = match BrokerChoice::parse_with_relay(broker, relay) {
        Ok(broker) => broker,
        Err(error) => {
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    let mut scenarios = match load_paths(paths) {
        Ok(scenarios) => scenarios,
        Err(error) => {
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    if let Some(filter) = filter {
        scenarios.retain(|(path, s)| {
            s.name.contains(filter) || path.display().to_string().contains(filter)
        });
    }
    let progress = (format == Format::Human && std::io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(scenarios.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let jobs = jobs.unwrap_or_else(|| crate::run::default_jobs(&broker));
    let mut outcomes = Vec::new();
    let mut stopped = None;
    crate::run::run_all(&scenarios, &broker, seed, jobs, |index, result| {
        let path = &scenarios[index].0;
        let (outcome, record) = match result {
            Ok((outcome, record)) if strict => (outcome.strict(), record),
            Ok(done) => done,
            Err(error) => {
                eprintln!("error: {}: {error}", path.display());
                stopped = Some(error.exit_code());
                return false;
            }
        };
        if format == Format::Human {
            let text = render_outcome(&outcome, &record);
            match &progress {
                Some(bar) => bar.println(text.trim_end()),
                None => say_raw!("{text}"),
            }
        }
        if let Some(dir) = out {
            let timeline =
                (outcome.verdict == Verdict::Failed).then(|| render_timeline(&outcome, &record));
            if let Err((path, error)) =
                crate::out_dir::write_run_files(dir, &outcome, &record, timeline)
            {
                eprintln!("error: cannot write `{}`: {error}", path.display());
                stopped = Some(EXIT_RUN_ERROR);
                return false;
            }
        }
        if let Some(bar) = &progress {
            bar.set_message(
                scenarios
                    .get(index + 1)
                    .map(|(_, s)| s.name.clone())
                    .unwrap_or_default(),
            );
            bar.inc(1);
        }
        outcomes.push(outcome);
        true
    });
    if let Some(code) = stopped {
        return code;
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    match format {
        Format::Human => say!("\n{}", render_summary_table(&outcomes)),
        Format::Json => say_raw!("{}", render_json(&outcomes)),
        Format::Junit => say!("{}", render_junit(&outcomes)),
    }
    if let Some(dir) = out {
        for (name, text) in [
            ("results.json", render_json(&outcomes)),
            ("junit.xml", render_junit(&outcomes)),
        ] {
            if let Err(code) = write_file(dir, name, &text) {
                return code;
            }
        }
    }
    exit_code(&outcomes)
}

fn exit_code(outcomes: &[RunOutcome]) -> i32 {
    if outcomes.iter().any(|o| o.verdict == Verdict::Failed) {
        EXIT_VIOLATIONS
    } else {
        EXIT_PASSED
    }
}

fn write_file(dir: &Path, name: &str, text: &str) -> Result<(), i32> {
    let path = dir.join(name);
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&path, text))
        .map_err(|error| {
            eprintln!("error: cannot write `{}`: {error}", path.display());
            EXIT_RUN_ERROR
        })
}

fn replay(file: &Path, broker: &str, relay: Option<&str>, seed: Option<u64>) -> i32 {
    let broker = match BrokerChoice::parse_with_relay(broker, relay) {
        Ok(broker) => broker,
        Err(error) => {
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    let scenarios = match load_paths(&[file.to_path_buf()]) {
        Ok(scenarios) => scenarios,
        Err(error) => {
            eprintln!("error: {error}");
            return error.exit_code();
        }
    };
    let Some((path, scenario)) = scenarios.first() else {
        return EXIT_BAD_INPUT;
    };
    match run_scenario(path, scenario, &broker, seed) {
        Ok((outcome, record)) => {
            say!("journal ({} entries):", record.journal.len());
            for entry in &record.journal {
                say!("  {entry}");
            }
            say!("timeline events:");
            for event in record.history.timeline() {
                say!(
                    "  [{}] {}",
                    humantime::format_rfc3339_millis(event.at),
                    event.what
                );
            }
            say_raw!("{}", render_outcome(&outcome, &record));
            exit_code(&[outcome])
        }
        Err(error) => {
            eprintln!("error: {error}");
            error.exit_code()
        }
    }
}

fn list(paths: &[PathBuf]) -> i32 {
    let paths = if paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        paths.to_vec()
    };
    match load_paths(&paths) {
        Ok(scenarios) => {
            say!("scenarios:");
            for (path, scenario) in scenarios {
                say!(
                    "  {:<36} {:<4} {}  ({})",
                    scenario.name,
                    scenario.mode.as_str(),
                    scenario.description,
                    path.display()
                );
            }
        }
        Err(error) => eprintln!("(no scenarios listed: {error})"),
    }
    say!("brokers:");
    say!("  reference          the reference broker from reference-impl (in-process)");
    say!("  reference-broker   the reference broker as a process (JSON-RPC over stdio)");
    say!("  cmd:\"COMMAND\"      any process speaking docs/PROTOCOL.md");
    for mutant in MUTANTS {
        say!("  mutant:{:<20} {}", mutant.name, mutant.summary());
    }
    EXIT_PASSED
}

fn serve(seed: u64, accounts: &[String], ttl: std::time::Duration) -> i32 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            return EXIT_RUN_ERROR;
        }
    };
    runtime.block_on(async {
        let mut builder = mock_provider::MockProvider::builder()
            .seed(seed)
            .access_token_ttl(ttl);
        for account in accounts {
            builder = builder.account(account);
        }
        let provider = builder.start().await;
        // The URI only: refresh tokens are secrets and stay out of stdout.
        say!("{}", provider.uri());
        eprintln!("token endpoint: {} (ctrl-c to stop)", provider.token_url());
        let _ = tokio::signal::ctrl_c().await;
        EXIT_PASSED
    })
}
