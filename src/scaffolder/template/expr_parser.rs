//! Expressions: the tokenizer and the precedence-climbing parser of nunjitsu's
//! `parser/expression.ts`, including its nunjucks quirks (`not a + b` is `(not a) + b`,
//! `a * b // c` is `a * floor(b / c)`, chained comparisons fold left to right).

use super::ast::{Args, BinOp, CmpOp, DictKey, Expr, ExprKind, Lit, Pos};
use super::error::ParseError;
pub use super::lexer::{is_code_ws, quote, scan_identifier, scan_regex};
use super::lexer::{tokenize, Kind, Token};
use super::number::js_string_to_number;
use super::value::is_reserved;

pub struct ExprParser {
    tokens: Vec<Token>,
    index: usize,
    depth: usize,
    max_depth: usize,
}

/// One accumulated `*` `/` `%` chain (see `parse_multiply`).
struct MulSeq {
    first: Expr,
    ops: Vec<(BinOp, Expr)>,
}

type PResult<T> = Result<T, ParseError>;

impl ExprParser {
    pub fn new(source: &str, start: Pos, max_depth: usize) -> PResult<ExprParser> {
        Ok(ExprParser {
            tokens: tokenize(source, start)?,
            index: 0,
            depth: 0,
            max_depth,
        })
    }

    /// A whole expression.
    pub fn parse(mut self) -> PResult<Expr> {
        let e = self.inline_if()?;
        self.expect(Kind::Eof)?;
        Ok(e)
    }

    /// `a, b` binding targets of `for` and `set`.
    pub fn parse_targets(mut self) -> PResult<Vec<String>> {
        let mut targets = Vec::new();
        loop {
            let t = self.expect(Kind::Name)?;
            if matches!(t.value.as_str(), "true" | "false" | "null" | "none") {
                return Err(self.fail_at("Binding targets must be ordinary names", t.pos));
            }
            self.allowed(&t.value, t.pos)?;
            targets.push(t.value);
            if !self.consume(",") {
                break;
            }
        }
        self.expect(Kind::Eof)?;
        Ok(targets)
    }

    /// A macro's parameter list (the text before its closing parenthesis, which is appended).
    pub fn parse_signature(mut self) -> PResult<(Vec<String>, Vec<(String, Expr)>)> {
        let args = self.arguments()?;
        self.expect(Kind::Eof)?;
        let mut params = Vec::new();
        for p in args.positional {
            match p.kind {
                ExprKind::Symbol(name) => params.push(name),
                _ => return Err(self.fail_at("Formal parameters must be names", p.pos)),
            }
        }
        Ok((params, args.keyword))
    }

    /// The header of a filter block applied to `input`.
    pub fn parse_filter_invocation(mut self, input: Expr) -> PResult<Expr> {
        let e = self.filter_invocation(input)?;
        self.expect(Kind::Eof)?;
        Ok(e)
    }

    fn peek(&self, offset: usize) -> &Token {
        &self.tokens[(self.index + offset).min(self.tokens.len() - 1)]
    }

    fn consume(&mut self, op: &str) -> bool {
        let t = self.peek(0);
        if t.kind == Kind::Op && t.value == op {
            self.index += 1;
            return true;
        }
        false
    }

    fn consume_name(&mut self, name: &str) -> bool {
        let t = self.peek(0);
        if t.kind == Kind::Name && t.value == name {
            self.index += 1;
            return true;
        }
        false
    }

    fn fail_at(&self, message: impl Into<String>, pos: Pos) -> ParseError {
        ParseError {
            message: message.into(),
            pos,
        }
    }

    fn expect(&mut self, kind: Kind) -> PResult<Token> {
        let t = self.peek(0).clone();
        if t.kind != kind {
            let what = match kind {
                Kind::Eof => "eof",
                Kind::Name => "name",
                _ => "token",
            };
            let got = if t.value.is_empty() {
                "end of input".to_string()
            } else {
                quote(&t.value)
            };
            return Err(self.fail_at(format!("Expected {what}, received {got}"), t.pos));
        }
        self.index += 1;
        Ok(t)
    }

