//! A small GraphQL executor over the fake's world: enough of GitHub's schema for what `ao`
//! asks, and honest errors for the rest.
//!
//! The executor itself knows no schema: [`execute_with`] runs a document against the roots it is
//! given ([`Roots`]), which is how the fake Linear shares it with the fake GitHub.
//!
//! Documents are parsed with `apollo-parser` into a small owned tree, then executed against
//! resolvers ([`schema`]) that know a subset of GitHub's types. Supported language: queries
//! (not mutations or subscriptions), aliases, variables with defaults, named and inline
//! fragments with type conditions, `__typename`, `@include`/`@skip`. Not supported: schema
//! introspection (`__schema`, `__type`), input-object arguments the resolvers do not read.
//!
//! Errors follow GitHub: a field, argument or type the fake does not know fails the whole
//! document with `{"errors": [...]}` and no `data` (as GitHub's validation does, with the same
//! messages); an object that does not exist resolves to `null` with a `NOT_FOUND` error beside
//! the data. Unlike GitHub, the fields below a `null` are not validated.

mod ast;
mod schema;

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::{Map, Value, json};

use super::state::World;
use ast::{Document, FieldNode, OpKind, Pos, Sel};
pub(crate) use schema::{Charged, TYPES};

/// How deep selections may nest (guards against fragment cycles too).
const MAX_DEPTH: usize = 32;

/// GitHub's limit on the nodes one query may ask for.
pub(crate) const MAX_NODES: u64 = 500_000;

/// What a document costs by GitHub's static rule ("Rate limits and query limits for the GraphQL
/// API"): every connection counts one request per parent object it may be fetched under,
/// assuming each page is full (`first`/`last`); the points are those requests over 100, rounded,
/// and at least 1. The nodes are the most objects the connections can return together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    pub(crate) requests: u64,
    pub(crate) nodes: u64,
}

impl Cost {
    /// The points charged against the hourly GraphQL budget.
    pub(crate) fn points(self) -> u32 {
        u32::try_from(self.requests.saturating_add(50) / 100)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// A request body parsed and priced, ready to be charged and run.
#[derive(Debug)]
pub(crate) struct Prepared {
    document: Document,
    operation_name: Option<String>,
    variables: Map<String, Value>,
    /// What the chosen operation costs (zero requests when it cannot be chosen: it then fails
    /// before anything is read, and is charged the minimum).
    pub(crate) cost: Cost,
}

/// What executing a document produced.
#[derive(Debug)]
pub(crate) struct Executed {
    /// The answer's body (`data` and/or `errors`).
    pub(crate) body: Value,
    /// `owner/name` of every repository the document read, in order.
    pub(crate) repositories: Vec<String>,
}

/// Parses a GraphQL request body (`{"query", "variables", "operationName"}`) and prices it;
/// an unusable body is the error answer GitHub would give.
pub(crate) fn prepare(body: &[u8]) -> Result<Prepared, Value> {
    let request: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(_) => return Err(errors(vec![message_error("Problems parsing JSON", None)])),
    };
    let Some(query) = request.get("query").and_then(Value::as_str) else {
        return Err(errors(vec![message_error(
            "A query attribute must be specified and must be a string.",
            None,
        )]));
    };
    let variables = match request.get("variables") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(map)) => map.clone(),
        Some(_) => {
            return Err(errors(vec![message_error(
                "Variables are invalid JSON.",
                None,
            )]));
        }
    };
    let operation_name = request
        .get("operationName")
        .and_then(Value::as_str)
        .map(str::to_owned);
    let document = ast::parse(query).map_err(|e| errors(vec![e.to_json(&[])]))?;
    let cost = estimate(&document, operation_name.as_deref(), &variables);
    Ok(Prepared {
        document,
        operation_name,
        variables,
        cost,
    })
}

