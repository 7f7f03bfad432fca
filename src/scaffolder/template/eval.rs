//! The interpreter: statements and expressions over [`Value`]s with nunjitsu's scoping (a `set`
//! inside a loop updates an outer variable that exists, else stays in the loop), loops with
//! `loop.*`, macros and call blocks, and the resource limits of [`super::limits`].

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Args, BinOp, CmpOp, DictKey, Expr, ExprKind, Lit, MacroDef, Node, NodeKind, Pos};
use super::expr_parser::quote;
use super::regex::JsRegex;
use super::value::{is_reserved, Callable, Fail, Record, Value};
use super::{backstage, filters, limits, methods, EvalError};

/// One variable scope. `isolated` scopes keep assignments local (macro bodies, the root).
pub struct Scope {
    parent: Option<Rc<Scope>>,
    isolated: bool,
    vars: RefCell<HashMap<Rc<str>, (Value, bool)>>,
}

impl Scope {
    pub fn root(vars: impl Iterator<Item = (Rc<str>, Value)>) -> Rc<Scope> {
        let scope = Scope {
            parent: None,
            isolated: false,
            vars: RefCell::new(HashMap::new()),
        };
        for (k, v) in vars {
            scope.vars.borrow_mut().insert(k, (v, false));
        }
        Rc::new(scope)
    }

    pub fn child(self: &Rc<Scope>, isolated: bool) -> Rc<Scope> {
        Rc::new(Scope {
            parent: Some(self.clone()),
            isolated,
            vars: RefCell::new(HashMap::new()),
        })
    }

    fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((v, _)) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref()?.lookup(name)
    }

    fn set(&self, name: &str, value: Value) {
        self.vars.borrow_mut().insert(Rc::from(name), (value, true));
    }

    fn can_assign(&self, name: &str) -> bool {
        if let Some((_, writable)) = self.vars.borrow().get(name) {
            return *writable;
        }
        !self.isolated && self.parent.as_ref().is_some_and(|p| p.can_assign(name))
    }

    fn assign(&self, name: &str, value: Value) {
        if !self.isolated {
            if let Some(entry) = self.vars.borrow_mut().get_mut(name) {
                if entry.1 {
                    entry.0 = value;
                    return;
                }
            }
            if let Some(parent) = self.parent.as_ref().filter(|p| p.can_assign(name)) {
                parent.assign(name, value);
                return;
            }
        }
        self.set(name, value);
    }
}

/// Where rendered text goes; `json` collects each interpolation's `dump` for value coercion.
#[derive(Default)]
pub struct Out {
    pub text: String,
    pub json: Option<String>,
}

pub struct Options {
    pub cookiecutter: bool,
    pub allow_regex: bool,
}

struct MacroEntry {
    def: Rc<MacroDef>,
    scope: Rc<Scope>,
}

pub struct Evaluator<'o> {
    options: &'o Options,
    work: Cell<u64>,
    output: Cell<usize>,
    capability_calls: Cell<u32>,
    macros: RefCell<Vec<MacroEntry>>,
}

type R<T> = Result<T, EvalError>;

