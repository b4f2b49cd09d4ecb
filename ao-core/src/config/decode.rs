//! Typed decoding of the positioned tree: a serde `Deserializer` over [`Node`].
//!
//! Decoding through our own deserializer (rather than the YAML parser's) is what lets the
//! engine (a) keep going past an unknown key so that every typo in a file is reported at once
//! (and, through [`decode_all`], past a value of the wrong type),
//! (b) name the exact key path and position of every problem, (c) record where every value came
//! from for provenance, and (d) decode "passthrough" maps — known keys typed, the rest kept —
//! with near-miss warnings instead of silent acceptance.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};

use super::duration::parse_duration;
use super::node::{Entry, Node, NodeKind, Pos};
use super::suggest::did_you_mean;

/// The struct name [`super::model::Passthrough`] asks for; tells the decoder to keep unknown keys.
pub(crate) const PASSTHROUGH_MARKER: &str = "__ao_passthrough";

/// Where a key and its value are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Located {
    /// Position of the key (for list items: of the item).
    pub key: Pos,
    /// Position of the value.
    pub value: Pos,
}

/// A problem found while decoding, before it is tied to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) warning: bool,
    pub(crate) path: String,
    pub(crate) pos: Pos,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

/// State shared by every decoder of one document.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    pub(crate) sources: RefCell<HashMap<String, Located>>,
    pub(crate) findings: RefCell<Vec<Finding>>,
    /// Extra names offered in "did you mean" at the document root (a flat project file's
    /// top level also accepts every project key).
    pub(crate) root_extra_fields: Vec<&'static str>,
    /// Key paths passed over as if they were not written: values already reported as unusable,
    /// so that decoding can go on to the rest of the file (see [`decode_all`]).
    pub(crate) skip: RefCell<HashSet<String>>,
}

impl Ctx {
    /// Whether the value at `path` is to be passed over.
    fn skips(&self, path: &str) -> bool {
        self.skip.borrow().contains(path)
    }

    /// [`Self::skips`] for a path built only when something is passed over at all, so that
    /// decoding a good file builds no extra paths.
    fn skips_path(&self, path: impl FnOnce() -> String) -> bool {
        let skip = self.skip.borrow();
        !skip.is_empty() && skip.contains(&path())
    }
}

/// Decodes `node` as `T`, recording positions and non-fatal findings in `ctx`.
pub(crate) fn decode<'a, T: de::Deserialize<'a>>(
    node: &'a Node,
    ctx: &'a Ctx,
) -> Result<T, DecodeError> {
    T::deserialize(De {
        node,
        path: String::new(),
        ctx,
        passthrough: false,
    })
}

/// The most unusable values one load reports. Each one costs a decoding pass over the file,
/// so a file that is wrong throughout stops here rather than taking quadratic time.
pub(crate) const MAX_DECODE_ERRORS: usize = 100;

/// Decodes `node` as `T`, reporting every value that cannot become its key's type rather than
/// only the first: each failing value is recorded, passed over as if it were not written (its
/// key's default applies, so the rest of the file can be checked), and decoding starts again.
///
/// Returns the value when decoding got through (with defaults where values were passed over)
/// and every error; a value is only usable when there are no errors. The paths passed over stay
/// in `ctx.skip`, and `ctx.findings` holds the findings of every pass.
pub(crate) fn decode_all<T: de::DeserializeOwned>(
    node: &Node,
    ctx: &Ctx,
) -> (Option<T>, Vec<DecodeError>) {
    let mut errors: Vec<DecodeError> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    loop {
        ctx.sources.borrow_mut().clear();
        let result = decode::<T>(node, ctx);
        let pass = ctx.findings.take();
        if errors.is_empty() {
            findings = pass;
        } else {
            // A later pass sees everything an earlier one saw, except inside values passed
            // over since; keep those findings too.
            for f in pass {
                if !findings.contains(&f) {
                    findings.push(f);
                }
            }
        }
        let err = match result {
            Ok(value) => {
                ctx.findings.replace(findings);
                return (Some(value), errors);
            }
            Err(err) => err,
        };
        let path = err.path.clone().unwrap_or_default();
        // The root cannot be passed over, and a path already passed over cannot fail again;
        // either way there is nothing more to learn.
        if path.is_empty() || ctx.skips(&path) {
            errors.push(err);
            break;
        }
        // A required key passed over is missing from its parent: that is the same problem,
        // already reported, so only the parent is passed over.
        let follows_from_skip = err
            .missing_field
            .is_some_and(|field| ctx.skips(&child_path(&path, field)));
        if !follows_from_skip {
            errors.push(err);
        }
        ctx.skip.borrow_mut().insert(path);
        if errors.len() >= MAX_DECODE_ERRORS {
            break;
        }
    }
    ctx.findings.replace(findings);
    (None, errors)
}

