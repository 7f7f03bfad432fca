//! The Docs pane's Markdown renderer on any text (README and TechDocs pages come from any
//! repository): never panics.
#![no_main]

use greenroom::tui::markdown::render;
use greenroom::tui::theme::Theme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    render(text, &Theme::default());
});
