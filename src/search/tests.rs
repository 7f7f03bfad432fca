use std::sync::Arc;

use super::*;

/// A component with a ref and a name, plus extra fields.
fn component(name: &str, extra: &[(Field, &str)]) -> SearchDoc {
    let mut doc = SearchDoc::new()
        .with(Field::Name, name)
        .with(Field::Ref, format!("component:default/{name}"));
    for &(field, text) in extra {
        doc.push(field, text);
    }
    doc
}

fn index(docs: Vec<SearchDoc>) -> SearchIndex {
    SearchIndex::new(docs)
}

/// Names of the hits, best first.
fn names(docs: &[SearchDoc], index: &SearchIndex, query: &str) -> Vec<String> {
    index
        .search(query, 1000)
        .hits
        .iter()
        .map(|hit| name_of(&docs[hit.doc]))
        .collect()
}

fn name_of(doc: &SearchDoc) -> String {
    doc.fields
        .iter()
        .find(|(f, _)| *f == Field::Name)
        .map(|(_, t)| t.clone())
        .unwrap_or_default()
}

fn catalog() -> Vec<SearchDoc> {
    vec![
        component(
            "payments-ledger",
            &[
                (Field::Title, "Payments Ledger"),
                (Field::Owner, "team-payments"),
                (Field::Lifecycle, "production"),
                (Field::Description, "Double-entry ledger for card payments"),
                (Field::Tag, "java"),
                (Field::Kind, "Component"),
                (Field::Type, "service"),
                (Field::System, "payments"),
            ],
        ),
        component(
            "legacy-ledger",
            &[
                (Field::Owner, "team-payments"),
                (Field::Lifecycle, "deprecated"),
                (Field::Tag, "cobol"),
                (Field::Kind, "Component"),
                (Field::Type, "service"),
            ],
        ),
        component(
            "ledger-api",
            &[
                (Field::Owner, "team-core"),
                (Field::Lifecycle, "production"),
                (Field::Kind, "API"),
                (Field::Type, "openapi"),
                (Field::Tag, "javascript"),
            ],
        ),
        component(
            "checkout",
            &[
                (Field::Owner, "team-payments"),
                (
                    Field::Description,
                    "Web checkout; writes to the ledger. Deprecated soon",
                ),
                (Field::Lifecycle, "production"),
                (Field::Kind, "Component"),
                (Field::System, "storefront"),
            ],
        ),
        component(
            "order-service",
            &[
                (Field::Owner, "team-orders"),
                (Field::Title, "Order Service"),
                (Field::Lifecycle, "experimental"),
                (Field::Kind, "Component"),
            ],
        ),
    ]
}

// ---- ranking ----------------------------------------------------------------

#[test]
fn exact_name_then_prefix_then_others() {
    let docs = vec![
        component("order-service-v2", &[]),
        component("legacy-order-service", &[]),
        component("order-service", &[]),
        component("orders", &[]),
    ];
    let idx = index(docs.clone());
    assert_eq!(
        names(&docs, &idx, "order-service"),
        ["order-service", "order-service-v2", "legacy-order-service"]
    );
    // Two prefix matches of equal quality: the shorter name first.
    assert_eq!(
        names(&docs, &idx, "ord"),
        [
            "orders",
            "order-service",
            "order-service-v2",
            "legacy-order-service"
        ]
    );
    // Exact match is case-insensitive.
    assert_eq!(names(&docs, &idx, "ORDERS")[0], "orders");
}

#[test]
fn field_weights_name_title_tags_description() {
    let docs = vec![
        component("alpha", &[(Field::Description, "keeps the ledger")]),
        component("bravo", &[(Field::Tag, "ledger")]),
        component("charlie", &[(Field::Title, "Ledger")]),
        component("delta-ledger", &[]),
        component("echo", &[(Field::Owner, "ledger")]),
    ];
    let idx = index(docs.clone());
    // Tag and owner weigh the same: the shorter name breaks the tie.
    assert_eq!(
        names(&docs, &idx, "ledger"),
        ["delta-ledger", "charlie", "echo", "bravo", "alpha"]
    );
    let hits = idx.search("ledger", 10).hits;
    let fields: Vec<_> = hits.iter().map(|h| h.field).collect();
    assert_eq!(
        fields,
        [
            Some(Field::Name),
            Some(Field::Title),
            Some(Field::Owner),
            Some(Field::Tag),
            Some(Field::Description)
        ]
    );
}

