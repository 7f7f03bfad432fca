//! Applying actions: [`App::dispatch`] follows an action's chain, [`App::update`] applies one
//! (quitting and its question, suspending, copying, editing, help, the command line), handing
//! what is left to navigation and to the pane on screen.

use super::state::{App, Status};
use crate::tui::action::{Action, Section};
use crate::tui::keymap::Scope;
use crate::tui::panes::command::CommandLine;
use crate::tui::panes::help::HelpState;

impl App {
    /// Applies an action and every action it leads to.
    pub fn dispatch(&mut self, action: Action) {
        let mut next = Some(action);
        let mut steps = 0;
        while let Some(action) = next {
            next = self.update(action);
            steps += 1;
            if steps > 16 {
                break; // a chain this long is a bug; never loop forever on it
            }
        }
    }

    /// Applies one action; may return the next.
    pub fn update(&mut self, action: Action) -> Option<Action> {
        let next = match action {
            // A form with values typed (or a run going) asks first; Quit again (ctrl-c while the
            // question waits) quits anyway.
            Action::Quit if !self.quit_question && self.templates.has_unsaved_work() => {
                self.quit_question = true;
                None
            }
            Action::Quit => {
                self.running = false;
                None
            }
            Action::Suspend => {
                self.suspend = true;
                None
            }
            Action::Copy if self.help.is_none() && self.command.is_none() => {
                match self.copy_text() {
                    Ok(text) => {
                        self.status = Some(Status {
                            text: format!("copied {text}"),
                            error: false,
                        });
                        self.clipboard = Some(text);
                    }
                    Err(why) => self.warn(why),
                }
                None
            }
            Action::Edit if self.help.is_none() && self.command.is_none() => {
                match self.edit_request() {
                    Ok(request) => self.edit = Some(request),
                    Err(why) => self.warn(why),
                }
                None
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                None
            }
            Action::Error(text) => {
                self.status = Some(Status { text, error: true });
                None
            }
            _ if self.quit_question => {
                match action {
                    Action::Yes => self.running = false,
                    Action::No | Action::Back => self.quit_question = false,
                    _ => {}
                }
                None
            }
            _ if self.help.is_some() => {
                let page = self.page_rows();
                let keep = self
                    .help
                    .as_mut()
                    .is_some_and(|h| h.update(&action, &self.keymap, page));
                if !keep {
                    self.help = None;
                }
                None
            }
            _ if self.command.is_some() => {
                let (next, keep) = self
                    .command
                    .as_mut()
                    .map_or((None, false), |c| c.update(&action));
                if !keep {
                    self.command = None;
                }
                next
            }
            Action::ShowHelp => {
                let mut scopes = self.scopes();
                if self.page.is_none()
                    && (self.section == Section::Catalog || scopes[0] == Scope::Form)
                {
                    scopes.insert(1, Scope::Input);
                }
                self.help = Some(HelpState::new(&self.pane_name(), scopes));
                None
            }
            Action::OpenCommand => {
                self.command = Some(CommandLine::default());
                None
            }
            Action::ScrollLeft | Action::ScrollRight | Action::ScrollStart | Action::ScrollEnd => {
                self.scroll_sideways(&action);
                None
            }
            Action::TogglePreview => {
                self.preview_shown = !self.preview_shown;
                None
            }
            Action::GoSection(section) => {
                self.go(section);
                None
            }
            Action::Back => self.back(),
            Action::Forward => {
                self.go_forward();
                None
            }
            Action::OpenEntity(id) => {
                self.open_entity(id);
                None
            }
            Action::GoToEntity => {
                match self.row_entity() {
                    Some(id) => self.open_entity(id),
                    None => self.note("nothing here names an entity".into()),
                }
                None
            }
            Action::OpenEndpoint { api, operation } => {
                self.open_entity(api);
                let page = self.page_rows();
                self.page
                    .as_mut()
                    .and_then(|p| p.open_operation(operation as usize, page))
            }
            Action::IncidentView => {
                self.open_incident_view();
                None
            }
            Action::FocusEntity(id) => {
                self.focus = Some(id);
                None
            }
            Action::OpenUrl(url) => {
                self.status = Some(match crate::tui::browser::open(&self.browser, &url) {
                    Ok(()) => Status {
                        text: format!("opened {url}"),
                        error: false,
                    },
                    Err(text) => Status { text, error: true },
                });
                None
            }
            Action::RunCommand(command) => self.run_command(&command),
            Action::Fetch(wanted) => {
                self.fetch(wanted);
                None
            }
            other => self.pane_update(other),
        };
        self.sync();
        next
    }
}
