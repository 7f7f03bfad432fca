//! greenroom's template engine against Backstage's own (nunjitsu 0.7.0 as
//! plugin-scaffolder-backend 4.3.0 configures it), through `tests/backstage-peer/render.js`:
//! a corpus of everyday expressions and template snippets plus a few hundred generated operator
//! trees, each rendered by both. Same output, or both refuse (the messages may differ).
//!
//! Needs node and the peer's node_modules (`npm ci` in tests/backstage-peer); without them the
//! test skips, unless GREENROOM_REQUIRE_PEERS is set (CI), where it fails.

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use greenroom::scaffolder::template::{Context, Syntax, Templater};
use serde_json::{json, Value};

#[derive(Clone)]
struct Case {
    mode: &'static str,
    source: String,
    options: Syntax,
}

fn context() -> Value {
    json!({
        "parameters": {
            "name": "my-service",
            "owner": "group:default/team-a",
            "repoUrl": "github.com?owner=acme&repo=widgets",
            "count": 3,
            "ratio": 0.5,
            "big": 1e21,
            "tiny": 1.5e-7,
            "zero": 0,
            "flag": true,
            "off": false,
            "empty": "",
            "nothing": null,
            "text": "Hello World",
            "spaced": "  padded  ",
            "numeric": "42",
            "list": ["b", "a", "c"],
            "nums": [3, 1, 2],
            "mixed": [1, "two", null, true],
            "nested": [[1, 2], [3]],
            "emptyList": [],
            "people": [
                {"name": "ann", "team": "x", "age": 31},
                {"name": "bob", "team": "y", "age": 25},
                {"name": "cy", "team": "x", "age": 40}
            ],
            "obj": {"b": 2, "a": 1, "10": "ten", "2": "two"},
            "emptyObj": {},
            "html": "<b>bold</b> & 'q'",
            "multiline": "one\ntwo\nthree",
            "entity": {"kind": "Group", "name": "team-a"}
        },
        "values": {"owner": "acme", "repo": "widgets"},
        "steps": {"publish": {"output": {"remoteUrl": "https://github.com/acme/widgets", "repoContentsUrl": "https://github.com/acme/widgets/blob/main"}}},
        "user": {"ref": "user:default/me"}
    })
}

fn render(source: &str) -> Case {
    Case {
        mode: "render",
        source: source.to_string(),
        options: Syntax::default(),
    }
}

fn value(source: &str) -> Case {
    Case {
        mode: "value",
        source: source.to_string(),
        options: Syntax::default(),
    }
}

fn with(source: &str, options: Syntax) -> Case {
    Case {
        mode: "render",
        source: source.to_string(),
        options,
    }
}

