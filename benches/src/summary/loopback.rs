//! The loopback comparison's rows (`compare.sh` writes them as TSV) and the
//! tables and target verdicts made from them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use super::{SummaryError, median, ratio_line};

/// One wrk run against one server.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub server: String,
    pub endpoint: String,
    pub connections: u32,
    pub round: u32,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Server CPU time over wall time (1.0 = the whole core).
    pub server_cpu: f64,
    pub rss_mb: f64,
    /// Non-2xx answers plus socket errors.
    pub errors: u64,
    /// Busy fraction of the machine just before the run.
    pub busy_before: f64,
    /// Other jobs' share of the server's core during the run.
    pub others_on_server_core: f64,
}

const COLUMNS: usize = 13;

/// Parses `compare.sh`'s TSV (a header line, then one line per run).
///
/// ```
/// let tsv = "server\tendpoint\tconnections\tround\trps\tp50_ms\tp99_ms\tserver_cpu\trss_mb\terrors\tbusy_before\tquiet\tothers_on_server_core\n\
///            oauth-chaos\trefresh\t32\t1\t50000\t0.60\t1.20\t0.98\t40\t0\t0.05\tyes\t0.01\n";
/// let runs = benches::summary::loopback::parse(tsv, std::path::Path::new("loopback.tsv")).unwrap();
/// assert_eq!(runs[0].requests_per_second, 50_000.0);
/// ```
///
/// # Errors
///
/// [`SummaryError::BadRow`] naming the file, line and column that is wrong.
pub fn parse(tsv: &str, path: &Path) -> Result<Vec<Run>, SummaryError> {
    let mut runs = Vec::new();
    for (index, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| SummaryError::BadRow {
            path: path.to_owned(),
            line: index + 1,
            reason,
        };
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != COLUMNS {
            return Err(bad(format!("{} columns, expected {COLUMNS}", fields.len())));
        }
        let number = |column: usize, name: &str| -> Result<f64, SummaryError> {
            fields[column]
                .parse::<f64>()
                .map_err(|_| bad(format!("`{name}` is `{}`, not a number", fields[column])))
        };
        runs.push(Run {
            server: fields[0].to_owned(),
            endpoint: fields[1].to_owned(),
            connections: number(2, "connections")? as u32,
            round: number(3, "round")? as u32,
            requests_per_second: number(4, "rps")?,
            p50_ms: number(5, "p50_ms")?,
            p99_ms: number(6, "p99_ms")?,
            server_cpu: number(7, "server_cpu")?,
            rss_mb: number(8, "rss_mb")?,
            errors: number(9, "errors")? as u64,
            busy_before: number(10, "busy_before")?,
            others_on_server_core: number(12, "others_on_server_core")?,
        });
    }
    Ok(runs)
}

/// The medians of one server at one (endpoint, connections).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub runs: Vec<f64>,
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub worst_p99_ms: f64,
    pub server_cpu: f64,
    /// Requests per CPU-second of the server: what one dedicated core
    /// sustains, which other jobs on the machine disturb less than req/s.
    pub per_cpu_second: f64,
    pub rss_mb: f64,
    pub errors: u64,
}

/// Per (endpoint, connections), one `T` per server in first-seen order.
pub type ByConfiguration<T> = BTreeMap<(String, u32), Vec<(String, T)>>;

