//! Operators and loops over values: arithmetic, comparisons, membership, and what a `for` visits.

use super::ast::{BinOp, CmpOp, Expr, Pos};
use super::limits;
use super::value::{Fail, Value};

pub(super) fn right_pos(ops: &[(CmpOp, Expr)], op: &CmpOp) -> Pos {
    ops.iter()
        .find(|(o, _)| o == op)
        .map(|(_, e)| e.pos)
        .unwrap_or_default()
}

/// A string value may not outgrow the output limit: doubling a string in a loop must stop
/// (nunjitsu stops at JavaScript's own string length limit).
pub(super) fn bounded(value: Result<Value, Fail>) -> Result<Value, Fail> {
    match value? {
        Value::Str(s) if s.len() > limits::OUTPUT_UNITS => {
            Err(limits::exceeded("output code unit", limits::OUTPUT_UNITS))
        }
        v => Ok(v),
    }
}

pub(super) fn binary(op: BinOp, left: &Value, right: &Value) -> Result<Value, Fail> {
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
pub(super) fn js_pow(a: f64, b: f64) -> f64 {
    if b.is_nan() || (a.abs() == 1.0 && b.is_infinite()) {
        return f64::NAN;
    }
    a.powf(b)
}

pub(super) fn compare(left: &Value, op: CmpOp, right: &Value) -> Result<bool, Fail> {
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

pub(super) fn contains(container: &Value, needle: &Value) -> Result<bool, Fail> {
    match container {
        Value::Str(s) => Ok(s.contains(&needle.to_js_string()?)),
        Value::Safe(_) => Ok(matches!(needle.to_js_string()?.as_str(), "length" | "val")),
        Value::Array(items) => Ok(items.borrow().iter().any(|v| v.strict_eq(needle))),
        Value::Record(r) => Ok(r.has(&needle.to_js_string()?)),
        _ => Err("Membership requires an array, record, or string".into()),
    }
}

/// The loop length and the items a `for` visits (records need two targets to iterate).
pub(super) fn iteration(value: &Value, targets: usize) -> (Value, Vec<Value>) {
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

pub(super) fn destructure(value: &Value, index: usize) -> Value {
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