/// Expressions real templates use, each rendered as `${{ expr }}` and as a step-input value.
const EXPRESSIONS: &[&str] = &[
    "parameters.name",
    "parameters.name === 'my-service'",
    "parameters.name !== 'x'",
    "parameters.count == '3'",
    "parameters.count === '3'",
    "parameters.count != 3",
    "parameters.count < 10",
    "parameters.count >= 3",
    "parameters.name + '/' + parameters.count",
    "values.owner + \"/\" + values.repo",
    "parameters.count + 1",
    "parameters.count - '1'",
    "parameters.count * 2.5",
    "7 / 2",
    "7 // 2",
    "7 % 3",
    "2 ** 10",
    "'a' ~ 1 ~ true",
    "parameters.list",
    "parameters.list.length",
    "parameters.name.length",
    "parameters.obj.length",
    "parameters.name.split('-')",
    "parameters.name.split('-')[1]",
    "parameters.name.includes('serv')",
    "parameters.list.includes('a')",
    "parameters.name.startsWith('my')",
    "parameters.name.endsWith('ice')",
    "parameters.name.toUpperCase()",
    "parameters.text.toLowerCase()",
    "parameters.spaced.trim()",
    "parameters.name.replace('-', '_')",
    "parameters.name.replaceAll('-', '_')",
    "parameters.name.indexOf('s')",
    "parameters.name.slice(3)",
    "parameters.name.slice(-7, -1)",
    "parameters.name.substring(3, 1)",
    "parameters.name.charAt(0)",
    "parameters.list.join('+')",
    "parameters.list.join()",
    "parameters.list.slice(1)",
    "parameters.list.concat(['d'], 'e')",
    "parameters.nums.indexOf(2)",
    "parameters.count.toFixed(2)",
    "parameters.ratio.toString()",
    "r/serv/.test(parameters.name)",
    "r/^SERV/i.test('service')",
    "r/ord.*/.test(parameters.text)",
    "parameters.name.replace(r/[aeiou]/g, '*')",
    "parameters.text.split(r/\\s+/)",
    "r/a+/gi",
    "'x' in parameters.list",
    "'a' in parameters.list",
    "'serv' in parameters.name",
    "'a' in parameters.obj",
    "not parameters.flag",
    "not parameters.count == 3",
    "parameters.flag and parameters.count",
    "parameters.off or 'fallback'",
    "parameters.empty or parameters.nothing",
    "'yes' if parameters.flag else 'no'",
    "'yes' if parameters.off",
    "parameters.missing",
    "parameters.missing.deep.deeper",
    "parameters.nothing",
    "parameters.missing === undefined",
    "parameters.nothing == parameters.missing",
    "parameters.nothing === parameters.missing",
    "parameters.big",
    "parameters.tiny",
    "parameters.ratio * 3",
    "0.1 + 0.2",
    "1 / 0",
    "-1 / 0",
    "0 / 0",
    "parameters.mixed",
    "parameters.nested",
    "parameters.obj",
    "parameters.emptyObj",
    "parameters.people[1].name",
    "parameters['name']",
    "steps.publish.output.remoteUrl",
    "steps['publish'].output['repoContentsUrl']",
    "parameters.list[0:2]",
    "parameters.list[::-1]",
    "parameters.name[1:4]",
    "[1, 2] + [3]",
    "{} + 'x'",
    "{a: 1, 'b': [2]}",
    "(1, 2, 3)",
    "-parameters.count",
    "+parameters.numeric",
    "-'x'",
    "parameters.list == 'b,a,c'",
    "parameters.nums < parameters.list",
    "true + 1",
    "null + 1",
    "parameters.missing + 1",
    "parameters.missing ~ 'x'",
    "'b' > 'a'",
    "'B' < 'a'",
    "'10' < '9'",
    "10 < '9'",
    "1 < 2 < 3",
    "3 > 2 > 1",
    "1 == 1 == true",
    "parameters.count is defined",
    "parameters.missing is defined",
    "parameters.missing is undefined",
    "parameters.nothing is none",
    "parameters.count is number",
    "parameters.name is string",
    "parameters.count is odd",
    "parameters.count is divisibleby(3)",
    "parameters.obj is mapping",
    "parameters.list is iterable",
    "parameters.name is lower",
    "parameters.count is eq(3)",
    "parameters.count is not even",
    "parameters.count is nope",
    "range(3)",
    "range(1, 10, 3)",
    "range(5, 0, -2)",
    "always()",
    "failure()",
    "a && b",
    "a || b",
    "!parameters.flag",
    "parameters.x ? 1 : 2",
    "parameters.name.foo()",
    "undefinedFunction()",
    "parameters.name | nope",
    "parameters.list.map(x)",
    "parameters.obj.keys()",
    "`tpl`",
    "1 +",
    "(",
    "[1, 2",
    "parameters.list[",
    "'unterminated",
    "r/(/.test('x')",
    "parameters.constructor",
    "1..2",
    ".5",
    "1.5.toFixed(1)",
    "--1",
    "- -1",
    "not not parameters.flag",
    "parameters.name | length",
    "parameters.people | length",
];

