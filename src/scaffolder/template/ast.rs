//! The syntax tree nunjitsu's parser builds (its `ast.ts`), as Rust enums.

/// A zero-based source position; errors print it one-based.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Clone, Debug)]
pub enum Lit {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Regex { source: String, flags: String },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BinOp {
    Add,
    Concat,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum CmpOp {
    Eq,
    StrictEq,
    Ne,
    StrictNe,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Positional arguments, then `name=value` keyword arguments (nunjucks' `KeywordArgs`).
#[derive(Clone, Debug, Default)]
pub struct Args {
    pub positional: Vec<Expr>,
    pub keyword: Vec<(String, Expr)>,
}

#[derive(Clone, Debug)]
pub enum DictKey {
    Name(String),
    Str(String),
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub pos: Pos,
    pub kind: ExprKind,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Lit(Lit),
    Symbol(String),
    Array(Vec<Expr>),
    /// `(a, b)` evaluates every item and yields the last.
    Group(Vec<Expr>),
    Dict(Vec<(DictKey, Expr)>),
    Lookup(Box<Expr>, Box<Expr>),
    Slice {
        target: Box<Expr>,
        start: Box<Expr>,
        stop: Box<Expr>,
        step: Box<Expr>,
    },
    InlineIf {
        cond: Box<Expr>,
        body: Box<Expr>,
        otherwise: Option<Box<Expr>>,
    },
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    Plus(Box<Expr>),
    Floor(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Compare(Box<Expr>, Vec<(CmpOp, Expr)>),
    In(Box<Expr>, Box<Expr>),
    Is {
        value: Box<Expr>,
        test: String,
        args: Option<Args>,
        test_pos: Pos,
    },
    /// `input | name(args)`: `input` is the filter's first argument.
    Filter {
        name: String,
        input: Box<Expr>,
        args: Args,
        name_pos: Pos,
    },
    Call(Box<Expr>, Args),
    /// The output of a body, as a string (`{% set x %}...{% endset %}`, filter blocks).
    Capture(Vec<Node>),
}

#[derive(Clone, Debug)]
pub struct MacroDef {
    pub name: String,
    /// Parameters without and with defaults.
    pub params: Vec<String>,
    pub defaults: Vec<(String, Expr)>,
    pub body: Vec<Node>,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub pos: Pos,
    pub kind: NodeKind,
}

#[derive(Clone, Debug)]
pub enum NodeKind {
    Text(String),
    Output(Expr),
    If {
        cond: Expr,
        body: Vec<Node>,
        otherwise: Option<Vec<Node>>,
    },
    For {
        targets: Vec<String>,
        iterable: Expr,
        body: Vec<Node>,
        otherwise: Option<Vec<Node>>,
    },
    Set {
        targets: Vec<String>,
        value: Expr,
    },
    Macro(std::rc::Rc<MacroDef>),
    CallBlock {
        callee: Expr,
        args: Args,
        caller: std::rc::Rc<MacroDef>,
    },
    Block(Vec<Node>),
    Switch {
        value: Expr,
        cases: Vec<(Expr, Vec<Node>)>,
        default: Option<Vec<Node>>,
    },
}
