//! Renders a [`Schedule`] as a scenario file: the same TOML a person
//! writes, so what explore ran is exactly what `oauth-chaos run` replays.
//! Every case is played from this text (`runner.rs` parses it back), so a
//! written file cannot drift from the case that failed.

use super::expectations::InvariantPlan;
use super::schedule::{
    ClockTarget, GmailFaultKind, GmailTarget, Schedule, StepKind, TimedStep, TokenFault,
};
use std::fmt::Write as _;
use std::time::Duration;

/// A duration as the file writes it (`"1h 5m 3s"`, `"0s"`).
fn time(duration: Duration) -> String {
    if duration.is_zero() {
        return "\"0s\"".to_owned();
    }
    format!("\"{}\"", humantime::format_duration(duration))
}

/// The scenario file for `schedule` checking `plan`, after `header`
/// comment lines (each written with a leading `# `).
///
/// ```
/// use harness::explore::{Schedule, render_scenario, InvariantPlan};
/// let schedule = Schedule {
///     seed: 3, duration: std::time::Duration::from_secs(3600), instances: 1,
///     accounts: 1, token_ttl: std::time::Duration::from_secs(3599),
///     rotation_grace: None, token_latency: std::time::Duration::ZERO, steps: vec![],
/// };
/// let text = render_scenario(&schedule, &InvariantPlan::for_schedule(&schedule), "case", &[]);
/// assert!(harness::scenario::parse_scenario(&text, "case.toml").is_ok());
/// ```
pub fn render_scenario(
    schedule: &Schedule,
    plan: &InvariantPlan,
    name: &str,
    header: &[String],
) -> String {
    let mut text = String::with_capacity(2048);
    for line in header {
        if line.is_empty() {
            text.push_str("#\n");
        } else {
            let _ = writeln!(text, "# {line}");
        }
    }
    if !header.is_empty() {
        text.push('\n');
    }
    let _ = writeln!(text, "name = \"{name}\"");
    let _ = writeln!(
        text,
        "description = \"random fault schedule: {} steps, {} instance(s), {} account(s)\"",
        schedule.steps.len(),
        schedule.instances,
        schedule.accounts
    );
    let _ = writeln!(text, "seed = {}", schedule.seed);
    let _ = writeln!(text, "duration = {}\n", time(schedule.duration));
    text.push_str("[provider]\n");
    let _ = writeln!(text, "access_token_ttl = {}", time(schedule.token_ttl));
    let accounts: Vec<String> = schedule
        .account_names()
        .iter()
        .map(|a| format!("\"{a}\""))
        .collect();
    let _ = writeln!(text, "accounts = [{}]", accounts.join(", "));
    if !schedule.token_latency.is_zero() {
        let _ = writeln!(text, "token_latency = {}", time(schedule.token_latency));
    }
    if let Some(grace) = schedule.rotation_grace {
        let _ = writeln!(text, "rotation_grace = {}", time(grace));
    }
    text.push_str("\n[broker]\n");
    let _ = writeln!(text, "instances = {}", schedule.instances);
    if schedule.instances > 1 {
        // One fleet, one store: each instance must see the others' grants.
        text.push_str("store = \"shared-memory\"\n");
    }
    for step in &schedule.steps {
        render_step(&mut text, schedule, step);
    }
    text.push_str("\n[invariants]\n");
    for line in plan.toml_lines() {
        text.push_str(&line);
        text.push('\n');
    }
    text
}

/// The instances a store outage or read-only spell of `instance`'s store
/// reaches. A fleet shares one store (`shared-memory`), so its outage is
/// every instance's: stating it on each keeps the file true to what ran
/// (an outage "on instance 1" that every instance felt let `availability`
/// and `survives_restart` judge instance 0's `storage` failures unexcused;
/// scenarios/regressions/shared-store-outage-is-every-instances.toml).
fn store_holders(schedule: &Schedule, instance: u32) -> Vec<u32> {
    if schedule.instances > 1 {
        (0..schedule.instances).collect()
    } else {
        vec![instance]
    }
}

