//! proto3 text (a gRPC API's `.proto`): package, services and their rpcs (streaming marked), and
//! the messages and enums they use. A small recursive-descent reader: `protox-parse` is correct
//! but brings miette, logos and prost-types for what the view needs, the declarations' shape.
//! Options, reserved ranges and imports are read past, not interpreted.

use super::fields::summary_or;
use super::model::{Definition, Format, Node, Operation, ParseError, Section};

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Str(String),
    Punct(char),
}

struct Lexed {
    token: Token,
    line: usize,
    /// The comment right above the token: a declaration's documentation.
    doc: Option<String>,
    /// The comment after the token on its line: the documentation of the declaration it ends.
    trailing: Option<String>,
}

fn lex(text: &str) -> Result<Vec<Lexed>, ParseError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let (mut i, mut line) = (0, 1);
    let mut doc: Vec<String> = Vec::new();
    let mut doc_end = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            let start = i + 2;
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            let comment = chars[start..i]
                .iter()
                .collect::<String>()
                .trim()
                .to_string();
            // After a declaration on its line (`double risk = 1; // 0..1`): that declaration's.
            if let Some(last) = out.last_mut().filter(|t: &&mut Lexed| t.line == line) {
                last.trailing = Some(comment);
                continue;
            }
            // A blank line between comment and declaration detaches the comment.
            if doc_end + 1 < line {
                doc.clear();
            }
            doc.push(comment);
            doc_end = line;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            let open_line = line;
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                line += usize::from(chars[i] == '\n');
                i += 1;
            }
            if i + 1 >= chars.len() {
                return Err(ParseError::new(open_line, "unterminated /* comment"));
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let start_line = line;
            let mut value = String::new();
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\n' {
                    return Err(ParseError::new(start_line, "unterminated string"));
                }
                if chars[i] == '\\' {
                    i += 1;
                }
                if let Some(&ch) = chars.get(i) {
                    value.push(ch);
                }
                i += 1;
            }
            if i >= chars.len() {
                return Err(ParseError::new(start_line, "unterminated string"));
            }
            i += 1;
            out.push(Lexed {
                token: Token::Str(value),
                line,
                doc: None,
                trailing: None,
            });
        } else if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == '+' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '-' | '+'))
            {
                i += 1;
            }
            let attached = (doc_end + 1 >= line && !doc.is_empty()).then(|| doc.join("\n"));
            doc.clear();
            let word = chars[start..i].iter().collect();
            out.push(Lexed {
                token: Token::Word(word),
                line,
                doc: attached,
                trailing: None,
            });
        } else if "{}()<>[];=,:".contains(c) {
            doc.clear();
            out.push(Lexed {
                token: Token::Punct(c),
                line,
                doc: None,
                trailing: None,
            });
            i += 1;
        } else {
            return Err(ParseError::new(line, format!("unexpected character `{c}`")));
        }
    }
    Ok(out)
}

#[derive(Default)]
struct Proto {
    package: Option<String>,
    messages: Vec<Node>,
    enums: Vec<Node>,
    operations: Vec<Operation>,
}

struct Parser {
    tokens: Vec<Lexed>,
    at: usize,
}

