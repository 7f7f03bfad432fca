//! A template's dry run or real run, seen from the form: the run goes on a thread of its own
//! (`scaffolder::run::run` on a small tokio runtime), its events reach this view as messages, and
//! the view shows a live log of steps, then each step's rendered inputs, the files (a dry run's
//! contents viewable one by one) and the output links. Every text the engine sends is already
//! masked; this view adds none of the secrets.

use super::entity::{draw_lines, PageLine, Tone};
use super::ListCursor;
use crate::catalog::Catalog;
use crate::config::Config;
use crate::scaffolder::launch;
use crate::scaffolder::run::{self, RunError, RunEvent, RunOptions, RunResult, StepStatus};
use crate::scaffolder::Template;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;
use serde_json::Value;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};
use std::sync::Arc;

/// What the run thread sends.
pub enum RunMsg {
    Event(RunEvent),
    Done(Result<RunResult, RunError>),
}

/// What a line of the run view leads to.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    None,
    /// A file of the result: Enter shows its contents.
    File(usize),
    /// An output link: `o` opens it.
    Link(String),
}

/// How a real run reaches GitHub and registers what it made: built once from the config at
/// start-up; without it (tests, no config) only dry runs are offered.
#[derive(Clone)]
pub struct Launcher {
    pub config: Config,
    /// The catalog file a `catalog:register` adds its Location to (no Backstage configured).
    pub local_catalog: Option<PathBuf>,
    /// The folder a run's `./NAME` output folder goes in (the working directory).
    pub output_root: PathBuf,
    /// The catalog's local sources: how far a template outside git may reach for shared
    /// skeletons ([`Template::with_source_roots`]).
    pub source_roots: Vec<PathBuf>,
}

impl Launcher {
    /// From the config and the catalog's source: `catalog:register` without Backstage adds to
    /// the first local catalog file (the demo's, on the demo).
    pub fn new(config: &Config, source: &crate::sources::CatalogSource) -> Launcher {
        Launcher {
            config: config.clone(),
            local_catalog: launch::local_catalog_file(config, source),
            output_root: PathBuf::from("."),
            source_roots: source.local_roots(),
        }
    }

