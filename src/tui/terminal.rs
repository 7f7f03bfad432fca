//! The event loop and the terminal around it: raw mode and the alternate screen, restored on
//! quit, on panic (color-eyre's report printed after the restore), on SIGTERM/SIGHUP/SIGINT, and
//! around Ctrl-z and the editor (the terminal is restored, then entered again); the mouse is
//! captured with it unless turned off, and given back with it.

use super::action::{Action, LoaderMsg, LoaderRequest};
use super::app::App;
use super::editor::EditRequest;
use super::ui;
use crossterm::event::{self, DisableMouseCapture, EnableMouseCapture, Event};
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use crossterm::{cursor, execute};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

type Term = Terminal<CrosstermBackend<Stdout>>;

/// Whether the terminal is in raw mode / on the alternate screen (so restore runs once).
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// Whether the mouse is captured while the TUI has the terminal (`[ui] mouse`, `--no-mouse`).
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Leaves raw mode and the alternate screen, gives the mouse back and shows the cursor. Safe to
/// call twice.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        if MOUSE.load(Ordering::SeqCst) {
            let _ = execute!(io::stdout(), DisableMouseCapture);
        }
        let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
    }
}

fn enter() -> io::Result<()> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(io::stdout(), EnterAlternateScreen, cursor::Hide)?;
    if MOUSE.load(Ordering::SeqCst) {
        execute!(io::stdout(), EnableMouseCapture)?;
    }
    Ok(())
}

/// Installs color-eyre's panic report behind a hook that restores the terminal first, so the
/// report is readable on the normal screen. Must run before the terminal is set up.
fn install_panic_hook() {
    let (panic_hook, _) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    let panic_hook = panic_hook.into_panic_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Held until the process ends (the lock is reentrant, so `restore` still writes): when
        // another thread panics, the UI thread may be drawing, and must not write over the
        // restored screen or hide the cursor again.
        let _stdout = io::stdout().lock();
        restore();
        panic_hook(info);
        // The terminal was given back above; a UI that went on drawing without it (after a panic
        // on the loader, a provider or the search pool) would be garbled and deaf to keys.
        std::process::exit(101);
    }));
}

/// SIGTERM, SIGHUP and SIGINT end the TUI from a thread of their own: the terminal is restored
/// and the process exits at once, whatever the event loop is doing. (A flag checked by the loop
/// is not enough: when the terminal hangs up, crossterm's read can spin without returning, and
/// the process would ignore every signal but SIGKILL.)
fn exit_on_signals() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    restore();
                    std::process::exit(128 + signal);
                }
            });
        }
        Err(err) => eprintln!("greenroom: cannot watch signals: {err}"),
    }
}

/// Runs the app until it quits; returns the process exit code.
/// `loader` brings catalogs and news from the loader thread, which `requests` asks to read the
/// sources again; `watch` (kept alive here) sends it the files that change.
pub fn run(
    mut app: App,
    loader: Receiver<LoaderMsg>,
    requests: Sender<LoaderRequest>,
    watch: Option<crate::sources::watch::Watch>,
    mouse: bool,
) -> ExitCode {
    MOUSE.store(mouse, Ordering::SeqCst);
    install_panic_hook();
    app.background_search = true;
    exit_on_signals();
    if let Err(err) = enter() {
        restore();
        eprintln!("greenroom: cannot set up the terminal: {err}");
        return ExitCode::from(2);
    }
    let result = event_loop(&mut app, &loader, &requests, watch.is_some());
    drop(watch);
    restore();
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("greenroom: terminal error: {err}");
            ExitCode::from(1)
        }
    }
}