impl Parser {
    fn line(&self) -> usize {
        self.tokens
            .get(self.at)
            .or(self.tokens.last())
            .map_or(1, |t| t.line)
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.token)
    }

    fn next(&mut self) -> Result<&Lexed, ParseError> {
        let line = self.line();
        let token = self
            .tokens
            .get(self.at)
            .ok_or_else(|| ParseError::new(line, "unexpected end of file"))?;
        self.at += 1;
        Ok(token)
    }

    fn word(&mut self) -> Result<String, ParseError> {
        let line = self.line();
        match &self.next()?.token {
            Token::Word(w) => Ok(w.clone()),
            other => Err(ParseError::new(
                line,
                format!("expected a name, found {}", shown(other)),
            )),
        }
    }

    fn expect(&mut self, c: char) -> Result<(), ParseError> {
        let line = self.line();
        match &self.next()?.token {
            Token::Punct(p) if *p == c => Ok(()),
            other => Err(ParseError::new(
                line,
                format!("expected `{c}`, found {}", shown(other)),
            )),
        }
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(&Token::Punct(c));
        self.at += usize::from(hit);
        hit
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let hit = matches!(self.peek(), Some(Token::Word(x)) if x == w);
        self.at += usize::from(hit);
        hit
    }

    /// Skips to the end of a statement (`;`) or past a balanced `{ }` block.
    fn skip_statement(&mut self) -> Result<(), ParseError> {
        let mut depth = 0usize;
        loop {
            match &self.next()?.token {
                Token::Punct(';') if depth == 0 => return Ok(()),
                Token::Punct('{') => depth += 1,
                Token::Punct('}') => {
                    depth = depth
                        .checked_sub(1)
                        .ok_or_else(|| ParseError::new(self.line(), "unbalanced `}`"))?;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
    }

    /// `[deprecated = true, ...]`: whether `deprecated = true` is among them.
    fn field_options(&mut self) -> Result<bool, ParseError> {
        let mut deprecated = false;
        if self.eat('[') {
            while !self.eat(']') {
                if let Token::Word(w) = &self.next()?.token {
                    if w == "deprecated" && self.eat('=') {
                        deprecated = matches!(self.peek(), Some(Token::Word(v)) if v == "true");
                    }
                }
            }
        }
        Ok(deprecated)
    }

    fn file(&mut self) -> Result<Proto, ParseError> {
        let mut proto = Proto::default();
        while self.peek().is_some() {
            let doc = self.tokens[self.at].doc.clone();
            let line = self.line();
            match self.word()?.as_str() {
                "syntax" | "edition" | "import" | "option" => self.skip_statement()?,
                "package" => {
                    proto.package = Some(self.word()?);
                    self.expect(';')?;
                }
                "message" => self.message("", doc, &mut proto)?,
                "enum" => self.enumeration("", doc, &mut proto)?,
                "service" => self.service(&mut proto)?,
                "extend" => self.skip_statement()?,
                other => {
                    return Err(ParseError::new(
                        line,
                        format!("unexpected `{other}` at the top level"),
                    ))
                }
            }
        }
        Ok(proto)
    }

    /// `Name {` after `message` or `enum`: the name, qualified by the enclosing message's.
    fn block_name(&mut self, outer: &str) -> Result<String, ParseError> {
        let name = format!("{outer}{}", self.word()?);
        self.expect('{')?;
        Ok(name)
    }

    fn message(
        &mut self,
        outer: &str,
        doc: Option<String>,
        proto: &mut Proto,
    ) -> Result<(), ParseError> {
        let name = self.block_name(outer)?;
        let mut fields = Vec::new();
        self.fields(&name, &mut fields, proto)?;
        proto.messages.push(Node {
            name,
            ty: "message".into(),
            description: doc,
            children: fields,
            ..Node::default()
        });
        Ok(())
    }

    /// A message's (or a oneof's) body up to its `}`; nested declarations go to `proto`.
    fn fields(
        &mut self,
        owner: &str,
        fields: &mut Vec<Node>,
        proto: &mut Proto,
    ) -> Result<(), ParseError> {
        while !self.eat('}') {
            let doc = self.tokens.get(self.at).and_then(|t| t.doc.clone());
            let first = self.word()?;
            match first.as_str() {
                "option" | "reserved" | "extensions" | "extend" => self.skip_statement()?,
                "message" => self.message(&format!("{owner}."), doc, proto)?,
                "enum" => self.enumeration(&format!("{owner}."), doc, proto)?,
                "oneof" => {
                    let name = self.word()?;
                    self.expect('{')?;
                    let mut choices = Vec::new();
                    self.fields(owner, &mut choices, proto)?;
                    fields.push(Node {
                        name,
                        ty: "oneof".into(),
                        description: doc,
                        children: choices,
                        ..Node::default()
                    });
                }
                _ => {
                    let mut ty = first;
                    if ty == "map" {
                        self.expect('<')?;
                        let key = self.word()?;
                        self.expect(',')?;
                        let value = self.word()?;
                        self.expect('>')?;
                        ty = format!("map<{key}, {value}>");
                    } else if matches!(ty.as_str(), "repeated" | "optional" | "required") {
                        ty = format!("{ty} {}", self.word()?);
                    }
                    let name = self.word()?;
                    self.expect('=')?;
                    let number = self.word()?;
                    let deprecated = self.field_options()?;
                    self.expect(';')?;
                    let trailing = self.tokens[self.at - 1].trailing.clone();
                    fields.push(Node {
                        name,
                        ty: format!("{ty} = {number}"),
                        deprecated,
                        description: doc.or(trailing),
                        ..Node::default()
                    });
                }
            }
        }
        Ok(())
    }

    fn enumeration(
        &mut self,
        outer: &str,
        doc: Option<String>,
        proto: &mut Proto,
    ) -> Result<(), ParseError> {
        let name = self.block_name(outer)?;
        let mut values = Vec::new();
        while !self.eat('}') {
            let value = self.word()?;
            if value == "option" || value == "reserved" {
                self.skip_statement()?;
                continue;
            }
            self.expect('=')?;
            let number = self.word()?;
            self.field_options()?;
            self.expect(';')?;
            values.push(format!("{value} = {number}"));
        }
        proto.enums.push(Node {
            name,
            ty: "enum".into(),
            description: doc,
            values,
            ..Node::default()
        });
        Ok(())
    }

    fn service(&mut self, proto: &mut Proto) -> Result<(), ParseError> {
        let name = self.word()?;
        let full = match &proto.package {
            Some(package) => format!("{package}.{name}"),
            None => name,
        };
        self.expect('{')?;
        while !self.eat('}') {
            let rpc_doc = self.tokens.get(self.at).and_then(|t| t.doc.clone());
            let line = self.line();
            match self.word()?.as_str() {
                "option" => self.skip_statement()?,
                "rpc" => {
                    let method = self.word()?;
                    self.expect('(')?;
                    let client_stream = self.eat_word("stream");
                    let request = self.word()?;
                    self.expect(')')?;
                    if self.word()? != "returns" {
                        return Err(ParseError::new(
                            line,
                            format!("rpc {method}: expected `returns`"),
                        ));
                    }
                    self.expect('(')?;
                    let server_stream = self.eat_word("stream");
                    let response = self.word()?;
                    self.expect(')')?;
                    let mut deprecated = false;
                    if self.eat('{') {
                        // `option deprecated = true;` is the only rpc option a reader needs.
                        while !self.eat('}') {
                            let start = self.at;
                            self.skip_statement()?;
                            deprecated |= self.tokens[start..self.at].windows(3).any(|w| {
                                w[0].token == Token::Word("deprecated".into())
                                    && w[2].token == Token::Word("true".into())
                            });
                        }
                    } else {
                        self.expect(';')?;
                    }
                    let kind = match (client_stream, server_stream) {
                        (false, false) => "UNARY",
                        (false, true) => "SERVER-STREAM",
                        (true, false) => "CLIENT-STREAM",
                        (true, true) => "BIDI-STREAM",
                    };
                    let stream = |on: bool, ty: &str| match on {
                        true => format!("stream {ty}"),
                        false => ty.to_string(),
                    };
                    proto.operations.push(Operation {
                        method: kind.into(),
                        path: format!("/{full}/{method}"),
                        operation_id: Some(method),
                        summary: summary_or(None, rpc_doc.as_ref()),
                        description: rpc_doc,
                        tags: vec![full.clone()],
                        deprecated,
                        // Filled once every message is known (a request may be declared later).
                        detail: vec![
                            Section {
                                title: "Request".into(),
                                nodes: vec![Node {
                                    name: request,
                                    ty: stream(client_stream, ""),
                                    ..Node::default()
                                }],
                            },
                            Section {
                                title: "Response".into(),
                                nodes: vec![Node {
                                    name: response,
                                    ty: stream(server_stream, ""),
                                    ..Node::default()
                                }],
                            },
                        ],
                    });
                }
                other => {
                    return Err(ParseError::new(
                        line,
                        format!("unexpected `{other}` in service {full}"),
                    ))
                }
            }
        }
        Ok(())
    }
}

fn shown(token: &Token) -> String {
    match token {
        Token::Word(w) => format!("`{w}`"),
        Token::Str(s) => format!("\"{s}\""),
        Token::Punct(c) => format!("`{c}`"),
    }
}

pub fn parse(text: &str) -> Result<Definition, ParseError> {
    let mut parser = Parser {
        tokens: lex(text)?,
        at: 0,
    };
    let mut proto = parser.file()?;
    // Each rpc's request and response: the message's fields when it is declared here (imported
    // ones, like google.protobuf.Empty, are named only).
    let prefix = proto
        .package
        .as_ref()
        .map(|p| format!("{p}."))
        .unwrap_or_default();
    for op in &mut proto.operations {
        for section in &mut op.detail {
            for node in &mut section.nodes {
                let wanted = node.name.trim_start_matches('.');
                let local = wanted.strip_prefix(prefix.as_str()).unwrap_or(wanted);
                node.ty = format!("{}{}", node.ty, node.name).trim().to_string();
                if let Some(message) = proto.messages.iter().find(|m| m.name == local) {
                    node.children = message.children.clone();
                    node.description = message.description.clone();
                }
                node.name = match section.title.as_str() {
                    "Request" => "request".into(),
                    _ => "response".into(),
                };
            }
        }
    }
    let mut sections = Vec::new();
    for (title, nodes) in [("Messages", proto.messages), ("Enums", proto.enums)] {
        if !nodes.is_empty() {
            sections.push(Section {
                title: title.into(),
                nodes,
            });
        }
    }
    Ok(Definition {
        format: Format::Grpc,
        title: proto.package,
        version: None,
        operations: proto.operations,
        webhooks: Vec::new(),
        sections,
    })
}