/// A fatal decoding error: the value at `path` cannot become the type the config needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    pub(crate) message: String,
    pub(crate) path: Option<String>,
    pub(crate) pos: Pos,
    pub(crate) hint: Option<String>,
    /// The required key whose absence this error reports, if that is what it reports.
    pub(crate) missing_field: Option<&'static str>,
}

impl DecodeError {
    fn at(message: impl Into<String>, path: &str, pos: Pos) -> Self {
        Self {
            message: message.into(),
            path: Some(path.to_string()),
            pos,
            hint: None,
            missing_field: None,
        }
    }

    /// Attaches a location unless a deeper decoder already did.
    fn locate(mut self, path: &str, pos: Pos) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_string());
            self.pos = pos;
        }
        self
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self {
            message: msg.to_string(),
            path: None,
            pos: Pos::default(),
            hint: None,
            missing_field: None,
        }
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let mut err = Self::custom(format_args!(
            "unknown value `{variant}`, expected {}",
            one_of(expected)
        ));
        err.hint = did_you_mean(variant, expected.iter().copied());
        err
    }

    fn missing_field(field: &'static str) -> Self {
        let mut err = Self::custom(format_args!("missing required key `{field}`"));
        err.hint = Some(format!("add `{field}:` here"));
        err.missing_field = Some(field);
        err
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::custom(format_args!("invalid value: {unexp}, expected {exp}"))
    }
}

fn one_of(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_string(),
        [one] => format!("`{one}`"),
        _ => {
            let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            format!("one of {}", quoted.join(", "))
        }
    }
}

/// Joins a key onto a path, quoting keys that would make the path ambiguous.
pub(crate) fn child_path(parent: &str, key: &str) -> String {
    let simple = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'));
    let key = if simple {
        key.to_string()
    } else {
        format!("{key:?}")
    };
    if parent.is_empty() {
        key
    } else {
        format!("{parent}.{key}")
    }
}

fn index_path(parent: &str, index: usize) -> String {
    format!("{parent}[{index}]")
}

/// Message and hint for a key the schema does not know.
fn unknown_key(parent: &str, key: &str, expected: &[&str]) -> (String, Option<String>) {
    if let Some(role) = parent.strip_prefix("defaults.")
        && matches!(role, "orchestrator" | "worker")
    {
        return (
            format!("`defaults.{role}` accepts only `agent`, not `{key}`"),
            Some(format!(
                "set `{key}` per project instead: `projects.<id>.{role}.{key}` (or `projects.<id>.{key}`)"
            )),
        );
    }
    let hint = did_you_mean(key, expected.iter().copied())
        .or_else(|| (!expected.is_empty()).then(|| format!("expected {}", one_of(expected))));
    (format!("unknown key `{key}`"), hint)
}

struct De<'a> {
    node: &'a Node,
    path: String,
    ctx: &'a Ctx,
    passthrough: bool,
}