#[test]
fn ties_break_by_shorter_name_then_ref() {
    let docs = vec![
        component("svc-long", &[]),
        component("svc-b", &[]),
        component("svc-a", &[]),
    ];
    let idx = index(docs.clone());
    assert_eq!(names(&docs, &idx, "svc"), ["svc-a", "svc-b", "svc-long"]);
    let scores: Vec<u32> = idx.search("svc", 10).hits.iter().map(|h| h.score).collect();
    assert!(
        scores[0] == scores[1],
        "equal matches score equally: {scores:?}"
    );
}

#[test]
fn tighter_fuzzy_match_ranks_higher() {
    let docs = vec![
        component("cart-handler-service", &[]),
        component("catalog-handler", &[]),
    ];
    let idx = index(docs.clone());
    // "cat" is contiguous in catalog, scattered in cart-handler-service.
    assert_eq!(names(&docs, &idx, "cat")[0], "catalog-handler");
}

#[test]
fn empty_query_lists_everything_in_tie_break_order() {
    let docs = catalog();
    let idx = index(docs.clone());
    let all = idx.search("", 100);
    assert_eq!(all.total, docs.len());
    assert_eq!(
        all.hits
            .iter()
            .map(|h| name_of(&docs[h.doc]))
            .collect::<Vec<_>>(),
        [
            "checkout",
            "ledger-api",
            "legacy-ledger",
            "order-service",
            "payments-ledger"
        ]
    );
    assert!(all
        .hits
        .iter()
        .all(|h| h.score == 0 && h.field.is_none() && h.highlights.is_empty()));
    // Whitespace and lone operators are empty queries too.
    for query in ["   ", "!", "'", "^", "owner:", "! ' ^ kind:"] {
        assert_eq!(idx.search(query, 100), all, "{query:?}");
    }
    // Building from the same documents in another order gives the same order.
    let mut reversed = docs.clone();
    reversed.reverse();
    let idx2 = index(reversed.clone());
    let order2: Vec<String> = idx2
        .search("", 100)
        .hits
        .iter()
        .map(|h| name_of(&reversed[h.doc]))
        .collect();
    assert_eq!(
        order2,
        [
            "checkout",
            "ledger-api",
            "legacy-ledger",
            "order-service",
            "payments-ledger"
        ]
    );
}

#[test]
fn limit_and_total() {
    let docs = catalog();
    let idx = index(docs.clone());
    let results = idx.search("ledger", 2);
    assert_eq!(results.hits.len(), 2);
    assert_eq!(results.total, 4); // three names + checkout's description
    assert_eq!(idx.search("ledger", 0).hits.len(), 0);
    assert_eq!(idx.search("ledger", 0).total, 4);
    assert_eq!(
        idx.search("ledger", 2).hits,
        idx.search("ledger", 10).hits[..2]
    );
}

// ---- grammar ----------------------------------------------------------------

#[test]
fn negation_excludes_any_field() {
    let docs = catalog();
    let idx = index(docs.clone());
    // legacy-ledger by lifecycle, checkout by its description.
    assert_eq!(
        names(&docs, &idx, "ledger !deprecated"),
        ["ledger-api", "payments-ledger"]
    );
    // A negated word is a substring, not fuzzy: "!pmt" excludes nothing.
    assert_eq!(idx.search("!pmt", 10).total, docs.len());
    assert_eq!(idx.search("!'deprecated", 10).total, 3);
}

#[test]
fn exact_substring_versus_fuzzy() {
    let docs = catalog();
    let idx = index(docs.clone());
    assert_eq!(names(&docs, &idx, "ldgr").len(), 3);
    assert!(names(&docs, &idx, "'ldgr").is_empty());
    assert_eq!(names(&docs, &idx, "'LEDGER-"), ["ledger-api"]);
}

#[test]
fn substring_ignores_case_whatever_the_needle_starts_with() {
    // nucleo-matcher 0.3.1 alone misses these (first letter at index >= 2).
    let docs = vec![component("v2-API-Gateway", &[(Field::Tag, "42AB")])];
    let idx = index(docs);
    for query in ["'42ab", "'-api", "'2-api-g", "tag:42ab", "!'--x"] {
        assert_eq!(idx.search(query, 10).total, 1, "{query}");
    }
    let hit = &idx.search("'2-api", 1).hits[0];
    assert_eq!(hit.positions(Field::Name), Some(&[1, 2, 3, 4, 5][..]));
}