/// The answer to a document that asks for more than [`MAX_NODES`].
pub(crate) fn too_many_nodes(nodes: u64) -> Value {
    json!({ "errors": [{
        "type": "MAX_NODE_LIMIT_EXCEEDED",
        "message": format!(
            "This query requests up to {nodes} possible nodes which exceeds the maximum limit of {MAX_NODES}."
        ),
    }] })
}

/// Executes a prepared request against GitHub's schema; `rate` is the budget after charging it.
pub(crate) fn execute(world: &World, prepared: &Prepared, rate: schema::Charged) -> Executed {
    let touched = Rc::new(std::cell::RefCell::new(Vec::new()));
    let roots = Roots {
        query: Rc::new(schema::Query::new(world, rate, Rc::clone(&touched))),
        mutation: None,
        types: TYPES,
        service: "The fake GitHub",
    };
    let body = match run(
        &roots,
        &prepared.document,
        prepared.operation_name.as_deref(),
        prepared.variables.clone(),
    ) {
        Ok(value) => value,
        Err(e) => errors(vec![e.to_json(&[])]),
    };
    let repositories = touched.borrow().clone();
    Executed { body, repositories }
}

/// The entry points of one schema and the names fragments may be conditioned on.
pub(crate) struct Roots<'w> {
    /// The `Query` root.
    pub(crate) query: Rc<dyn Node<'w> + 'w>,
    /// The `Mutation` root; `None`: mutations are refused.
    pub(crate) mutation: Option<Rc<dyn Node<'w> + 'w>>,
    /// Every type name a fragment may be conditioned on.
    pub(crate) types: &'static [&'static str],
    /// The service's name in messages (`The fake GitHub`).
    pub(crate) service: &'static str,
}

/// Executes a GraphQL request body (`{"query", "variables", "operationName"}`) against
/// `roots`, unpriced (services other than GitHub).
pub(crate) fn execute_with(body: &[u8], roots: &Roots<'_>) -> Value {
    let prepared = match prepare(body) {
        Ok(p) => p,
        Err(answer) => return answer,
    };
    match run(
        roots,
        &prepared.document,
        prepared.operation_name.as_deref(),
        prepared.variables,
    ) {
        Ok(value) => value,
        Err(e) => errors(vec![e.to_json(&[])]),
    }
}

/// GitHub's static estimate of the operation `run` would choose (see [`Cost`]).
fn estimate(doc: &Document, operation_name: Option<&str>, provided: &Map<String, Value>) -> Cost {
    let operation = match operation_name {
        Some(name) => doc
            .operations
            .iter()
            .find(|o| o.name.as_deref() == Some(name)),
        None => match doc.operations.as_slice() {
            [one] => Some(one),
            _ => None,
        },
    };
    let Some(operation) = operation else {
        return Cost::default();
    };
    let variables: HashMap<String, Value> = operation
        .variables
        .iter()
        .map(|def| {
            let value = provided.get(&def.name).cloned().unwrap_or_else(|| {
                def.default
                    .as_ref()
                    .map(|d| d.to_json(&HashMap::new()))
                    .unwrap_or(Value::Null)
            });
            (def.name.clone(), value)
        })
        .collect();
    let mut cost = Cost::default();
    add_cost(doc, &operation.selections, &variables, 1, 0, &mut cost);
    cost
}

fn add_cost(
    doc: &Document,
    selections: &[Sel],
    variables: &HashMap<String, Value>,
    parents: u64,
    depth: usize,
    cost: &mut Cost,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for sel in selections {
        match sel {
            Sel::Field(field) => {
                let page = field
                    .args
                    .iter()
                    .filter(|(name, _)| name == "first" || name == "last")
                    .filter_map(|(_, v)| v.to_json(variables).as_u64())
                    .max();
                let inner = match page {
                    Some(page) => {
                        cost.requests = cost.requests.saturating_add(parents);
                        let fetched = parents.saturating_mul(page);
                        cost.nodes = cost.nodes.saturating_add(fetched);
                        fetched
                    }
                    None => parents,
                };
                if let Some(sub) = &field.selections {
                    add_cost(doc, sub, variables, inner, depth + 1, cost);
                }
            }
            Sel::Spread { name, .. } => {
                if let Some(fragment) = doc.fragments.get(name) {
                    add_cost(
                        doc,
                        &fragment.selections,
                        variables,
                        parents,
                        depth + 1,
                        cost,
                    );
                }
            }
            Sel::Inline { selections, .. } => {
                add_cost(doc, selections, variables, parents, depth + 1, cost);
            }
        }
    }
}