/// `${{ expr | filter }}` snippets.
const FILTERS: &[&str] = &[
    "parameters.list | dump",
    "parameters.obj | dump",
    "parameters.people | dump(2)",
    "parameters.name | dump",
    "parameters.missing | dump",
    "parameters.mixed | dump('\\t')",
    "parameters.list | join(', ')",
    "parameters.people | join(', ', 'name')",
    "parameters.missing | default('x')",
    "parameters.nothing | default('x')",
    "parameters.empty | default('x', true)",
    "parameters.empty | default('x', boolean=true)",
    "parameters.name | replace('-', '_')",
    "'aaa' | replace('a', 'b', 2)",
    "parameters.name | replace('', '.')",
    "parameters.name | replace(r/-(\\w)/, '$1')",
    "parameters.list | length",
    "parameters.missing | length",
    "parameters.text | lower",
    "parameters.text | upper",
    "'hello world' | title",
    "'hELLO' | capitalize",
    "parameters.spaced | trim",
    "parameters.list | first",
    "parameters.list | last",
    "parameters.name | first",
    "parameters.list | sort",
    "parameters.nums | sort(true)",
    "parameters.people | sort(attribute='age') | join(',', 'name')",
    "parameters.list | reverse",
    "parameters.name | reverse",
    "'42' | int",
    "'4.7' | int",
    "'x' | int(7)",
    "'ff' | int(base=16)",
    "'3.14' | float",
    "'x' | float",
    "3.14159 | round(2)",
    "2.5 | round",
    "2.4 | round(0, 'ceil')",
    "-2.5 | round",
    "parameters.nums | batch(2) | dump",
    "parameters.nums | batch(2, 0) | dump",
    "parameters.list | slice(2) | dump",
    "parameters.people | groupby('team') | dump",
    "parameters.obj | dictsort | dump",
    "parameters.obj | dictsort(false, 'value') | dump",
    "parameters.multiline | indent",
    "parameters.multiline | indent(2, true)",
    "'a fairly long sentence here' | truncate(9)",
    "'a fairly long sentence here' | truncate(9, true, '!')",
    "'a b&c=d/e' | urlencode",
    "parameters.obj | urlencode",
    "parameters.html | safe",
    "parameters.html | escape",
    "parameters.html | striptags",
    "parameters.nums | sum",
    "parameters.people | sum('age')",
    "parameters.people | selectattr('team') | length",
    "parameters.nums | select('odd') | dump",
    "parameters.nums | reject('odd') | dump",
    "parameters.name | list | dump",
    "parameters.count | abs",
    "-3 | abs",
    "parameters.text | wordcount",
    "'ab' | center(6)",
    "parameters.count | string",
    "parameters.list | string",
    "parameters.repoUrl | parseRepoUrl | dump",
    "(parameters.repoUrl | parseRepoUrl).owner",
    "parameters.repoUrl | projectSlug",
    "parameters.owner | parseEntityRef | dump",
    "'team-b' | parseEntityRef({defaultKind: 'group', defaultNamespace: 'other'}) | dump",
    "parameters.entity | parseEntityRef | dump",
    "parameters.people | pick('1.name')",
    "parameters.entity | pick('kind')",
    "'not a url' | parseRepoUrl",
    "parameters.name | first | upper",
    "parameters.list | join | length",
];

