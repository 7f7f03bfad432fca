//! Cheap looks at a file's text before it is parsed: whether it is a Backstage descriptor at all
//! (a folder named on the command line holds Kubernetes manifests, workflows, Helm values… that
//! must cost no parse), and whether it is a Scaffolder skeleton (`${{ values.x }}`, `{%- if %}`)
//! rather than an entity.

/// Whether a document of the file starts a top-level `apiVersion:` with a Backstage group
/// (`backstage.io/…`, `scaffolder.backstage.io/…`), plain or quoted. One pass over the bytes.
pub fn has_backstage_api_version(text: &[u8]) -> bool {
    text.split(|b| *b == b'\n').any(|line| {
        let Some(mut value) = line.strip_prefix(b"apiVersion:") else {
            return false;
        };
        while let [b' ' | b'\t', rest @ ..] = value {
            value = rest;
        }
        if let [b'"' | b'\'', rest @ ..] = value {
            value = rest;
        }
        value.starts_with(b"backstage.io/") || value.starts_with(b"scaffolder.backstage.io/")
    })
}

/// Whether the text holds template syntax outside YAML strings: a Nunjucks tag (`{%`) anywhere
/// but in a quoted or block scalar or a comment, or a `${{ }}` expression in a plain scalar of a
/// document that is not a Template (a Template's steps hold `${{ parameters.x }}` by design; a
/// skeleton's entity holds `${{ values.x }}` where its name or owner should be). Quoted and block
/// scalars are strings a real descriptor may legitimately hold such text in.
pub fn is_skeleton(text: &str) -> bool {
    // Nearly every file has neither (most have no `{` at all): a byte search first, no scanning.
    if !text.as_bytes().contains(&b'{') || (!text.contains("${{") && !text.contains("{%")) {
        return false;
    }
    documents(text).any(|doc| {
        let template = doc.lines().any(|l| {
            l.strip_prefix("kind:")
                .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == "Template")
        });
        outside_strings(doc, !template)
    })
}

/// The documents of a stream, split at `---` lines.
fn documents(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let text = rest?;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            if offset > 0 && line.starts_with("---") {
                rest = Some(&text[offset..]);
                return Some(&text[..offset]);
            }
            offset += line.len();
        }
        rest = None;
        Some(text)
    })
}

/// Scans one document, skipping quoted scalars (which may span lines), block scalars and
/// comments; true at the first `{%`, or `${{` when `expressions` count.
fn outside_strings(doc: &str, expressions: bool) -> bool {
    let mut quote: Option<u8> = None;
    // The indentation of the line that opened a block scalar: deeper lines belong to it.
    let mut block: Option<usize> = None;
    for line in doc.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block = None;
        }
        let bytes = line.as_bytes();
        let mut i = 0;
        // Where the last token outside strings ended: a quote opens a string only where a
        // scalar may start (after `: `, `- `, `[`, `{`, `,` or at the line's start).
        let mut token_start = true;
        let mut plain_end = 0;
        while i < bytes.len() {
            let c = bytes[i];
            if let Some(q) = quote {
                if c == b'\\' && q == b'"' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    token_start = false;
                }
                i += 1;
                continue;
            }
            match c {
                b'#' if i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t' => break,
                b'"' | b'\'' if token_start => quote = Some(c),
                b'{' if bytes[i..].starts_with(b"{%") => return true,
                b'$' if expressions && bytes[i..].starts_with(b"${{") => return true,
                b' ' | b'\t' => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            token_start = matches!(c, b'[' | b'{' | b',' | b'?')
                || (matches!(c, b':' | b'-')
                    && bytes.get(i + 1).is_none_or(|n| *n == b' ' || *n == b'\t'));
            if quote.is_none() {
                plain_end = i + 1;
            }
            i += 1;
        }
        if quote.is_none() && opens_block(&line[..plain_end]) {
            block = Some(indent);
        }
    }
    false
}

/// Whether a line (without its comment) ends in a block scalar header: `|`, `>`, `|-`, `>+2`…
fn opens_block(line: &str) -> bool {
    let trimmed = line.trim_end();
    let head = trimmed.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    let Some(before) = head.strip_suffix('|').or_else(|| head.strip_suffix('>')) else {
        return false;
    };
    let before = before.trim_end();
    before.is_empty() || before.ends_with(':') || before.ends_with('-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backstage_api_versions_are_told_from_others() {
        assert!(has_backstage_api_version(
            b"apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        ));
        assert!(has_backstage_api_version(
            b"# a template\napiVersion: \"scaffolder.backstage.io/v1beta3\"\n"
        ));
        assert!(has_backstage_api_version(
            b"apiVersion: apps/v1\n---\napiVersion: backstage.io/v1alpha1\n"
        ));
        assert!(!has_backstage_api_version(
            b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  annotations:\n    backstage.io/kubernetes-id: x\n"
        ));
        assert!(!has_backstage_api_version(
            b"spec:\n  apiVersion: backstage.io/v1alpha1\n"
        ));
        assert!(!has_backstage_api_version(b"name: ci\non: push\n"));
    }

    #[test]
    fn skeletons_are_told_from_entities_and_templates() {
        let skeleton = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ${{ values.name | dump }}\nspec:\n  owner: team\n";
        assert!(is_skeleton(skeleton));
        let tags = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  {%- if values.description %}\n  description: x\n  {%- endif %}\n";
        assert!(is_skeleton(tags));
        let template = "apiVersion: scaffolder.backstage.io/v1beta3\nkind: Template\nmetadata:\n  name: t\nspec:\n  steps:\n    - id: fetch\n      action: fetch:template\n      input:\n        url: ./skeleton\n        values:\n          name: ${{ parameters.name }}\n";
        assert!(!is_skeleton(template));
        let quoted = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  description: \"renders ${{ values.x }} and {% if %}\"\n  title: 'it''s ${{ x }}'\n";
        assert!(!is_skeleton(quoted));
        let block = "kind: Component\nmetadata:\n  name: svc\n  description: |\n    {% raw %}${{ x }}{% endraw %}\n\n    more\nspec:\n  owner: team # not ${{ here }}\n";
        assert!(!is_skeleton(block));
        let after_block =
            "kind: Component\nmetadata:\n  description: >-\n    text\n  name: ${{ values.name }}\n";
        assert!(is_skeleton(after_block));
        let apostrophe = "kind: Component\nmetadata:\n  description: it's {% nothing %}\n";
        assert!(is_skeleton(apostrophe));
        let second_doc = "kind: Template\nspec:\n  x: ${{ parameters.a }}\n---\nkind: Component\nmetadata:\n  name: ${{ values.a }}\n";
        assert!(is_skeleton(second_doc));
        assert!(!is_skeleton("kind: Component\nmetadata:\n  name: plain\n"));
    }
}
