//! Template values with JavaScript semantics, as nunjitsu's closed runtime values behave:
//! `String()`, `Number()`, `==`, `===`, relational order, `+`, truthiness, and the JSON
//! conversions (`JSON.stringify` as `dump` does, `JSON.parse` for value coercion).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::number::{js_number_string, js_string_to_number};
use super::regex::JsRegex;

/// Internal failure message; the evaluator adds the source position.
pub type Fail = String;

#[derive(Clone, Debug)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    /// A string marked safe (`safe`, `escape`, macro output): renders as its text.
    Safe(Rc<str>),
    /// Arrays are mutable in place (`push`, `pop`, ...) and compared by identity.
    Array(Rc<RefCell<Vec<Value>>>),
    Record(Rc<Record>),
    Regex(Rc<JsRegex>),
    /// A macro, caller, built-in global, intrinsic method or host capability.
    Callable(Rc<Callable>),
}

#[derive(Debug)]
pub enum Callable {
    Macro(usize),
    /// A Backstage global function (`always`, `failure`).
    Capability(String),
    Global(&'static str),
    Joiner {
        separator: Value,
        used: RefCell<bool>,
    },
    Cycler {
        values: Vec<Value>,
        index: RefCell<isize>,
    },
    CyclerMethod {
        owner: Rc<Callable>,
        method: &'static str,
    },
    Intrinsic {
        receiver: Value,
        name: String,
    },
}

/// A plain record: array-index keys first in numeric order, then names in insertion order, as
/// JavaScript orders an object's own keys.
#[derive(Debug, Default)]
pub struct Record {
    keys: Vec<Rc<str>>,
    values: HashMap<Rc<str>, Value>,
}

impl Record {
    pub fn new(entries: Vec<(Rc<str>, Value)>) -> Record {
        let mut record = Record::default();
        let mut indexed = Vec::new();
        for (key, value) in entries {
            if !record.values.contains_key(&key) {
                if array_index(&key).is_some() {
                    indexed.push(key.clone());
                } else {
                    record.keys.push(key.clone());
                }
            }
            record.values.insert(key, value);
        }
        if !indexed.is_empty() {
            indexed.sort_by_key(|k| array_index(k).unwrap_or(u32::MAX));
            indexed.append(&mut record.keys);
            record.keys = indexed;
        }
        record
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        if is_reserved(key) {
            return None;
        }
        self.values.get(key)
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Rc<str>, &Value)> {
        self.keys.iter().map(|k| (k, &self.values[k]))
    }
}

/// A canonical array index (`"0"`, `"12"`, not `"01"`).
pub fn array_index(key: &str) -> Option<u32> {
    let n: u32 = key.parse().ok()?;
    (n != u32::MAX && n.to_string() == key).then_some(n)
}

/// Names nunjitsu denies everywhere (prototype gadgets).
pub fn is_reserved(name: &str) -> bool {
    matches!(name, "constructor" | "prototype" | "__proto__")
}

impl Value {
    pub fn str(s: impl Into<Rc<str>>) -> Value {
        Value::Str(s.into())
    }

    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Rc::new(RefCell::new(items)))
    }

    pub fn record(entries: Vec<(Rc<str>, Value)>) -> Value {
        Value::Record(Rc::new(Record::new(entries)))
    }

    pub fn is_undefined(&self) -> bool {
        matches!(self, Value::Undefined)
    }

    pub fn is_nullish(&self) -> bool {
        matches!(self, Value::Undefined | Value::Null)
    }

    /// The text of a string or safe string.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Str(s) | Value::Safe(s) => Some(s),
            _ => None,
        }
    }

    /// JavaScript truthiness (`!!value`).
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            _ => true,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Safe(_) => "safe string",
            Value::Array(_) => "array",
            Value::Record(_) => "record",
            Value::Regex(_) => "regular expression",
            Value::Callable(_) => "callable",
        }
    }

    fn contains_callable(&self) -> bool {
        match self {
            Value::Callable(_) => true,
            Value::Array(items) => items.borrow().iter().any(Value::contains_callable),
            Value::Record(r) => r.entries().any(|(_, v)| v.contains_callable()),
            _ => false,
        }
    }

    pub fn assert_no_callable(&self) -> Result<(), Fail> {
        if self.contains_callable() {
            return Err("Callable values cannot be coerced".into());
        }
        Ok(())
    }

    /// `ToPrimitive` over closed values (arrays join with `,`, records are `[object Object]`).
    pub fn to_primitive(&self) -> Result<Value, Fail> {
        self.assert_no_callable()?;
        Ok(match self {
            Value::Safe(s) => Value::Str(s.clone()),
            Value::Array(items) => {
                let parts = items
                    .borrow()
                    .iter()
                    .map(|item| {
                        if item.is_nullish() {
                            Ok(String::new())
                        } else {
                            item.to_js_string()
                        }
                    })
                    .collect::<Result<Vec<_>, Fail>>()?;
                Value::str(parts.join(","))
            }
            Value::Record(_) => Value::str("[object Object]"),
            Value::Regex(r) => Value::str(r.to_js_string()),
            other => other.clone(),
        })
    }

    /// JavaScript `String(value)`.
    pub fn to_js_string(&self) -> Result<String, Fail> {
        Ok(match self.to_primitive()? {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => js_number_string(n),
            Value::Str(s) => s.to_string(),
            _ => unreachable!("to_primitive returns primitives"),
        })
    }

    /// JavaScript `Number(value)`.
    pub fn to_number(&self) -> Result<f64, Fail> {
        Ok(match self.to_primitive()? {
            Value::Undefined => f64::NAN,
            Value::Null | Value::Bool(false) => 0.0,
            Value::Bool(true) => 1.0,
            Value::Num(n) => n,
            Value::Str(s) => js_string_to_number(&s),
            _ => unreachable!("to_primitive returns primitives"),
        })
    }

    /// How a value prints in template output: nullish is empty, arrays join their rendered items.
    pub fn render(&self) -> Result<String, Fail> {
        self.assert_no_callable()?;
        let mut out = String::new();
        self.render_into(&mut out);
        Ok(out)
    }

    fn render_into(&self, out: &mut String) {
        match self {
            Value::Undefined | Value::Null | Value::Callable(_) => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Num(n) => out.push_str(&js_number_string(*n)),
            Value::Str(s) | Value::Safe(s) => out.push_str(s),
            Value::Array(items) => {
                for (i, item) in items.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.render_into(out);
                }
            }
            Value::Record(_) => out.push_str("[object Object]"),
            Value::Regex(r) => out.push_str(&r.to_js_string()),
        }
    }

    /// `===`: primitives by value, objects by identity.
    pub fn strict_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::Safe(a), Value::Safe(b)) => Rc::ptr_eq(a, b),
            (Value::Array(a), Value::Array(b)) => Rc::ptr_eq(a, b),
            (Value::Record(a), Value::Record(b)) => Rc::ptr_eq(a, b),
            (Value::Regex(a), Value::Regex(b)) => Rc::ptr_eq(a, b),
            (Value::Callable(a), Value::Callable(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    fn is_primitive(&self) -> bool {
        matches!(
            self,
            Value::Undefined | Value::Null | Value::Bool(_) | Value::Num(_) | Value::Str(_)
        )
    }

    /// `==`: JavaScript's abstract equality over closed values.
    pub fn loose_eq(&self, other: &Value) -> Result<bool, Fail> {
        if self.strict_eq(other) {
            return Ok(true);
        }
        if !self.is_primitive() && !other.is_primitive() {
            return Ok(false);
        }
        Ok(primitive_loose_eq(
            &self.to_primitive()?,
            &other.to_primitive()?,
        ))
    }

    /// The sign of `left - right` after relational conversion; NaN when unordered.
    pub fn order(&self, other: &Value) -> Result<f64, Fail> {
        let (l, r) = (self.to_primitive()?, other.to_primitive()?);
        if let (Value::Str(a), Value::Str(b)) = (&l, &r) {
            return Ok(match utf16_cmp(a, b) {
                std::cmp::Ordering::Less => -1.0,
                std::cmp::Ordering::Greater => 1.0,
                std::cmp::Ordering::Equal => 0.0,
            });
        }
        let (a, b) = (l.to_number()?, r.to_number()?);
        Ok(if a < b {
            -1.0
        } else if a > b {
            1.0
        } else if a == b {
            0.0
        } else {
            f64::NAN
        })
    }

    /// JavaScript `+`.
    pub fn add(&self, other: &Value) -> Result<Value, Fail> {
        let (l, r) = (self.to_primitive()?, other.to_primitive()?);
        if matches!(l, Value::Str(_)) || matches!(r, Value::Str(_)) {
            return Ok(Value::str(l.to_js_string()? + &r.to_js_string()?));
        }
        Ok(Value::Num(l.to_number()? + r.to_number()?))
    }
}

fn primitive_loose_eq(left: &Value, right: &Value) -> bool {
    if left.strict_eq(right) {
        return true;
    }
    match (left, right) {
        (a, b) if a.is_nullish() || b.is_nullish() => a.is_nullish() && b.is_nullish(),
        (Value::Bool(a), b) => primitive_loose_eq(&Value::Num(f64::from(u8::from(*a))), b),
        (a, Value::Bool(b)) => primitive_loose_eq(a, &Value::Num(f64::from(u8::from(*b)))),
        (Value::Num(a), Value::Str(b)) => *a == js_string_to_number(b),
        (Value::Str(a), Value::Num(b)) => js_string_to_number(a) == *b,
        _ => false,
    }
}

/// JavaScript compares strings by UTF-16 code units.
pub fn utf16_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if a.is_ascii() && b.is_ascii() {
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// A string's JavaScript `length` (UTF-16 code units).
pub fn js_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.encode_utf16().count()
    }
}

