//! The executable part of a GraphQL document as a small owned tree, converted from
//! `apollo-parser`'s concrete syntax tree (which is lossless but awkward to walk, and not
//! `Send`).

use std::collections::HashMap;

use apollo_parser::cst::{self, CstNode};
use serde_json::{Map, Value};

use super::Invalid;

/// A line and column, 1-based, for error `locations`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Query, mutation or subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Query,
    Mutation,
    Subscription,
}

#[derive(Debug)]
pub(crate) struct VarDef {
    pub(crate) name: String,
    pub(crate) ty: String,
    pub(crate) required: bool,
    pub(crate) default: Option<AValue>,
    pub(crate) pos: Pos,
}

#[derive(Debug)]
pub(crate) struct Operation {
    pub(crate) kind: OpKind,
    pub(crate) name: Option<String>,
    pub(crate) variables: Vec<VarDef>,
    pub(crate) selections: Vec<Sel>,
    pub(crate) pos: Pos,
}

#[derive(Debug)]
pub(crate) struct Fragment {
    pub(crate) on: String,
    pub(crate) selections: Vec<Sel>,
    pub(crate) pos: Pos,
}

#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) operations: Vec<Operation>,
    pub(crate) fragments: HashMap<String, Fragment>,
}

#[derive(Debug)]
pub(crate) struct Directive {
    pub(crate) name: String,
    pub(crate) args: Vec<(String, AValue)>,
    pub(crate) pos: Pos,
}

#[derive(Debug)]
pub(crate) struct FieldNode {
    pub(crate) alias: Option<String>,
    pub(crate) name: String,
    pub(crate) args: Vec<(String, AValue)>,
    pub(crate) directives: Vec<Directive>,
    pub(crate) selections: Option<Vec<Sel>>,
    pub(crate) pos: Pos,
}

#[derive(Debug)]
pub(crate) enum Sel {
    Field(FieldNode),
    Spread {
        name: String,
        directives: Vec<Directive>,
        pos: Pos,
    },
    Inline {
        on: Option<String>,
        directives: Vec<Directive>,
        selections: Vec<Sel>,
        pos: Pos,
    },
}

impl Sel {
    pub(crate) fn directives(&self) -> &[Directive] {
        match self {
            Self::Field(f) => &f.directives,
            Self::Spread { directives, .. } | Self::Inline { directives, .. } => directives,
        }
    }
}

/// An argument value as written.
#[derive(Debug, Clone)]
pub(crate) enum AValue {
    Var(String),
    Null,
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Enum(String),
    List(Vec<AValue>),
    Object(Vec<(String, AValue)>),
}

impl AValue {
    /// The value with variables substituted, as JSON (enums become strings).
    pub(crate) fn to_json(&self, variables: &HashMap<String, Value>) -> Value {
        match self {
            Self::Var(name) => variables.get(name).cloned().unwrap_or(Value::Null),
            Self::Null => Value::Null,
            Self::Int(i) => Value::from(*i),
            Self::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Self::Str(s) | Self::Enum(s) => Value::String(s.clone()),
            Self::Bool(b) => Value::Bool(*b),
            Self::List(items) => Value::Array(items.iter().map(|v| v.to_json(variables)).collect()),
            Self::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json(variables)))
                    .collect::<Map<_, _>>(),
            ),
        }
    }
}

/// Line starts, to turn offsets into positions.
struct Lines(Vec<usize>);

impl Lines {
    fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self(starts)
    }

    fn pos(&self, offset: usize) -> Pos {
        let line = self.0.partition_point(|start| *start <= offset).max(1);
        let start = self.0.get(line - 1).copied().unwrap_or(0);
        Pos {
            line,
            column: offset.saturating_sub(start) + 1,
        }
    }

    fn of(&self, node: &impl CstNode) -> Pos {
        self.pos(usize::from(node.syntax().text_range().start()))
    }
}

fn syntax(message: &str, pos: Option<Pos>) -> Invalid {
    Invalid {
        message: message.to_owned(),
        pos,
        code: Some("parseError"),
    }
}