/// Groups runs by (endpoint, connections) then server, in first-seen order
/// of servers.
pub fn cells(runs: &[Run]) -> ByConfiguration<Cell> {
    let mut grouped: ByConfiguration<Vec<&Run>> = BTreeMap::new();
    for run in runs {
        let servers = grouped
            .entry((run.endpoint.clone(), run.connections))
            .or_default();
        match servers.iter_mut().find(|(server, _)| *server == run.server) {
            Some((_, list)) => list.push(run),
            None => servers.push((run.server.clone(), vec![run])),
        }
    }
    grouped
        .into_iter()
        .map(|(key, servers)| {
            let cells = servers
                .into_iter()
                .map(|(server, list)| {
                    let of = |f: fn(&Run) -> f64| median(list.iter().map(|r| f(r)).collect());
                    let cell = Cell {
                        runs: list.iter().map(|r| r.requests_per_second).collect(),
                        requests_per_second: of(|r| r.requests_per_second),
                        p50_ms: of(|r| r.p50_ms),
                        p99_ms: of(|r| r.p99_ms),
                        worst_p99_ms: list.iter().map(|r| r.p99_ms).fold(0.0, f64::max),
                        server_cpu: of(|r| r.server_cpu),
                        per_cpu_second: of(|r| {
                            if r.server_cpu > 0.0 {
                                r.requests_per_second / r.server_cpu
                            } else {
                                f64::NAN
                            }
                        }),
                        rss_mb: of(|r| r.rss_mb),
                        errors: list.iter().map(|r| r.errors).sum(),
                    };
                    (server, cell)
                })
                .collect();
            (key, cells)
        })
        .collect()
}

const OURS: &str = "oauth-chaos";
const CEILING: &str = "ceiling";

/// Markdown tables (one per endpoint and connection count) and the target
/// verdicts of the refresh grant.
pub fn report(runs: &[Run]) -> String {
    let mut out = String::new();
    let grouped = cells(runs);
    for ((endpoint, connections), servers) in &grouped {
        let ours = find(servers, OURS).map(|c| c.requests_per_second);
        let ceiling = find(servers, CEILING).map(|c| c.requests_per_second);
        let _ = writeln!(out, "\n#### {endpoint}, {connections} connections\n");
        let _ = writeln!(
            out,
            "| server | req/s per run | median req/s | p50 ms | p99 ms (worst) | server CPU | req per CPU-s | RSS MB | oauth-chaos ÷ it | it ÷ ceiling | errors |"
        );
        let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|");
        for (server, cell) in servers {
            let runs = cell
                .runs
                .iter()
                .map(|r| format!("{r:.0}"))
                .collect::<Vec<_>>()
                .join(" / ");
            let vs_ours = ours.map_or("n/a".to_owned(), |o| {
                format!("{:.1}x", o / cell.requests_per_second)
            });
            let vs_ceiling = ceiling.map_or("n/a".to_owned(), |c| {
                format!("{:.0}%", 100.0 * cell.requests_per_second / c)
            });
            let _ = writeln!(
                out,
                "| {server} | {runs} | {:.0} | {:.2} | {:.2} ({:.2}) | {:.0}% | {:.0} | {:.0} | {vs_ours} | {vs_ceiling} | {} |",
                cell.requests_per_second,
                cell.p50_ms,
                cell.p99_ms,
                cell.worst_p99_ms,
                100.0 * cell.server_cpu,
                cell.per_cpu_second,
                cell.rss_mb,
                cell.errors
            );
        }
    }
    out.push_str(&targets(&grouped, runs));
    out
}

fn find<'a>(servers: &'a [(String, Cell)], name: &str) -> Option<&'a Cell> {
    servers.iter().find(|(s, _)| s == name).map(|(_, c)| c)
}