impl<'a> De<'a> {
    fn child(&self, node: &'a Node, path: String) -> De<'a> {
        De {
            node,
            path,
            ctx: self.ctx,
            passthrough: false,
        }
    }

    fn type_error(&self, expected: &str) -> DecodeError {
        let mut err = DecodeError::at(
            format!("expected {expected}, found {}", self.node.kind.describe()),
            &self.path,
            self.node.pos,
        );
        let in_millis = expected.contains("number") && self.path.ends_with("Ms");
        err.hint = Some(match (&self.node.kind, expected) {
            (NodeKind::Null, _) => "give a value after the colon, or remove the key".to_string(),
            (NodeKind::Str(text), _) if in_millis => self.millis_hint(text),
            (_, e) if e.contains("number") => {
                "write a plain number without quotes or units, e.g. `3000`".to_string()
            }
            (_, e) if e.contains("true") => "write `true` or `false`".to_string(),
            (NodeKind::Bool(b), "a string") => format!("quote it if you mean the text: `\"{b}\"`"),
            (_, "a list") => "write a list: `[a, b]` or one `- item` per line".to_string(),
            (_, "a mapping") => "write `key: value` pairs indented under this key".to_string(),
            (NodeKind::Seq(_) | NodeKind::Map(_), _) => "write a single value here".to_string(),
            _ => "see `ao config schema` for the expected shape".to_string(),
        });
        err
    }

    /// The hint for text where milliseconds are expected (`…Ms` keys): the number to write
    /// instead when the text is a duration (`30s` → `30000`).
    fn millis_hint(&self, text: &str) -> String {
        let key = self.path.rsplit('.').next().unwrap_or(&self.path);
        match parse_duration(text) {
            Some(d) => format!(
                "`{key}` is in milliseconds, written without a unit: `{}` for {}",
                d.as_millis(),
                text.trim()
            ),
            None => format!(
                "`{key}` is a plain number of milliseconds, without quotes or units, e.g. `30000`"
            ),
        }
    }

    fn locate<T>(&self, result: Result<T, DecodeError>) -> Result<T, DecodeError> {
        result.map_err(|e| e.locate(&self.path, self.node.pos))
    }

    fn map_access(self, fields: Option<&'static [&'static str]>) -> NodeMap<'a> {
        let entries: &'a [Entry] = match &self.node.kind {
            NodeKind::Map(entries) => entries,
            _ => &[],
        };
        NodeMap {
            entries: entries.iter(),
            current: None,
            path: self.path,
            ctx: self.ctx,
            fields,
            passthrough: self.passthrough,
        }
    }
}

macro_rules! int_method {
    ($method:ident, $visit:ident, $ty:ty, $what:literal) => {
        fn $method<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
            let n: Option<i128> = match self.node.kind {
                NodeKind::Int(i) => Some(i128::from(i)),
                NodeKind::UInt(u) => Some(i128::from(u)),
                _ => None,
            };
            let Some(n) = n else {
                return Err(self.type_error($what));
            };
            match <$ty>::try_from(n) {
                Ok(v) => {
                    let r = visitor.$visit(v);
                    self.locate(r)
                }
                Err(_) => Err(DecodeError::at(
                    format!("the number {n} is out of range for {}", $what),
                    &self.path,
                    self.node.pos,
                )),
            }
        }
    };
}