fn event_loop(
    app: &mut App,
    loader: &Receiver<LoaderMsg>,
    requests: &Sender<LoaderRequest>,
    watching: bool,
) -> io::Result<ExitCode> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    terminal.clear()?;
    let size = terminal.size()?;
    app.size = (size.width, size.height);
    let loading_since = Instant::now();
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|frame| ui::draw(frame, app))?;
            dirty = false;
        }
        match loader.try_recv() {
            Ok(message) => {
                app.on_loader(message);
                dirty = true;
                continue;
            }
            Err(TryRecvError::Disconnected) if app.data.is_none() => {
                // The loader died (its panic was reported by the hook).
                restore();
                eprintln!("greenroom: loading the catalog failed");
                return Ok(ExitCode::from(1));
            }
            Err(TryRecvError::Disconnected) => app.refreshing = false,
            Err(TryRecvError::Empty) if app.data.is_none() => {
                let before = app.loading_for.as_millis() / 100;
                app.loading_for = loading_since.elapsed();
                // The spinner moves every 100 ms.
                dirty |= app.loading_for.as_millis() / 100 != before;
            }
            Err(TryRecvError::Empty) => {}
        }
        if app.poll_background() {
            dirty = true;
            continue;
        }
        if app.poll_providers() {
            dirty = true;
        }
        for notice in crate::notices::take() {
            app.warn(notice);
            dirty = true;
        }
        let wait = if app.data.is_none() {
            Duration::from_millis(20)
        } else if app.busy() {
            Duration::from_millis(4)
        } else if app.refreshing || app.providers.as_ref().is_some_and(|p| p.in_flight() > 0) {
            Duration::from_millis(50)
        } else {
            // Idle: a watched file's change is noticed within this.
            Duration::from_millis(100)
        };
        if event::poll(wait)? {
            // Everything already typed is applied before the next frame, so a burst of keys
            // (typing fast, a paste, tmux send-keys) costs one draw.
            loop {
                match event::read()? {
                    Event::Key(key) => {
                        panic_if_asked();
                        app.handle_key(key)
                    }
                    Event::Resize(w, h) => app.dispatch(Action::Resize(w, h)),
                    Event::Mouse(mouse) => app.on_mouse(mouse, Instant::now()),
                    Event::Paste(text) => text
                        .chars()
                        .filter(|c| !c.is_control())
                        .for_each(|c| app.dispatch(Action::InputChar(c))),
                    _ => {}
                }
                if !app.running || app.suspend || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
            dirty = true;
        }
        if !app.running {
            return Ok(ExitCode::SUCCESS);
        }
        if app.suspend {
            app.suspend = false;
            suspend(&mut terminal)?;
            let size = terminal.size()?;
            app.size = (size.width, size.height);
            dirty = true;
        }
        let refresh_due = app
            .refresh_every
            .is_some_and(|every| app.catalog_read_at.is_some_and(|at| at.elapsed() >= every));
        if (app.reload_requested || refresh_due) && !app.refreshing && app.data.is_some() {
            app.reload_requested = false;
            let _ = requests.send(LoaderRequest::ReadAll);
            app.refreshing = true;
            dirty = true;
        }
        if let Some(text) = app.clipboard.take() {
            use std::io::Write;
            let mut out = io::stdout();
            out.write_all(super::clipboard::osc52(&text).as_bytes())?;
            out.flush()?;
        }
        match app.edit.take() {
            Some(EditRequest::File { path, line }) => {
                if let Err(why) = edit(&mut terminal, &path, line) {
                    app.warn(why);
                }
                // The watcher has seen the saves already; without one, the sources are read
                // again, the place kept.
                if !watching {
                    let _ = requests.send(LoaderRequest::ReadAll);
                    app.refreshing = true;
                }
                let size = terminal.size()?;
                app.size = (size.width, size.height);
                dirty = true;
            }
            Some(EditRequest::Url(url)) => {
                if let Err(why) = super::browser::open(&super::browser::command(), &url) {
                    app.warn(why);
                }
                dirty = true;
            }
            None => {}
        }
    }
}

/// Debug builds only: with `GREENROOM_TEST_PANIC` set, a key panics on the UI thread (or, set to
/// `thread`, on a thread of its own), so the tmux test can prove the panic hook gives the terminal
/// back. Release builds have no such way in.
fn panic_if_asked() {
    if !cfg!(debug_assertions) {
        return;
    }
    match std::env::var("GREENROOM_TEST_PANIC").as_deref() {
        Ok("thread") => {
            std::thread::spawn(|| {
                panic!("GREENROOM_TEST_PANIC is set: a panic asked for by a test")
            });
        }
        Ok(_) => panic!("GREENROOM_TEST_PANIC is set: a panic asked for by a test"),
        Err(_) => {}
    }
}

/// `e`: hands the terminal to the user's editor at `path:line` and takes it back exactly as it
/// was (raw mode, alternate screen, cursor) when the editor exits, however it exits.
fn edit(terminal: &mut Term, path: &Path, line: u32) -> Result<(), String> {
    let (program, args) = super::editor::command(&super::editor::chosen(), path, line)?;
    restore();
    let status = Command::new(&program).args(&args).status();
    enter()
        .and_then(|()| terminal.clear())
        .map_err(|err| format!("cannot take the terminal back: {err}"))?;
    match status {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("{program} exited with {status}")),
        Err(err) => Err(format!(
            "cannot start the editor {program:?}: {err} (set VISUAL or EDITOR)"
        )),
    }
}

/// Ctrl-z: gives the terminal back to the shell and stops; `fg` resumes here.
fn suspend(terminal: &mut Term) -> io::Result<()> {
    restore();
    signal_hook::low_level::raise(signal_hook::consts::SIGTSTP)?;
    // Resumed (SIGCONT).
    enter()?;
    terminal.clear()?;
    Ok(())
}
