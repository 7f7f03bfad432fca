//! GitHub Actions' answers as plain structs (runs, jobs and steps, log tails), the wire shapes they
//! are decoded from, and the repository they belong to ([`Slug`]).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::time::Duration;

/// `OWNER/REPO`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Slug {
    pub owner: String,
    pub repo: String,
}

impl Slug {
    pub fn parse(text: &str) -> Option<Slug> {
        let (owner, repo) = text.trim().split_once('/')?;
        let valid = |part: &str| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && part != "."
                && part != ".."
        };
        (valid(owner) && valid(repo)).then(|| Slug {
            owner: owner.into(),
            repo: repo.trim_end_matches(".git").into(),
        })
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.repo)
    }
}

/// One workflow run, as the runs list reports it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct WorkflowRun {
    pub id: u64,
    /// The workflow's name.
    pub name: String,
    pub workflow_id: u64,
    pub run_number: u64,
    pub head_branch: Option<String>,
    pub head_sha: String,
    pub event: String,
    /// queued, in_progress, completed, waiting, requested, pending.
    pub status: Option<String>,
    /// success, failure, cancelled, skipped, timed_out, action_required, neutral, stale; None
    /// while running.
    pub conclusion: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub run_started_at: Option<DateTime<Utc>>,
    pub actor: Option<String>,
    /// The title GitHub shows (the commit or PR title).
    pub display_title: String,
    pub head_commit_message: Option<String>,
    pub html_url: String,
    pub run_attempt: u64,
}

/// A run's state for colours and the success-rate sparkline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Success,
    Failure,
    Cancelled,
    Skipped,
    Running,
    Queued,
    /// neutral, stale, action_required and anything new.
    Other,
}

impl WorkflowRun {
    pub fn state(&self) -> RunState {
        match (self.status.as_deref(), self.conclusion.as_deref()) {
            (_, Some("success")) => RunState::Success,
            (_, Some("failure" | "timed_out" | "startup_failure")) => RunState::Failure,
            (_, Some("cancelled")) => RunState::Cancelled,
            (_, Some("skipped")) => RunState::Skipped,
            (Some("in_progress"), _) => RunState::Running,
            (Some("queued" | "waiting" | "requested" | "pending"), _) => RunState::Queued,
            _ => RunState::Other,
        }
    }

    /// The conclusion when completed, else the status ("in_progress").
    pub fn status_label(&self) -> &str {
        self.conclusion
            .as_deref()
            .or(self.status.as_deref())
            .unwrap_or("unknown")
    }

    /// From the start of this attempt to the last update (so far, while running: `now` is the end);
    /// `None` while queued.
    pub fn duration(&self, now: DateTime<Utc>) -> Option<Duration> {
        if self.state() == RunState::Queued {
            return None;
        }
        let start = self.run_started_at.unwrap_or(self.created_at);
        let end = if self.status.as_deref() == Some("completed") {
            self.updated_at
        } else {
            now
        };
        (end - start).to_std().ok()
    }

    /// The commit title: the display title, else the head commit's first line.
    pub fn title(&self) -> &str {
        if !self.display_title.is_empty() {
            return &self.display_title;
        }
        self.head_commit_message
            .as_deref()
            .and_then(|m| m.lines().next())
            .unwrap_or("")
    }
}

/// The latest runs of one repository, newest first.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CiRuns {
    pub slug: String,
    pub total_count: u64,
    pub runs: Vec<WorkflowRun>,
}

impl CiRuns {
    /// Completed runs, oldest first, as success (true) or not: the sparkline's points. Cancelled and
    /// skipped runs are left out (they say nothing about health).
    pub fn success_history(&self) -> Vec<bool> {
        let mut points: Vec<bool> = self
            .runs
            .iter()
            .filter_map(|r| match r.state() {
                RunState::Success => Some(true),
                RunState::Failure => Some(false),
                _ => None,
            })
            .collect();
        points.reverse();
        points
    }

