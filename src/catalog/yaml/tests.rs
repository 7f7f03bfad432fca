//! Positions, scalar types, document numbering and the limits on hostile files.

use super::*;

fn one(text: &str) -> Node {
    let mut docs = parse_documents(text);
    assert_eq!(docs.len(), 1, "{docs:?}");
    docs.remove(0).unwrap().unwrap()
}

#[test]
fn positions_are_one_based_lines_and_columns() {
    let doc = one("kind: Component\nmetadata:\n  name: a\n");
    let (key, value) = doc.get("metadata").unwrap().entry("name").unwrap();
    assert_eq!(key.pos, Pos { line: 3, col: 3 });
    assert_eq!(value.pos, Pos { line: 3, col: 9 });
}

#[test]
fn core_schema_types_scalars_like_backstage() {
    let doc = one("a: yes\nb: 1.0\nc: '1'\nd: ~\ne: 0x1f\nf: on\ng: 1e3\nh: TRUE\ni: .5\n");
    let v = |k| doc.get(k).unwrap().value.clone();
    assert_eq!(v("a"), NodeValue::String("yes".into()));
    assert_eq!(v("b"), NodeValue::Float(1.0));
    assert_eq!(v("c"), NodeValue::String("1".into()));
    assert_eq!(v("d"), NodeValue::Null);
    assert_eq!(v("e"), NodeValue::Int(31));
    assert_eq!(v("f"), NodeValue::String("on".into()));
    assert_eq!(v("g"), NodeValue::Float(1000.0));
    assert_eq!(v("h"), NodeValue::Bool(true));
    assert_eq!(v("i"), NodeValue::Float(0.5));
}

#[test]
fn a_syntax_error_costs_only_its_document() {
    let docs = parse_documents("a: 1\n---\nb: [unclosed\n---\nc: 3\n");
    assert_eq!(docs.len(), 3);
    assert!(docs[0].is_ok());
    let err = docs[1].as_ref().unwrap_err();
    assert!(err.pos.line >= 3, "{err:?}");
    assert_eq!(
        docs[2]
            .as_ref()
            .unwrap()
            .as_ref()
            .unwrap()
            .get("c")
            .unwrap()
            .pos
            .line,
        5
    );
}

#[test]
fn empty_documents_are_skipped() {
    let docs = parse_documents("---\n# only a comment\n---\na: 1\n---\n");
    assert_eq!(docs.len(), 1);
}

#[test]
fn duplicate_keys_are_errors() {
    let docs = parse_documents("a: 1\nb: 2\na: 3\n");
    assert_eq!(docs[0].as_ref().unwrap_err().pos, Pos { line: 3, col: 1 });
}

#[test]
fn aliases_expand_and_bombs_are_refused() {
    let doc = one("x: &a [1, 2]\ny: *a\n");
    assert_eq!(doc.get("y").unwrap().as_seq().unwrap().len(), 2);
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!(
            "{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
            (b'a' + i) as char,
            (b'a' + i) as char,
            p = (b'a' + i - 1) as char
        ));
    }
    let err = parse_documents(&bomb).remove(0).unwrap_err();
    // The `yaml` package's alias guard comes first; the node budget backs it up.
    assert!(
        err.message.contains("alias bomb") || err.message.contains("too many aliases"),
        "{err:?}"
    );
}

#[test]
fn a_tab_after_a_colon_separates_as_in_yaml_1_2() {
    let doc = one("a:\tb\nc:\t\t'd:\te'\né: {x:\ty}\n");
    assert_eq!(doc.get("a").unwrap().as_str(), Some("b"));
    assert_eq!(
        doc.get("c").unwrap().as_str(),
        Some("d:\te"),
        "quoted text keeps its tab"
    );
    assert_eq!(doc.get("é").unwrap().get("x").unwrap().as_str(), Some("y"));
}

#[test]
fn duplicate_keys_compare_as_javascript_values() {
    assert!(parse_documents("1: a\n1.0: b\n").remove(0).is_err());
    assert!(parse_documents("true: a\nTrue: b\n").remove(0).is_err());
    let doc = one("1: a\n'1': b\nc: d\n");
    let entries = doc.as_map().unwrap();
    assert_eq!(entries.len(), 2, "one JavaScript property");
    assert_eq!(entries[0].1.as_str(), Some("b"), "the later value wins");
}

#[test]
fn the_yaml_packages_alias_guard_is_mirrored() {
    let uses = |n: usize| format!("a: &a x\nb: [{}]\n", vec!["*a"; n].join(", "));
    assert!(parse_documents(&uses(100)).remove(0).is_ok());
    let err = parse_documents(&uses(101)).remove(0).unwrap_err();
    assert!(
        err.aborts_file && err.message.contains("too many aliases"),
        "{err:?}"
    );
    // A collection of aliases weighs its aliases' uses: 10 uses of a collection holding 11
    // aliases of a scalar used 11 times is 10 × 11 > 100.
    let nested = format!(
        "a: &a x\nb: &b [{}]\nc: [{}]\n",
        ["*a"; 11].join(", "),
        ["*b"; 10].join(", ")
    );
    assert!(parse_documents(&nested).remove(0).unwrap_err().aborts_file);
    let nested = format!(
        "a: &a x\nb: &b [{}]\nc: [{}]\n",
        ["*a"; 10].join(", "),
        ["*b"; 10].join(", ")
    );
    assert!(parse_documents(&nested).remove(0).is_ok());
}

#[test]
fn stream_numbering_follows_the_yaml_package() {
    let count = |text: &str| parse_stream(text).len();
    assert_eq!(count(""), 0);
    assert_eq!(count("# only\n"), 0);
    assert_eq!(count("---\n"), 1);
    assert_eq!(count("a: 1\n---\n"), 2);
    assert_eq!(count("# c\n---\na: 1\n"), 1);
    assert_eq!(count("a: 1\n---\n---\nb: 2\n"), 3);
    assert_eq!(count("a: 1\n...\n"), 1);
    assert_eq!(count("a: 1\n...\nb: 1\n"), 2);
    assert_eq!(count("a: 1\n...\n---\nb: 1\n"), 2);
    assert_eq!(count("%YAML 1.2\n---\na: 1\n"), 1);
    assert_eq!(count("...\n"), 1);
    assert_eq!(count("...\n...\n"), 2);
    assert_eq!(count("a: 1\n...\n# c\n...\n"), 2);
    assert_eq!(count("...\na: 1\n"), 2);
    let docs = parse_stream("a: 1\n---\n---\nb: 2\n");
    assert_eq!((docs[1].first_line, docs[1].last_line), (2, 2));
    assert_eq!(docs[1].doc, Ok(None));
    assert_eq!((docs[2].first_line, docs[2].last_line), (3, 4));
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let err = parse_documents(&deep).remove(0).unwrap_err();
    // saphyr's own recursion limit or ours, whichever comes first
    assert!(
        err.message.contains("nesting") || err.message.contains("recursion"),
        "{err:?}"
    );
}

#[test]
fn markers_inside_block_scalars_need_indentation() {
    let docs = parse_documents("a: |\n  ---\n  text\nb: 1\n");
    assert_eq!(docs.len(), 1);
}
