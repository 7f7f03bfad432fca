//! Template statements: `if/elif/else`, `for/else`, `set` (and block set), `macro`, `call`,
//! `filter` blocks, `block`, `switch`, as nunjitsu's `parseTemplate.ts` builds them. Template
//! loading (`include`, `import`, `from`, `extends`) is refused, as there.

use std::collections::HashSet;
use std::rc::Rc;

use super::ast::{Expr, ExprKind, MacroDef, Node, NodeKind, Pos};
use super::error::ParseError;
use super::expr_parser::{quote, ExprParser};
use super::scan::{
    advance, find_top_level, scan, split_keyword, tag_name, tag_remainder, trim_code, ScanOptions,
    Tok, TokKind,
};

const EMPTY_STOPS: [&str; 9] = [
    "else",
    "endif",
    "endfor",
    "endmacro",
    "endcall",
    "endfilter",
    "endset",
    "default",
    "endswitch",
];
const STATEMENTS: [&str; 12] = [
    "if", "for", "set", "macro", "call", "filter", "block", "switch", "include", "import", "from",
    "extends",
];

pub fn parse(
    source: &str,
    options: ScanOptions,
    max_depth: usize,
) -> Result<Vec<Node>, ParseError> {
    let tokens = scan(source, options)?;
    let mut p = Parser {
        tokens,
        index: 0,
        depth: 0,
        max_depth,
        blocks: HashSet::new(),
    };
    let (body, stop) = p.body(&[])?;
    if let Some(stop) = stop {
        return Err(fail(
            format!("Unexpected {} tag", quote(tag_name(&stop.value))),
            stop.pos,
        ));
    }
    Ok(body)
}

fn fail(message: impl Into<String>, pos: Pos) -> ParseError {
    ParseError {
        message: message.into(),
        pos,
    }
}

struct Parser {
    tokens: Vec<Tok>,
    index: usize,
    depth: usize,
    max_depth: usize,
    blocks: HashSet<String>,
}

type PResult<T> = Result<T, ParseError>;

impl Parser {
    /// Nodes up to one of `stops` (returned) or the end.
    fn body(&mut self, stops: &[&str]) -> PResult<(Vec<Node>, Option<Tok>)> {
        self.depth += 1;
        if self.depth > self.max_depth {
            let pos = self
                .tokens
                .get(self.index.saturating_sub(1))
                .map(|t| t.pos)
                .unwrap_or_default();
            return Err(fail(
                "Template parsing exceeded the nesting depth limit",
                pos,
            ));
        }
        let result = self.body_contents(stops);
        self.depth -= 1;
        result
    }

    fn body_contents(&mut self, stops: &[&str]) -> PResult<(Vec<Node>, Option<Tok>)> {
        let mut nodes = Vec::new();
        while self.index < self.tokens.len() {
            let token = self.tokens[self.index].clone();
            self.index += 1;
            match token.kind {
                TokKind::Text => {
                    if !token.value.is_empty() {
                        nodes.push(Node {
                            pos: token.pos,
                            kind: NodeKind::Text(token.value),
                        });
                    }
                }
                TokKind::Variable => {
                    let e = self.expression(&token.value, token.value_pos)?;
                    nodes.push(Node {
                        pos: token.pos,
                        kind: NodeKind::Output(e),
                    });
                }
                TokKind::Block => {
                    let name = tag_name(&token.value).to_string();
                    if stops.contains(&name.as_str()) {
                        if EMPTY_STOPS.contains(&name.as_str())
                            && !tag_remainder(&token.value).is_empty()
                        {
                            return Err(fail(
                                format!("{name} tag does not accept trailing content"),
                                token.pos,
                            ));
                        }
                        return Ok((nodes, Some(token)));
                    }
                    if EMPTY_STOPS.contains(&name.as_str())
                        || matches!(name.as_str(), "elif" | "elseif" | "case")
                    {
                        return Err(fail(format!("Unexpected {} tag", quote(&name)), token.pos));
                    }
                    nodes.push(self.statement(&name, &token)?);
                }
            }
        }
        Ok((nodes, None))
    }

    /// Where `part` starts inside the tag's value (searching from the end, as nunjitsu does).
    fn part_pos(token: &Tok, part: &str, from_end: bool) -> Pos {
        let offset = if part.is_empty() {
            token.value.len()
        } else if from_end {
            token.value.rfind(part).unwrap_or(0)
        } else {
            token.value.find(part).unwrap_or(0)
        };
        advance(&token.value[..offset], token.value_pos)
    }

    fn expression(&self, source: &str, pos: Pos) -> PResult<Expr> {
        ExprParser::new(source, pos, self.max_depth)?.parse()
    }

    fn tag_expression(&self, source: &str, token: &Tok) -> PResult<Expr> {
        self.expression(source, Self::part_pos(token, source, true))
    }