#[test]
fn prefix_terms() {
    let docs = catalog();
    let idx = index(docs.clone());
    // Some field starts with "pay": payments-ledger (name, title, system).
    assert_eq!(names(&docs, &idx, "^pay"), ["payments-ledger"]);
    assert_eq!(names(&docs, &idx, "^team-c"), ["ledger-api"]);
    assert_eq!(names(&docs, &idx, "ledger !^team-p"), ["ledger-api"]);
}

#[test]
fn field_terms() {
    let docs = catalog();
    let idx = index(docs.clone());
    assert_eq!(
        names(&docs, &idx, "owner:payments"),
        ["checkout", "legacy-ledger", "payments-ledger"]
    );
    // Only the owner field: the name "payments-ledger" alone doesn't count.
    assert_eq!(names(&docs, &idx, "owner:core"), ["ledger-api"]);
    assert_eq!(names(&docs, &idx, "OWNER:Core"), ["ledger-api"]);
    assert_eq!(names(&docs, &idx, "kind:api"), ["ledger-api"]);
    assert_eq!(names(&docs, &idx, "lifecycle:exp"), ["order-service"]);
    assert_eq!(names(&docs, &idx, "system:storefront"), ["checkout"]);
    assert_eq!(names(&docs, &idx, "type:openapi"), ["ledger-api"]);
    // Substring: "tag:java" also finds javascript.
    assert_eq!(
        names(&docs, &idx, "tag:java"),
        ["ledger-api", "payments-ledger"]
    );
    assert_eq!(names(&docs, &idx, "tag:cobol"), ["legacy-ledger"]);
    assert_eq!(
        names(&docs, &idx, "!owner:payments"),
        ["ledger-api", "order-service"]
    );
    // Not a known field name: a fuzzy word, which matches the ref.
    assert_eq!(
        names(&docs, &idx, "component:default/order"),
        ["order-service"]
    );
}

#[test]
fn combined_terms() {
    let docs = catalog();
    let idx = index(docs.clone());
    assert_eq!(
        names(&docs, &idx, "owner:payments !deprecated ledger"),
        ["payments-ledger"]
    );
    assert_eq!(
        names(&docs, &idx, "ledger owner:payments"),
        ["legacy-ledger", "payments-ledger", "checkout"]
    );
    assert_eq!(
        names(&docs, &idx, "kind:component lifecycle:prod !java"),
        ["checkout"]
    );
    assert!(names(&docs, &idx, "ledger owner:orders").is_empty());
}

#[test]
fn query_parsing() {
    let q = Query::parse("  owner:pay !old 'ex ^pre fuzzy !^np !kind:api x:y ! ");
    let described: Vec<(TermKind, bool, &str)> = q
        .terms
        .iter()
        .map(|t| (t.kind, t.negated, t.text.as_str()))
        .collect();
    assert_eq!(
        described,
        [
            (TermKind::Substring, true, "old"),
            (TermKind::Prefix, true, "np"),
            (TermKind::Field(Field::Kind), true, "api"),
            (TermKind::Field(Field::Owner), false, "pay"),
            (TermKind::Substring, false, "ex"),
            (TermKind::Prefix, false, "pre"),
            (TermKind::Fuzzy, false, "fuzzy"),
            (TermKind::Fuzzy, false, "x:y"),
        ]
    );
    assert_eq!(Query::parse("'!x").terms[0].text, "!x");
}

#[test]
fn refinement_rules() {
    let refines = |new: &str, old: &str| Query::parse(new).refines(&Query::parse(old));
    assert!(refines("ledg", "led"));
    assert!(refines("xledgy", "led")); // fuzzy: old word inside the new one
    assert!(refines("led pay", "led"));
    assert!(refines("'ledger", "'led"));
    assert!(refines("^ledger", "^led"));
    assert!(!refines("^xled", "^led"));
    assert!(refines("owner:paym", "owner:pay"));
    assert!(refines("!led", "!ledger")); // excluding less specific text excludes more
    assert!(!refines("!ledger", "!led"));
    assert!(!refines("owner:", "owner"));
    assert!(!refines("owner:p", "owner"));
    assert!(refines("owner:p", "owner:"));
    assert!(!refines("le", "led"));
    assert!(!refines("'led", "led")); // different kinds: no shortcut
    assert!(refines("anything", ""));
}