const TEMPLATES: &[&str] = &[
    "{% if parameters.flag %}yes{% else %}no{% endif %}",
    "{% if parameters.off %}a{% elif parameters.count > 2 %}b{% else %}c{% endif %}",
    "{% if parameters.off %}a{% elseif parameters.empty %}b{% endif %}!",
    "{% for x in parameters.list %}${{ loop.index }}:${{ x }}${{ ',' if not loop.last }}{% endfor %}",
    "{% for x in parameters.list %}${{ loop.index0 }}${{ loop.revindex }}${{ loop.first }}${{ loop.length }} {% endfor %}",
    "{% for k, v in parameters.obj %}${{ k }}=${{ v }};{% endfor %}",
    "{% for x in parameters.obj %}${{ x }}{% else %}none{% endfor %}",
    "{% for x in parameters.emptyList %}${{ x }}{% else %}empty{% endfor %}",
    "{% for x in parameters.missing %}${{ x }}{% else %}missing{% endfor %}",
    "{% for a, b in parameters.nested %}${{ a }}-${{ b }};{% endfor %}",
    "{% for p in parameters.people %}{% if p.age > 30 %}${{ p.name }} {% endif %}{% endfor %}",
    "{% for c in 'abc' %}${{ c }}.{% endfor %}",
    "{% set x = 1 %}{% for i in [1, 2] %}{% set x = i %}{% endfor %}${{ x }}",
    "{% for i in [1, 2] %}{% set y = i %}{% endfor %}${{ y }}",
    "{% set a, b = 'same' %}${{ a }}${{ b }}",
    "{% set greeting %}Hi ${{ parameters.name }}{% endset %}${{ greeting | upper }}",
    "{% raw %}${{ not rendered }}{% endraw %} ${{ 1 }}",
    "{% verbatim %}{% if %}{% endverbatim %}",
    "{# a comment #}text{# another #}",
    "a  ${{- ' b ' -}}  c",
    "line\n  {%- if true %}\nx\n  {%- endif %}\nend",
    "{% filter upper %}shout ${{ parameters.name }}{% endfilter %}",
    "{% filter replace('a', 'o') %}banana{% endfilter %}",
    "{% macro greet(name, punct='!') %}Hi ${{ name }}${{ punct }}{% endmacro %}${{ greet('ann') }} ${{ greet('bob', '?') }} ${{ greet(punct='.', name='cy') }}",
    "{% macro wrap() %}[${{ caller() }}]{% endmacro %}{% call wrap() %}inner{% endcall %}",
    "{% switch parameters.count %}{% case 1 %}one{% case 3 %}three{% default %}other{% endswitch %}",
    "{% block b %}in block{% endblock %}",
    "{% include 'x' %}", "{% if true %}unclosed", "{% endif %}", "{% for x of y %}{% endfor %}", "${{ }}",
    "{% unknown %}", "{% if parameters.flag %}a{% else %}b{% else %}c{% endif %}", "text #} more",
    "${{ parameters.name }", "{% set x = %}", "${{ parameters.list | join(', ') }}\n",
    "{% set c = cycler('a', 'b') %}${{ c.next() }}${{ c.next() }}${{ c.next() }}",
    "{% set j = joiner('|') %}{% for x in [1, 2, 3] %}${{ j() }}${{ x }}{% endfor %}",
    "{% set items = [1] %}${{ items.push(2) }}${{ items | dump }}",
];