fn errors(list: Vec<Value>) -> Value {
    json!({ "errors": list })
}

fn message_error(message: &str, pos: Option<Pos>) -> Value {
    let mut v = json!({ "message": message });
    if let (Some(pos), Value::Object(map)) = (pos, &mut v) {
        map.insert(
            "locations".to_owned(),
            json!([{ "line": pos.line, "column": pos.column }]),
        );
    }
    v
}

/// An error that fails the whole document (validation).
#[derive(Debug, Clone)]
pub(crate) struct Invalid {
    pub(crate) message: String,
    pub(crate) pos: Option<Pos>,
    pub(crate) code: Option<&'static str>,
}

impl Invalid {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            pos: None,
            code: None,
        }
    }

    fn to_json(&self, path: &[Value]) -> Value {
        let mut v = message_error(&self.message, self.pos);
        if let Value::Object(map) = &mut v {
            if !path.is_empty() {
                map.insert("path".to_owned(), Value::Array(path.to_vec()));
            }
            if let Some(code) = self.code {
                map.insert("extensions".to_owned(), json!({ "code": code }));
            }
        }
        v
    }
}

/// What resolving a field can fail with.
#[derive(Debug, Clone)]
pub(crate) enum FieldError {
    /// Fails the document.
    Invalid(Invalid),
    /// The field is `null`, with an error of this GitHub `type` beside the data.
    Resolve { kind: &'static str, message: String },
    /// The field is `null`, with this error object beside the data (`path` and `locations` are
    /// added): for services whose errors carry more than GitHub's `type` (Linear's
    /// `extensions`).
    Custom(Map<String, Value>),
}

impl FieldError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(Invalid::new(message))
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::Resolve {
            kind: "NOT_FOUND",
            message: message.into(),
        }
    }
}

/// A resolved field.
pub(crate) enum Out<'w> {
    /// A scalar or enum value.
    Leaf(Value),
    /// An object.
    Node(Rc<dyn Node<'w> + 'w>),
    /// A list of resolved values.
    List(Vec<Out<'w>>),
}

/// An object of the schema.
pub(crate) trait Node<'w> {
    /// The GraphQL type name.
    fn typename(&self) -> &'static str;
    /// Interfaces and unions the type belongs to (for fragment type conditions).
    fn implements(&self) -> &'static [&'static str] {
        &[]
    }
    /// Resolves one field.
    fn field(&self, name: &str, args: &Args) -> Result<Out<'w>, FieldError>;
}

/// A field's arguments, with variables substituted; tracks which the resolver read so that
/// unknown arguments are reported.
#[derive(Debug)]
pub(crate) struct Args {
    field: String,
    values: Vec<(String, Value)>,
    read: std::cell::RefCell<Vec<String>>,
}

impl Args {
    fn get(&self, name: &str) -> Option<&Value> {
        self.read.borrow_mut().push(name.to_owned());
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
            .filter(|v| !v.is_null())
    }

    /// An argument as JSON (variables substituted), for input objects; `None` when absent or
    /// `null`.
    pub(crate) fn json(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }

