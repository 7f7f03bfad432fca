//! The keymap: ONE table of every bindable action, its default keys and its help text. The key
//! handler looks keys up here and the `?` help lists this same table, so the two cannot disagree.
//! Users rebind any action from `config.toml`'s `[keys]` (`"catalog.sort" = ["s", "o"]`).

use super::action::{Action, Section};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

/// Where a binding applies. A pane's own scope is looked up first, then `Nav`, then `App`;
/// text inputs (filter, command line, help search) only look at their own scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    App,
    Nav,
    /// The lists with a preview: Catalog, Templates, Problems, CI/CD, Incidents, Cost,
    /// Scorecards and DORA (after the pane's own scope, before `Nav`).
    Table,
    Catalog,
    Entity,
    Deps,
    Templates,
    /// A template's form (not typing: that is `Input`), its review and its run.
    Form,
    Docs,
    Problems,
    CiCd,
    Cost,
    Incidents,
    /// Scorecards, DORA and Maturity.
    Insights,
    /// A yes/no question: only its answers (and ctrl keys of `App`) apply.
    Confirm,
    /// Any text input: the `/` filter, the `:` command line, the help search.
    Input,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::App => "app",
            Scope::Nav => "nav",
            Scope::Table => "table",
            Scope::Catalog => "catalog",
            Scope::Entity => "entity",
            Scope::Deps => "deps",
            Scope::Templates => "templates",
            Scope::Form => "form",
            Scope::Docs => "docs",
            Scope::Problems => "problems",
            Scope::CiCd => "cicd",
            Scope::Cost => "cost",
            Scope::Incidents => "incidents",
            Scope::Insights => "insights",
            Scope::Confirm => "confirm",
            Scope::Input => "input",
        }
    }
}

/// One row of the table.
pub struct Binding {
    pub scope: Scope,
    /// `scope.action`, the name used in `[keys]`.
    pub name: &'static str,
    pub action: Action,
    pub keys: &'static [&'static str],
    pub help: &'static str,
}

macro_rules! bindings {
    ($(($scope:ident, $name:literal, $action:expr, [$($key:literal),*], $help:literal)),* $(,)?) => {
        /// The default table.
        pub fn defaults() -> Vec<Binding> {
            vec![$(Binding { scope: Scope::$scope, name: $name, action: $action, keys: &[$($key),*], help: $help }),*]
        }
    };
}

