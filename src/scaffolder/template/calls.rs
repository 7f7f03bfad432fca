//! Calls: macros and call blocks, the built-in globals (`range`, `cycler`, `joiner`), Backstage's
//! globals and the JavaScript methods nunjitsu allows.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::ast::{Args, Expr, ExprKind, Lit, Pos};
use super::error::EvalError;
use super::eval::{at, Evaluator, R};
use super::expr_parser::quote;
use super::operators::bounded;
use super::scope::{Out, Scope};
use super::value::{Callable, Value};
use super::{backstage, limits, methods};

impl Evaluator<'_> {
    pub(super) fn charge_capability(&self, pos: Pos) -> R<()> {
        self.capability_calls.set(self.capability_calls.get() + 1);
        if self.capability_calls.get() > limits::CAPABILITY_CALLS {
            return Err(EvalError {
                message: limits::exceeded("capability call", limits::CAPABILITY_CALLS),
                pos,
            });
        }
        Ok(())
    }

    pub(super) fn call(
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

    pub(super) fn invoke_macro(
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

pub(super) fn call_path(e: &Expr) -> Option<String> {
    match &e.kind {
        ExprKind::Symbol(name) => Some(name.clone()),
        ExprKind::Lookup(target, key) => match &key.kind {
            ExprKind::Lit(Lit::Str(k)) => Some(format!("{}.{k}", call_path(target)?)),
            _ => None,
        },
        _ => None,
    }
}