/// Context data (JSON) as template values.
pub fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Num(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::str(s.as_str()),
        serde_json::Value::Array(items) => Value::array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::record(
            map.iter()
                .filter(|(k, _)| !is_reserved(k))
                .map(|(k, v)| (Rc::from(k.as_str()), from_json(v)))
                .collect(),
        ),
    }
}

/// A value leaving the engine as JSON: undefined inside arrays becomes null, inside records the
/// key is dropped, a regex becomes its source text; `None` for undefined itself.
pub fn to_json(value: &Value) -> Result<Option<serde_json::Value>, Fail> {
    value.assert_no_callable()?;
    Ok(match value {
        Value::Undefined => None,
        Value::Null => Some(serde_json::Value::Null),
        Value::Bool(b) => Some(serde_json::Value::Bool(*b)),
        Value::Num(n) => Some(json_number(*n)),
        Value::Str(s) | Value::Safe(s) => Some(serde_json::Value::String(s.to_string())),
        Value::Regex(r) => Some(serde_json::Value::String(r.to_js_string())),
        Value::Array(items) => Some(serde_json::Value::Array(
            items
                .borrow()
                .iter()
                .map(|v| Ok(to_json(v)?.unwrap_or(serde_json::Value::Null)))
                .collect::<Result<_, Fail>>()?,
        )),
        Value::Record(r) => {
            let mut map = serde_json::Map::new();
            for (k, v) in r.entries() {
                if let Some(v) = to_json(v)? {
                    map.insert(k.to_string(), v);
                }
            }
            Some(serde_json::Value::Object(map))
        }
        Value::Callable(_) => unreachable!("checked above"),
    })
}

/// A number as JSON keeps integers integral (`3`, not `3.0`).
fn json_number(n: f64) -> serde_json::Value {
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        serde_json::Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
    }
}