bindings! {
    (App, "app.quit", Action::Quit, ["q", "ctrl-c"], "quit (asks first while a template form holds values you typed)"),
    (App, "app.help", Action::ShowHelp, ["?"], "help: the bindings of this pane, type to search"),
    (App, "app.command", Action::OpenCommand, [":"], "command line (:components, :deps, :q, Tab completes)"),
    (App, "app.back", Action::Back, ["esc", "backspace", "ctrl-o"], "back to the previous view, across sections (vim's jump list)"),
    (App, "app.forward", Action::Forward, ["tab"], "forward again to the view gone back from (vim's ctrl-i, which terminals send as tab; in the form, docs and cost tab keeps its own meaning)"),
    (App, "app.suspend", Action::Suspend, ["ctrl-z"], "suspend to the shell (fg resumes)"),
    (App, "app.copy", Action::Copy, ["y"], "copy the selection's ref (a run's or an incident's URL; in an API's definition the operation's METHOD path) to the clipboard (OSC 52: works over ssh and in tmux)"),
    (App, "app.edit", Action::Edit, ["e"], "edit the file behind the selection in $VISUAL/$EDITOR at its line (a server's entity: its edit page in the browser)"),
    (App, "app.catalog", Action::GoSection(Section::Catalog), ["1"], "section 1: Catalog"),
    (App, "app.dependencies", Action::GoSection(Section::Dependencies), ["2"], "section 2: Dependencies of the selected entity"),
    (App, "app.cicd", Action::GoSection(Section::CiCd), ["3"], "section 3: CI/CD"),
    (App, "app.incidents", Action::GoSection(Section::Incidents), ["4"], "section 4: Incidents"),
    (App, "app.cost", Action::GoSection(Section::Cost), ["5"], "section 5: Cost"),
    (App, "app.templates", Action::GoSection(Section::Templates), ["6"], "section 6: Templates"),
    (App, "app.docs", Action::GoSection(Section::Docs), ["7"], "section 7: Docs of the selected entity"),
    (App, "app.problems", Action::GoSection(Section::Problems), ["8"], "section 8: Problems of the catalog"),
    (App, "app.scorecards", Action::GoSection(Section::Scorecards), ["9"], "section 9: Scorecards (entities × rules, team rollup)"),
    (App, "app.dora", Action::GoSection(Section::Dora), ["0"], "section 10: DORA metrics per team and service"),
    (App, "app.maturity", Action::GoSection(Section::Maturity), ["M"], "section 11: platform maturity (Q1-Q4, the level)"),
    (Insights, "insights.refresh", Action::Reload, ["r", "ctrl-r"], "ask GitHub and PagerDuty again (Scorecards, DORA, Maturity)"),
    (Insights, "insights.goto", Action::GoToEntity, ["g d"], "go to the page of the row's entity (as enter)"),
    (Nav, "nav.down", Action::Down, ["j", "down", "ctrl-n"], "move down"),
    (Nav, "nav.up", Action::Up, ["k", "up", "ctrl-p"], "move up"),
    (Nav, "nav.top", Action::Top, ["g", "home"], "go to the top"),
    (Nav, "nav.bottom", Action::Bottom, ["G", "end"], "go to the bottom"),
    (Nav, "nav.half_down", Action::HalfPageDown, ["ctrl-d"], "half a page down"),
    (Nav, "nav.half_up", Action::HalfPageUp, ["ctrl-u"], "half a page up"),
    (Nav, "nav.page_down", Action::PageDown, ["pgdn", "ctrl-f"], "a page down"),
    (Nav, "nav.page_up", Action::PageUp, ["pgup", "ctrl-b"], "a page up"),
    (Nav, "nav.open", Action::Open, ["enter"], "open the selected item"),
    (Table, "table.preview", Action::TogglePreview, ["p"], "the selected row's preview beside the list (under it on narrow terminals of 30+ rows): show or hide"),
    (Table, "table.left", Action::ScrollLeft, ["h", "left"], "scroll the table a column left (when it is wider than the pane)"),
    (Table, "table.right", Action::ScrollRight, ["l", "right"], "scroll the table a column right (when it is wider than the pane)"),
    (Table, "table.first_column", Action::ScrollStart, ["home"], "scroll the table back to its first column (g goes to the top)"),
    (Table, "table.last_column", Action::ScrollEnd, ["end"], "scroll the table to its last column (G goes to the bottom)"),
    (Catalog, "catalog.filter", Action::StartFilter, ["/"], "filter: fuzzy words, 'exact, ^prefix, !not, owner:/kind:/tag:/lifecycle:/system:/type:"),
    (Catalog, "catalog.clear_filter", Action::ClearFilter, ["esc"], "clear the filter and kind (then: back)"),
    (Catalog, "catalog.sort", Action::SortNext, ["s"], "sort by the next column"),
    (Catalog, "catalog.reverse", Action::SortReverse, ["S"], "reverse the sort order"),
    (Catalog, "catalog.refresh", Action::Reload, ["ctrl-r"], "read the catalog's sources again (a backend: also every [catalog] refresh), keeping your place"),
    (Entity, "entity.open", Action::Open, ["enter", "l"], "jump to the relation under the cursor"),
    (Entity, "entity.goto", Action::GoToEntity, ["g d"], "go to the target of the relation under the cursor (vim's gd; g then another key: the top, then that key)"),
    (Entity, "entity.incidents", Action::IncidentView, ["i"], "the incident view: owner, on call, open incidents, CI, blast radius, links"),
    (Entity, "entity.raw", Action::ToggleRaw, ["r"], "an API's definition: its text with line numbers, or back to its operations"),
    (Entity, "entity.search", Action::StartFilter, ["/"], "an API's definition: search what is shown (enter: next match, tab: keep the query, esc: leave)"),
    (Entity, "entity.next_match", Action::NextMatch, ["n"], "an API's definition: the search's next match"),
    (Entity, "entity.previous_match", Action::PreviousMatch, ["N"], "an API's definition: the search's previous match"),
    (Deps, "deps.expand", Action::Expand, ["l", "right"], "expand the node"),
    (Deps, "deps.collapse", Action::Collapse, ["h", "left"], "collapse the node (or go to its parent)"),
    (Deps, "deps.toggle", Action::ToggleNode, ["space"], "expand or collapse the node"),
    (Deps, "deps.open", Action::Open, ["enter"], "open the entity of the node"),
    (Deps, "deps.goto", Action::GoToEntity, ["g d"], "go to the entity of the node (vim's gd)"),
    (Deps, "deps.reverse", Action::ReverseTree, ["r"], "toggle dependencies / dependents (blast radius)"),
    (Deps, "deps.relation", Action::NextRelation, ["t"], "cycle the relation type shown (all, then each)"),
    (Deps, "deps.deeper", Action::DepthMore, ["+", "="], "depth: one level deeper (past 9: no limit)"),
    (Deps, "deps.shallower", Action::DepthLess, ["-"], "depth: one level less deep"),
    (Templates, "templates.open", Action::Open, ["enter"], "fill in the template's form, then review and run it"),
    (Templates, "templates.details", Action::Details, ["i"], "show the template's parameters and steps"),
    (Form, "form.edit", Action::Open, ["enter"], "type in the field, choose, or pick from the catalog; on Next: the next page"),
    (Form, "form.next_field", Action::NextField, ["tab"], "next field (a text field is ready to type)"),
    (Form, "form.previous_field", Action::PrevField, ["shift-tab"], "previous field"),
    (Form, "form.toggle", Action::Toggle, ["space"], "flip a yes/no field, or the next choice; in a list: check"),
    (Form, "form.next_page", Action::NextPage, ["ctrl-n"], "next page, refused until this one is valid; after the last: review"),
    (Form, "form.previous_page", Action::PrevPage, ["ctrl-p"], "previous page"),
    (Form, "form.dry_run", Action::DryRun, ["d"], "review: dry run (each step's rendered inputs, the files; nothing written or called)"),
    (Form, "form.run", Action::Launch, ["r"], "review: run the template for real, with a live log"),
    (Form, "form.open_link", Action::OpenInBrowser, ["o"], "run: open the selected output link ($BROWSER, else xdg-open/open)"),
    (Docs, "docs.reload", Action::Reload, ["r", "ctrl-r"], "read the site and the page again"),
    (Docs, "docs.next_link", Action::NextLink, ["tab"], "select the page's next link (shown reversed)"),
    (Docs, "docs.previous_link", Action::PrevLink, ["shift-tab"], "select the page's previous link"),
    (Docs, "docs.follow", Action::Open, ["enter"], "follow the selected link (a page of the site, a heading, or the browser) or open/close a folding block (???); in the pages or outline: open the one under the cursor"),
    (Docs, "docs.back", Action::Back, ["esc", "backspace"], "back to the page before (then: the previous view)"),
    (Docs, "docs.pages", Action::TogglePages, ["p"], "the site's pages (its nav): j/k choose, enter opens; p again: back to the page"),
    (Docs, "docs.outline", Action::ToggleOutline, ["o"], "the page's headings beside it: enter jumps to one; o again hides them"),
    (CiCd, "cicd.open", Action::Open, ["enter"], "open the run: jobs, steps, failed jobs' log tails (team: focus the service)"),
    (CiCd, "cicd.goto", Action::GoToEntity, ["g d"], "go to the page of the run's service (a team row: its service)"),
    (CiCd, "cicd.rerun", Action::Rerun, ["r"], "rerun the failed jobs of the run (asks first)"),
    (CiCd, "cicd.browser", Action::OpenInBrowser, ["o"], "open the run on GitHub in the browser ($BROWSER, else xdg-open/open)"),
    (CiCd, "cicd.refresh", Action::Reload, ["ctrl-r"], "ask GitHub again, past the refresh window (costs nothing when unchanged)"),
    (Cost, "cost.open", Action::Open, ["enter", "l"], "a team's services (esc: back to the teams)"),
    (Cost, "cost.goto", Action::GoToEntity, ["g d"], "go to the page of the row's team or service"),
    (Cost, "cost.by", Action::ToggleCostBy, ["t", "tab"], "per team / per service"),
    (Cost, "cost.refresh", Action::Reload, ["r", "ctrl-r"], "read the cost again (Cost Explorer: USD 0.01 a page, past the 3 h cache)"),
    (Incidents, "incidents.open", Action::Open, ["enter"], "the incident view of the incident's entity (in the view: the page of the entity on the line)"),
    (Incidents, "incidents.goto", Action::GoToEntity, ["g d"], "go to the page of the incident's service (in the incident view: the view's entity)"),
    (Incidents, "incidents.ack", Action::Acknowledge, ["a"], "acknowledge the selected incident (asks first; needs [pagerduty] from_email)"),
    (Incidents, "incidents.resolve", Action::Resolve, ["R"], "resolve the selected incident (asks first; needs [pagerduty] from_email)"),
    (Incidents, "incidents.trigger", Action::Trigger, ["t"], "trigger a new incident on the entity's service (Events API v2, asks first)"),
    (Incidents, "incidents.inbox", Action::ToggleInbox, ["m"], "my inbox (what needs you now) / every open incident"),
    (Incidents, "incidents.browser", Action::OpenInBrowser, ["o"], "open the selected incident in PagerDuty in the browser"),
    (Incidents, "incidents.refresh", Action::Reload, ["ctrl-r"], "ask PagerDuty again now (it also refreshes every 30 s)"),
    (Confirm, "confirm.yes", Action::Yes, ["y"], "yes: do it"),
    (Confirm, "confirm.no", Action::No, ["n", "esc"], "no: leave it"),
    (Problems, "problems.open", Action::Open, ["enter"], "open the entity of the problem"),
    (Input, "input.accept", Action::InputAccept, ["enter"], "accept (filter: open the selected entity)"),
    (Input, "input.cancel", Action::InputCancel, ["esc"], "cancel (filter: clear it)"),
    (Input, "input.leave", Action::InputLeave, ["tab"], "filter: keep it and go to the list; command: complete"),
    (Input, "input.delete", Action::InputBackspace, ["backspace"], "delete a character"),
    (Input, "input.delete_word", Action::InputDeleteWord, ["ctrl-w"], "delete a word"),
    (Input, "input.previous", Action::PrevField, ["shift-tab"], "form: keep the text, go to the previous field"),
    (Input, "input.clear", Action::InputClear, ["ctrl-u"], "clear the input"),
    (Input, "input.down", Action::Down, ["down", "ctrl-n"], "move the selection down while typing"),
    (Input, "input.up", Action::Up, ["up", "ctrl-p"], "move the selection up while typing"),
    (Input, "input.page_down", Action::PageDown, ["pgdn"], "a page down while typing"),
    (Input, "input.page_up", Action::PageUp, ["pgup"], "a page up while typing"),
}