    fn options(
        &self,
        template: &Template,
        values: &Value,
        catalog: &Catalog,
    ) -> Result<RunOptions, String> {
        let client = Arc::new(crate::providers::http::Client::from_config(
            &self.config,
            crate::providers::http::Log::Off,
        ));
        let name = values
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| crate::catalog::validate::is_valid_object_name(n))
            .unwrap_or(&template.name);
        let dir = self.output_root.join(name);
        if std::fs::read_dir(&dir).is_ok_and(|mut d| d.next().is_some()) {
            return Err(format!(
                "{} exists and is not empty: the run would write its files there (move it, or use greenroom template run --output DIR)",
                dir.display()
            ));
        }
        // Only a template with GitHub steps reads the GitHub token.
        let github = template
            .steps
            .iter()
            .any(|s| s.action.starts_with("github:") || s.action == "publish:github")
            .then(|| {
                crate::providers::github::GitHub::from_config(&self.config, client.clone()).ok()
            })
            .flatten();
        Ok(RunOptions {
            dry_run: false,
            output_dir: Some(dir),
            github,
            skip_backend_actions: true,
            ..launch::options(
                &self.config,
                Arc::new(catalog.clone()),
                self.local_catalog.clone(),
                client,
            )
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunKind {
    DryRun,
    Real,
}

pub struct RunView {
    pub kind: RunKind,
    receiver: Option<Receiver<RunMsg>>,
    /// The live log while the run goes; kept above the result after.
    pub log: Vec<PageLine>,
    pub result: Option<Result<RunResult, String>>,
    pub lines: Vec<PageLine>,
    pub targets: Vec<Target>,
    pub list: ListCursor,
    /// A file shown whole, and its scroll.
    pub file: Option<(usize, usize)>,
    /// The log already says why the run failed (the final error would repeat it).
    failure_logged: bool,
}

impl RunView {
    /// Whether the run has ended (its result is in).
    pub fn finished(&self) -> bool {
        self.result.is_some()
    }

    /// Starts a run on its own thread. `values` holds every field, secrets included: they are
    /// split out here, before the engine sees the parameters.
    pub fn start(
        kind: RunKind,
        template: &Template,
        values: &Value,
        catalog: &Catalog,
        launcher: Option<&Launcher>,
    ) -> RunView {
        let (parameters, secrets) = crate::scaffolder::form::split_secrets(template, values);
        let mut view = RunView {
            kind,
            receiver: None,
            log: Vec::new(),
            result: None,
            lines: Vec::new(),
            targets: Vec::new(),
            list: ListCursor::default(),
            file: None,
            failure_logged: false,
        };
        let options = match (kind, launcher) {
            (RunKind::DryRun, launcher) => {
                let config = launcher.map_or_else(Config::default, |l| l.config.clone());
                let (user_entity, user_ref) = launch::current_user(&config, catalog);
                Ok(RunOptions {
                    user_entity,
                    user_ref,
                    catalog: Some(Arc::new(catalog.clone())),
                    ..RunOptions::default()
                })
            }
            (RunKind::Real, Some(launcher)) => launcher.options(template, &parameters, catalog),
            (RunKind::Real, None) => Err("real runs need greenroom's configuration (this view was started without it); use greenroom template run".into()),
        };
        let options = match options {
            Ok(o) => o,
            Err(message) => {
                view.finish(Err(message));
                return view;
            }
        };
        let (sender, receiver) = std::sync::mpsc::channel();
        let template = template.clone();
        let spawned = std::thread::Builder::new()
            .name("template-run".into())
            .spawn(move || {
                let events = sender.clone();
                let result = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(run::run(
                        &template,
                        &parameters,
                        &secrets,
                        &options,
                        move |event| {
                            let _ = events.send(RunMsg::Event(event));
                        },
                    )),
                    Err(err) => Err(RunError::Other(format!(
                        "cannot start the async runtime: {err}"
                    ))),
                };
                let _ = sender.send(RunMsg::Done(result));
            });
        match spawned {
            Ok(_) => view.receiver = Some(receiver),
            Err(err) => view.finish(Err(format!("cannot start the run: {err}"))),
        }
        view
    }

    pub fn running(&self) -> bool {
        self.receiver.is_some()
    }

    /// Takes the messages that arrived; true when the view changed. Never blocks.
    pub fn poll(&mut self) -> bool {
        let mut changed = false;
        while let Some(receiver) = &self.receiver {
            match receiver.try_recv() {
                Ok(message) => {
                    self.on_message(message);
                    changed = true;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.finish(Err("the run stopped without a result".into()));
                    changed = true;
                }
            }
        }
        changed
    }

    /// Waits for the run to end (tests; the TUI polls).
    pub fn wait(&mut self) {
        while let Some(receiver) = &self.receiver {
            match receiver.recv() {
                Ok(message) => self.on_message(message),
                Err(_) => self.finish(Err("the run stopped without a result".into())),
            }
        }
    }

    fn on_message(&mut self, message: RunMsg) {
        match message {
            RunMsg::Event(event) => self.on_event(event),
            RunMsg::Done(result) => self.finish(result.map_err(|e| e.to_string())),
        }
    }

    fn on_event(&mut self, event: RunEvent) {
        let line = |spans: Vec<(String, Tone)>| PageLine {
            spans,
            target: None,
        };
        match event {
            RunEvent::StepStarted {
                index,
                id,
                name,
                action,
            } => self.log.push(line(vec![
                (format!("▶ {}. {name}", index + 1), Tone::Key),
                (format!("  [{id}]  "), Tone::Muted),
                (action, Tone::Accent),
            ])),
            RunEvent::Log { line: text, .. } => {
                for l in text.lines() {
                    self.log.push(line(vec![(format!("     {l}"), Tone::Base)]));
                }
            }
            RunEvent::StepFinished { status, .. } => {
                let (text, tone) = status_text(&status);
                self.log.push(line(vec![(format!("     {text}"), tone)]));
            }
            RunEvent::Failed { step, message } => {
                self.failure_logged = true;
                let at = step.map(|s| format!("step {s}: ")).unwrap_or_default();
                for (i, l) in message.lines().enumerate() {
                    let lead = if i == 0 {
                        format!("✗ {at}")
                    } else {
                        "  ".into()
                    };
                    self.log
                        .push(line(vec![(format!("{lead}{l}"), Tone::Error)]));
                }
            }
            RunEvent::Finished => {}
        }
        self.rebuild();
        // Follow the log while it grows: the last line, with the view scrolled as little as
        // drawing needs to show it (an offset left by earlier keys would hide the lines above).
        self.list = ListCursor {
            cursor: self.lines.len().saturating_sub(1),
            offset: 0,
        };
    }

    fn finish(&mut self, result: Result<RunResult, String>) {
        self.receiver = None;
        self.result = Some(result);
        self.rebuild();
        // A dry run is read from the top; a real run's end (the output links) stays in view.
        self.list = ListCursor::default();
        if self.kind == RunKind::Real {
            self.list.cursor = self.lines.len().saturating_sub(1);
        }
    }

    /// The lines shown: the title, the log (a real run) or each step's rendered inputs (a dry
    /// run), the files, the output.
    fn rebuild(&mut self) {
        let mut lines = Vec::new();
        let mut targets = Vec::new();
        let mut push = |spans: Vec<(String, Tone)>, target: Target| {
            lines.push(PageLine {
                spans,
                target: None,
            });
            targets.push(target);
        };
        let title = match (self.kind, &self.result) {
            (RunKind::DryRun, None) => "Dry run: rendering…",
            (RunKind::DryRun, Some(Ok(_))) => "Dry run: nothing was written and nothing was called",
            (RunKind::DryRun, Some(Err(_))) => "Dry run failed",
            (RunKind::Real, None) => "Running…",
            (RunKind::Real, Some(Ok(_))) => "Done",
            (RunKind::Real, Some(Err(_))) => "Failed",
        };
        push(vec![(title.into(), Tone::Heading)], Target::None);
        let show_log = self.kind == RunKind::Real || !matches!(self.result, Some(Ok(_)));
        if show_log {
            for l in &self.log {
                push(l.spans.clone(), Target::None);
            }
        }
        match &self.result {
            Some(Err(_)) if self.failure_logged => {}
            Some(Err(message)) => {
                push(vec![], Target::None);
                for l in message.lines() {
                    push(vec![(format!("✗ {l}"), Tone::Error)], Target::None);
                }
            }
            Some(Ok(result)) => {
                if self.kind == RunKind::DryRun {
                    push(vec![], Target::None);
                    push(
                        vec![(format!("Steps ({})", result.steps.len()), Tone::Heading)],
                        Target::None,
                    );
                    for (n, step) in result.steps.iter().enumerate() {
                        let (status, tone) = status_text(&step.status);
                        push(
                            vec![
                                (format!("  {}. {}", n + 1, step.name), Tone::Key),
                                (format!("  [{}]  ", step.id), Tone::Muted),
                                (step.action.clone(), Tone::Accent),
                                (format!("  {status}"), tone),
                            ],
                            Target::None,
                        );
                        for input in &step.inputs {
                            for (key, value) in input.as_object().into_iter().flatten() {
                                let text = match value {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                };
                                push(
                                    vec![
                                        (format!("       {key}: "), Tone::Muted),
                                        (text, Tone::Base),
                                    ],
                                    Target::None,
                                );
                            }
                        }
                    }
                }
                let nothing_written = self.kind == RunKind::Real && result.files.is_empty();
                if !nothing_written {
                    push(vec![], Target::None);
                }
                let heading = match (&result.written_to, self.kind) {
                    (Some(dir), _) => format!(
                        "Files written to {} ({})",
                        dir.display(),
                        result.files.len()
                    ),
                    (None, RunKind::DryRun) => format!(
                        "Files it would write ({}) · enter shows one",
                        result.files.len()
                    ),
                    (None, RunKind::Real) => format!("Files ({})", result.files.len()),
                };
                if !nothing_written {
                    push(vec![(heading, Tone::Heading)], Target::None);
                }
                for (i, (path, contents)) in result.files.iter().enumerate() {
                    push(
                        vec![
                            (format!("  {path}"), Tone::Link),
                            (format!("  {} bytes", contents.len()), Tone::Muted),
                        ],
                        Target::File(i),
                    );
                }
                for dir in &result.dirs {
                    push(
                        vec![(format!("  {dir}/ (empty folder)"), Tone::Muted)],
                        Target::None,
                    );
                }
                output_lines(&result.output.links, &result.output.text, &mut push);
            }
            None => {}
        }
        self.lines = lines;
        self.targets = targets;
        self.list.clamp(self.lines.len(), 1);
    }

    /// Applies an action; `Some(Action::Back)` asks to close the view.
    pub fn update(&mut self, action: &Action, page: usize) -> Option<Action> {
        if let Some((file, scroll)) = self.file {
            let len = self.file_lines(file).len();
            self.file = match action {
                Action::Back => None,
                other => Some((file, super::scroll(scroll, other, len, page))),
            };
            return None;
        }
        if self.list.apply(action, self.lines.len(), page) {
            return None;
        }
        match (action, self.targets.get(self.list.cursor)) {
            (Action::Open, Some(Target::File(i))) => {
                self.file = Some((*i, 0));
                None
            }
            (Action::Open | Action::OpenInBrowser, Some(Target::Link(url))) => {
                Some(Action::OpenUrl(url.clone()))
            }
            (Action::Back, _) if self.running() => Some(Action::Error(
                "the run goes on: wait for it to end before leaving".into(),
            )),
            (Action::Back, _) => Some(Action::Back),
            _ => None,
        }
    }

    fn file_lines(&self, index: usize) -> Vec<String> {
        let Some(Ok(result)) = &self.result else {
            return Vec::new();
        };
        let Some((_, contents)) = result.files.get(index) else {
            return Vec::new();
        };
        match std::str::from_utf8(contents) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(_) => vec![format!("(binary, {} bytes)", contents.len())],
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, title: &str, theme: &Theme) {
        if let Some((index, scroll)) = self.file {
            let name = match &self.result {
                Some(Ok(r)) => r.files.get(index).map(|f| f.0.clone()).unwrap_or_default(),
                _ => String::new(),
            };
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Span::styled(format!(" {name} "), theme.title))
                .title_bottom(Span::styled(
                    " j/k scroll · esc: back to the files ",
                    theme.muted,
                ));
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let text: Vec<ratatui::text::Line> = self
                .file_lines(index)
                .into_iter()
                .skip(scroll)
                .map(|l| ratatui::text::Line::from(Span::styled(l, theme.base)))
                .collect();
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }), inner);
            return;
        }
        let hint = if self.running() {
            " the run goes on… "
        } else {
            " enter: show the file · o: open the link · esc: back to the review "
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Span::styled(format!(" {title} "), theme.title))
            .title_bottom(Span::styled(hint, theme.muted));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        draw_lines(frame, inner, &self.lines, self.list, theme);
    }
}