    fn targets(&self, source: &str, token: &Tok) -> PResult<Vec<String>> {
        ExprParser::new(source, Self::part_pos(token, source, false), self.max_depth)?
            .parse_targets()
    }

    fn signature(&self, source: &str, token: &Tok) -> PResult<(Vec<String>, Vec<(String, Expr)>)> {
        if trim_code(source).is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        ExprParser::new(
            &format!("{source})"),
            Self::part_pos(token, source, true),
            self.max_depth,
        )?
        .parse_signature()
    }

    fn required(
        &mut self,
        stops: &[&str],
        missing: &str,
        token: &Tok,
    ) -> PResult<(Vec<Node>, Tok)> {
        match self.body(stops)? {
            (body, Some(stop)) => Ok((body, stop)),
            (_, None) => Err(fail(format!("Missing {missing} tag"), token.pos)),
        }
    }

    fn statement(&mut self, name: &str, token: &Tok) -> PResult<Node> {
        let remainder = tag_remainder(&token.value).to_string();
        let kind = match name {
            "if" => return self.if_statement(&remainder, token),
            "for" => self.for_statement(&remainder, token)?,
            "set" => self.set_statement(&remainder, token)?,
            "macro" => self.macro_statement(&remainder, token)?,
            "call" => self.call_statement(&remainder, token)?,
            "filter" => {
                let (body, _) = self.required(&["endfilter"], "endfilter", token)?;
                if contains_macro(&body) {
                    return Err(fail(
                        "Macro declarations are not supported inside filter captures",
                        token.pos,
                    ));
                }
                let capture = Expr {
                    pos: token.pos,
                    kind: ExprKind::Capture(body),
                };
                let parser = ExprParser::new(
                    &remainder,
                    Self::part_pos(token, &remainder, true),
                    self.max_depth,
                )?;
                NodeKind::Output(parser.parse_filter_invocation(capture)?)
            }
            "block" => {
                let name = self.tag_expression(trim_code(&remainder), token)?;
                let ExprKind::Symbol(block_name) = name.kind else {
                    return Err(fail("Block name must be an identifier", token.pos));
                };
                let (body, stop) = self.required(&["endblock"], "endblock", token)?;
                let closing = tag_remainder(&stop.value);
                if !closing.is_empty() && closing != block_name {
                    return Err(fail("Endblock name must match its opening block", stop.pos));
                }
                if !self.blocks.insert(block_name.clone()) {
                    return Err(fail(
                        format!("Block {} is declared more than once", quote(&block_name)),
                        token.pos,
                    ));
                }
                NodeKind::Block(body)
            }
            "switch" => self.switch_statement(&remainder, token)?,
            "include" | "import" | "from" | "extends" => {
                return Err(fail(
                    format!("Unsupported template-loading tag {}", quote(name)),
                    token.pos,
                ))
            }
            "" => return Err(fail("Template block tag cannot be empty", token.pos)),
            _ => {
                let _ = STATEMENTS;
                return Err(fail(
                    format!("Unknown template tag {}", quote(name)),
                    token.pos,
                ));
            }
        };
        Ok(Node {
            pos: token.pos,
            kind,
        })
    }

    fn if_statement(&mut self, condition: &str, token: &Tok) -> PResult<Node> {
        let cond = self.tag_expression(condition, token)?;
        let (body, stop) = self.required(&["elif", "elseif", "else", "endif"], "endif", token)?;
        let otherwise = match tag_name(&stop.value) {
            "elif" | "elseif" => Some(vec![self.if_statement(tag_remainder(&stop.value), &stop)?]),
            "else" => Some(self.required(&["endif"], "endif", token)?.0),
            _ => None,
        };
        Ok(Node {
            pos: token.pos,
            kind: NodeKind::If {
                cond,
                body,
                otherwise,
            },
        })
    }

    fn for_statement(&mut self, header: &str, token: &Tok) -> PResult<NodeKind> {
        let split = split_keyword(header, "in").map_err(|m| fail(m, token.pos))?;
        let Some((left, right)) = split else {
            return Err(fail("For tag requires an in expression", token.pos));
        };
        let targets = self.targets(&left, token)?;
        if targets.len() == 1 && targets[0] == "loop" {
            return Err(fail("A single loop target cannot be named loop", token.pos));
        }
        let iterable = self.tag_expression(&right, token)?;
        let (body, stop) = self.required(&["else", "endfor"], "endfor", token)?;
        let otherwise = if tag_name(&stop.value) == "else" {
            Some(self.required(&["endfor"], "endfor", token)?.0)
        } else {
            None
        };
        Ok(NodeKind::For {
            targets,
            iterable,
            body,
            otherwise,
        })
    }