/// A key as written in the config: `q`, `S`, `ctrl-d`, `enter`, `pgdn`, `f1`, `space`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
    pub alt: bool,
    /// A chord's second key (`g d`: `g`, then `d`), as vim's `gd`.
    pub then: Option<KeyCode>,
}

impl Key {
    pub fn parse(text: &str) -> Result<Key, String> {
        // A chord: two plain keys with a space between (`g d`).
        if let Some((first, second)) = text.trim().split_once(' ') {
            let (first, second) = (Key::parse(first)?, Key::parse(second.trim())?);
            if first.then.is_some() || second.ctrl || second.alt || second.then.is_some() {
                return Err(format!(
                    "unknown key \"{text}\" (a chord is two plain keys)"
                ));
            }
            return Ok(Key {
                then: Some(second.code),
                ..first
            });
        }
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1
                && (lower.starts_with("ctrl-")
                    || lower.starts_with("ctrl+")
                    || lower.starts_with("c-"))
            {
                ctrl = true;
                rest = &rest[if lower.starts_with("c-") { 2 } else { 5 }..];
            } else if rest.len() > 1
                && (lower.starts_with("alt-")
                    || lower.starts_with("alt+")
                    || lower.starts_with("m-"))
            {
                alt = true;
                rest = &rest[if lower.starts_with("m-") { 2 } else { 4 }..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCode::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" | "cr" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "backspace" | "bs" => KeyCode::Backspace,
                "tab" => KeyCode::Tab,
                "backtab" | "shift-tab" => KeyCode::BackTab,
                "space" | "spc" => KeyCode::Char(' '),
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pgup" | "pageup" => KeyCode::PageUp,
                "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "delete" | "del" => KeyCode::Delete,
                "insert" | "ins" => KeyCode::Insert,
                f if f.starts_with('f')
                    && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
                {
                    KeyCode::F(f[1..].parse().unwrap_or(1))
                }
                _ => return Err(format!("unknown key \"{text}\"")),
            },
        };
        Ok(Key {
            code,
            ctrl,
            alt,
            then: None,
        })
    }