    fn bad(&self, name: &str, expected: &str) -> FieldError {
        let value = self
            .values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| "null".to_owned());
        FieldError::invalid(format!(
            "Argument '{name}' on Field '{}' has an invalid value ({value}). Expected type '{expected}'.",
            self.field
        ))
    }

    /// An optional `Int`.
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.as_i64().map(Some).ok_or_else(|| self.bad(name, "Int")),
        }
    }

    /// A required `Int!`.
    pub(crate) fn required_int(&self, name: &str) -> Result<i64, FieldError> {
        self.int(name)?.ok_or_else(|| self.missing(name, "Int!"))
    }

    /// An optional `String`.
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| self.bad(name, "String")),
        }
    }

    /// A required `String!`.
    pub(crate) fn required_string(&self, name: &str) -> Result<String, FieldError> {
        self.string(name)?
            .ok_or_else(|| self.missing(name, "String!"))
    }

    /// An optional `Boolean`.
    pub(crate) fn boolean(&self, name: &str) -> Result<Option<bool>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.bad(name, "Boolean")),
        }
    }

    /// An optional input object (`orderBy: {field: CREATED_AT, direction: DESC}`).
    pub(crate) fn object(&self, name: &str) -> Result<Option<Map<String, Value>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Object(map)) => Ok(Some(map.clone())),
            Some(_) => Err(self.bad(name, "input object")),
        }
    }

    /// An optional list of enum values or strings.
    pub(crate) fn list(&self, name: &str) -> Result<Option<Vec<String>>, FieldError> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| self.bad(name, "[String!]"))
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(_) => Err(self.bad(name, "[String!]")),
        }
    }

    fn missing(&self, name: &str, ty: &str) -> FieldError {
        FieldError::invalid(format!(
            "Field '{}' is missing required arguments: {name} (type {ty})",
            self.field
        ))
    }

    /// The first argument the resolver never read.
    fn unread(&self) -> Option<&str> {
        let read = self.read.borrow();
        self.values
            .iter()
            .map(|(n, _)| n.as_str())
            .find(|n| !read.iter().any(|r| r == n))
    }
}

/// Execution state of one document.
struct Exec<'d> {
    doc: &'d Document,
    variables: HashMap<String, Value>,
    errors: Vec<Value>,
    types: &'static [&'static str],
}

fn run(
    roots: &Roots<'_>,
    doc: &Document,
    operation_name: Option<&str>,
    provided: Map<String, Value>,
) -> Result<Value, Invalid> {
    let operation = match operation_name {
        Some(name) => doc
            .operations
            .iter()
            .find(|o| o.name.as_deref() == Some(name))
            .ok_or_else(|| Invalid::new(format!("No operation named \"{name}\"")))?,
        None => match doc.operations.as_slice() {
            [one] => one,
            [] => return Err(Invalid::new("No operations in query document.")),
            _ => {
                return Err(Invalid::new(
                    "An operation name is required when the document has more than one operation.",
                ));
            }
        },
    };
    let root = match (operation.kind, &roots.mutation) {
        (OpKind::Query, _) => Rc::clone(&roots.query),
        (OpKind::Mutation, Some(mutation)) => Rc::clone(mutation),
        _ => {
            return Err(Invalid {
                message: format!(
                    "{} supports {} only (no subscriptions).",
                    roots.service,
                    if roots.mutation.is_some() {
                        "queries and mutations"
                    } else {
                        "queries"
                    }
                ),
                pos: Some(operation.pos),
                code: Some("unsupportedOperation"),
            });
        }
    };
    let mut variables = HashMap::new();
    for def in &operation.variables {
        let value = match provided.get(&def.name) {
            Some(v) => v.clone(),
            None => def
                .default
                .as_ref()
                .map(|d| d.to_json(&HashMap::new()))
                .unwrap_or(Value::Null),
        };
        if def.required && value.is_null() {
            return Err(Invalid {
                message: format!(
                    "Variable ${} of type {} was provided invalid value",
                    def.name, def.ty
                ),
                pos: Some(def.pos),
                code: Some("variableMismatch"),
            });
        }
        variables.insert(def.name.clone(), value);
    }
    let mut exec = Exec {
        doc,
        variables,
        errors: Vec::new(),
        types: roots.types,
    };
    let mut path = Vec::new();
    let data = exec.object(&root, &operation.selections, &mut path, 0)?;
    let mut out = Map::new();
    if !exec.errors.is_empty() {
        out.insert("errors".to_owned(), Value::Array(exec.errors));
    }
    out.insert("data".to_owned(), Value::Object(data));
    Ok(Value::Object(out))
}