fn cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for e in EXPRESSIONS.iter().chain(FILTERS) {
        cases.push(render(&format!("${{{{ {e} }}}}")));
        cases.push(value(&format!("${{{{ {e} }}}}")));
    }
    for t in TEMPLATES {
        cases.push(render(t));
        cases.push(value(t));
    }
    for v in [
        "${{ parameters.count }}",
        "${{ parameters.name.length }}",
        "prefix-${{ parameters.name }}",
        "${{ parameters.name }} ",
        "${{ '' }}",
        "${{ parameters.empty }}",
        "",
        "{% if parameters.flag %}true{% endif %}",
        "{% if parameters.off %}x{% endif %}",
        "{% if parameters.flag %}[1, 2]{% endif %}",
        "${{ parameters.obj }}",
        "${{ parameters.list }}${{ parameters.list }}",
        "${{ '\"quoted\"' }}",
        "${{ '42' }}",
        "${{ 'true' }}",
        "{# only a comment #}",
        "   ",
        "${{ parameters.missing }}",
        "{% set x = 1 %}",
        "${{ parameters.nothing }}",
        "${{ parameters.mixed }}",
    ] {
        cases.push(value(v));
    }
    let trim = Syntax {
        trim_blocks: true,
        lstrip_blocks: true,
        cookiecutter: false,
    };
    let only_trim = Syntax {
        trim_blocks: true,
        ..Syntax::default()
    };
    let only_lstrip = Syntax {
        lstrip_blocks: true,
        ..Syntax::default()
    };
    let cookie = Syntax {
        cookiecutter: true,
        ..Syntax::default()
    };
    let block = "items:\n  {% for x in parameters.list %}\n  - ${{ x }}\n  {% endfor %}\ndone\n";
    for options in [trim, only_trim, only_lstrip, Syntax::default()] {
        cases.push(with(block, options));
        cases.push(with(
            "{% if true %}\nyes\n{% endif %}\n  {%- if true %} x {% endif -%}  \nend",
            options,
        ));
        cases.push(with(
            "a\n    {% raw %}\n{{ r }}\n    {% endraw %}\nb",
            options,
        ));
    }
    for t in [
        "{{ cookiecutter.name }}",
        "{{ cookiecutter.list | jsonify }}",
        "{{ cookiecutter.obj | jsonify(2) }}",
        "{{ True }} {{ False }} {{ None }}",
        "${{ cookiecutter.name }}",
        "{{ cookiecutter.obj.keys() | join(',') }}",
        "{{ cookiecutter.obj.get('a') }}{{ cookiecutter.obj.get('z', 'dflt') }}",
        "{% if cookiecutter.flag %}on{% endif %}",
        "{{ cookiecutter.list.append('z') }}{{ cookiecutter.list | join }}",
    ] {
        cases.push(with(t, cookie));
    }
    cases.extend(generated(300));
    cases
}

/// A seeded generator of operator trees over literals and context values, undefined included.
fn generated(count: usize) -> Vec<Case> {
    struct Rng(u64);
    impl Rng {
        fn next(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }
    const LEAVES: &[&str] = &[
        "0",
        "1",
        "2.5",
        "-3",
        "'a'",
        "'10'",
        "''",
        "true",
        "false",
        "null",
        "none",
        "parameters.count",
        "parameters.name",
        "parameters.missing",
        "parameters.nothing",
        "parameters.list",
        "parameters.nums",
        "parameters.obj",
        "parameters.empty",
        "parameters.zero",
        "parameters.ratio",
        "[]",
        "[1, 2]",
        "parameters.list.length",
        "parameters.flag",
    ];
    const BINARY: &[&str] = &[
        "+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "===", "!==", "<", ">", "<=", ">=",
        "and", "or", "in",
    ];
    fn tree(rng: &mut Rng, depth: usize) -> String {
        if depth == 0 || rng.next(3) == 0 {
            return LEAVES[rng.next(LEAVES.len())].to_string();
        }
        match rng.next(8) {
            0 => format!("not {}", tree(rng, depth - 1)),
            1 => format!("({})", tree(rng, depth - 1)),
            2 => format!(
                "{} if {} else {}",
                tree(rng, depth - 1),
                tree(rng, depth - 1),
                tree(rng, depth - 1)
            ),
            3 => format!("-{}", tree(rng, depth - 1)),
            _ => format!(
                "{} {} {}",
                tree(rng, depth - 1),
                BINARY[rng.next(BINARY.len())],
                tree(rng, depth - 1)
            ),
        }
    }
    let mut rng = Rng(0x5eed_2026);
    (0..count)
        .map(|i| {
            let e = tree(&mut rng, 3);
            if i % 3 == 0 {
                value(&format!("${{{{ {e} }}}}"))
            } else {
                render(&format!("${{{{ {e} }}}}"))
            }
        })
        .collect()
}

fn peer_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/backstage-peer")
}

fn peer_available() -> Result<(), String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Err("node is not installed".into());
    }
    if !peer_dir().join("node_modules/nunjitsu").exists() {
        return Err("tests/backstage-peer/node_modules is missing (run npm ci there)".into());
    }
    Ok(())
}