// ---- highlights ----------------------------------------------------------------

#[test]
fn highlight_positions() {
    let docs = vec![component(
        "payments-ledger",
        &[
            (Field::Owner, "team-payments"),
            (Field::Title, "Payments Ledger"),
        ],
    )];
    let idx = index(docs);
    let hit = &idx.search("ledger", 1).hits[0];
    assert_eq!(hit.field, Some(Field::Name));
    assert_eq!(
        hit.positions(Field::Name),
        Some(&[9, 10, 11, 12, 13, 14][..])
    );
    assert_eq!(hit.highlights[0].slot, 0);

    // Several terms in one field merge; a field term highlights its field.
    let hit = &idx.search("pay ledger owner:team", 1).hits[0];
    assert_eq!(
        hit.positions(Field::Name),
        Some(&[0, 1, 2, 9, 10, 11, 12, 13, 14][..])
    );
    assert_eq!(hit.positions(Field::Owner), Some(&[0, 1, 2, 3][..]));
    let slots: Vec<usize> = hit.highlights.iter().map(|h| h.slot).collect();
    assert_eq!(slots, [0, 2]);

    // Fuzzy positions are the matched letters; exact and prefix are contiguous.
    let hit = &idx.search("pldg", 1).hits[0];
    assert_eq!(hit.positions(Field::Name), Some(&[0, 9, 11, 12][..]));
    let hit = &idx.search("'ments-l", 1).hits[0];
    assert_eq!(hit.positions(Field::Name), Some(&[3, 4, 5, 6, 7, 8, 9][..]));
    let hit = &idx.search("^team", 1).hits[0];
    assert_eq!(hit.positions(Field::Owner), Some(&[0, 1, 2, 3][..]));
    // Negations highlight nothing.
    let hit = &idx.search("ledger !zzz", 1).hits[0];
    assert_eq!(hit.highlights.len(), 1);
}

#[test]
fn highlight_positions_count_graphemes() {
    let name = "Café-Ünïcode-e\u{301}x";
    let docs = vec![SearchDoc::new().with(Field::Name, name)];
    let idx = index(docs);
    let hit = &idx.search("cafe", 1).hits[0];
    let positions = hit.positions(Field::Name).unwrap();
    assert_eq!(positions, [0, 1, 2, 3]);
    assert_eq!(byte_ranges(name, positions), vec![0..5]);
    let hit = &idx.search("unicode", 1).hits[0];
    let positions = hit.positions(Field::Name).unwrap();
    assert_eq!(positions, [5, 6, 7, 8, 9, 10, 11]);
    assert_eq!(&name[byte_ranges(name, positions)[0].clone()], "Ünïcode");
    // "e" + combining accent is one grapheme: position 13, then "x" at 14.
    let hit = &idx.search("ex", 1).hits[0];
    let positions = hit.positions(Field::Name).unwrap();
    assert_eq!(positions, [13, 14]);
    assert_eq!(byte_ranges(name, positions), vec![16..20]);
}

#[test]
fn byte_ranges_merge_and_ignore_out_of_range() {
    assert_eq!(byte_ranges("abcdef", &[0, 1, 3, 4, 5]), [0..2, 3..6]);
    assert_eq!(byte_ranges("abc", &[1, 1, 7]), vec![1..2]);
    assert_eq!(byte_ranges("", &[0]), Vec::<std::ops::Range<usize>>::new());
    assert_eq!(byte_ranges("日本語", &[1]), vec![3..6]);
}

// ---- unicode ----------------------------------------------------------------

