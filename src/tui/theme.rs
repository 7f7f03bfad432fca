//! Colour themes: `themes/<name>.toml`, embedded in the binary (so an installed binary has them)
//! or read from a path. `NO_COLOR` keeps only modifiers (bold, reverse, underline).

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// The themes shipped in `themes/`.
pub const BUILTIN: [(&str, &str); 3] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

pub const DEFAULT: &str = "dark";

#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    pub base: Style,
    pub muted: Style,
    pub accent: Style,
    pub header: Style,
    pub demo_badge: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub border: Style,
    pub title: Style,
    pub table_header: Style,
    pub selected: Style,
    pub matched: Style,
    pub link: Style,
    pub heading: Style,
    pub code: Style,
    pub error: Style,
    pub warning: Style,
    pub ok: Style,
    pub status: Style,
    pub key: Style,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    #[serde(default)]
    styles: BTreeMap<String, StyleSpec>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    bold: bool,
    italic: bool,
    underlined: bool,
    reversed: bool,
    dim: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme::parse(BUILTIN[0].1).expect("the built-in dark theme parses")
    }
}

impl Theme {
    /// A row's style: the highlight under the cursor, else its own.
    pub fn row_style(&self, selected: bool, style: Style) -> Style {
        if selected {
            self.selected
        } else {
            style
        }
    }

    /// A built-in theme by name, else a theme file at that path.
    pub fn load(name_or_path: &str) -> Result<Theme, String> {
        if let Some((_, text)) = BUILTIN
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(name_or_path))
        {
            return Theme::parse(text);
        }
        let path = std::path::Path::new(name_or_path);
        if path.is_file() {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("theme {name_or_path}: {e}"))?;
            return Theme::parse(&text).map_err(|e| format!("theme {name_or_path}: {e}"));
        }
        let names: Vec<&str> = BUILTIN.iter().map(|(n, _)| *n).collect();
        Err(format!(
            "no theme \"{name_or_path}\" (built in: {}; or a path to a .toml file)",
            names.join(", ")
        ))
    }

    /// Parses a theme file; styles it does not name come from the dark theme.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let file: File = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let fallback = if file.name.as_deref() == Some(DEFAULT) {
            None
        } else {
            Some(Theme::default())
        };
        let mut styles = BTreeMap::new();
        for (key, spec) in &file.styles {
            styles.insert(
                key.as_str(),
                spec.to_style().map_err(|e| format!("styles.{key}: {e}"))?,
            );
        }
        let known = [
            "base",
            "muted",
            "accent",
            "header",
            "demo_badge",
            "tab",
            "tab_active",
            "border",
            "title",
            "table_header",
            "selected",
            "matched",
            "link",
            "heading",
            "code",
            "error",
            "warning",
            "ok",
            "status",
            "key",
        ];
        if let Some(unknown) = styles.keys().find(|k| !known.contains(k)) {
            return Err(format!(
                "styles.{unknown}: unknown style (known: {})",
                known.join(", ")
            ));
        }
        let get = |key: &str, from_default: fn(&Theme) -> Style| -> Result<Style, String> {
            match (styles.get(key), &fallback) {
                (Some(style), _) => Ok(*style),
                (None, Some(theme)) => Ok(from_default(theme)),
                (None, None) => Err(format!("styles.{key} is missing")),
            }
        };
        Ok(Theme {
            name: file.name.unwrap_or_else(|| "custom".into()),
            base: get("base", |t| t.base)?,
            muted: get("muted", |t| t.muted)?,
            accent: get("accent", |t| t.accent)?,
            header: get("header", |t| t.header)?,
            demo_badge: get("demo_badge", |t| t.demo_badge)?,
            tab: get("tab", |t| t.tab)?,
            tab_active: get("tab_active", |t| t.tab_active)?,
            border: get("border", |t| t.border)?,
            title: get("title", |t| t.title)?,
            table_header: get("table_header", |t| t.table_header)?,
            selected: get("selected", |t| t.selected)?,
            matched: get("matched", |t| t.matched)?,
            link: get("link", |t| t.link)?,
            heading: get("heading", |t| t.heading)?,
            code: get("code", |t| t.code)?,
            error: get("error", |t| t.error)?,
            warning: get("warning", |t| t.warning)?,
            ok: get("ok", |t| t.ok)?,
            status: get("status", |t| t.status)?,
            key: get("key", |t| t.key)?,
        })
    }

    /// The same theme without colours (for `NO_COLOR`): modifiers only, and what colours used to
    /// tell apart (selection, tabs, header) shown in reverse video instead.
    pub fn without_colour(mut self) -> Theme {
        for style in self.styles_mut() {
            *style = Style {
                fg: None,
                bg: None,
                ..*style
            };
        }
        for style in [
            &mut self.selected,
            &mut self.tab_active,
            &mut self.header,
            &mut self.demo_badge,
            &mut self.status,
        ] {
            *style = style.add_modifier(Modifier::REVERSED);
        }
        self.matched = self
            .matched
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED);
        self.muted = self.muted.add_modifier(Modifier::DIM);
        self
    }

    fn styles_mut(&mut self) -> [&mut Style; 20] {
        [
            &mut self.base,
            &mut self.muted,
            &mut self.accent,
            &mut self.header,
            &mut self.demo_badge,
            &mut self.tab,
            &mut self.tab_active,
            &mut self.border,
            &mut self.title,
            &mut self.table_header,
            &mut self.selected,
            &mut self.matched,
            &mut self.link,
            &mut self.heading,
            &mut self.code,
            &mut self.error,
            &mut self.warning,
            &mut self.ok,
            &mut self.status,
            &mut self.key,
        ]
    }

    /// Whether any style has a colour (false after [`Theme::without_colour`]).
    pub fn has_colour(&self) -> bool {
        let mut theme = self.clone();
        theme
            .styles_mut()
            .iter()
            .any(|s| s.fg.is_some() || s.bg.is_some())
    }
}