fn status_text(status: &StepStatus) -> (&'static str, Tone) {
    match status {
        StepStatus::Done => ("✓ done", Tone::Accent),
        StepStatus::Skipped => ("skipped (if was false)", Tone::Muted),
        StepStatus::DryRun => ("not performed: dry run", Tone::Warning),
        StepStatus::NotRunLocally => (
            "not run locally: only a Backstage backend has this action",
            Tone::Warning,
        ),
        StepStatus::Failed => ("✗ failed", Tone::Error),
    }
}

/// The rendered `output`: links (selectable, `o` opens) and text entries.
fn output_lines(
    links: &[Value],
    text: &[Value],
    push: &mut impl FnMut(Vec<(String, Tone)>, Target),
) {
    if links.is_empty() && text.is_empty() {
        return;
    }
    push(vec![], Target::None);
    push(vec![("Output".into(), Tone::Heading)], Target::None);
    let field = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    for link in links {
        let url = field(link, "url");
        let shown = if url.is_empty() {
            field(link, "entityRef")
        } else {
            url.clone()
        };
        let target = if url.starts_with("http://") || url.starts_with("https://") {
            Target::Link(url)
        } else {
            Target::None
        };
        push(
            vec![
                (format!("  {}  ", field(link, "title")), Tone::Base),
                (shown, Tone::Link),
            ],
            target,
        );
    }
    for entry in text {
        push(
            vec![(format!("  {}", field(entry, "title")), Tone::Key)],
            Target::None,
        );
        for l in field(entry, "content").lines() {
            push(vec![(format!("    {l}"), Tone::Base)], Target::None);
        }
    }
}