#[test]
fn unicode_input_never_panics() {
    let docs = vec![
        SearchDoc::new()
            .with(Field::Name, "straße-dienst")
            .with(Field::Title, "Straßen Dienst für Ärzte")
            .with(Field::Owner, "équipe-paiements")
            .with(Field::Description, "日本語の説明 🇺🇸 e\u{301} İstanbul ǅ"),
        SearchDoc::new().with(Field::Name, "").with(Field::Tag, ""),
        SearchDoc::new(),
        component("plain-ascii", &[(Field::Email, "a@b.c")]),
    ];
    let idx = index(docs.clone());
    let long = "x".repeat(100_000);
    let queries = [
        "ß",
        "ss",
        "İ",
        "i̇",
        "🇺",
        "🇺🇸",
        "e\u{301}",
        "\u{301}",
        "日本",
        "!日本",
        "'語の",
        "^日",
        "owner:équipe",
        "owner:equipe",
        "ärzte",
        "arzte",
        "ǅ",
        "ǆ",
        "\u{0}",
        "\u{feff}",
        "!",
        "::",
        ":x",
        "x:",
        "owner::",
        "!!",
        "''",
        "^^",
        "\t\n",
        &long,
        "a\u{200d}b",
        "\u{10ffff}",
    ];
    for q in queries {
        let results = idx.search(q, 10);
        for hit in &results.hits {
            for h in &hit.highlights {
                let text = &docs[hit.doc].fields[h.slot].1;
                let graphemes =
                    unicode_segmentation::UnicodeSegmentation::graphemes(text.as_str(), true)
                        .count();
                assert!(
                    h.positions.iter().all(|&p| (p as usize) < graphemes),
                    "{q:?} {h:?}"
                );
                let _ = byte_ranges(text, &h.positions);
            }
        }
    }
    // Accent-insensitive for ASCII terms, accent-sensitive for accented ones.
    assert_eq!(idx.search("arzte", 10).total, 1);
    assert_eq!(idx.search("owner:equipe", 10).total, 1);
    assert_eq!(idx.search("STRAßE", 10).total, 1);
}

#[test]
fn long_fields_are_truncated_not_rejected() {
    let long = format!("{}needle", "a".repeat(70_000));
    let docs = vec![SearchDoc::new()
        .with(Field::Name, "x")
        .with(Field::Description, long)];
    let idx = index(docs);
    assert_eq!(idx.search("'aaa", 1).total, 1);
    assert_eq!(idx.search("'needle", 1).total, 0);
}

// ---- narrowing ----------------------------------------------------------------

/// splitmix64, to keep tests deterministic without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn random_docs(rng: &mut Rng, n: usize) -> Vec<SearchDoc> {
    const WORDS: &[&str] = &[
        "pay", "ledger", "order", "api", "core", "ship", "auth", "data", "légère", "straße",
        "ärzte", "日本", "svc", "led", "dger", "e\u{301}", "Ledger", "PAY", "x",
    ];
    const OWNERS: &[&str] = &["team-pay", "team-core", "équipe", "TEAM-ORDERS"];
    const LIFECYCLES: &[&str] = &["production", "deprecated", "experimental"];
    (0..n)
        .map(|i| {
            let name = format!("{}-{}-{i}", rng.pick(WORDS), rng.pick(WORDS));
            let mut doc = component(&name, &[]);
            doc.push(Field::Owner, rng.pick(OWNERS));
            doc.push(Field::Lifecycle, rng.pick(LIFECYCLES));
            doc.push(Field::Kind, if i % 3 == 0 { "API" } else { "Component" });
            for _ in 0..rng.below(3) {
                doc.push(Field::Tag, rng.pick(WORDS));
            }
            if rng.below(2) == 0 {
                let words: Vec<&str> = (0..5).map(|_| rng.pick(WORDS)).collect();
                doc.push(Field::Description, words.join(" "));
            }
            doc
        })
        .collect()
}

/// Types random queries keystroke by keystroke (with backspaces and clears)
/// and checks each narrowed result against a fresh search.
fn check_narrowing(docs_n: usize, sessions: usize, keystrokes: usize, seed: u64) {
    const KEYS: &[&str] = &[
        "l", "e", "d", "g", "r", "p", "a", "y", "o", "c", "x", "s", " ", " ", "!", "'", "^",
        "owner:", "kind:", "tag:", ":", "é", "ß", "日", "\u{301}", "A", "P",
    ];
    let mut rng = Rng(seed);
    let docs = random_docs(&mut rng, docs_n);
    let index = Arc::new(SearchIndex::new(docs));
    let mut narrowed_searches = 0;
    for _ in 0..sessions {
        let mut searcher = Searcher::new(index.clone());
        let mut query = String::new();
        for _ in 0..keystrokes {
            match rng.below(20) {
                0..=15 => query.push_str(rng.pick(KEYS)),
                16..=18 => {
                    query.pop();
                }
                _ => query.clear(),
            }
            let limit = [0, 1, 5, 1000][rng.below(4)];
            let fresh = index.search(&query, limit);
            if !searcher.history.is_empty() {
                narrowed_searches += 1;
            }
            assert_eq!(searcher.search(&query, limit), fresh, "query {query:?}");
        }
    }
    assert!(
        narrowed_searches > sessions,
        "the test should exercise narrowing"
    );
}