impl<'a> Deserializer<'a> for De<'a> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let r = match &self.node.kind {
            NodeKind::Null => visitor.visit_unit(),
            NodeKind::Bool(b) => visitor.visit_bool(*b),
            NodeKind::Int(i) => visitor.visit_i64(*i),
            NodeKind::UInt(u) => visitor.visit_u64(*u),
            NodeKind::Float(f) => visitor.visit_f64(*f),
            NodeKind::Str(s) => visitor.visit_borrowed_str(s),
            NodeKind::Seq(items) => {
                let path = self.path.clone();
                return self.locate(visitor.visit_seq(NodeSeq {
                    items: items.iter().enumerate(),
                    path,
                    ctx: self.ctx,
                }));
            }
            NodeKind::Map(_) => {
                let (path, pos) = (self.path.clone(), self.node.pos);
                return visitor
                    .visit_map(self.map_access(None))
                    .map_err(|e| e.locate(&path, pos));
            }
        };
        self.locate(r)
    }

    fn deserialize_bool<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.node.kind {
            NodeKind::Bool(b) => {
                let r = visitor.visit_bool(b);
                self.locate(r)
            }
            _ => Err(self.type_error("`true` or `false`")),
        }
    }

    int_method!(deserialize_u8, visit_u8, u8, "a whole number from 0 to 255");
    int_method!(
        deserialize_u16,
        visit_u16,
        u16,
        "a whole number from 0 to 65535"
    );
    int_method!(
        deserialize_u32,
        visit_u32,
        u32,
        "a non-negative whole number"
    );
    int_method!(
        deserialize_u64,
        visit_u64,
        u64,
        "a non-negative whole number"
    );
    int_method!(deserialize_i8, visit_i8, i8, "a whole number");
    int_method!(deserialize_i16, visit_i16, i16, "a whole number");
    int_method!(deserialize_i32, visit_i32, i32, "a whole number");
    int_method!(deserialize_i64, visit_i64, i64, "a whole number");

    fn deserialize_f32<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        #[expect(
            clippy::cast_precision_loss,
            reason = "config numbers are far below 2^53"
        )]
        let r = match self.node.kind {
            NodeKind::Float(f) => visitor.visit_f64(f),
            NodeKind::Int(i) => visitor.visit_f64(i as f64),
            NodeKind::UInt(u) => visitor.visit_f64(u as f64),
            _ => return Err(self.type_error("a number")),
        };
        self.locate(r)
    }

    fn deserialize_char<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_str<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        // Numbers are accepted where text is expected: `defaultBranch: 2024` means the text.
        let r = match &self.node.kind {
            NodeKind::Str(s) => visitor.visit_borrowed_str(s),
            NodeKind::Int(i) => visitor.visit_string(i.to_string()),
            NodeKind::UInt(u) => visitor.visit_string(u.to_string()),
            NodeKind::Float(f) => visitor.visit_string(f.to_string()),
            _ => return Err(self.type_error("a string")),
        };
        self.locate(r)
    }

    fn deserialize_string<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let (path, pos) = (self.path.clone(), self.node.pos);
        let r = match self.node.kind {
            NodeKind::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        };
        r.map_err(|e| e.locate(&path, pos))
    }

    fn deserialize_unit<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.node.kind {
            NodeKind::Null => {
                let r = visitor.visit_unit();
                self.locate(r)
            }
            _ => Err(self.type_error("an empty value")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        let (path, pos) = (self.path.clone(), self.node.pos);
        visitor
            .visit_newtype_struct(self)
            .map_err(|e| e.locate(&path, pos))
    }

    fn deserialize_seq<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let items: &'a [Node] = match &self.node.kind {
            NodeKind::Seq(items) => items,
            // An empty value where a list is expected (all items commented out) is an empty list.
            NodeKind::Null => &[],
            _ => return Err(self.type_error("a list")),
        };
        let r = visitor.visit_seq(NodeSeq {
            items: items.iter().enumerate(),
            path: self.path.clone(),
            ctx: self.ctx,
        });
        self.locate(r)
    }

    fn deserialize_tuple<V: Visitor<'a>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if !matches!(self.node.kind, NodeKind::Map(_) | NodeKind::Null) {
            return Err(self.type_error("a mapping"));
        }
        let (path, pos) = (self.path.clone(), self.node.pos);
        visitor
            .visit_map(self.map_access(None))
            .map_err(|e| e.locate(&path, pos))
    }

    fn deserialize_struct<V: Visitor<'a>>(
        mut self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        if !matches!(self.node.kind, NodeKind::Map(_) | NodeKind::Null) {
            return Err(self.type_error("a mapping"));
        }
        let (path, pos) = (self.path.clone(), self.node.pos);
        if name == PASSTHROUGH_MARKER {
            let r = visitor.visit_map(PassthroughParts {
                de: Some(self),
                state: 0,
            });
            return r.map_err(|e| e.locate(&path, pos));
        }
        let passthrough = std::mem::take(&mut self.passthrough);
        let mut access = self.map_access(Some(fields));
        access.passthrough = passthrough;
        visitor.visit_map(access).map_err(|e| e.locate(&path, pos))
    }

    fn deserialize_enum<V: Visitor<'a>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        match &self.node.kind {
            NodeKind::Str(s) => {
                let r = visitor.visit_enum(UnitVariant { name: s });
                self.locate(r)
            }
            _ => Err(self.type_error("one of the listed names")),
        }
    }

    fn deserialize_identifier<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'a>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }
}