/// Parses a document, failing on any syntax error or on type-system definitions.
pub(crate) fn parse(source: &str) -> Result<Document, Invalid> {
    let tree = apollo_parser::Parser::new(source)
        .recursion_limit(128)
        .token_limit(50_000)
        .parse();
    let lines = Lines::new(source);
    if let Some(error) = tree.errors().next() {
        return Err(syntax(
            &format!("Parse error: {}", error.message()),
            Some(lines.pos(error.index())),
        ));
    }
    let mut doc = Document {
        operations: Vec::new(),
        fragments: HashMap::new(),
    };
    for definition in tree.document().definitions() {
        match definition {
            cst::Definition::OperationDefinition(op) => {
                doc.operations.push(operation(&lines, &op)?);
            }
            cst::Definition::FragmentDefinition(f) => {
                let pos = lines.of(&f);
                let name = f
                    .fragment_name()
                    .and_then(|n| n.name())
                    .map(|n| n.text().to_string())
                    .ok_or_else(|| syntax("Fragment without a name", Some(pos)))?;
                let on = f
                    .type_condition()
                    .and_then(|t| t.named_type())
                    .and_then(|t| t.name())
                    .map(|n| n.text().to_string())
                    .ok_or_else(|| syntax("Fragment without a type condition", Some(pos)))?;
                let selections = selection_set(&lines, f.selection_set())?;
                doc.fragments.insert(
                    name,
                    Fragment {
                        on,
                        selections,
                        pos,
                    },
                );
            }
            other => {
                return Err(syntax(
                    "Type-system definitions are not executable",
                    Some(lines.of(&other)),
                ));
            }
        }
    }
    Ok(doc)
}

fn operation(lines: &Lines, op: &cst::OperationDefinition) -> Result<Operation, Invalid> {
    let pos = lines.of(op);
    let kind = match op.operation_type() {
        None => OpKind::Query,
        Some(t) if t.query_token().is_some() => OpKind::Query,
        Some(t) if t.mutation_token().is_some() => OpKind::Mutation,
        Some(_) => OpKind::Subscription,
    };
    let mut variables = Vec::new();
    if let Some(defs) = op.variable_definitions() {
        for def in defs.variable_definitions() {
            let pos = lines.of(&def);
            let name = def
                .variable()
                .and_then(|v| v.name())
                .map(|n| n.text().to_string())
                .ok_or_else(|| syntax("Variable without a name", Some(pos)))?;
            let ty = def.ty();
            let required = matches!(ty, Some(cst::Type::NonNullType(_)));
            let ty = ty
                .map(|t| t.syntax().text().to_string())
                .unwrap_or_default();
            let default = match def.default_value().and_then(|d| d.value()) {
                Some(v) => Some(value(lines, &v)?),
                None => None,
            };
            variables.push(VarDef {
                name,
                ty,
                required: required && default.is_none(),
                default,
                pos,
            });
        }
    }
    Ok(Operation {
        kind,
        name: op.name().map(|n| n.text().to_string()),
        variables,
        selections: selection_set(lines, op.selection_set())?,
        pos,
    })
}