    fn set_statement(&mut self, header: &str, token: &Tok) -> PResult<NodeKind> {
        let assignment = find_top_level(header, '=').map_err(|m| fail(m, token.pos))?;
        if let Some(at) = assignment {
            let chars: Vec<char> = header.chars().collect();
            let left: String = chars[..at].iter().collect();
            let right: String = chars[at + 1..].iter().collect();
            let targets = self.targets(&left, token)?;
            let value = self.tag_expression(&right, token)?;
            return Ok(NodeKind::Set { targets, value });
        }
        let targets = self.targets(header, token)?;
        let (body, _) = self.required(&["endset"], "endset", token)?;
        if contains_macro(&body) {
            return Err(fail(
                "Macro declarations are not supported inside set captures",
                token.pos,
            ));
        }
        let value = Expr {
            pos: token.pos,
            kind: ExprKind::Capture(body),
        };
        Ok(NodeKind::Set { targets, value })
    }

    fn macro_statement(&mut self, header: &str, token: &Tok) -> PResult<NodeKind> {
        let header = trim_code(header);
        let name = super::scan::tag_name(header).to_string();
        let rest = trim_code(&header[name.len()..]);
        let params = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')'));
        let (Some(params), false) = (params, name.is_empty()) else {
            return Err(fail("Invalid macro signature", token.pos));
        };
        self.expression(&name, token.value_pos)?;
        let (params, defaults) = self.signature(params, token)?;
        let (body, _) = self.required(&["endmacro"], "endmacro", token)?;
        Ok(NodeKind::Macro(Rc::new(MacroDef {
            name,
            params,
            defaults,
            body,
        })))
    }

    fn call_statement(&mut self, header: &str, token: &Tok) -> PResult<NodeKind> {
        let mut source = trim_code(header).to_string();
        let mut caller_params = String::new();
        if source.starts_with('(') {
            let chars: Vec<char> = source.chars().collect();
            let mut depth = 0;
            let close = chars.iter().position(|c| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            });
            let Some(close) = close else {
                return Err(fail("Invalid call-block arguments", token.pos));
            };
            caller_params = chars[1..close].iter().collect();
            source = trim_code(&chars[close + 1..].iter().collect::<String>()).to_string();
        }
        let call = self.tag_expression(&source, token)?;
        let ExprKind::Call(callee, args) = call.kind else {
            return Err(fail("Call block requires a function call", token.pos));
        };
        if !static_target(&callee) {
            return Err(fail(
                "Call block target must be a static macro reference",
                token.pos,
            ));
        }
        let (params, defaults) = self.signature(&caller_params, token)?;
        let (body, _) = self.required(&["endcall"], "endcall", token)?;
        let caller = Rc::new(MacroDef {
            name: "caller".into(),
            params,
            defaults,
            body,
        });
        Ok(NodeKind::CallBlock {
            callee: *callee,
            args,
            caller,
        })
    }

    fn switch_statement(&mut self, header: &str, token: &Tok) -> PResult<NodeKind> {
        let value = self.tag_expression(header, token)?;
        let stops = ["case", "default", "endswitch"];
        let (leading, mut stop) = self.body(&stops)?;
        if !leading.is_empty() {
            return Err(fail(
                "Switch content must begin with case or default",
                token.pos,
            ));
        }
        let mut cases = Vec::new();
        let mut default = None;
        while let Some(case) = stop.clone().filter(|t| tag_name(&t.value) == "case") {
            let cond = self.tag_expression(tag_remainder(&case.value), &case)?;
            let (body, next) = self.body(&stops)?;
            cases.push((cond, body));
            stop = next;
        }
        if stop
            .as_ref()
            .is_some_and(|t| tag_name(&t.value) == "default")
        {
            let (body, next) = self.body(&["endswitch"])?;
            default = Some(body);
            stop = next;
        }
        if !stop.is_some_and(|t| tag_name(&t.value) == "endswitch") {
            return Err(fail("Missing endswitch tag", token.pos));
        }
        if cases.is_empty() && default.is_none() {
            return Err(fail(
                "Switch requires at least one case or default",
                token.pos,
            ));
        }
        Ok(NodeKind::Switch {
            value,
            cases,
            default,
        })
    }
}

fn static_target(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Symbol(_) => true,
        ExprKind::Lookup(target, key) => {
            static_target(target) && matches!(key.kind, ExprKind::Lit(_))
        }
        _ => false,
    }
}

fn contains_macro(nodes: &[Node]) -> bool {
    nodes.iter().any(|n| match &n.kind {
        NodeKind::Macro(_) => true,
        NodeKind::If {
            body, otherwise, ..
        }
        | NodeKind::For {
            body, otherwise, ..
        } => contains_macro(body) || otherwise.as_deref().is_some_and(contains_macro),
        NodeKind::Block(body) => contains_macro(body),
        NodeKind::Switch { cases, default, .. } => {
            cases.iter().any(|(_, b)| contains_macro(b))
                || default.as_deref().is_some_and(contains_macro)
        }
        _ => false,
    })
}
