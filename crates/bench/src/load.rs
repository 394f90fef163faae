//! A mixed read/write load on a running cosinum (issue #12, "Load"): for a
//! set duration, `concurrency` clients read the main JSON endpoints, rename
//! a few shared organisations at the version they read (so they collide),
//! and create new ones with unique codes. Afterwards the audit log and the
//! directory are reconciled with what the clients were told:
//!
//! - every accepted rename is in the audit log, at the version the client
//!   got back, with the name it wrote; the log holds no other (nothing lost,
//!   nothing duplicated, no version given twice);
//! - every accepted creation exists exactly once; nothing else was created.
//!
//! Any 5xx, transport error or reconciliation problem fails the run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Context;
use reqwest::Client;
use serde_json::{Value, json};

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadConfig {
    /// `http://127.0.0.1:8080`.
    pub base: String,
    /// A token of a steering (DINUM) account.
    pub token: String,
    pub duration: Duration,
    pub concurrency: usize,
}

/// The shared organisations renamed under load (demo codes).
pub const TARGETS: [&str; 3] = ["MININT-DNUM", "ANTS", "MEF-DGFIP"];
/// The ministry new organisations are created under.
const PARENT: &str = "MININT";
const READS: [&str; 5] = [
    "/api/v1/projects",
    "/api/v1/projects/portfolio",
    "/api/v1/demarches/summary",
    "/api/v1/organisations",
    "/api/v1/funding/capacity",
];

/// The body renaming an organisation as read (`GET /api/v1/organisations/{id}`):
/// its fields as they are, at the version read, with a new name.
pub fn rename_body(current: &Value, name: &str) -> Value {
    let mut body = json!({"name": name});
    for k in [
        "code",
        "kind",
        "parent_id",
        "valid_from",
        "valid_to",
        "version",
    ] {
        body[k] = current[k].clone();
    }
    body
}

/// Latency figures of one kind of request, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct KindStats {
    pub kind: String,
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// The outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    pub requests: usize,
    pub elapsed: Duration,
    pub stats: Vec<KindStats>,
    /// 5xx answers and transport errors, with what was asked.
    pub failures: Vec<String>,
    pub renames_accepted: usize,
    pub conflicts: usize,
    pub creations_accepted: usize,
    /// What the reconciliation found wrong.
    pub problems: Vec<String>,
}

impl LoadReport {
    pub fn ok(&self) -> bool {
        self.failures.is_empty() && self.problems.is_empty()
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        let secs = self.elapsed.as_secs_f64();
        let mut out =
            "| kind | requests | p50 (ms) | p99 (ms) | max (ms) |\n|---|---:|---:|---:|---:|\n"
                .to_owned();
        for s in &self.stats {
            out.push_str(&format!(
                "| {} | {} | {:.1} | {:.1} | {:.1} |\n",
                s.kind, s.count, s.p50_ms, s.p99_ms, s.max_ms
            ));
        }
        out.push_str(&format!(
            "\n{} requests in {secs:.1} s ({:.0}/s); {} renames accepted, {} refused with 409; {} organisations created; {} server errors; reconciliation: {}\n",
            self.requests,
            self.requests as f64 / secs.max(1e-9),
            self.renames_accepted,
            self.conflicts,
            self.creations_accepted,
            self.failures.len(),
            if self.problems.is_empty() { "ok".to_owned() } else { self.problems.join("; ") }
        ));
        for f in self.failures.iter().take(10) {
            out.push_str(&format!("- {f}\n"));
        }
        out
    }
}