struct NodeSeq<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Node>>,
    path: String,
    ctx: &'a Ctx,
}

impl<'a> SeqAccess<'a> for NodeSeq<'a> {
    type Error = DecodeError;

    fn next_element_seed<T: DeserializeSeed<'a>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        let (index, node) = loop {
            let Some((index, node)) = self.items.next() else {
                return Ok(None);
            };
            // Indices stay those of the file, so later errors still name the right item.
            if !self.ctx.skips_path(|| index_path(&self.path, index)) {
                break (index, node);
            }
        };
        let path = index_path(&self.path, index);
        self.ctx.sources.borrow_mut().insert(
            path.clone(),
            Located {
                key: node.pos,
                value: node.pos,
            },
        );
        let de = De {
            node,
            path: path.clone(),
            ctx: self.ctx,
            passthrough: false,
        };
        seed.deserialize(de)
            .map(Some)
            .map_err(|e| e.locate(&path, node.pos))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

struct NodeMap<'a> {
    entries: std::slice::Iter<'a, Entry>,
    current: Option<&'a Entry>,
    path: String,
    ctx: &'a Ctx,
    /// The struct's field names, when decoding a struct (unknown keys are then checked).
    fields: Option<&'static [&'static str]>,
    /// Unknown keys are kept for the caller instead of reported as errors.
    passthrough: bool,
}

impl NodeMap<'_> {
    fn report_unknown(&self, entry: &Entry, fields: &[&'static str]) {
        let path = child_path(&self.path, &entry.key);
        if self.passthrough {
            // Keys of a passthrough map belong to a plugin; only a near miss of a key we do
            // know is worth a word.
            if let Some(hint) = did_you_mean(&entry.key, fields.iter().copied()) {
                self.ctx.findings.borrow_mut().push(Finding {
                    warning: true,
                    path,
                    pos: entry.key_pos,
                    message: format!("`{}` is passed through to the plugin unchecked", entry.key),
                    hint: Some(hint),
                });
            }
            return;
        }
        let mut expected: Vec<&str> = fields.to_vec();
        if self.path.is_empty() {
            expected.extend(self.ctx.root_extra_fields.iter().copied());
        }
        let (message, hint) = unknown_key(&self.path, &entry.key, &expected);
        self.ctx.findings.borrow_mut().push(Finding {
            warning: false,
            path,
            pos: entry.key_pos,
            message,
            hint,
        });
    }
}

impl<'a> MapAccess<'a> for NodeMap<'a> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        loop {
            let Some(entry) = self.entries.next() else {
                return Ok(None);
            };
            if self.ctx.skips_path(|| child_path(&self.path, &entry.key)) {
                continue;
            }
            if let Some(fields) = self.fields
                && !fields.contains(&entry.key.as_str())
            {
                self.report_unknown(entry, fields);
                continue;
            }
            self.current = Some(entry);
            let key: de::value::StrDeserializer<'_, DecodeError> =
                entry.key.as_str().into_deserializer();
            let path = child_path(&self.path, &entry.key);
            return seed
                .deserialize(key)
                .map(Some)
                .map_err(|e| e.locate(&path, entry.key_pos));
        }
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let Some(entry) = self.current.take() else {
            return Err(de::Error::custom("value requested before key"));
        };
        let path = child_path(&self.path, &entry.key);
        self.ctx.sources.borrow_mut().insert(
            path.clone(),
            Located {
                key: entry.key_pos,
                value: entry.value.pos,
            },
        );
        let de = De {
            node: &entry.value,
            path: path.clone(),
            ctx: self.ctx,
            passthrough: false,
        };
        seed.deserialize(de)
            .map_err(|e| e.locate(&path, entry.value.pos))
    }
}

/// The view a passthrough map is decoded through: `known` is the node decoded leniently as the
/// typed struct, `extra` is a mapping of just the keys that struct does not declare.
struct PassthroughParts<'a> {
    de: Option<De<'a>>,
    state: u8,
}