    /// The key of a terminal event, normalised so it compares with parsed keys (Shift is in the
    /// character itself).
    pub fn from_event(event: &KeyEvent) -> Key {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let code = match event.code {
            KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
            code => code,
        };
        Key {
            code,
            ctrl,
            alt: event.modifiers.contains(KeyModifiers::ALT),
            then: None,
        }
    }

    /// The chord of this key followed by `next`.
    pub fn then(self, next: Key) -> Key {
        Key {
            then: Some(next.code),
            ..self
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("enter"),
            KeyCode::Esc => f.write_str("esc"),
            KeyCode::Backspace => f.write_str("backspace"),
            KeyCode::Tab => f.write_str("tab"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::Up => f.write_str("up"),
            KeyCode::Down => f.write_str("down"),
            KeyCode::Left => f.write_str("left"),
            KeyCode::Right => f.write_str("right"),
            KeyCode::PageUp => f.write_str("pgup"),
            KeyCode::PageDown => f.write_str("pgdn"),
            KeyCode::Home => f.write_str("home"),
            KeyCode::End => f.write_str("end"),
            KeyCode::Delete => f.write_str("delete"),
            KeyCode::Insert => f.write_str("insert"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{other:?}"),
        }?;
        match self.then {
            Some(next) => write!(
                f,
                " {}",
                Key {
                    code: next,
                    ctrl: false,
                    alt: false,
                    then: None
                }
            ),
            None => Ok(()),
        }
    }
}

/// One action with its effective keys.
pub struct Entry {
    pub scope: Scope,
    pub name: &'static str,
    pub action: Action,
    pub keys: Vec<Key>,
    pub help: &'static str,
}

/// The effective keymap: the defaults with the user's `[keys]` applied.
pub struct Keymap {
    pub entries: Vec<Entry>,
    /// Problems with the user's bindings, for the status line at start-up.
    pub warnings: Vec<String>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::new(&BTreeMap::new())
    }
}

impl Keymap {
    /// The defaults, with `overrides` (`"scope.action" = ["key", ...]`) replacing an action's
    /// keys. Unknown actions, unknown keys and conflicting bindings become warnings.
    pub fn new(overrides: &BTreeMap<String, Vec<String>>) -> Keymap {
        let table = defaults();
        let mut warnings = Vec::new();
        for name in overrides.keys() {
            if !table.iter().any(|b| b.name == name) {
                warnings.push(format!(
                    "[keys] \"{name}\": no such action (see ? for the names)"
                ));
            }
        }
        let entries: Vec<Entry> = table
            .iter()
            .map(|b| {
                let texts: Vec<&str> = match overrides.get(b.name) {
                    Some(keys) => keys.iter().map(String::as_str).collect(),
                    None => b.keys.to_vec(),
                };
                let keys = texts
                    .iter()
                    .filter_map(|k| match Key::parse(k) {
                        Ok(key) => Some(key),
                        Err(err) => {
                            warnings.push(format!("[keys] \"{}\": {err}", b.name));
                            None
                        }
                    })
                    .collect();
                Entry {
                    scope: b.scope,
                    name: b.name,
                    action: b.action.clone(),
                    keys,
                    help: b.help,
                }
            })
            .collect();
        let mut keymap = Keymap { entries, warnings };
        let defaults_conflicts = Keymap::conflicts_of(&Keymap {
            entries: table
                .iter()
                .map(|b| Entry {
                    scope: b.scope,
                    name: b.name,
                    action: b.action.clone(),
                    keys: b.keys.iter().filter_map(|k| Key::parse(k).ok()).collect(),
                    help: b.help,
                })
                .collect(),
            warnings: Vec::new(),
        });
        for conflict in keymap.conflicts() {
            // Layering a pane's key over a global one is deliberate in the defaults (Esc clears
            // the filter before going back); only what the user's bindings add is reported.
            if !defaults_conflicts.contains(&conflict) {
                keymap.warnings.push(conflict);
            }
        }
        keymap
    }

