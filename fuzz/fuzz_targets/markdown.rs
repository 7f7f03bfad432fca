//! The Docs pane's Markdown renderer on any text (README and TechDocs pages come from any
//! repository): rendering, and wrapping each line to a narrow and a wide pane, never panics.
#![no_main]

use greenroom::techdocs;
use greenroom::tui::markdown::wrapped;
use greenroom::tui::theme::Theme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let doc = techdocs::render(text);
    let theme = Theme::default();
    for line in &doc.lines {
        for width in [1, 80] {
            wrapped(line, width, &theme, Some(0));
        }
    }
});
