//! The errors of parsing and evaluating a template: [`ParseError`] and [`EvalError`] at a
//! zero-based position inside the engine, [`ExprError`] (one-based line and column) outside it.

use super::ast::Pos;

/// A template that failed to parse or render: the message and where (one-based) in the source.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{message}", location(*.line, *.column))]
pub struct ExprError {
    pub message: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
}

fn location(line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

/// A syntax error at a zero-based position.
#[derive(Debug)]
pub struct ParseError {
    pub message: String,
    pub pos: Pos,
}

/// An evaluation error at a zero-based position.
#[derive(Debug)]
pub struct EvalError {
    pub message: String,
    pub pos: Pos,
}

impl From<ParseError> for ExprError {
    fn from(e: ParseError) -> ExprError {
        ExprError {
            message: e.message,
            line: Some(e.pos.line + 1),
            column: Some(e.pos.column + 1),
        }
    }
}

impl From<EvalError> for ExprError {
    fn from(e: EvalError) -> ExprError {
        ExprError {
            message: e.message,
            line: Some(e.pos.line + 1),
            column: Some(e.pos.column + 1),
        }
    }
}