    /// The newest run on `branch` (e.g. the default branch: "is main green?").
    pub fn latest_on(&self, branch: &str) -> Option<&WorkflowRun> {
        self.runs
            .iter()
            .find(|r| r.head_branch.as_deref() == Some(branch))
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Job {
    pub id: u64,
    pub run_id: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
    pub steps: Vec<Step>,
    pub html_url: Option<String>,
}

impl Job {
    pub fn failed(&self) -> bool {
        matches!(self.conclusion.as_deref(), Some("failure" | "timed_out"))
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Step {
    pub number: u64,
    pub name: String,
    pub status: String,
    pub conclusion: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// The end of a job's log, timestamps removed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LogTail {
    pub job_id: u64,
    pub lines: Vec<String>,
    /// The log was longer than what is here.
    pub truncated: bool,
}

// The wire shapes (GitHub's REST reference: workflow-run, job); only what the plain structs need.
#[derive(Debug, Deserialize)]
pub(super) struct RunsPage {
    total_count: u64,
    workflow_runs: Vec<RawRun>,
}

/// One run as GitHub sends it; `delivery` reads workflow runs through it too.
#[derive(Debug, Deserialize)]
pub(crate) struct RawRun {
    id: u64,
    name: Option<String>,
    workflow_id: u64,
    run_number: u64,
    head_branch: Option<String>,
    head_sha: String,
    event: String,
    status: Option<String>,
    conclusion: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    run_started_at: Option<DateTime<Utc>>,
    actor: Option<RawUser>,
    #[serde(default)]
    display_title: String,
    head_commit: Option<RawCommit>,
    html_url: String,
    run_attempt: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct RawUser {
    login: String,
}

#[derive(Debug, Deserialize)]
struct RawCommit {
    message: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct JobsPage {
    jobs: Vec<RawJob>,
}

#[derive(Debug, Deserialize)]
struct RawJob {
    id: u64,
    run_id: u64,
    name: String,
    status: String,
    conclusion: Option<String>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    steps: Vec<RawStep>,
    html_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawStep {
    number: u64,
    name: String,
    status: String,
    conclusion: Option<String>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct RawRepo {
    pub(super) default_branch: String,
}

/// JSON into a wire type; errors name the field (`workflow_runs[0].id: invalid type …`).
pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, String> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path.is_empty() || path == "." {
            format!("not the expected JSON: {inner}")
        } else {
            format!("{path}: {inner}")
        }
    })
}

/// Decodes `body` as each answer the client reads (a page of runs, a page of jobs) through the
/// same parsing and conversions; how many kinds it decoded. For the fuzz target
/// `provider_answers`: any bytes from a server must end in an error, never a panic.
pub fn decode_all(body: &[u8]) -> usize {
    let slug = Slug {
        owner: "o".into(),
        repo: "r".into(),
    };
    let runs = parse::<RunsPage>(body).map(|page| runs_from(&slug, page));
    let jobs = parse::<JobsPage>(body).map(|page| jobs_from(page).len());
    usize::from(runs.is_ok()) + usize::from(jobs.is_ok())
}

pub(super) fn runs_from(slug: &Slug, page: RunsPage) -> CiRuns {
    CiRuns {
        slug: slug.to_string(),
        total_count: page.total_count,
        runs: page.workflow_runs.into_iter().map(run_from).collect(),
    }
}

pub(crate) fn run_from(r: RawRun) -> WorkflowRun {
    WorkflowRun {
        id: r.id,
        name: r.name.unwrap_or_default(),
        workflow_id: r.workflow_id,
        run_number: r.run_number,
        head_branch: r.head_branch,
        head_sha: r.head_sha,
        event: r.event,
        status: r.status,
        conclusion: r.conclusion,
        created_at: r.created_at,
        updated_at: r.updated_at,
        run_started_at: r.run_started_at,
        actor: r.actor.map(|a| a.login),
        display_title: r.display_title,
        head_commit_message: r.head_commit.map(|c| c.message),
        html_url: r.html_url,
        run_attempt: r.run_attempt.unwrap_or(1),
    }
}

/// Only what was asked for, whatever the server sent: at most `per_page` runs, on `branch` (a
/// server that ignores the query, such as the demo's, answers with everything).
pub(super) fn asked_for(mut runs: CiRuns, per_page: u32, branch: Option<&str>) -> CiRuns {
    if let Some(branch) = branch {
        runs.runs
            .retain(|r| r.head_branch.as_deref() == Some(branch));
    }
    runs.runs.truncate(per_page.clamp(1, 100) as usize);
    runs
}

pub(super) fn jobs_from(page: JobsPage) -> Vec<Job> {
    page.jobs.into_iter().map(job_from).collect()
}

fn job_from(j: RawJob) -> Job {
    Job {
        id: j.id,
        run_id: j.run_id,
        name: j.name,
        status: j.status,
        conclusion: j.conclusion,
        started_at: j.started_at,
        completed_at: j.completed_at,
        steps: j
            .steps
            .into_iter()
            .map(|s| Step {
                number: s.number,
                name: s.name,
                status: s.status,
                conclusion: s.conclusion,
                started_at: s.started_at,
                completed_at: s.completed_at,
            })
            .collect(),
        html_url: j.html_url,
    }
}

/// Log lines start with an ISO timestamp (`2020-01-20T17:42:40.1234567Z `); the pane shows text.
pub(super) fn strip_timestamp(line: &str) -> &str {
    let line = line.strip_prefix('\u{feff}').unwrap_or(line);
    match line.split_once(' ') {
        Some((head, rest))
            if head.len() >= 20
                && head.ends_with('Z')
                && head.as_bytes()[4] == b'-'
                && head.as_bytes()[10] == b'T' =>
        {
            rest
        }
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::time::short_duration;

    #[test]
    fn fixture_runs_and_jobs_parse() {
        let slug = Slug::parse("octo-org/octo-repo").unwrap();
        let page: RunsPage = parse(include_bytes!(
            "../../../tests/fixtures/github/workflow-runs.json"
        ))
        .unwrap();
        let runs = runs_from(&slug, page);
        let run = &runs.runs[0];
        assert_eq!(
            (
                run.id,
                run.name.as_str(),
                run.event.as_str(),
                run.actor.as_deref()
            ),
            (30433642, "Build", "push", Some("octocat"))
        );
        assert_eq!(run.state(), RunState::Queued);
        assert_eq!(run.title(), "Update README.md");
        let page: JobsPage =
            parse(include_bytes!("../../../tests/fixtures/github/jobs.json")).unwrap();
        let job = job_from(page.jobs.into_iter().next().unwrap());
        assert_eq!(job.steps.len(), 10);
        // Step times come with an offset (-08:00) and are kept as the same instant in UTC.
        assert_eq!(
            job.steps[0].started_at.unwrap().to_rfc3339(),
            "2020-01-20T17:42:40+00:00"
        );
    }

    #[test]
    fn runs_keep_only_what_was_asked_for() {
        let fixture: serde_json::Value = serde_json::from_slice(include_bytes!(
            "../../../tests/fixtures/github/workflow-runs.json"
        ))
        .unwrap();
        let runs: Vec<serde_json::Value> = ["main", "feature/x", "main", "main"]
            .iter()
            .enumerate()
            .map(|(i, branch)| {
                let mut run = fixture["workflow_runs"][0].clone();
                run["id"] = i.into();
                run["head_branch"] = (*branch).into();
                run
            })
            .collect();
        let page: RunsPage =
            serde_json::from_value(serde_json::json!({"total_count": 4, "workflow_runs": runs}))
                .unwrap();
        let runs = asked_for(
            runs_from(&Slug::parse("o/r").unwrap(), page),
            2,
            Some("main"),
        );
        assert_eq!(runs.runs.iter().map(|r| r.id).collect::<Vec<_>>(), [0, 2]);
    }

    #[test]
    fn json_errors_name_the_field() {
        let err =
            parse::<RunsPage>(br#"{"total_count":1,"workflow_runs":[{"id":"x"}]}"#).unwrap_err();
        assert!(err.starts_with("workflow_runs[0].id:"), "{err}");
        let err = parse::<RunsPage>(b"<html>oops</html>").unwrap_err();
        assert!(err.starts_with("not the expected JSON"), "{err}");
        assert_eq!(decode_all(b"<html>oops</html>"), 0);
        assert_eq!(decode_all(br#"{"total_count":0,"workflow_runs":[]}"#), 1);
        assert_eq!(decode_all(br#"{"jobs":[]}"#), 1);
    }

    #[test]
    fn durations_states_and_history() {
        let run = |conclusion: Option<&str>, status: &str| {
            let mut r = runs_from(
                &Slug::parse("o/r").unwrap(),
                parse::<RunsPage>(include_bytes!(
                    "../../../tests/fixtures/github/workflow-runs.json"
                ))
                .unwrap(),
            )
            .runs
            .remove(0);
            r.conclusion = conclusion.map(Into::into);
            r.status = Some(status.into());
            r.updated_at = r.created_at + chrono::Duration::seconds(119);
            r
        };
        let ok = run(Some("success"), "completed");
        assert_eq!(ok.duration(Utc::now()), Some(Duration::from_secs(119)));
        let runs = CiRuns {
            slug: "o/r".into(),
            total_count: 4,
            runs: vec![
                run(Some("failure"), "completed"),
                run(None, "in_progress"),
                ok.clone(),
                run(Some("cancelled"), "completed"),
            ],
        };
        assert_eq!(
            runs.success_history(),
            vec![true, false],
            "oldest first, cancelled and running left out"
        );
        assert_eq!(runs.runs[1].state(), RunState::Running);
        assert_eq!(short_duration(Duration::from_secs(119)), "1m 59s");
        assert_eq!(short_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(
            strip_timestamp(
                "2020-01-20T17:42:40.1234567Z ##[error]Process completed with exit code 1."
            ),
            "##[error]Process completed with exit code 1."
        );
        assert_eq!(strip_timestamp("plain"), "plain");
    }
}