fn render_step(text: &mut String, schedule: &Schedule, timed: &TimedStep) {
    let names = schedule.account_names();
    let account = |index: usize| names[index.min(names.len() - 1)];
    let mut entry = |at: Duration, action: String| {
        let _ = write!(text, "\n[[timeline]]\nat = {}\n", time(at));
        if let Some(every) = timed.every {
            let _ = writeln!(text, "every = {}", time(every));
        }
        if let Some(until) = timed.until {
            let _ = writeln!(text, "until = {}", time(until));
        }
        let _ = writeln!(text, "action.{action}");
    };
    let at = timed.at;
    match &timed.step {
        StepKind::TokenRequests {
            account: a,
            callers,
            spread,
            instance,
        } => entry(
            at,
            format!(
                "token_requests = {{ account = \"{}\", callers = {callers}, spread = {}, instance = {instance} }}",
                account(*a),
                time(*spread)
            ),
        ),
        StepKind::TokenFault {
            account: a,
            fault,
            times,
            until,
        } => {
            let mut fields = vec!["endpoint = \"token\"".to_owned()];
            if let Some(a) = a {
                fields.push(format!("account = \"{}\"", account(*a)));
            }
            match fault {
                TokenFault::Status(status) => fields.push(format!("status = {status}")),
                TokenFault::RateLimited(seconds) => fields.push(format!(
                    "status = 429, body = '{{\"error\":\"rate_limit_exceeded\"}}', headers = {{ \"retry-after\" = \"{seconds}\" }}"
                )),
                TokenFault::Delay(delay) => fields.push(format!("delay = {}", time(*delay))),
                TokenFault::AckLost => fields.push("connection = \"ack_lost\"".to_owned()),
                TokenFault::Reset => fields.push("connection = \"reset\"".to_owned()),
                TokenFault::Hang => fields.push("connection = \"hang\"".to_owned()),
            }
            if let Some(times) = times {
                fields.push(format!("times = {times}"));
            }
            fields.push(format!("until = {}", time(*until)));
            entry(at, format!("fault = {{ {} }}", fields.join(", ")));
        }
        StepKind::Revoke(a) => entry(
            at,
            format!("revoke_account = {{ account = \"{}\" }}", account(*a)),
        ),
        StepKind::ChangePassword(a) => entry(
            at,
            format!("change_password = {{ account = \"{}\" }}", account(*a)),
        ),
        StepKind::InvalidateAccessTokens(a) => entry(
            at,
            format!(
                "invalidate_access_tokens = {{ account = \"{}\" }}",
                account(*a)
            ),
        ),
        StepKind::EvictByLimit { account: a, grants } => entry(
            at,
            format!(
                "evict_by_limit = {{ account = \"{}\", grants = {grants} }}",
                account(*a)
            ),
        ),
        StepKind::Skew { of, by, ahead } => entry(
            at,
            format!(
                "skew_clock = {{ {}, by = {}, ahead = {ahead} }}",
                clock(*of),
                time(*by)
            ),
        ),
        StepKind::Jump { of, by, forward } => entry(
            at,
            format!(
                "jump_clock = {{ {}, by = {}, forward = {forward} }}",
                clock(*of),
                time(*by)
            ),
        ),
        StepKind::Pause { instance, length } => entry(
            at,
            format!(
                "pause = {{ instance = {instance}, for = {} }}",
                time(*length)
            ),
        ),
        StepKind::Restart(instance) => {
            entry(at, format!("restart = {{ instance = {instance} }}"));
        }
        StepKind::StatusPoll => entry(at, "status_poll = {}".to_owned()),
        StepKind::StoreOutage { instance, length } => {
            for instance in store_holders(schedule, *instance) {
                entry(
                    at,
                    format!("store_outage = {{ instance = {instance}, on = true }}"),
                );
                entry(
                    at + *length,
                    format!("store_outage = {{ instance = {instance}, on = false }}"),
                );
            }
        }
        StepKind::StoreReadOnly { instance, length } => {
            for instance in store_holders(schedule, *instance) {
                entry(
                    at,
                    format!("store_read_only = {{ instance = {instance}, on = true }}"),
                );
                entry(
                    at + *length,
                    format!("store_read_only = {{ instance = {instance}, on = false }}"),
                );
            }
        }
        StepKind::StoreFailAfter { instance, writes } => entry(
            at,
            format!("store_fail_after = {{ instance = {instance}, writes = {writes} }}"),
        ),
        StepKind::Authorize {
            account: a,
            instance,
        } => entry(
            at,
            format!(
                "authorize = {{ account = \"{}\", instance = {instance} }}",
                account(*a)
            ),
        ),
        StepKind::ForgeCallback {
            kind,
            account: a,
            instance,
        } => entry(
            at,
            format!(
                "forge_callback = {{ kind = \"{}\", account = \"{}\", instance = {instance} }}",
                forge_kind(*kind),
                account(*a)
            ),
        ),
        StepKind::GmailProfile {
            account: a,
            instance,
        } => entry(
            at,
            format!(
                "gmail_profile = {{ account = \"{}\", instance = {instance} }}",
                account(*a)
            ),
        ),
        StepKind::Sync {
            account: a,
            instance,
        } => entry(
            at,
            format!(
                "sync = {{ account = \"{}\", instance = {instance} }}",
                account(*a)
            ),
        ),
        StepKind::Send {
            account: a,
            count,
            instance,
        } => entry(
            at,
            format!(
                "send = {{ account = \"{}\", count = {count}, instance = {instance} }}",
                account(*a)
            ),
        ),
        StepKind::MailboxAdd { account: a, count } => entry(
            at,
            format!(
                "mailbox_add = {{ account = \"{}\", count = {count} }}",
                account(*a)
            ),
        ),
        StepKind::MailboxDelete { account: a, count } => entry(
            at,
            format!(
                "mailbox_delete = {{ account = \"{}\", count = {count} }}",
                account(*a)
            ),
        ),
        StepKind::MailboxArchive { account: a, count } => entry(
            at,
            format!(
                "mailbox_relabel = {{ account = \"{}\", count = {count}, remove = [\"INBOX\"] }}",
                account(*a)
            ),
        ),
        StepKind::ExpireHistory(a) => entry(
            at,
            format!("expire_history = {{ account = \"{}\" }}", account(*a)),
        ),
        StepKind::CrashSync {
            account: a,
            at_point,
            instance,
        } => entry(
            at,
            format!(
                "crash_sync = {{ account = \"{}\", at_point = {at_point}, instance = {instance} }}",
                account(*a)
            ),
        ),
        StepKind::GmailFault {
            endpoint,
            kind,
            times,
            until,
        } => {
            let mut fields = vec![format!("endpoint = \"{}\"", gmail_endpoint(*endpoint))];
            match kind {
                GmailFaultKind::Status(status) => {
                    fields.push(format!("kind = \"status\", status = {status}"));
                }
                GmailFaultKind::RateLimited(seconds) => fields.push(format!(
                    "kind = \"rate_limited\", retry_after = \"{seconds}s\""
                )),
                GmailFaultKind::AckLost => fields.push("kind = \"ack_lost\"".to_owned()),
                GmailFaultKind::Reset => fields.push("kind = \"reset\"".to_owned()),
            }
            if let Some(times) = times {
                fields.push(format!("times = {times}"));
            }
            fields.push(format!("until = {}", time(*until)));
            entry(at, format!("gmail_fault = {{ {} }}", fields.join(", ")));
        }
        StepKind::MailStoreFault { instance, failures } => entry(
            at,
            format!("mail_store_fault = {{ instance = {instance}, failures = {failures} }}"),
        ),
    }
}

fn clock(of: ClockTarget) -> String {
    match of {
        ClockTarget::Provider => "of = \"provider\"".to_owned(),
        ClockTarget::All => "of = \"all\"".to_owned(),
        ClockTarget::Broker(instance) => format!("of = \"broker\", instance = {instance}"),
    }
}

fn forge_kind(kind: crate::scenario::ForgeKind) -> &'static str {
    match kind {
        crate::scenario::ForgeKind::WrongState => "wrong_state",
        crate::scenario::ForgeKind::Replayed => "replayed",
        crate::scenario::ForgeKind::ForeignCode => "foreign_code",
    }
}

fn gmail_endpoint(endpoint: GmailTarget) -> &'static str {
    match endpoint {
        GmailTarget::List => "list",
        GmailTarget::Get => "get",
        GmailTarget::History => "history",
        GmailTarget::Send => "send",
        GmailTarget::All => "all",
    }
}