fn at(pos: Pos) -> impl Fn(Fail) -> EvalError {
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

    fn charge(&self, depth: usize, pos: Pos) -> R<()> {
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

    fn append(&self, out: &mut Out, text: &str, encoded: Option<&str>, pos: Pos) -> R<()> {
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

    fn register_macro(&self, def: Rc<MacroDef>, scope: Rc<Scope>) -> usize {
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
        if let Some(value) = filters::own_value(target, key) {
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
        let length = filters::own_value(&target, "length").unwrap_or(Value::Undefined);
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
            let value = filters::own_value(&target, &key).unwrap_or(Value::Undefined);
            value.assert_no_callable().map_err(&fail)?;
            items.push(value);
            index = index.add(&step).map_err(&fail)?;
        }
        Ok(Value::array(items))
    }

    fn arguments(
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
        let Some(arity) = filters::test_arity(name) else {
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
        let result = filters::apply_test(name, &input, &positional).map_err(|m| {
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

    fn charge_capability(&self, pos: Pos) -> R<()> {
        self.capability_calls.set(self.capability_calls.get() + 1);
        if self.capability_calls.get() > limits::CAPABILITY_CALLS {
            return Err(EvalError {
                message: limits::exceeded("capability call", limits::CAPABILITY_CALLS),
                pos,
            });
        }
        Ok(())
    }

    fn call(
        &self,
        callee: &Expr,
        args: &Args,
        scope: &Rc<Scope>,
        depth: usize,
        pos: Pos,
    ) -> R<Value> {
        let fail = at(pos);
        let target = self.expr(callee, scope, depth)?;
        let Value::Callable(c) = &target else {
            let what = match call_path(callee) {
                Some(path) => format!("Template value {}", quote(&path)),
                None => "Template expression".into(),
            };
            return Err(fail(format!(
                "{what} resolved to {} and cannot be called",
                target.kind()
            )));
        };
        if let Callable::Macro(id) = **c {
            let (positional, keyword) = self.arguments(args, scope, depth)?;
            return self.invoke_macro(id, positional, keyword, depth + 1, pos);
        }
        if !args.keyword.is_empty() {
            return Err(fail(
                "Built-in callables do not accept keyword arguments".into(),
            ));
        }
        let count = args.positional.len();
        match &**c {
            Callable::Global(name) => {
                let max = match *name {
                    "range" => 3,
                    "joiner" => 1,
                    _ => usize::MAX,
                };
                if count > max {
                    return Err(fail(format!(
                        "Built-in global {name} accepts at most {max} positional arguments"
                    )));
                }
            }
            Callable::Joiner { .. } | Callable::CyclerMethod { .. } if count != 0 => {
                return Err(fail("This callable requires 0 positional arguments".into()));
            }
            Callable::Intrinsic { receiver, name } => {
                let (min, max) = methods::arity(receiver, name, self.options.cookiecutter);
                if count < min || count > max {
                    return Err(fail(format!(
                        "Template intrinsic {name} requires {min} to {max} positional arguments"
                    )));
                }
            }
            _ => {}
        }
        let (positional, _) = self.arguments(args, scope, depth)?;
        for p in &positional {
            p.assert_no_callable().map_err(&fail)?;
        }
        match &**c {
            Callable::Capability(name) => {
                self.charge_capability(pos)?;
                Ok(backstage::call_global(name))
            }
            Callable::Global("range") => self.range(&positional, pos),
            Callable::Global("cycler") => Ok(Value::Callable(Rc::new(Callable::Cycler {
                values: positional,
                index: RefCell::new(-1),
            }))),
            Callable::Global(_) => {
                let separator = positional
                    .first()
                    .filter(|s| s.truthy())
                    .cloned()
                    .unwrap_or_else(|| Value::str(","));
                Ok(Value::Callable(Rc::new(Callable::Joiner {
                    separator,
                    used: RefCell::new(false),
                })))
            }
            Callable::Joiner { separator, used } => Ok(if used.replace(true) {
                separator.clone()
            } else {
                Value::str("")
            }),
            Callable::CyclerMethod { owner, method } => {
                let Callable::Cycler { values, index } = &**owner else {
                    return Ok(Value::Undefined);
                };
                if *method == "reset" {
                    *index.borrow_mut() = -1;
                    return Ok(Value::Undefined);
                }
                if values.is_empty() {
                    *index.borrow_mut() = 0;
                    return Ok(Value::Undefined);
                }
                let next = (*index.borrow() + 1).rem_euclid(values.len() as isize);
                *index.borrow_mut() = next;
                Ok(values[next as usize].clone())
            }
            Callable::Intrinsic { receiver, name } => {
                bounded(methods::invoke(receiver, name, &positional, self.options)).map_err(&fail)
            }
            Callable::Cycler { .. } | Callable::Macro(_) => Err(fail(
                "Interpreter builtin object is not directly callable".into(),
            )),
        }
    }

    fn range(&self, args: &[Value], pos: Pos) -> R<Value> {
        let fail = at(pos);
        let (start, stop, step) = match args {
            [] => (Value::Num(0.0), Value::Undefined, Value::Num(1.0)),
            [stop] => (Value::Num(0.0), stop.clone(), Value::Num(1.0)),
            [start, stop] => (start.clone(), stop.clone(), Value::Num(1.0)),
            [start, stop, step, ..] => (
                start.clone(),
                stop.clone(),
                if step.truthy() {
                    step.clone()
                } else {
                    Value::Num(1.0)
                },
            ),
        };
        let up = step.order(&Value::Num(0.0)).map_err(&fail)? > 0.0;
        let mut items = Vec::new();
        let mut value = start;
        loop {
            let o = value.order(&stop).map_err(&fail)?;
            if !(if up { o < 0.0 } else { o > 0.0 }) {
                break;
            }
            self.charge(0, pos)?;
            let next = value.add(&step).map_err(&fail)?;
            items.push(value);
            value = next;
        }
        Ok(Value::array(items))
    }

    fn invoke_macro(
        &self,
        id: usize,
        positional: Vec<Value>,
        keyword: Vec<(String, Value)>,
        depth: usize,
        pos: Pos,
    ) -> R<Value> {
        let (def, scope) = {
            let macros = self.macros.borrow();
            let entry = &macros[id];
            (entry.def.clone(), entry.scope.clone())
        };
        let local = scope.child(true);
        let mut keyword: HashMap<String, Value> = keyword.into_iter().collect();
        let mut supplied = positional.into_iter();
        // nunjucks' calling convention: surplus positionals fill defaulted parameters in order.
        let mut positional_values = Vec::new();
        for name in &def.params {
            positional_values.push(
                supplied
                    .next()
                    .unwrap_or_else(|| keyword.remove(name).unwrap_or(Value::Undefined)),
            );
        }
        for ((name, _), value) in def.defaults.iter().zip(supplied) {
            keyword.insert(name.clone(), value);
        }
        for (name, value) in def.params.iter().zip(positional_values) {
            local.set(name, value);
        }
        for (name, default) in &def.defaults {
            let value = match keyword.remove(name) {
                Some(v) => v,
                None => self.expr(default, &local, depth + 1)?,
            };
            local.set(name, value);
        }
        let declares_caller = def
            .params
            .iter()
            .chain(def.defaults.iter().map(|(n, _)| n))
            .any(|n| n == "caller");
        if !declares_caller {
            if let Some(caller) = keyword.remove("caller") {
                local.set("caller", caller);
            }
        }
        let mut out = Out::default();
        self.nodes(&def.body, &local, &mut out, depth + 1)
            .map_err(|e| EvalError {
                pos: if e.pos == Pos::default() { pos } else { e.pos },
                ..e
            })?;
        Ok(Value::Safe(Rc::from(out.text.as_str())))
    }
}

fn right_pos(ops: &[(CmpOp, Expr)], op: &CmpOp) -> Pos {
    ops.iter()
        .find(|(o, _)| o == op)
        .map(|(_, e)| e.pos)
        .unwrap_or_default()
}

fn call_path(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Symbol(name) => Some(name.clone()),
        ExprKind::Lookup(target, key) => match &key.kind {
            ExprKind::Lit(Lit::Str(k)) => Some(format!("{}.{k}", call_path(target)?)),
            _ => None,
        },
        _ => None,
    }
}

/// A string value may not outgrow the output limit: doubling a string in a loop must stop
/// (nunjitsu stops at JavaScript's own string length limit).
fn bounded(value: Result<Value, Fail>) -> Result<Value, Fail> {
    match value? {
        Value::Str(s) if s.len() > limits::OUTPUT_UNITS => {
            Err(limits::exceeded("output code unit", limits::OUTPUT_UNITS))
        }
        v => Ok(v),
    }
}

fn binary(op: BinOp, left: &Value, right: &Value) -> Result<Value, Fail> {
    Ok(match op {
        BinOp::Add => left.add(right)?,
        BinOp::Concat => Value::str(left.to_js_string()? + &right.to_js_string()?),
        _ => {
            let (a, b) = (left.to_number()?, right.to_number()?);
            Value::Num(match op {
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => a / b,
                BinOp::Mod => a % b,
                _ => js_pow(a, b),
            })
        }
    })
}

/// `**`: JavaScript answers NaN for `(±1) ** ±Infinity` and `1 ** NaN`, Rust 1.
fn js_pow(a: f64, b: f64) -> f64 {
    if b.is_nan() || (a.abs() == 1.0 && b.is_infinite()) {
        return f64::NAN;
    }
    a.powf(b)
}

fn compare(left: &Value, op: CmpOp, right: &Value) -> Result<bool, Fail> {
    Ok(match op {
        CmpOp::Eq => left.loose_eq(right)?,
        CmpOp::Ne => !left.loose_eq(right)?,
        CmpOp::StrictEq => left.strict_eq(right),
        CmpOp::StrictNe => !left.strict_eq(right),
        CmpOp::Lt => left.order(right)? < 0.0,
        CmpOp::Le => left.order(right)? <= 0.0,
        CmpOp::Gt => left.order(right)? > 0.0,
        CmpOp::Ge => left.order(right)? >= 0.0,
    })
}

fn contains(container: &Value, needle: &Value) -> Result<bool, Fail> {
    match container {
        Value::Str(s) => Ok(s.contains(&needle.to_js_string()?)),
        Value::Safe(_) => Ok(matches!(needle.to_js_string()?.as_str(), "length" | "val")),
        Value::Array(items) => Ok(items.borrow().iter().any(|v| v.strict_eq(needle))),
        Value::Record(r) => Ok(r.has(&needle.to_js_string()?)),
        _ => Err("Membership requires an array, record, or string".into()),
    }
}

/// The loop length and the items a `for` visits (records need two targets to iterate).
fn iteration(value: &Value, targets: usize) -> (Value, Vec<Value>) {
    let chars = |s: &str| -> Vec<Value> {
        s.encode_utf16()
            .map(|u| Value::str(String::from_utf16_lossy(&[u])))
            .collect()
    };
    match value {
        Value::Array(items) => (
            Value::Num(items.borrow().len() as f64),
            items.borrow().clone(),
        ),
        Value::Record(r) if targets == 1 => {
            let length = r.get("length").cloned().unwrap_or(Value::Undefined);
            let n = length.to_number().unwrap_or(f64::NAN);
            let items = (0..)
                .take_while(|i| (*i as f64) < n)
                .take(limits::WORK_UNITS as usize)
                .map(|i: usize| r.get(&i.to_string()).cloned().unwrap_or(Value::Undefined))
                .collect();
            (length, items)
        }
        Value::Record(r) => (
            Value::Num(r.len() as f64),
            r.entries()
                .map(|(k, v)| Value::array(vec![Value::Str(k.clone()), v.clone()]))
                .collect(),
        ),
        Value::Str(s) | Value::Safe(s) if targets == 1 || matches!(value, Value::Safe(_)) => {
            let items = chars(s);
            (Value::Num(items.len() as f64), items)
        }
        Value::Str(s) => {
            let items: Vec<Value> = chars(s)
                .into_iter()
                .enumerate()
                .map(|(i, c)| Value::array(vec![Value::str(i.to_string()), c]))
                .collect();
            (Value::Num(items.len() as f64), items)
        }
        _ if targets == 1 => (Value::Undefined, Vec::new()),
        _ => (Value::Num(0.0), Vec::new()),
    }
}

fn destructure(value: &Value, index: usize) -> Value {
    match value {
        Value::Array(items) => items
            .borrow()
            .get(index)
            .cloned()
            .unwrap_or(Value::Undefined),
        Value::Record(r) => r
            .get(&index.to_string())
            .cloned()
            .unwrap_or(Value::Undefined),
        Value::Str(s) => s.encode_utf16().nth(index).map_or(Value::Undefined, |u| {
            Value::str(String::from_utf16_lossy(&[u]))
        }),
        _ => Value::Undefined,
    }
}
