//! The interpreter: statements and expressions over [`Value`]s with nunjitsu's scoping (a `set`
//! inside a loop updates an outer variable that exists, else stays in the loop), loops with
//! `loop.*`, macros and call blocks, and the resource limits of [`super::limits`].

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use super::ast::{Args, DictKey, Expr, ExprKind, Lit, MacroDef, Node, NodeKind, Pos};
use super::error::EvalError;
use super::expr_parser::quote;
use super::operators::{binary, bounded, compare, contains, destructure, iteration, right_pos};
use super::regex::JsRegex;
use super::scope::{Options, Out, Scope};
use super::value::{is_reserved, Callable, Fail, Record, Value};
use super::{backstage, builtin_tests, filter_args, filters, limits, methods};

pub(super) struct MacroEntry {
    pub(super) def: Rc<MacroDef>,
    pub(super) scope: Rc<Scope>,
}

pub struct Evaluator<'o> {
    pub(super) options: &'o Options,
    work: Cell<u64>,
    output: Cell<usize>,
    pub(super) capability_calls: Cell<u32>,
    pub(super) macros: RefCell<Vec<MacroEntry>>,
}

pub(super) type R<T> = Result<T, EvalError>;

pub(super) fn at(pos: Pos) -> impl Fn(Fail) -> EvalError {
    move |message| EvalError { message, pos }
}

