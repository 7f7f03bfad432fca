//! Variable scopes with nunjitsu's assignment rule: `set` updates the nearest writable binding
//! unless an isolated scope (the root, a macro body) is reached, where it binds locally.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::value::Value;

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

    pub(super) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some((v, _)) = self.vars.borrow().get(name) {
            return Some(v.clone());
        }
        self.parent.as_ref()?.lookup(name)
    }

    pub(super) fn set(&self, name: &str, value: Value) {
        self.vars.borrow_mut().insert(Rc::from(name), (value, true));
    }

    fn can_assign(&self, name: &str) -> bool {
        if let Some((_, writable)) = self.vars.borrow().get(name) {
            return *writable;
        }
        !self.isolated && self.parent.as_ref().is_some_and(|p| p.can_assign(name))
    }

    pub(super) fn assign(&self, name: &str, value: Value) {
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