impl<'a> MapAccess<'a> for PassthroughParts<'a> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let key = match self.state {
            0 => "known",
            1 => "extra",
            _ => return Ok(None),
        };
        seed.deserialize(IntoDeserializer::<DecodeError>::into_deserializer(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let Some(de) = self.de.as_ref() else {
            return Err(de::Error::custom("passthrough map read twice"));
        };
        let state = self.state;
        self.state += 1;
        if state == 0 {
            let mut known = de.child(de.node, de.path.clone());
            known.passthrough = true;
            seed.deserialize(known)
        } else {
            seed.deserialize(ExtraEntries {
                de: de.child(de.node, de.path.clone()),
            })
        }
    }
}

/// Deserializes the entries of a passthrough mapping that its struct does not declare. The
/// struct's field names are learnt by asking the struct itself (see `field_names`), so the
/// list of known keys is written once, on the struct.
struct ExtraEntries<'a> {
    de: De<'a>,
}

impl<'de> Deserializer<'de> for ExtraEntries<'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_map(self.de.map_access(None))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        // `fields` are the keys to skip: the typed struct has already taken them.
        let entries: &'de [Entry] = self.de.node.entries();
        let (ctx, path) = (self.de.ctx, self.de.path.clone());
        let rest = entries.iter().filter(move |e| {
            !fields.contains(&e.key.as_str()) && !ctx.skips_path(|| child_path(&path, &e.key))
        });
        visitor.visit_map(FilteredMap {
            entries: Box::new(rest),
            current: None,
            de: self.de,
        })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct enum identifier ignored_any
    }
}

struct FilteredMap<'a> {
    entries: Box<dyn Iterator<Item = &'a Entry> + 'a>,
    current: Option<&'a Entry>,
    de: De<'a>,
}

impl<'a> MapAccess<'a> for FilteredMap<'a> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'a>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some(entry);
        let key: de::value::StrDeserializer<'_, DecodeError> =
            entry.key.as_str().into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'a>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let Some(entry) = self.current.take() else {
            return Err(de::Error::custom("value requested before key"));
        };
        let path = child_path(&self.de.path, &entry.key);
        self.de.ctx.sources.borrow_mut().insert(
            path.clone(),
            Located {
                key: entry.key_pos,
                value: entry.value.pos,
            },
        );
        let de = self.de.child(&entry.value, path.clone());
        seed.deserialize(de)
            .map_err(|e| e.locate(&path, entry.value.pos))
    }
}

struct UnitVariant<'a> {
    name: &'a str,
}

impl<'a> EnumAccess<'a> for UnitVariant<'a> {
    type Error = DecodeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'a>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), DecodeError> {
        let key: de::value::StrDeserializer<'_, DecodeError> = self.name.into_deserializer();
        Ok((seed.deserialize(key)?, self))
    }
}

impl<'a> VariantAccess<'a> for UnitVariant<'a> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'a>>(
        self,
        _seed: T,
    ) -> Result<T::Value, DecodeError> {
        Err(de::Error::custom(format_args!(
            "`{}` needs a value",
            self.name
        )))
    }

    fn tuple_variant<V: Visitor<'a>>(
        self,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, DecodeError> {
        Err(de::Error::custom(format_args!(
            "`{}` needs a value",
            self.name
        )))
    }

    fn struct_variant<V: Visitor<'a>>(
        self,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, DecodeError> {
        Err(de::Error::custom(format_args!(
            "`{}` needs a value",
            self.name
        )))
    }
}

/// The field names a struct declares, learnt by letting it start to deserialize.
pub(crate) fn field_names<'de, T: de::Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe(&'static [&'static str]);
    struct Stop(Option<&'static [&'static str]>);

    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("field probe")
        }
    }
    impl fmt::Debug for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Stop")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_msg: M) -> Self {
            Stop(None)
        }
    }
    impl<'de> Deserializer<'de> for &mut Probe {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Stop> {
            Err(Stop(None))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _v: V,
        ) -> Result<V::Value, Stop> {
            self.0 = fields;
            Err(Stop(Some(fields)))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
            ignored_any
        }
    }

    let mut probe = Probe(&[]);
    match T::deserialize(&mut probe) {
        Err(Stop(Some(fields))) => fields,
        _ => probe.0,
    }
}