fn selection_set(lines: &Lines, set: Option<cst::SelectionSet>) -> Result<Vec<Sel>, Invalid> {
    let Some(set) = set else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for selection in set.selections() {
        out.push(match selection {
            cst::Selection::Field(f) => {
                let pos = lines.of(&f);
                let name = f
                    .name()
                    .map(|n| n.text().to_string())
                    .ok_or_else(|| syntax("Field without a name", Some(pos)))?;
                let mut args = Vec::new();
                if let Some(list) = f.arguments() {
                    for arg in list.arguments() {
                        args.push(argument(lines, &arg)?);
                    }
                }
                let selections = match f.selection_set() {
                    Some(s) => Some(selection_set(lines, Some(s))?),
                    None => None,
                };
                Sel::Field(FieldNode {
                    alias: f
                        .alias()
                        .and_then(|a| a.name())
                        .map(|n| n.text().to_string()),
                    name,
                    args,
                    directives: directives(lines, f.directives())?,
                    selections,
                    pos,
                })
            }
            cst::Selection::FragmentSpread(s) => {
                let pos = lines.of(&s);
                Sel::Spread {
                    name: s
                        .fragment_name()
                        .and_then(|n| n.name())
                        .map(|n| n.text().to_string())
                        .ok_or_else(|| syntax("Fragment spread without a name", Some(pos)))?,
                    directives: directives(lines, s.directives())?,
                    pos,
                }
            }
            cst::Selection::InlineFragment(i) => Sel::Inline {
                on: i
                    .type_condition()
                    .and_then(|t| t.named_type())
                    .and_then(|t| t.name())
                    .map(|n| n.text().to_string()),
                directives: directives(lines, i.directives())?,
                selections: selection_set(lines, i.selection_set())?,
                pos: lines.of(&i),
            },
        });
    }
    Ok(out)
}

fn directives(lines: &Lines, list: Option<cst::Directives>) -> Result<Vec<Directive>, Invalid> {
    let Some(list) = list else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for d in list.directives() {
        let pos = lines.of(&d);
        let name = d
            .name()
            .map(|n| n.text().to_string())
            .ok_or_else(|| syntax("Directive without a name", Some(pos)))?;
        let mut args = Vec::new();
        if let Some(a) = d.arguments() {
            for arg in a.arguments() {
                args.push(argument(lines, &arg)?);
            }
        }
        out.push(Directive { name, args, pos });
    }
    Ok(out)
}

fn argument(lines: &Lines, arg: &cst::Argument) -> Result<(String, AValue), Invalid> {
    let pos = lines.of(arg);
    let name = arg
        .name()
        .map(|n| n.text().to_string())
        .ok_or_else(|| syntax("Argument without a name", Some(pos)))?;
    let v = arg
        .value()
        .ok_or_else(|| syntax("Argument without a value", Some(pos)))?;
    Ok((name, value(lines, &v)?))
}

fn value(lines: &Lines, v: &cst::Value) -> Result<AValue, Invalid> {
    let pos = lines.of(v);
    let text = || v.syntax().text().to_string();
    Ok(match v {
        cst::Value::Variable(var) => AValue::Var(
            var.name()
                .map(|n| n.text().to_string())
                .ok_or_else(|| syntax("Variable without a name", Some(pos)))?,
        ),
        cst::Value::StringValue(s) => AValue::Str(String::from(s)),
        cst::Value::FloatValue(_) => AValue::Float(
            text()
                .trim()
                .parse()
                .map_err(|_| syntax("Invalid float", Some(pos)))?,
        ),
        cst::Value::IntValue(_) => AValue::Int(
            text()
                .trim()
                .parse()
                .map_err(|_| syntax("Invalid integer", Some(pos)))?,
        ),
        cst::Value::BooleanValue(b) => AValue::Bool(b.true_token().is_some()),
        cst::Value::NullValue(_) => AValue::Null,
        cst::Value::EnumValue(e) => AValue::Enum(
            e.name()
                .map(|n| n.text().to_string())
                .ok_or_else(|| syntax("Enum value without a name", Some(pos)))?,
        ),
        cst::Value::ListValue(l) => AValue::List(
            l.values()
                .map(|item| value(lines, &item))
                .collect::<Result<_, _>>()?,
        ),
        cst::Value::ObjectValue(o) => {
            let mut fields = Vec::new();
            for field in o.object_fields() {
                let name = field
                    .name()
                    .map(|n| n.text().to_string())
                    .ok_or_else(|| syntax("Object field without a name", Some(pos)))?;
                let v = field
                    .value()
                    .ok_or_else(|| syntax("Object field without a value", Some(pos)))?;
                fields.push((name, value(lines, &v)?));
            }
            AValue::Object(fields)
        }
    })
}