/// Backstage's answers, one per case, from one node process.
fn peer_answers(cases: &[Case], context: &Value) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg("render.js")
        .current_dir(peer_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let requests: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(id, case)| {
            let root = if case.options.cookiecutter { "cookiecutter" } else { "values" };
            let mut ctx = context.clone();
            ctx[root] = context["parameters"].clone();
            if !case.options.cookiecutter {
                ctx["values"] = context["values"].clone();
            }
            json!({
                "id": id, "mode": case.mode, "source": case.source, "context": ctx,
                "options": {"cookiecutterCompat": case.options.cookiecutter, "trimBlocks": case.options.trim_blocks, "lstripBlocks": case.options.lstrip_blocks},
            })
            .to_string()
        })
        .collect();
    let writer = std::thread::spawn(move || {
        for r in requests {
            writeln!(stdin, "{r}").expect("write to node");
        }
    });
    let answers: Vec<Value> = BufReader::new(child.stdout.take().expect("stdout"))
        .lines()
        .map(|l| serde_json::from_str(&l.expect("line")).expect("json answer"))
        .collect();
    writer.join().expect("writer");
    assert!(
        child.wait().expect("node exits").success(),
        "render.js failed"
    );
    answers
}

/// greenroom's answer in the peer's shape.
fn our_answer(case: &Case, context: &Value) -> Value {
    let templater = Templater::new(case.options);
    let root = if case.options.cookiecutter {
        "cookiecutter"
    } else {
        "values"
    };
    let mut ctx = context.clone();
    ctx[root] = context["parameters"].clone();
    if !case.options.cookiecutter {
        ctx["values"] = context["values"].clone();
    }
    let ctx = Context::new(&ctx);
    if case.mode == "value" {
        match templater.render_string_value(&case.source, &ctx) {
            Ok(None) => json!({"ok": true, "absent": true}),
            Ok(Some(v)) => json!({"ok": true, "value": v}),
            Err(e) => json!({"ok": false, "error": e.to_string()}),
        }
    } else {
        match templater.render(&case.source, &ctx) {
            Ok(output) => json!({"ok": true, "output": output}),
            Err(e) => json!({"ok": false, "error": e.to_string()}),
        }
    }
}

/// Same answer: both refused, or the same output/value/absence.
fn same(ours: &Value, theirs: &Value) -> bool {
    if ours["ok"] != theirs["ok"] {
        return false;
    }
    if ours["ok"] == json!(false) {
        return true;
    }
    ours.get("output") == theirs.get("output")
        && ours.get("value") == theirs.get("value")
        && ours.get("absent") == theirs.get("absent")
}

#[test]
fn templates_render_as_backstage_renders_them() {
    if let Err(why) = peer_available() {
        assert!(
            std::env::var_os("GREENROOM_REQUIRE_PEERS").is_none(),
            "{why} (GREENROOM_REQUIRE_PEERS is set)"
        );
        println!("skipped: {why}");
        return;
    }
    let context = context();
    let cases = cases();
    let answers = peer_answers(&cases, &context);
    assert_eq!(answers.len(), cases.len(), "the peer answered every case");
    let mut mismatches = Vec::new();
    let mut refused = 0;
    for (id, case) in cases.iter().enumerate() {
        let theirs = answers
            .iter()
            .find(|a| a["id"] == json!(id))
            .expect("answer for every id");
        let ours = our_answer(case, &context);
        if theirs["ok"] == json!(false) {
            refused += 1;
        }
        if !same(&ours, theirs) {
            mismatches.push(format!(
                "case {id} [{} {:?}] {:?}\n  backstage: {}\n  greenroom: {}",
                case.mode, case.options, case.source, theirs, ours
            ));
        }
    }
    println!(
        "{} cases compared ({refused} refused by Backstage), {} mismatches",
        cases.len(),
        mismatches.len()
    );
    // The corpus is mostly templates Backstage renders: a broken peer must not pass as agreement.
    assert!(
        refused * 4 < cases.len(),
        "Backstage refused {refused} of {} cases",
        cases.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