    /// Keys bound to two different actions where both would be looked up: in one scope, or in a
    /// pane's scope and the nav/app scopes it falls back to.
    pub fn conflicts(&self) -> Vec<String> {
        Keymap::conflicts_of(self)
    }

    fn conflicts_of(map: &Keymap) -> Vec<String> {
        let mut out = Vec::new();
        for (i, a) in map.entries.iter().enumerate() {
            for b in &map.entries[i + 1..] {
                // Text inputs and questions look up their own scope alone.
                let alone = |s: Scope| matches!(s, Scope::Input | Scope::Confirm);
                let together = a.scope == b.scope
                    || (!alone(a.scope)
                        && !alone(b.scope)
                        && (matches!(a.scope, Scope::App | Scope::Nav)
                            || matches!(b.scope, Scope::App | Scope::Nav)));
                if !together || a.action == b.action {
                    continue;
                }
                for key in a.keys.iter().filter(|k| b.keys.contains(k)) {
                    out.push(format!(
                        "key {key} is bound to both {} and {}",
                        a.name, b.name
                    ));
                }
            }
        }
        out
    }

    /// The action of a key in the given scopes, first scope first.
    pub fn lookup(&self, scopes: &[Scope], key: Key) -> Option<&Action> {
        scopes.iter().find_map(|scope| {
            self.entries
                .iter()
                .find(|e| e.scope == *scope && e.keys.contains(&key))
                .map(|e| &e.action)
        })
    }

