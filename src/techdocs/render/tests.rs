use super::*;

fn page() -> Doc {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/techdocs/handbook/docs/index.md"
    ))
    .unwrap();
    render(&text)
}

#[test]
fn renders_the_fixture_page_as_text() {
    let doc = page();
    let text = doc.text();
    let expected = "\
# Handbook

Start with Setup <guide/setup.md>, then read how to roll back <guide/deploy.md#rolling-back>. Questions go to the team <mailto:docs@example.com>.

┃ Before you start
┃ You need access to the handbook namespace.
┃
┃ Ask in #docs <https://chat.example.com/docs>.

┃ ▾ Warning
┃ Folded on the site: the staging cluster is shared.

## Services

Service │ Port │   Owner
────────┼──────┼──────────
web     │ 8080 │ team-docs
worker  │    9 │ team-ops

## Build

  ┌ python
  def build(target):  # one target at a time
      return run(\"make\", target, retries=3)

[image: Architecture diagram] <images/architecture.png>

## Services

The second heading with the same words gets its own anchor.
";
    assert_eq!(text, expected, "\n{text}");
}

#[test]
fn keeps_headings_with_unique_anchors_and_links_with_their_lines() {
    let doc = page();
    let headings: Vec<(&str, usize)> = doc
        .headings
        .iter()
        .map(|h| (h.anchor.as_str(), h.line))
        .collect();
    assert_eq!(
        headings,
        [
            ("handbook", 0),
            ("services", 12),
            ("build", 19),
            ("services_1", 27)
        ]
    );
    assert_eq!(doc.anchor_line("build"), Some(19));
    let links: Vec<(&str, &str, usize)> = doc
        .links
        .iter()
        .map(|l| (l.href.as_str(), l.text.as_str(), l.line))
        .collect();
    assert_eq!(
        links,
        [
            ("guide/setup.md", "Setup", 2),
            ("guide/deploy.md#rolling-back", "roll back", 2),
            ("mailto:docs@example.com", "the team", 2),
            ("https://chat.example.com/docs", "#docs", 7),
            ("", "▾ Warning", 9),
        ]
    );
    // Each link's text carries its index, the admonition's shifted past the page's own.
    let on_line_7: Vec<Option<usize>> = doc.lines[7].spans.iter().map(|s| s.link).collect();
    assert!(on_line_7.contains(&Some(3)), "{on_line_7:?}");
}

#[test]
fn colours_code_and_marks_admonitions_and_table_headers() {
    let doc = page();
    let tone_of = |needle: &str| {
        doc.lines
            .iter()
            .flat_map(|l| &l.spans)
            .find(|s| s.text == needle)
            .map(|s| s.style.tone)
    };
    assert_eq!(tone_of("def"), Some(Tone::Keyword));
    assert_eq!(tone_of("\"make\""), Some(Tone::Str));
    assert_eq!(tone_of("# one target at a time"), Some(Tone::Comment));
    assert_eq!(tone_of("Before you start"), Some(Tone::Note));
    assert_eq!(tone_of("Service"), Some(Tone::TableHeader));
    let doc = render("!!! danger \"\"\n    No title line.\n\n```\n!!! note\n```\n");
    assert_eq!(doc.text(), "┃ No title line.\n\n  !!! note\n");
    assert_eq!(doc.lines[0].spans[0].style.tone, Tone::Danger);
}

#[test]
fn folding_admonitions_open_and_close_by_number() {
    let text = "??? tip \"Closed\"\n    [inside](a.md)\n\n???+ note \"Open\"\n    body\n\n??? bug \"\"\n    untitled stays open\n";
    let closed = render_with(text, Folds::Toggled(&[]));
    assert_eq!(
        closed.text(),
        "┃ ▸ Closed\n\n┃ ▾ Open\n┃ body\n\n┃ untitled stays open\n"
    );
    let titles: Vec<(Option<usize>, usize)> =
        closed.links.iter().map(|l| (l.fold, l.line)).collect();
    assert_eq!(titles, [(Some(0), 0), (Some(1), 2)]);
    let flipped = render_with(text, Folds::Toggled(&[0, 1]));
    assert_eq!(
        flipped.text(),
        "┃ ▾ Closed\n┃ inside <a.md>\n\n┃ ▸ Open\n\n┃ untitled stays open\n"
    );
    assert_eq!(
        flipped.links.len(),
        3,
        "the title, the link inside, the second title"
    );
    assert_eq!(
        render(text).text(),
        render_with(text, Folds::AllOpen).text()
    );
}

#[test]
fn admonitions_under_list_items_stay_in_the_item() {
    let text = "1. Install it.\n\n    !!! note \"Root\"\n        Needs root.\n\n    Then check the version.\n\n2. Run it.\n    ??? tip \"Why\"\n        Because [the guide](guide.md) says so.\n\n- Last step\n\n    !!! warning\n        Careful.\n\nAfter the list.\n\n    !!! note\n        Not in a list: code.\n";
    let open = render(text);
    assert_eq!(
        open.text(),
        "1. Install it.\n\n  ┃ Root\n  ┃ Needs root.\n\n  Then check the version.\n\n2. Run it.\n\n  ┃ ▾ Why\n  ┃ Because the guide <guide.md> says so.\n\n• Last step\n\n  ┃ Warning\n  ┃ Careful.\n\nAfter the list.\n\n  !!! note\n      Not in a list: code.\n",
        "\n{}",
        open.text()
    );
    // The folding one is closed as on the site, and its title flips it like a top-level one.
    let closed = render_with(text, Folds::Toggled(&[]));
    assert!(closed.text().contains("  ┃ ▸ Why\n"), "{}", closed.text());
    assert!(!closed.text().contains("Because"));
    let title = closed.links.iter().find(|l| l.fold == Some(0)).unwrap();
    assert_eq!(closed.lines[title.line].text(), "  ┃ ▸ Why");
    // Links inside keep their lines.
    let link = open.links.iter().find(|l| l.href == "guide.md").unwrap();
    assert!(open.lines[link.line].text().contains("the guide"));
}