/// What one client did.
#[derive(Default)]
struct ClientLog {
    timings: Vec<(&'static str, Duration)>,
    failures: Vec<String>,
    /// (organisation id, version returned, name written).
    renames: Vec<(i64, i64, String)>,
    conflicts: usize,
    created: Vec<String>,
}

/// A small deterministic generator (no extra dependency): the workload of
/// client `i` is the same at every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// A list the API answers at `path` (outside the measured load).
async fn get_list(http: &Client, cfg: &LoadConfig, path: &str) -> anyhow::Result<Vec<Value>> {
    let list: Value = http
        .get(format!("{}{path}", cfg.base))
        .bearer_auth(&cfg.token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    list.as_array()
        .cloned()
        .with_context(|| format!("{path}: not a list"))
}

async fn organisations(http: &Client, cfg: &LoadConfig) -> anyhow::Result<Vec<Value>> {
    get_list(http, cfg, "/api/v1/organisations").await
}

fn id_of(list: &[Value], code: &str) -> anyhow::Result<(i64, i64)> {
    let o = list
        .iter()
        .find(|o| o["code"] == code)
        .with_context(|| format!("organisation {code} not found (load the demo data)"))?;
    Ok((
        o["id"].as_i64().context("id")?,
        o["version"].as_i64().context("version")?,
    ))
}

async fn timed(
    log: &mut ClientLog,
    kind: &'static str,
    what: String,
    req: reqwest::RequestBuilder,
) -> Option<(u16, Value)> {
    let start = Instant::now();
    let res = req.send().await;
    let result = match res {
        Ok(r) => {
            let status = r.status().as_u16();
            let body = r.json::<Value>().await.unwrap_or(Value::Null);
            Some((status, body))
        }
        Err(e) => {
            log.failures.push(format!("{what}: {e}"));
            None
        }
    };
    log.timings.push((kind, start.elapsed()));
    if let Some((status, _)) = &result
        && *status >= 500
    {
        log.failures.push(format!("{what}: {status}"));
    }
    result
}

async fn client(
    i: usize,
    cfg: LoadConfig,
    targets: Vec<i64>,
    parent: i64,
    tag: String,
    until: Instant,
) -> ClientLog {
    let http = Client::new();
    let mut rng = Lcg(0x5eed ^ (i as u64 + 1).wrapping_mul(0x9e37_79b9));
    let mut log = ClientLog::default();
    let mut n = 0;
    while Instant::now() < until {
        n += 1;
        let roll = rng.next() % 100;
        if roll < 75 {
            let path = READS[(rng.next() as usize) % READS.len()];
            let req = http
                .get(format!("{}{path}", cfg.base))
                .bearer_auth(&cfg.token);
            timed(&mut log, "read", format!("GET {path}"), req).await;
        } else if roll < 95 {
            let id = targets[(rng.next() as usize) % targets.len()];
            let url = format!("{}/api/v1/organisations/{id}", cfg.base);
            let req = http.get(&url).bearer_auth(&cfg.token);
            let Some((200, current)) = timed(&mut log, "read", format!("GET {url}"), req).await
            else {
                continue;
            };
            let name = format!("Renommée par le client {i}, écriture {n}");
            let req = http
                .put(&url)
                .bearer_auth(&cfg.token)
                .json(&rename_body(&current, &name));
            match timed(&mut log, "rename", format!("PUT {url}"), req).await {
                Some((200, v)) => {
                    let version = v["version"].as_i64().unwrap_or_default();
                    log.renames.push((id, version, name));
                }
                Some((409, _)) => log.conflicts += 1,
                Some((s, v)) if s < 500 => log.failures.push(format!("PUT {url}: {s} {v}")),
                _ => {}
            }
        } else {
            let code = format!("{tag}{i}-{n}");
            let body = json!({"code": code, "name": format!("Opérateur de charge {i}.{n}"),
                "kind": "operator", "parent_id": parent});
            let req = http
                .post(format!("{}/api/v1/organisations", cfg.base))
                .bearer_auth(&cfg.token)
                .json(&body);
            match timed(&mut log, "create", format!("POST {code}"), req).await {
                Some((201, _)) => log.created.push(code),
                Some((s, v)) if s < 500 => log.failures.push(format!("POST {code}: {s} {v}")),
                _ => {}
            }
        }
    }
    log
}

fn base36(mut n: u64) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

/// Runs the load, then reconciles.
pub async fn run(cfg: &LoadConfig) -> anyhow::Result<LoadReport> {
    let http = Client::new();
    let before = organisations(&http, cfg).await?;
    let targets: Vec<(i64, i64)> = TARGETS
        .iter()
        .map(|c| id_of(&before, c))
        .collect::<anyhow::Result<_>>()?;
    let (parent, _) = id_of(&before, PARENT)?;
    let start = Instant::now();
    let until = start + cfg.duration;
    let ids: Vec<i64> = targets.iter().map(|t| t.0).collect();
    // Codes of this run's creations: `L` + the start time (base 36), so runs
    // on one database never collide.
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let tag = format!("L{}-", base36(secs));
    let tasks: Vec<_> = (0..cfg.concurrency.max(1))
        .map(|i| {
            tokio::spawn(client(
                i,
                cfg.clone(),
                ids.clone(),
                parent,
                tag.clone(),
                until,
            ))
        })
        .collect();
    let mut logs = Vec::new();
    for t in tasks {
        logs.push(t.await.context("a client panicked")?);
    }
    let elapsed = start.elapsed();
    let mut report = LoadReport {
        elapsed,
        ..Default::default()
    };
    let mut by_kind: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    let mut renames = Vec::new();
    let mut created = Vec::new();
    for log in logs {
        for (k, d) in log.timings {
            by_kind.entry(k).or_default().push(d);
        }
        report.failures.extend(log.failures);
        report.conflicts += log.conflicts;
        renames.extend(log.renames);
        created.extend(log.created);
    }
    for (kind, mut times) in by_kind {
        times.sort_unstable();
        report.requests += times.len();
        report.stats.push(KindStats {
            kind: kind.to_owned(),
            count: times.len(),
            p50_ms: percentile(&times, 50.0),
            p99_ms: percentile(&times, 99.0),
            max_ms: times.last().map_or(0.0, |d| d.as_secs_f64() * 1000.0),
        });
    }
    report.renames_accepted = renames.len();
    report.creations_accepted = created.len();
    reconcile(
        &http,
        cfg,
        &targets,
        &renames,
        (&tag, &created),
        &mut report.problems,
    )
    .await?;
    Ok(report)
}

async fn reconcile(
    http: &Client,
    cfg: &LoadConfig,
    targets: &[(i64, i64)],
    renames: &[(i64, i64, String)],
    (tag, created): (&str, &[String]),
    problems: &mut Vec<String>,
) -> anyhow::Result<()> {
    for (id, v0) in targets {
        let mut told: Vec<&(i64, i64, String)> = renames.iter().filter(|r| r.0 == *id).collect();
        told.sort_by_key(|r| r.1);
        let history = get_list(http, cfg, &format!("/api/v1/history/organisation/{id}")).await?;
        let logged: Vec<&Value> = history
            .iter()
            .filter(|h| h["object_version"].as_i64().is_some_and(|v| v > *v0))
            .collect();
        if logged.len() != told.len() {
            problems.push(format!(
                "organisation {id}: {} accepted renames, {} in the audit log",
                told.len(),
                logged.len()
            ));
        }
        for (k, r) in told.iter().enumerate() {
            if r.1 != v0 + 1 + k as i64 {
                problems.push(format!(
                    "organisation {id}: version {} given out of sequence",
                    r.1
                ));
            }
            let entry = logged
                .iter()
                .find(|h| h["object_version"].as_i64() == Some(r.1));
            if !entry.is_some_and(|e| e.to_string().contains(&r.2)) {
                problems.push(format!(
                    "organisation {id} v{}: accepted write missing from the audit log",
                    r.1
                ));
            }
        }
    }
    let after = organisations(http, cfg).await?;
    let existing: Vec<&str> = after
        .iter()
        .filter_map(|o| o["code"].as_str())
        .filter(|c| c.starts_with(tag))
        .collect();
    for code in created {
        let n = existing.iter().filter(|c| *c == code).count();
        if n != 1 {
            problems.push(format!("{code}: accepted once, found {n} times"));
        }
    }
    for code in &existing {
        if !created.iter().any(|c| c == code) {
            problems.push(format!(
                "{code}: exists though no client was told it was created"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{base36, percentile};

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let ms: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&ms, 50.0), 50.0);
        assert_eq!(percentile(&ms, 99.0), 99.0);
        assert_eq!(percentile(&ms, 100.0), 100.0);
        assert_eq!(percentile(&ms[..1], 99.0), 1.0);
        assert_eq!(percentile(&[], 50.0), 0.0);
    }

    #[test]
    fn run_tags_are_base_36() {
        assert_eq!(base36(0), "0");
        assert_eq!(base36(35), "Z");
        assert_eq!(base36(36 * 36), "100");
    }
}