impl<'o> Evaluator<'o> {
    pub fn new(options: &'o Options) -> Evaluator<'o> {
        Evaluator {
            options,
            work: Cell::new(0),
            output: Cell::new(0),
            capability_calls: Cell::new(0),
            macros: RefCell::new(Vec::new()),
        }
    }

    pub(super) fn charge(&self, depth: usize, pos: Pos) -> R<()> {
        if depth > limits::NESTING_DEPTH {
            return Err(EvalError {
                message: limits::exceeded("nesting depth", limits::NESTING_DEPTH),
                pos,
            });
        }
        self.work.set(self.work.get() + 1);
        if self.work.get() > limits::WORK_UNITS {
            return Err(EvalError {
                message: limits::exceeded("work unit", limits::WORK_UNITS),
                pos,
            });
        }
        Ok(())
    }

    pub(super) fn append(
        &self,
        out: &mut Out,
        text: &str,
        encoded: Option<&str>,
        pos: Pos,
    ) -> R<()> {
        let mut added = text.len();
        out.text.push_str(text);
        if let Some(json) = out.json.as_mut() {
            let encoded = encoded.unwrap_or(text);
            added += encoded.len();
            json.push_str(encoded);
        }
        self.output.set(self.output.get() + added);
        if self.output.get() > limits::OUTPUT_UNITS {
            return Err(EvalError {
                message: limits::exceeded("output code unit", limits::OUTPUT_UNITS),
                pos,
            });
        }
        Ok(())
    }

    pub fn nodes(&self, nodes: &[Node], scope: &Rc<Scope>, out: &mut Out, depth: usize) -> R<()> {
        for node in nodes {
            self.node(node, scope, out, depth + 1)?;
        }
        Ok(())
    }

    fn node(&self, node: &Node, scope: &Rc<Scope>, out: &mut Out, depth: usize) -> R<()> {
        self.charge(depth, node.pos)?;
        match &node.kind {
            NodeKind::Text(text) => self.append(out, text, None, node.pos),
            NodeKind::Output(e) => {
                let value = self.expr(e, scope, depth + 1)?;
                let text = value.render().map_err(at(e.pos))?;
                if out.json.is_some() {
                    let encoded = filters::dump(&value, &Value::Undefined).map_err(at(e.pos))?;
                    let encoded = encoded.render().map_err(at(e.pos))?;
                    return self.append(out, &text, Some(&encoded), e.pos);
                }
                self.append(out, &text, None, e.pos)
            }
            NodeKind::If {
                cond,
                body,
                otherwise,
            } => {
                if self.expr(cond, scope, depth + 1)?.truthy() {
                    self.nodes(body, scope, out, depth)
                } else if let Some(otherwise) = otherwise {
                    self.nodes(otherwise, scope, out, depth)
                } else {
                    Ok(())
                }
            }
            NodeKind::For {
                targets,
                iterable,
                body,
                otherwise,
            } => self.for_loop(
                targets,
                iterable,
                body,
                otherwise.as_deref(),
                scope,
                out,
                depth,
            ),
            NodeKind::Set { targets, value } => {
                let value = match &value.kind {
                    ExprKind::Capture(body) => Value::str(self.capture(body, scope, depth)?),
                    _ => self.expr(value, scope, depth + 1)?,
                };
                for target in targets {
                    scope.assign(target, value.clone());
                }
                Ok(())
            }
            NodeKind::Macro(def) => {
                let id = self.register_macro(def.clone(), scope.clone());
                scope.set(&def.name, Value::Callable(Rc::new(Callable::Macro(id))));
                Ok(())
            }
            NodeKind::CallBlock {
                callee,
                args,
                caller,
            } => {
                let target = self.expr(callee, scope, depth + 1)?;
                let Value::Callable(c) = &target else {
                    return Err(at(node.pos)(
                        "Call blocks can target only template macros".into(),
                    ));
                };
                let Callable::Macro(id) = **c else {
                    return Err(at(node.pos)(
                        "Call blocks can target only template macros".into(),
                    ));
                };
                let (positional, mut keyword) = self.arguments(args, scope, depth)?;
                let caller_id = self.register_macro(caller.clone(), scope.clone());
                keyword.push((
                    "caller".into(),
                    Value::Callable(Rc::new(Callable::Macro(caller_id))),
                ));
                let value = self.invoke_macro(id, positional, keyword, depth + 1, node.pos)?;
                let text = value.render().map_err(at(node.pos))?;
                self.append(out, &text, None, node.pos)
            }
            NodeKind::Block(body) => self.nodes(body, &scope.child(true), out, depth),
            NodeKind::Switch {
                value,
                cases,
                default,
            } => {
                let value = self.expr(value, scope, depth + 1)?;
                let mut matched = false;
                for (cond, body) in cases {
                    if !matched && !value.strict_eq(&self.expr(cond, scope, depth + 1)?) {
                        continue;
                    }
                    matched = true;
                    if body.is_empty() {
                        continue;
                    }
                    return self.nodes(body, scope, out, depth);
                }
                match default {
                    Some(body) => self.nodes(body, scope, out, depth),
                    None => Ok(()),
                }
            }
        }
    }

    fn capture(&self, body: &[Node], scope: &Rc<Scope>, depth: usize) -> R<String> {
        let mut out = Out::default();
        self.nodes(body, scope, &mut out, depth + 1)?;
        Ok(out.text)
    }

    pub(super) fn register_macro(&self, def: Rc<MacroDef>, scope: Rc<Scope>) -> usize {
        let mut macros = self.macros.borrow_mut();
        macros.push(MacroEntry { def, scope });
        macros.len() - 1
    }

    #[allow(clippy::too_many_arguments)]
    fn for_loop(
        &self,
        targets: &[String],
        iterable: &Expr,
        body: &[Node],
        otherwise: Option<&[Node]>,
        scope: &Rc<Scope>,
        out: &mut Out,
        depth: usize,
    ) -> R<()> {
        let value = self.expr(iterable, scope, depth + 1)?;
        let (length, items) = iteration(&value, targets.len());
        let loop_length = if value.truthy() {
            length
        } else {
            Value::Undefined
        };
        let n = loop_length.to_number().map_err(at(iterable.pos))?;
        let loop_scope = scope.child(false);
        for (index, item) in items.into_iter().enumerate() {
            self.charge(depth, iterable.pos)?;
            if targets.len() == 1 {
                loop_scope.set(&targets[0], item);
            } else {
                if item.is_nullish() {
                    return Err(at(iterable.pos)(
                        "Cannot destructure a nullish loop value".into(),
                    ));
                }
                for (i, target) in targets.iter().enumerate() {
                    loop_scope.set(target, destructure(&item, i));
                }
            }
            let i = index as f64;
            let entries: Vec<(Rc<str>, Value)> = vec![
                ("index".into(), Value::Num(i + 1.0)),
                ("index0".into(), Value::Num(i)),
                ("revindex".into(), Value::Num(n - i)),
                ("revindex0".into(), Value::Num(n - i - 1.0)),
                ("first".into(), Value::Bool(index == 0)),
                ("last".into(), Value::Bool(i == n - 1.0)),
                ("length".into(), loop_length.clone()),
            ];
            loop_scope.set("loop", Value::record(entries));
            self.nodes(body, &loop_scope, out, depth)?;
        }
        if !loop_length.truthy() {
            if let Some(otherwise) = otherwise {
                self.nodes(otherwise, &loop_scope, out, depth)?;
            }
        }
        Ok(())
    }

    pub fn expr(&self, e: &Expr, scope: &Rc<Scope>, depth: usize) -> R<Value> {
        self.charge(depth, e.pos)?;
        let d = depth + 1;
        let fail = at(e.pos);
        Ok(match &e.kind {
            ExprKind::Lit(lit) => match lit {
                Lit::Null => Value::Null,
                Lit::Bool(b) => Value::Bool(*b),
                Lit::Num(n) => Value::Num(*n),
                Lit::Str(s) => Value::str(s.as_str()),
                Lit::Regex { source, flags } => {
                    Value::Regex(Rc::new(JsRegex::new(source, flags).map_err(&fail)?))
                }
            },
            ExprKind::Symbol(name) => self.symbol(name, scope),
            ExprKind::Array(items) => Value::array(
                items
                    .iter()
                    .map(|i| self.expr(i, scope, d))
                    .collect::<R<_>>()?,
            ),
            ExprKind::Group(items) => {
                let mut last = Value::Undefined;
                for (i, item) in items.iter().enumerate() {
                    last = self.expr(item, scope, d)?;
                    if i + 1 < items.len() {
                        last.assert_no_callable().map_err(at(item.pos))?;
                    }
                }
                last
            }
            ExprKind::Dict(pairs) => {
                let mut entries = Vec::new();
                for (key, value) in pairs {
                    let key = match key {
                        DictKey::Name(n) | DictKey::Str(n) => n.clone(),
                    };
                    if is_reserved(&key) {
                        return Err(fail(format!("Template name {key} is reserved")));
                    }
                    entries.push((Rc::from(key.as_str()), self.expr(value, scope, d)?));
                }
                Value::Record(Rc::new(Record::new(entries)))
            }
            ExprKind::Lookup(target, key) => {
                let target = self.expr(target, scope, d)?;
                let key = self.expr(key, scope, d)?;
                let key = key.to_js_string().map_err(&fail)?;
                self.member(&target, &key)
            }
            ExprKind::Slice {
                target,
                start,
                stop,
                step,
            } => {
                let target = self.expr(target, scope, d)?;
                let start = self.expr(start, scope, d)?;
                let stop = self.expr(stop, scope, d)?;
                let step = self.expr(step, scope, d)?;
                self.slice(&target, start, stop, step, e.pos, depth)?
            }
            ExprKind::InlineIf {
                cond,
                body,
                otherwise,
            } => {
                if self.expr(cond, scope, d)?.truthy() {
                    self.expr(body, scope, d)?
                } else if let Some(otherwise) = otherwise {
                    self.expr(otherwise, scope, d)?
                } else {
                    Value::str("")
                }
            }
            ExprKind::Or(l, r) => {
                let left = self.expr(l, scope, d)?;
                if left.truthy() {
                    left
                } else {
                    self.expr(r, scope, d)?
                }
            }
            ExprKind::And(l, r) => {
                let left = self.expr(l, scope, d)?;
                if left.truthy() {
                    self.expr(r, scope, d)?
                } else {
                    left
                }
            }
            ExprKind::Not(t) => Value::Bool(!self.expr(t, scope, d)?.truthy()),
            ExprKind::Neg(t) => Value::Num(-self.expr(t, scope, d)?.to_number().map_err(&fail)?),
            ExprKind::Plus(t) => Value::Num(self.expr(t, scope, d)?.to_number().map_err(&fail)?),
            ExprKind::Floor(t) => {
                Value::Num(self.expr(t, scope, d)?.to_number().map_err(&fail)?.floor())
            }
            ExprKind::Binary(op, l, r) => {
                let left = self.expr(l, scope, d)?;
                let right = self.expr(r, scope, d)?;
                bounded(binary(*op, &left, &right)).map_err(&fail)?
            }
            ExprKind::Compare(first, ops) => {
                let mut left = self.expr(first, scope, d)?;
                let mut result = false;
                for (op, right) in ops {
                    let right = self.expr(right, scope, d)?;
                    result = compare(&left, *op, &right).map_err(at(right_pos(ops, op)))?;
                    left = Value::Bool(result);
                }
                Value::Bool(result)
            }
            ExprKind::In(needle, container) => {
                let needle = self.expr(needle, scope, d)?;
                let container = self.expr(container, scope, d)?;
                Value::Bool(contains(&container, &needle).map_err(&fail)?)
            }
            ExprKind::Is {
                value,
                test,
                args,
                test_pos,
            } => self.test(value, test, args.as_ref(), *test_pos, scope, d)?,
            ExprKind::Filter {
                name,
                input,
                args,
                name_pos,
            } => self.filter(name, input, args, *name_pos, scope, d)?,
            ExprKind::Call(callee, args) => self.call(callee, args, scope, d, e.pos)?,
            ExprKind::Capture(body) => {
                Value::str(self.capture(body, &scope.child(false), depth)?)
            }
        })
    }

    fn symbol(&self, name: &str, scope: &Rc<Scope>) -> Value {
        if let Some(value) = scope.lookup(name) {
            return value;
        }
        if self.options.cookiecutter {
            match name {
                "True" => return Value::Bool(true),
                "False" => return Value::Bool(false),
                "None" => return Value::Null,
                _ => {}
            }
        }
        if backstage::is_global(name) {
            return Value::Callable(Rc::new(Callable::Capability(name.to_string())));
        }
        match name {
            "range" => Value::Callable(Rc::new(Callable::Global("range"))),
            "cycler" => Value::Callable(Rc::new(Callable::Global("cycler"))),
            "joiner" => Value::Callable(Rc::new(Callable::Global("joiner"))),
            _ => Value::Undefined,
        }
    }

    fn member(&self, target: &Value, key: &str) -> Value {
        if let Value::Callable(c) = target {
            if let Callable::Cycler { values, index } = &**c {
                return match key {
                    "current" => usize::try_from(*index.borrow())
                        .ok()
                        .map_or(Value::Null, |i| values[i].clone()),
                    "next" => Value::Callable(Rc::new(Callable::CyclerMethod {
                        owner: c.clone(),
                        method: "next",
                    })),
                    "reset" => Value::Callable(Rc::new(Callable::CyclerMethod {
                        owner: c.clone(),
                        method: "reset",
                    })),
                    _ => Value::Undefined,
                };
            }
        }
        if let Some(value) = filter_args::own_value(target, key) {
            return value;
        }
        if methods::resolve(target, key, self.options.cookiecutter) {
            return Value::Callable(Rc::new(Callable::Intrinsic {
                receiver: target.clone(),
                name: key.to_string(),
            }));
        }
        Value::Undefined
    }

    fn slice(
        &self,
        input: &Value,
        start: Value,
        stop: Value,
        step: Value,
        pos: Pos,
        depth: usize,
    ) -> R<Value> {
        let fail = at(pos);
        if matches!(input, Value::Callable(_)) {
            return Err(fail("Callable values cannot be sliced".into()));
        }
        let target = if input.truthy() {
            input.clone()
        } else {
            Value::array(Vec::new())
        };
        let length = filter_args::own_value(&target, "length").unwrap_or(Value::Undefined);
        let step_n = step.to_number().map_err(&fail)?;
        if !step_n.is_finite() || step_n == 0.0 {
            return Err(fail(
                "Slice step must have finite non-zero numeric coercion".into(),
            ));
        }
        let backwards = step.order(&Value::Num(0.0)).map_err(&fail)? < 0.0;
        let mut start = match start {
            Value::Null if backwards => Value::Num(length.to_number().map_err(&fail)? - 1.0),
            Value::Null => Value::Num(0.0),
            s => s,
        };
        let stop = match stop {
            Value::Null if backwards => Value::Num(-1.0),
            Value::Null => length.clone(),
            s if s.order(&Value::Num(0.0)).map_err(&fail)? < 0.0 => {
                s.add(&length).map_err(&fail)?
            }
            s => s,
        };
        if start.order(&Value::Num(0.0)).map_err(&fail)? < 0.0 {
            start = start.add(&length).map_err(&fail)?;
        }
        let mut items = Vec::new();
        let mut index = start;
        loop {
            if index.order(&Value::Num(0.0)).map_err(&fail)? < 0.0
                || index.order(&length).map_err(&fail)? > 0.0
            {
                break;
            }
            let o = index.order(&stop).map_err(&fail)?;
            if (!backwards && o >= 0.0) || (backwards && o <= 0.0) {
                break;
            }
            self.charge(depth, pos)?;
            let key = index.to_js_string().map_err(&fail)?;
            let value = filter_args::own_value(&target, &key).unwrap_or(Value::Undefined);
            value.assert_no_callable().map_err(&fail)?;
            items.push(value);
            index = index.add(&step).map_err(&fail)?;
        }
        Ok(Value::array(items))
    }

    pub(super) fn arguments(
        &self,
        args: &Args,
        scope: &Rc<Scope>,
        depth: usize,
    ) -> R<(Vec<Value>, Vec<(String, Value)>)> {
        let positional = args
            .positional
            .iter()
            .map(|a| self.expr(a, scope, depth + 1))
            .collect::<R<Vec<_>>>()?;
        let mut keyword = Vec::new();
        for (name, value) in &args.keyword {
            let value = self.expr(value, scope, depth + 1)?;
            keyword.retain(|(k, _): &(String, Value)| k != name);
            keyword.push((name.clone(), value));
        }
        Ok((positional, keyword))
    }

    fn test(
        &self,
        value: &Expr,
        name: &str,
        args: Option<&Args>,
        pos: Pos,
        scope: &Rc<Scope>,
        depth: usize,
    ) -> R<Value> {
        let fail = at(pos);
        let Some(arity) = builtin_tests::test_arity(name) else {
            return Err(fail(format!("Unknown template test {}", quote(name))));
        };
        match args {
            Some(a) if !a.keyword.is_empty() => {
                return Err(fail(format!(
                    "Template test {name} does not accept keyword arguments"
                )))
            }
            Some(a) if a.positional.len() != arity => {
                return Err(fail(format!(
                    "Template test {name} requires {arity} positional argument"
                )))
            }
            None if arity != 0 => {
                return Err(fail(format!(
                    "Template test {name} requires {arity} positional argument"
                )))
            }
            _ => {}
        }
        let input = self.expr(value, scope, depth)?;
        let positional = match args {
            Some(a) => self.arguments(a, scope, depth)?.0,
            None => Vec::new(),
        };
        let result = builtin_tests::apply_test(name, &input, &positional).map_err(|m| {
            fail(format!(
                "Test {} failed for {} input: {m}",
                quote(name),
                input.kind()
            ))
        })?;
        Ok(Value::Bool(result))
    }

    fn filter(
        &self,
        name: &str,
        input: &Expr,
        args: &Args,
        pos: Pos,
        scope: &Rc<Scope>,
        depth: usize,
    ) -> R<Value> {
        let fail = at(pos);
        let builtin = if self.options.cookiecutter && name == "jsonify" {
            "dump"
        } else {
            name
        };
        let host = backstage::is_filter(name);
        if !host && !filters::is_builtin(builtin) {
            return Err(fail(format!("Unknown template filter {}", quote(name))));
        }
        if host && !args.keyword.is_empty() {
            return Err(fail(format!(
                "Registered filter {name} does not accept keyword arguments"
            )));
        }
        let input = self.expr(input, scope, depth)?;
        let (positional, keyword) = self.arguments(args, scope, depth)?;
        if host {
            input.assert_no_callable().map_err(&fail)?;
            for p in &positional {
                p.assert_no_callable().map_err(&fail)?;
            }
            self.charge_capability(pos)?;
            return backstage::apply_filter(name, &input, &positional).map_err(&fail);
        }
        filters::apply(
            builtin,
            &input,
            positional,
            keyword,
            self.options.allow_regex,
        )
        .map_err(|m| {
            fail(format!(
                "Filter {} failed for {} input: {m}",
                quote(builtin),
                input.kind()
            ))
        })
    }
}