    fn expect_op(&mut self, op: &str) -> PResult<()> {
        if !self.consume(op) {
            return Err(self.fail_at(format!("Expected {op}"), self.peek(0).pos));
        }
        Ok(())
    }

    fn allowed(&self, name: &str, pos: Pos) -> PResult<()> {
        if is_reserved(name) {
            return Err(self.fail_at(format!("Template name {} is reserved", quote(name)), pos));
        }
        Ok(())
    }

    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<T> {
        self.depth += 1;
        if self.depth > self.max_depth {
            let pos = self.peek(0).pos;
            return Err(self.fail_at("Template parsing exceeded the nesting depth limit", pos));
        }
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn inline_if(&mut self) -> PResult<Expr> {
        let body = self.or()?;
        if !self.consume_name("if") {
            return Ok(body);
        }
        let cond = self.or()?;
        let otherwise = if self.consume_name("else") {
            Some(Box::new(self.nested(Self::or)?))
        } else {
            None
        };
        let pos = body.pos;
        Ok(mk(
            pos,
            ExprKind::InlineIf {
                cond: Box::new(cond),
                body: Box::new(body),
                otherwise,
            },
        ))
    }

    fn or(&mut self) -> PResult<Expr> {
        let mut left = self.and()?;
        while self.consume_name("or") {
            let right = self.and()?;
            left = mk(left.pos, ExprKind::Or(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn and(&mut self) -> PResult<Expr> {
        let mut left = self.not()?;
        while self.consume_name("and") {
            let right = self.not()?;
            left = mk(left.pos, ExprKind::And(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn not(&mut self) -> PResult<Expr> {
        let pos = self.peek(0).pos;
        if self.consume_name("not") {
            let target = self.nested(Self::not)?;
            return Ok(lower_not(target, pos));
        }
        self.membership()
    }

    fn membership(&mut self) -> PResult<Expr> {
        let mut left = self.test()?;
        loop {
            let negate = if self.peek(0).value == "not" && self.peek(1).value == "in" {
                self.index += 2;
                true
            } else if self.consume_name("in") {
                false
            } else {
                return Ok(left);
            };
            let right = self.test()?;
            let pos = left.pos;
            let membership = mk(pos, ExprKind::In(Box::new(left), Box::new(right)));
            left = if negate {
                mk(pos, ExprKind::Not(Box::new(membership)))
            } else {
                membership
            };
        }
    }

    fn test(&mut self) -> PResult<Expr> {
        let left = self.equality()?;
        if !self.consume_name("is") {
            return Ok(left);
        }
        let negate = self.consume_name("not");
        let right = self.equality()?;
        let test_pos = right.pos;
        let (test, args) = match right.kind {
            ExprKind::Call(callee, args) => (static_test_name(&callee), Some(args)),
            ExprKind::Filter { .. } => ("undefined".to_string(), Some(Args::default())),
            other => (static_test_name(&mk(test_pos, other)), None),
        };
        let pos = left.pos;
        let e = mk(
            pos,
            ExprKind::Is {
                value: Box::new(left),
                test,
                args,
                test_pos,
            },
        );
        Ok(if negate {
            mk(pos, ExprKind::Not(Box::new(e)))
        } else {
            e
        })
    }

    fn equality(&mut self) -> PResult<Expr> {
        self.comparison(&["==", "===", "!=", "!=="], Self::relational)
    }

    fn relational(&mut self) -> PResult<Expr> {
        self.comparison(&["<", "<=", ">", ">="], Self::additive)
    }

    fn comparison(
        &mut self,
        ops: &[&str],
        operand: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let left = operand(self)?;
        let mut rest = Vec::new();
        while self.peek(0).kind == Kind::Op && ops.contains(&self.peek(0).value.as_str()) {
            let op = match self.peek(0).value.as_str() {
                "==" => CmpOp::Eq,
                "===" => CmpOp::StrictEq,
                "!=" => CmpOp::Ne,
                "!==" => CmpOp::StrictNe,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            self.index += 1;
            rest.push((op, operand(self)?));
        }
        if rest.is_empty() {
            return Ok(left);
        }
        Ok(mk(left.pos, ExprKind::Compare(Box::new(left), rest)))
    }

    fn additive(&mut self) -> PResult<Expr> {
        let mut left = self.multiply()?;
        loop {
            let op = if self.consume("+") {
                BinOp::Add
            } else if self.consume("-") {
                BinOp::Sub
            } else if self.consume("~") {
                BinOp::Concat
            } else {
                return Ok(left);
            };
            let right = self.multiply()?;
            left = mk(
                left.pos,
                ExprKind::Binary(op, Box::new(left), Box::new(right)),
            );
        }
    }

    fn multiply(&mut self) -> PResult<Expr> {
        let seq = self.multiply_seq()?;
        Ok(materialize(seq))
    }

    fn multiply_seq(&mut self) -> PResult<MulSeq> {
        let mut seq = self.divide_seq()?;
        while self.consume("*") {
            let right = self.divide_seq()?;
            append(&mut seq, BinOp::Mul, right);
        }
        Ok(seq)
    }

    fn divide_seq(&mut self) -> PResult<MulSeq> {
        let mut seq = self.floor_divide_seq()?;
        while self.consume("/") {
            let right = self.floor_divide_seq()?;
            append(&mut seq, BinOp::Div, right);
        }
        Ok(seq)
    }

    fn floor_divide_seq(&mut self) -> PResult<MulSeq> {
        let mut seq = self.modulo_seq()?;
        while self.consume("//") {
            let right = self.modulo_seq()?;
            append(&mut seq, BinOp::Div, right);
            let target = materialize(seq);
            seq = MulSeq {
                first: mk(target.pos, ExprKind::Floor(Box::new(target))),
                ops: Vec::new(),
            };
        }
        Ok(seq)
    }

    fn modulo_seq(&mut self) -> PResult<MulSeq> {
        let mut seq = MulSeq {
            first: self.power()?,
            ops: Vec::new(),
        };
        while self.consume("%") {
            seq.ops.push((BinOp::Mod, self.power()?));
        }
        Ok(seq)
    }

    fn power(&mut self) -> PResult<Expr> {
        let mut left = self.filter()?;
        while self.consume("**") {
            let right = self.filter()?;
            left = mk(
                left.pos,
                ExprKind::Binary(BinOp::Pow, Box::new(left), Box::new(right)),
            );
        }
        Ok(left)
    }

    fn filter(&mut self) -> PResult<Expr> {
        let mut e = self.unary()?;
        while self.consume("|") {
            e = self.filter_invocation(e)?;
        }
        Ok(e)
    }

    fn filter_invocation(&mut self, input: Expr) -> PResult<Expr> {
        let first = self.expect(Kind::Name)?;
        self.allowed(&first.value, first.pos)?;
        let mut name = first.value.clone();
        while self.consume(".") {
            let segment = self.expect(Kind::Name)?;
            self.allowed(&segment.value, segment.pos)?;
            name = format!("{name}.{}", segment.value);
        }
        let args = if self.consume("(") {
            self.nested(Self::arguments)?
        } else {
            Args::default()
        };
        Ok(mk(
            first.pos,
            ExprKind::Filter {
                name,
                input: Box::new(input),
                args,
                name_pos: first.pos,
            },
        ))
    }

    fn unary(&mut self) -> PResult<Expr> {
        let pos = self.peek(0).pos;
        for (op, neg) in [("-", true), ("+", false)] {
            if self.consume(op) {
                let target = self.nested(Self::unary)?;
                let repeated = matches!(
                    (&target.kind, neg),
                    (ExprKind::Neg(_), true) | (ExprKind::Plus(_), false)
                );
                if repeated {
                    return Err(self.fail_at(
                        format!("Repeated unparenthesized unary {op} is not supported"),
                        target.pos,
                    ));
                }
                let target = Box::new(target);
                return Ok(mk(
                    pos,
                    if neg {
                        ExprKind::Neg(target)
                    } else {
                        ExprKind::Plus(target)
                    },
                ));
            }
        }
        self.postfix()
    }

    fn postfix(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            if self.consume(".") {
                let key = self.expect(Kind::Name)?;
                self.allowed(&key.value, key.pos)?;
                let val = mk(key.pos, ExprKind::Lit(Lit::Str(key.value)));
                e = mk(key.pos, ExprKind::Lookup(Box::new(e), Box::new(val)));
            } else if self.consume("[") {
                e = self.nested(|p| p.subscript(e))?;
                self.expect_op("]")?;
            } else if self.consume("(") {
                let args = self.nested(Self::arguments)?;
                e = mk(e.pos, ExprKind::Call(Box::new(e), args));
            } else {
                return Ok(e);
            }
        }
    }

    fn subscript(&mut self, target: Expr) -> PResult<Expr> {
        let pos = self.peek(0).pos;
        let bound = |p: &mut Self| -> PResult<Option<Expr>> {
            let t = p.peek(0);
            if t.kind == Kind::Op && (t.value == ":" || t.value == "]") {
                Ok(None)
            } else {
                p.inline_if().map(Some)
            }
        };
        let start = bound(self)?;
        if !self.consume(":") {
            let Some(key) = start else {
                return Err(self.fail_at("Expected subscript expression", pos));
            };
            if let ExprKind::Lit(Lit::Str(s)) = &key.kind {
                self.allowed(s, key.pos)?;
            }
            return Ok(mk(
                key.pos,
                ExprKind::Lookup(Box::new(target), Box::new(key)),
            ));
        }
        let stop = bound(self)?;
        let step = if self.consume(":") {
            bound(self)?
        } else {
            None
        };
        let null = || Box::new(mk(pos, ExprKind::Lit(Lit::Null)));
        Ok(mk(
            pos,
            ExprKind::Slice {
                target: Box::new(target),
                start: start.map_or_else(null, Box::new),
                stop: stop.map_or_else(null, Box::new),
                step: step
                    .map_or_else(|| Box::new(mk(pos, ExprKind::Lit(Lit::Num(1.0)))), Box::new),
            },
        ))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let t = self.peek(0).clone();
        let pos = t.pos;
        match t.kind {
            Kind::Number => {
                self.index += 1;
                return Ok(mk(
                    pos,
                    ExprKind::Lit(Lit::Num(js_string_to_number(&t.value))),
                ));
            }
            Kind::Str => {
                self.index += 1;
                return Ok(mk(pos, ExprKind::Lit(Lit::Str(t.value))));
            }
            Kind::Regex => {
                self.index += 1;
                return Ok(mk(
                    pos,
                    ExprKind::Lit(Lit::Regex {
                        source: t.value,
                        flags: t.flags,
                    }),
                ));
            }
            Kind::Name => {
                self.index += 1;
                let lit = match t.value.as_str() {
                    "true" => Lit::Bool(true),
                    "false" => Lit::Bool(false),
                    "none" | "null" => Lit::Null,
                    _ => {
                        self.allowed(&t.value, pos)?;
                        return Ok(mk(pos, ExprKind::Symbol(t.value)));
                    }
                };
                return Ok(mk(pos, ExprKind::Lit(lit)));
            }
            _ => {}
        }
        if self.consume("(") {
            let children = self.nested(|p| p.delimited(")"))?;
            if children.is_empty() {
                return Err(self.fail_at("Parenthesized expression cannot be empty", pos));
            }
            return Ok(mk(pos, ExprKind::Group(children)));
        }
        if self.consume("[") {
            return Ok(mk(pos, ExprKind::Array(self.nested(|p| p.delimited("]"))?)));
        }
        if self.consume("{") {
            return Ok(mk(pos, ExprKind::Dict(self.nested(Self::dictionary)?)));
        }
        let message = if t.value.is_empty() {
            "Unexpected expression token at end of input".to_string()
        } else {
            format!("Unexpected expression token {}", quote(&t.value))
        };
        Err(self.fail_at(message, pos))
    }

    fn dictionary(&mut self) -> PResult<Vec<(DictKey, Expr)>> {
        let mut pairs = Vec::new();
        if self.consume("}") {
            return Ok(pairs);
        }
        loop {
            let t = self.peek(0).clone();
            let key = match t.kind {
                Kind::Name if !matches!(t.value.as_str(), "true" | "false" | "null" | "none") => {
                    DictKey::Name(t.value.clone())
                }
                Kind::Str => DictKey::Str(t.value.clone()),
                _ => return Err(self.fail_at("Dictionary keys must be strings or names", t.pos)),
            };
            self.index += 1;
            self.allowed(&t.value, t.pos)?;
            self.expect_op(":")?;
            pairs.push((key, self.inline_if()?));
            if !self.consume(",") {
                break;
            }
        }
        self.expect_op("}")?;
        Ok(pairs)
    }

    fn delimited(&mut self, end: &str) -> PResult<Vec<Expr>> {
        let mut items = Vec::new();
        if self.consume(end) {
            return Ok(items);
        }
        loop {
            items.push(self.inline_if()?);
            if !self.consume(",") {
                break;
            }
        }
        self.expect_op(end)?;
        Ok(items)
    }

    /// Call arguments up to and including `)`.
    fn arguments(&mut self) -> PResult<Args> {
        let mut args = Args::default();
        if self.consume(")") {
            return Ok(args);
        }
        loop {
            if self.peek(0).kind == Kind::Name
                && self.peek(1).kind == Kind::Op
                && self.peek(1).value == "="
            {
                let key = self.expect(Kind::Name)?;
                self.allowed(&key.value, key.pos)?;
                self.expect_op("=")?;
                args.keyword.push((key.value, self.inline_if()?));
            } else {
                args.positional.push(self.inline_if()?);
            }
            if !self.consume(",") {
                break;
            }
        }
        self.expect_op(")")?;
        Ok(args)
    }
}

fn mk(pos: Pos, kind: ExprKind) -> Expr {
    Expr { pos, kind }
}

fn append(seq: &mut MulSeq, op: BinOp, right: MulSeq) {
    seq.ops.push((op, right.first));
    seq.ops.extend(right.ops);
}

fn materialize(seq: MulSeq) -> Expr {
    seq.ops.into_iter().fold(seq.first, |left, (op, right)| {
        mk(
            left.pos,
            ExprKind::Binary(op, Box::new(left), Box::new(right)),
        )
    })
}

/// nunjucks applies `not` to the leftmost operand of arithmetic and comparisons.
fn lower_not(target: Expr, pos: Pos) -> Expr {
    match target.kind {
        ExprKind::Binary(op, left, right) if op != BinOp::Pow => mk(
            pos,
            ExprKind::Binary(op, Box::new(lower_not(*left, pos)), right),
        ),
        ExprKind::Compare(first, ops) => mk(
            pos,
            ExprKind::Compare(Box::new(lower_not(*first, pos)), ops),
        ),
        kind => mk(pos, ExprKind::Not(Box::new(mk(target.pos, kind)))),
    }
}

/// The test a `value is <expr>` names: a symbol's name, a literal's string, else "undefined".
fn static_test_name(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Symbol(name) => name.clone(),
        ExprKind::Lit(Lit::Null) => "null".into(),
        ExprKind::Lit(Lit::Bool(b)) => b.to_string(),
        ExprKind::Lit(Lit::Num(n)) => super::number::js_number_string(*n),
        ExprKind::Lit(Lit::Str(s)) => s.clone(),
        ExprKind::Lit(Lit::Regex { source, flags }) => format!("/{source}/{flags}"),
        _ => "undefined".into(),
    }
}