#[test]
fn two_pass_search_equals_brute_force() {
    const WORDS: &[&str] = &[
        "l",
        "le",
        "led",
        "ledger",
        "pay",
        "p",
        "x",
        "api",
        "ord",
        "'led",
        "^pay",
        "!pay",
        "owner:team",
        "owner:pay",
        "kind:api",
        "tag:pay",
        "e\u{301}",
        "ärz",
        "straße",
        "日",
        "ledger-1",
        "pay-ledger-3",
        "dger",
        "order",
    ];
    let mut rng = Rng(7);
    let docs = random_docs(&mut rng, 600);
    let index = SearchIndex::new(docs);
    for _ in 0..300 {
        let words: Vec<&str> = (0..1 + rng.below(3)).map(|_| rng.pick(WORDS)).collect();
        let query = words.join(" ");
        let limit = [1, 3, 10, 50, 1000][rng.below(5)];
        assert_eq!(
            index.search(&query, limit),
            index.brute_force(&Query::parse(&query), limit),
            "{query:?} limit {limit}"
        );
    }
}

#[test]
fn narrowing_equals_fresh_search() {
    check_narrowing(400, 300, 16, 1);
}

#[test]
fn narrowing_equals_fresh_search_on_a_parallel_scan() {
    // Above the parallel threshold, with few distinct categorical values.
    check_narrowing(12_000, 4, 10, 2);
}

#[test]
fn searcher_reuses_earlier_queries_after_backspace() {
    let docs = catalog();
    let index = Arc::new(SearchIndex::new(docs));
    let mut searcher = Searcher::new(index.clone());
    let remembered = |s: &Searcher| -> Vec<String> {
        s.history
            .iter()
            .map(|(q, _)| q.terms.iter().map(|t| t.text.clone()).collect())
            .collect()
    };
    for q in ["led", "ledg", "ledge"] {
        searcher.search(q, 10);
    }
    assert_eq!(remembered(&searcher), ["led", "ledg", "ledge"]);
    // Backspace: "ledg" is remembered and reused; the newer "ledge" is dropped.
    assert_eq!(searcher.search("ledg", 10), index.search("ledg", 10));
    assert_eq!(remembered(&searcher), ["led", "ledg"]);
    // Something unrelated starts over.
    assert_eq!(searcher.search("order", 10), index.search("order", 10));
    assert_eq!(remembered(&searcher), ["order"]);
    // A query matching everything is not worth remembering.
    searcher.search("", 10);
    assert!(remembered(&searcher).is_empty());
}

#[test]
fn an_index_with_documents_replaced_answers_as_one_built_anew() {
    let before = catalog();
    let index = SearchIndex::new(before.clone());
    let mut after = before.clone();
    // A new owner (a categorical value not seen before), a new description, a tag dropped, and
    // a document whose only owner value now appears nowhere else.
    after[0] = component(
        "payments-ledger",
        &[
            (Field::Owner, "team-ledgers"),
            (Field::Description, "Ledger of record, überall"),
            (Field::Kind, "Component"),
        ],
    );
    let last = after.len() - 1;
    let last_name = name_of(&after[last]);
    after[last] = component(&last_name, &[(Field::Owner, "team-payments")]);
    let replaced = index
        .replaced(&[(0, after[0].clone()), (last as u32, after[last].clone())])
        .expect("names and refs are the same");
    let fresh = SearchIndex::new(after.clone());
    for query in [
        "ledger",
        "team-ledgers",
        "team-payments",
        "java",
        "überall",
        "owner:team-ledgers",
        "'record",
        "",
        "!java ledger",
    ] {
        assert_eq!(
            replaced.search(query, 1000),
            fresh.search(query, 1000),
            "{query}"
        );
    }
    assert_eq!(
        names(&after, &replaced, "team-ledgers"),
        ["payments-ledger"]
    );
}

#[test]
fn a_replaced_document_whose_place_would_move_asks_for_a_new_index() {
    let docs = catalog();
    let index = SearchIndex::new(docs);
    let renamed = component("payments-ledger-two", &[]);
    assert!(index.replaced(&[(0, renamed)]).is_none());
    let other_ref = SearchDoc::new()
        .with(Field::Name, "payments-ledger")
        .with(Field::Ref, "api:default/payments-ledger");
    assert!(index.replaced(&[(0, other_ref)]).is_none());
}