impl Exec<'_> {
    fn object<'w>(
        &mut self,
        node: &Rc<dyn Node<'w> + 'w>,
        selections: &[Sel],
        path: &mut Vec<Value>,
        depth: usize,
    ) -> Result<Map<String, Value>, Invalid> {
        if depth > MAX_DEPTH {
            return Err(Invalid::new("Query has too many levels of nesting."));
        }
        let mut out = Map::new();
        self.collect(node, selections, path, depth, &mut out)?;
        Ok(out)
    }

    fn collect<'w>(
        &mut self,
        node: &Rc<dyn Node<'w> + 'w>,
        selections: &[Sel],
        path: &mut Vec<Value>,
        depth: usize,
        out: &mut Map<String, Value>,
    ) -> Result<(), Invalid> {
        for sel in selections {
            if !self.included(sel.directives())? {
                continue;
            }
            match sel {
                Sel::Field(field) => {
                    let key = field.alias.clone().unwrap_or_else(|| field.name.clone());
                    path.push(Value::String(key.clone()));
                    let value = self.field(node, field, path, depth);
                    path.pop();
                    let value = value?;
                    match (out.get_mut(&key), value) {
                        (Some(Value::Object(existing)), Value::Object(more)) => {
                            merge(existing, more);
                        }
                        (_, value) => {
                            out.insert(key, value);
                        }
                    }
                }
                Sel::Spread { name, pos, .. } => {
                    let fragment = self.doc.fragments.get(name).ok_or_else(|| Invalid {
                        message: format!("Fragment {name} was used, but not defined"),
                        pos: Some(*pos),
                        code: Some("useAndDefineFragment"),
                    })?;
                    check_type(self.types, &fragment.on, fragment.pos)?;
                    if applies(node.as_ref(), &fragment.on) {
                        self.collect(node, &fragment.selections, path, depth + 1, out)?;
                    }
                }
                Sel::Inline {
                    on,
                    selections,
                    pos,
                    ..
                } => {
                    if let Some(on) = on {
                        check_type(self.types, on, *pos)?;
                    }
                    if on.as_deref().is_none_or(|on| applies(node.as_ref(), on)) {
                        self.collect(node, selections, path, depth + 1, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn included(&self, directives: &[ast::Directive]) -> Result<bool, Invalid> {
        for d in directives {
            let condition = d
                .args
                .iter()
                .find(|(n, _)| n == "if")
                .map(|(_, v)| v.to_json(&self.variables));
            let condition = match (d.name.as_str(), condition) {
                ("include" | "skip", Some(Value::Bool(b))) => b,
                ("include" | "skip", _) => {
                    return Err(Invalid {
                        message: format!(
                            "Directive '{}' is missing required arguments: if",
                            d.name
                        ),
                        pos: Some(d.pos),
                        code: Some("directiveArgumentsMissing"),
                    });
                }
                (other, _) => {
                    return Err(Invalid {
                        message: format!("Directive '@{other}' is not defined"),
                        pos: Some(d.pos),
                        code: Some("undefinedDirective"),
                    });
                }
            };
            if (d.name == "include") != condition {
                return Ok(false);
            }
        }
        Ok(true)
    }

    fn field<'w>(
        &mut self,
        node: &Rc<dyn Node<'w> + 'w>,
        field: &FieldNode,
        path: &mut Vec<Value>,
        depth: usize,
    ) -> Result<Value, Invalid> {
        if field.name == "__typename" {
            return Ok(Value::String(node.typename().to_owned()));
        }
        let mut values = Vec::new();
        for (name, value) in &field.args {
            if let ast::AValue::Var(var) = value
                && !self.variables.contains_key(var)
            {
                return Err(Invalid {
                    message: format!("Variable ${var} is used by anonymous query but not declared"),
                    pos: Some(field.pos),
                    code: Some("variableNotDefined"),
                });
            }
            values.push((name.clone(), value.to_json(&self.variables)));
        }
        let args = Args {
            field: field.name.clone(),
            values,
            read: std::cell::RefCell::new(Vec::new()),
        };
        let resolved = node.field(&field.name, &args);
        let at = |mut invalid: Invalid| {
            invalid.pos = invalid.pos.or(Some(field.pos));
            invalid
        };
        let resolved = match resolved {
            Ok(out) => out,
            Err(FieldError::Invalid(invalid)) => return Err(at(invalid)),
            Err(FieldError::Resolve { kind, message }) => {
                self.errors.push(json!({
                    "type": kind,
                    "path": path.clone(),
                    "locations": [{ "line": field.pos.line, "column": field.pos.column }],
                    "message": message,
                }));
                return Ok(Value::Null);
            }
            Err(FieldError::Custom(mut error)) => {
                error.insert("path".to_owned(), Value::Array(path.clone()));
                error.insert(
                    "locations".to_owned(),
                    json!([{ "line": field.pos.line, "column": field.pos.column }]),
                );
                self.errors.push(Value::Object(error));
                return Ok(Value::Null);
            }
        };
        if let Some(arg) = args.unread() {
            return Err(at(unknown_argument(&field.name, arg)));
        }
        self.complete(node.typename(), field, resolved, path, depth)
    }

    fn complete<'w>(
        &mut self,
        parent: &str,
        field: &FieldNode,
        out: Out<'w>,
        path: &mut Vec<Value>,
        depth: usize,
    ) -> Result<Value, Invalid> {
        match out {
            Out::Leaf(value) => match &field.selections {
                // A null object (an unmerged PR's `mergedBy`): the selection is not applied.
                Some(_) if value.is_null() => Ok(Value::Null),
                Some(_) => Err(Invalid {
                    message: format!(
                        "Selections can't be made on scalars (field '{}' of '{parent}')",
                        field.name
                    ),
                    pos: Some(field.pos),
                    code: Some("selectionMismatch"),
                }),
                None => Ok(value),
            },
            Out::Node(node) => match &field.selections {
                Some(selections) => Ok(Value::Object(self.object(
                    &node,
                    selections,
                    path,
                    depth + 1,
                )?)),
                None => Err(Invalid {
                    message: format!(
                        "Field must have selections (field '{}' returns {} but has no selections. Did you mean '{} {{ ... }}'?)",
                        field.name,
                        node.typename(),
                        field.name
                    ),
                    pos: Some(field.pos),
                    code: Some("selectionMismatch"),
                }),
            },
            Out::List(items) => {
                let mut list = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    path.push(json!(i));
                    let value = self.complete(parent, field, item, path, depth);
                    path.pop();
                    list.push(value?);
                }
                Ok(Value::Array(list))
            }
        }
    }
}

fn unknown_argument(field: &str, arg: &str) -> Invalid {
    Invalid {
        message: format!("Field '{field}' doesn't accept argument '{arg}'"),
        pos: None,
        code: Some("argumentNotAccepted"),
    }
}

/// Whether a fragment on `ty` applies to `node`.
fn applies(node: &dyn Node<'_>, ty: &str) -> bool {
    node.typename() == ty || node.implements().contains(&ty)
}

/// Fails on a type condition naming a type the fake does not know.
fn check_type(types: &[&str], ty: &str, pos: Pos) -> Result<(), Invalid> {
    if types.contains(&ty) {
        Ok(())
    } else {
        Err(Invalid {
            message: format!("No such type {ty}, so it can't be a fragment condition"),
            pos: Some(pos),
            code: Some("undefinedType"),
        })
    }
}

fn merge(into: &mut Map<String, Value>, more: Map<String, Value>) {
    for (key, value) in more {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(a)), Value::Object(b)) => merge(a, b),
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}