fn targets(grouped: &ByConfiguration<Cell>, runs: &[Run]) -> String {
    let mut out = String::from("\n#### Targets (refresh grant)\n\n");
    for ((endpoint, connections), servers) in grouped {
        if endpoint != "refresh" {
            continue;
        }
        let Some(ours) = find(servers, OURS) else {
            continue;
        };
        let faster_peer = servers
            .iter()
            .filter(|(s, _)| s != OURS && s != CEILING)
            .map(|(s, c)| (s, c.requests_per_second))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((peer, peer_rps)) = faster_peer {
            out.push_str(&ratio_line(
                &format!("c={connections}: oauth-chaos ÷ the faster peer ({peer})"),
                ours.requests_per_second / peer_rps,
                30.0,
                "x",
            ));
        }
        if let Some(ceiling) = find(servers, CEILING) {
            out.push_str(&ratio_line(
                &format!("c={connections}: oauth-chaos ÷ the bare axum ceiling"),
                100.0 * ours.requests_per_second / ceiling.requests_per_second,
                60.0,
                "%",
            ));
            out.push_str(&ratio_line(
                &format!("c={connections}: the same per server CPU-second"),
                100.0 * ours.per_cpu_second / ceiling.per_cpu_second,
                60.0,
                "%",
            ));
        }
        if *connections == 256 {
            let verdict = if ours.worst_p99_ms < 20.0 {
                "met"
            } else {
                "missed"
            };
            let _ = writeln!(
                out,
                "- c=256: oauth-chaos p99 under 20 ms: **{verdict}** (median {:.2} ms, worst run {:.2} ms)",
                ours.p99_ms, ours.worst_p99_ms
            );
        }
    }
    let rss: Vec<String> = runs
        .iter()
        .filter(|r| r.server == OURS)
        .map(|r| format!("{:.0}", r.rss_mb))
        .collect();
    if !rss.is_empty() {
        let _ = writeln!(
            out,
            "- oauth-chaos RSS after each of its {} runs, in order (MB): {}",
            rss.len(),
            rss.join(", ")
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(server: &str, connections: u32, round: u32, rps: f64, p99: f64) -> Run {
        Run {
            server: server.to_owned(),
            endpoint: "refresh".to_owned(),
            connections,
            round,
            requests_per_second: rps,
            p50_ms: 1.0,
            p99_ms: p99,
            server_cpu: 1.0,
            rss_mb: 10.0 * f64::from(round),
            errors: 0,
            busy_before: 0.0,
            others_on_server_core: 0.0,
        }
    }

    #[test]
    fn a_row_with_a_missing_column_names_its_line() {
        let tsv = "header\noauth-chaos\trefresh\t32\n";
        let error = parse(tsv, Path::new("rows.tsv")).unwrap_err().to_string();
        assert!(
            error.contains("rows.tsv") && error.contains("line 2"),
            "{error}"
        );
    }

    #[test]
    fn a_non_numeric_figure_names_its_column() {
        let tsv = "h\noauth-chaos\trefresh\t32\t1\tfast\t1\t1\t1\t1\t0\t0\tyes\t0\n";
        let error = parse(tsv, Path::new("rows.tsv")).unwrap_err().to_string();
        assert!(error.contains("`rps` is `fast`"), "{error}");
    }

    #[test]
    fn ratios_compare_medians_of_the_same_configuration() {
        let runs = vec![
            run("oauth-chaos", 32, 1, 30_000.0, 2.0),
            run("oauth-chaos", 32, 2, 40_000.0, 3.0),
            run("ceiling", 32, 1, 70_000.0, 1.0),
            run("oidc-provider-mock", 32, 1, 1_000.0, 50.0),
            run("oauth2-mock-server", 32, 1, 500.0, 80.0),
        ];
        let report = report(&runs);
        assert!(
            report.contains("| oauth-chaos | 30000 / 40000 | 35000 |"),
            "{report}"
        );
        assert!(
            report.contains("oidc-provider-mock) = 35.0x (target 30x): **met**"),
            "{report}"
        );
        assert!(
            report.contains("ceiling = 50% (target 60%): **missed**"),
            "{report}"
        );
    }

    #[test]
    fn the_p99_target_is_judged_on_the_worst_run_at_256_connections() {
        let runs = vec![
            run("oauth-chaos", 256, 1, 30_000.0, 13.0),
            run("oauth-chaos", 256, 2, 30_000.0, 518.0),
        ];
        let report = report(&runs);
        assert!(report.contains("under 20 ms: **missed**"), "{report}");
        assert!(report.contains("(MB): 10, 20"), "{report}");
    }
}