impl StyleSpec {
    fn to_style(&self) -> Result<Style, String> {
        let colour = |text: &Option<String>| -> Result<Option<Color>, String> {
            text.as_deref()
                .map(|t| Color::from_str(t).map_err(|_| format!("unknown colour \"{t}\"")))
                .transpose()
        };
        let mut style = Style::default();
        if let Some(fg) = colour(&self.fg)? {
            style = style.fg(fg);
        }
        if let Some(bg) = colour(&self.bg)? {
            style = style.bg(bg);
        }
        for (on, modifier) in [
            (self.bold, Modifier::BOLD),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
            (self.dim, Modifier::DIM),
        ] {
            if on {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

/// The theme to use: `--theme` over the config's `ui.theme` over the default, without colours
/// when `no_color` (the `NO_COLOR` variable is set and not empty). A theme that cannot be loaded
/// falls back to the default, with the reason as a warning.
pub fn choose(cli: Option<&str>, config: Option<&str>, no_color: bool) -> (Theme, Option<String>) {
    let wanted = cli.or(config).unwrap_or(DEFAULT);
    let (theme, warning) = match Theme::load(wanted) {
        Ok(theme) => (theme, None),
        Err(err) => (Theme::default(), Some(err)),
    };
    (
        if no_color {
            theme.without_colour()
        } else {
            theme
        },
        warning,
    )
}

/// `NO_COLOR` as no-color.org defines it: set and not empty.
pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_themes_are_complete() {
        for (name, text) in BUILTIN {
            let theme = Theme::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(theme.name, name);
            assert!(theme.has_colour());
        }
    }

    #[test]
    fn cli_overrides_config_and_no_color_strips_colours() {
        let (theme, warning) = choose(Some("light"), Some("high-contrast"), false);
        assert_eq!((theme.name.as_str(), warning), ("light", None));
        let (theme, _) = choose(None, Some("high-contrast"), true);
        assert_eq!(theme.name, "high-contrast");
        assert!(!theme.has_colour());
        assert!(theme.selected.add_modifier.contains(Modifier::REVERSED));
        let (theme, warning) = choose(Some("nope"), None, false);
        assert_eq!(theme.name, "dark");
        assert!(warning.unwrap().contains("nope"));
    }

    #[test]
    fn a_theme_file_by_path_and_errors_name_the_style() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(
            &path,
            "name = \"mine\"\n[styles]\nselected = { fg = \"black\", bg = \"#ffcc00\" }\n",
        )
        .unwrap();
        let theme = Theme::load(path.to_str().unwrap()).unwrap();
        assert_eq!(theme.selected.bg, Some(Color::Rgb(0xff, 0xcc, 0)));
        assert_eq!(theme.base, Theme::default().base);
        let err = Theme::parse("[styles]\nbase = { fg = \"notacolour\" }\n").unwrap_err();
        assert!(
            err.contains("styles.base") && err.contains("notacolour"),
            "{err}"
        );
    }
}