    /// Whether `key` starts a chord bound in these scopes (the next key decides).
    pub fn starts_chord(&self, scopes: &[Scope], key: Key) -> bool {
        self.entries_for(scopes).any(|e| {
            e.keys
                .iter()
                .any(|k| k.then.is_some() && Key { then: None, ..*k } == key)
        })
    }

    /// The entries of the given scopes, in the order of the scopes, for help.
    pub fn entries_for<'a>(&'a self, scopes: &'a [Scope]) -> impl Iterator<Item = &'a Entry> + 'a {
        scopes
            .iter()
            .flat_map(move |scope| self.entries.iter().filter(move |e| e.scope == *scope))
    }

    /// The first key of an action, for hints.
    pub fn first_key(&self, name: &str) -> String {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.keys.first())
            .map(ToString::to_string)
            .unwrap_or_default()
    }

    /// The keys of an action in a scope, as text, for hints: `j/down`.
    pub fn keys_of(&self, name: &str) -> String {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .map(|e| {
                e.keys
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("/")
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keys_parse_and_do_not_conflict_within_a_scope() {
        for b in defaults() {
            for k in b.keys {
                Key::parse(k).unwrap_or_else(|e| panic!("{}: {e}", b.name));
            }
        }
        let keymap = Keymap::default();
        assert!(keymap.warnings.is_empty(), "{:?}", keymap.warnings);
        let same_scope: Vec<String> = keymap
            .conflicts()
            .into_iter()
            .filter(|c| {
                let names: Vec<&str> = c.split_whitespace().filter(|w| w.contains('.')).collect();
                names.len() == 2 && names[0].split('.').next() == names[1].split('.').next()
            })
            .collect();
        assert!(same_scope.is_empty(), "{same_scope:?}");
    }

    /// config.example.toml lists every action with its default keys: the docs cannot drift.
    #[test]
    fn example_config_documents_every_default_binding() {
        let text = include_str!("../../config.example.toml");
        let keys = &text[text.find("[keys]").expect("a [keys] section")..];
        let keys = &keys[..keys[1..].find("\n[").map_or(keys.len(), |i| i + 1)];
        let mut documented = BTreeMap::new();
        for (at, _) in keys.match_indices("\" = [") {
            let name_start = keys[..at].rfind('"').expect("an opening quote") + 1;
            let value_start = at + 4;
            let value_end =
                value_start + keys[value_start..].find(']').expect("a closing bracket") + 1;
            let parsed: BTreeMap<String, Vec<String>> =
                toml::from_str(&format!("k = {}", &keys[value_start..value_end])).unwrap();
            documented.insert(keys[name_start..at].to_string(), parsed["k"].clone());
        }
        for b in defaults() {
            let keys: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
            assert_eq!(
                documented.get(b.name),
                Some(&keys),
                "{} in config.example.toml",
                b.name
            );
        }
        assert_eq!(
            documented.len(),
            defaults().len(),
            "{:?}",
            documented.keys().collect::<Vec<_>>()
        );
    }

    #[test]
    fn parses_keys_as_written_in_config() {
        assert_eq!(
            Key::parse("ctrl-d").unwrap(),
            Key {
                code: KeyCode::Char('d'),
                ctrl: true,
                alt: false,
                then: None
            }
        );
        assert_eq!(Key::parse("S").unwrap().code, KeyCode::Char('S'));
        assert_eq!(Key::parse("PgDn").unwrap().code, KeyCode::PageDown);
        assert_eq!(Key::parse("space").unwrap().code, KeyCode::Char(' '));
        assert_eq!(Key::parse("-").unwrap().code, KeyCode::Char('-'));
        assert!(Key::parse("hyper-x").is_err());
        let event = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&event), Key::parse("S").unwrap());
    }

    #[test]
    fn user_bindings_replace_defaults_and_conflicts_are_reported() {
        let mut keys = BTreeMap::new();
        keys.insert(
            "catalog.sort".to_string(),
            vec!["o".to_string(), "q".to_string()],
        );
        keys.insert("catalog.nope".to_string(), vec!["x".to_string()]);
        let keymap = Keymap::new(&keys);
        let o = Key::parse("o").unwrap();
        assert_eq!(
            keymap.lookup(&[Scope::Catalog, Scope::App], o),
            Some(&Action::SortNext)
        );
        assert_eq!(
            keymap.lookup(&[Scope::Catalog], Key::parse("s").unwrap()),
            None
        );
        assert!(
            keymap.warnings.iter().any(|w| w.contains("catalog.nope")),
            "{:?}",
            keymap.warnings
        );
        assert!(
            keymap.warnings.iter().any(|w| w.contains("key q")
                && w.contains("app.quit")
                && w.contains("catalog.sort")),
            "{:?}",
            keymap.warnings
        );
    }
}
