//! The one place `ao` calls the YAML parser.
//!
//! The text is parsed into a [`Node`] tree that keeps the line and column of every key and
//! value. Everything after this module works on that tree, so error positions, key paths,
//! "did you mean" hints and provenance never depend on the parser's own error formatting, and
//! swapping the parser touches one file.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::node::{Entry, Node, NodeKind, Pos};

/// A YAML syntax (or structure) error with its position in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub(crate) pos: Pos,
    pub(crate) message: String,
}

/// Parses one YAML document into a positioned tree.
///
/// Duplicate keys are errors (a silently dropped value is a lost setting); anchors, aliases and
/// merge keys work as YAML defines them.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    check_limits(text)?;
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        // YAML 1.2 booleans only, as the reference tool's parser reads them: `y`, `no`, `on` are text.
        strict_booleans: true,
        // `0123` in an id is text, not the number 123.
        leading_zero_numbers_as_strings: true,
        // `check_limits` bounds size and depth up front, more cheaply than the general budget
        // (which more than doubled the parse time of a large config); alias expansion stays
        // bounded by the parser's alias limits.
        budget: None,
    };
    match serde_saphyr::from_str_with_options::<Option<Raw>>(text, options) {
        Ok(Some(raw)) => Ok(raw.0),
        Ok(None) => Ok(Node {
            pos: Pos::new(1, 1),
            kind: NodeKind::Null,
        }),
        Err(err) => Err(syntax_error(&err)),
    }
}

/// The largest config file accepted; real ones are a few KiB.
pub(crate) const MAX_BYTES: usize = 1024 * 1024;

/// The deepest nesting accepted; the schema itself is 6 levels deep. Deeper documents would
/// only exhaust the stack of the recursive decoders.
pub(crate) const MAX_DEPTH: usize = 32;

/// Rejects documents too large or too deeply nested to be a config, before any recursion.
fn check_limits(text: &str) -> Result<(), SyntaxError> {
    use serde_saphyr::granit_parser::{Event, Parser};

    if text.len() > MAX_BYTES {
        return Err(SyntaxError {
            pos: Pos::new(1, 1),
            message: format!(
                "the file is {} KiB; a config file may be at most {} KiB",
                text.len() / 1024,
                MAX_BYTES / 1024
            ),
        });
    }
    let mut depth = 0usize;
    for item in Parser::new_from_str(text) {
        // Syntax errors are reported by the real parse below, with its wording.
        let Ok((event, span)) = item else {
            return Ok(());
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let line = u32::try_from(span.start.line()).unwrap_or(u32::MAX);
                    let column = u32::try_from(span.start.col() + 1).unwrap_or(u32::MAX);
                    return Err(SyntaxError {
                        pos: Pos::new(line, column),
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                }
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn syntax_error(err: &serde_saphyr::Error) -> SyntaxError {
    let pos = err
        .location()
        .map(|loc| Pos::new(clamp(loc.line()), clamp(loc.column())))
        .unwrap_or_default();
    // The rendered form carries a source snippet; the first line is the message itself, and
    // callers print their own `file:line:col` prefix.
    let rendered = err.without_snippet().to_string();
    let message = rendered
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML")
        .to_string();
    SyntaxError {
        pos,
        message: strip_position_suffix(&message),
    }
}

/// Removes a trailing " at line X, column Y" that the parser adds, since ao prints positions
/// in its own `file:line:col` form.
fn strip_position_suffix(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].trim_end_matches(':').to_string(),
        None => message.to_string(),
    }
}

fn clamp(v: u64) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

fn pos_of(loc: serde_saphyr::Location) -> Pos {
    Pos::new(clamp(loc.line()), clamp(loc.column()))
}

/// A node as the parser sees it; exists only to carry positions out of serde.
struct Raw(Node);

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawKind>::deserialize(d)?;
        Ok(Raw(Node {
            pos: pos_of(spanned.referenced),
            kind: spanned.value.0,
        }))
    }
}

struct RawKind(NodeKind);

impl<'de> Deserialize<'de> for RawKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(KindVisitor)
    }
}

/// A mapping key: YAML allows any scalar, the config only ever means its text.
struct RawKey {
    name: String,
    pos: Pos,
}

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RawKind>::deserialize(d)?;
        let name = match spanned.value.0 {
            NodeKind::Str(s) => s,
            NodeKind::Int(i) => i.to_string(),
            NodeKind::UInt(u) => u.to_string(),
            NodeKind::Float(f) => f.to_string(),
            NodeKind::Bool(b) => b.to_string(),
            NodeKind::Null => "null".to_string(),
            NodeKind::Seq(_) | NodeKind::Map(_) => {
                return Err(de::Error::custom("a mapping key must be a plain scalar"));
            }
        };
        Ok(RawKey {
            name,
            pos: pos_of(spanned.referenced),
        })
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = RawKind;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<RawKind, E> {
        Ok(RawKind(match i64::try_from(v) {
            Ok(i) => NodeKind::Int(i),
            Err(_) => NodeKind::UInt(v),
        }))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<RawKind, E> {
        i64::try_from(v)
            .map(|i| RawKind(NodeKind::Int(i)))
            .map_err(|_| E::custom("integer out of range"))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<RawKind, E> {
        u64::try_from(v)
            .map_err(|_| E::custom("integer out of range"))
            .and_then(|u| self.visit_u64(u))
    }
    fn visit_f64<E>(self, v: f64) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Str(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Str(v)))
    }
    fn visit_char<E>(self, v: char) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Str(v.to_string())))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<RawKind, E> {
        match std::str::from_utf8(v) {
            Ok(s) => Ok(RawKind(NodeKind::Str(s.to_string()))),
            Err(_) => Err(E::custom("binary values are not supported")),
        }
    }
    fn visit_unit<E>(self) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Null))
    }
    fn visit_none<E>(self) -> Result<RawKind, E> {
        Ok(RawKind(NodeKind::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
        RawKind::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<RawKind, D::Error> {
        RawKind::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawKind, A::Error> {
        let mut items = Vec::new();
        while let Some(Raw(node)) = seq.next_element::<Raw>()? {
            items.push(node);
        }
        Ok(RawKind(NodeKind::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawKind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<RawKey>()? {
            let Raw(value) = map.next_value::<Raw>()?;
            entries.push(Entry {
                key: key.name,
                key_pos: key.pos,
                value,
            });
        }
        Ok(RawKind(NodeKind::Map(entries)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let node = parse("a: 1\nb:\n  c: [x, y]\n").unwrap();
        let NodeKind::Map(entries) = &node.kind else {
            panic!("not a map")
        };
        assert_eq!(entries[0].key, "a");
        assert_eq!(entries[0].key_pos, Pos::new(1, 1));
        assert_eq!(entries[0].value.pos, Pos::new(1, 4));
        let NodeKind::Map(inner) = &entries[1].value.kind else {
            panic!("not a map")
        };
        assert_eq!(inner[0].key_pos, Pos::new(3, 3));
        let NodeKind::Seq(items) = &inner[0].value.kind else {
            panic!("not a seq")
        };
        assert_eq!(items[1].pos.line, 3);
        assert!(matches!(&items[1].kind, NodeKind::Str(s) if s == "y"));
    }

    #[test]
    fn scalars_keep_their_yaml_types() {
        let node =
            parse("i: 3\nf: 1.5\nb: true\nn: ~\ns: '3'\nbig: 18446744073709551615\n").unwrap();
        let NodeKind::Map(e) = &node.kind else {
            panic!()
        };
        assert!(matches!(e[0].value.kind, NodeKind::Int(3)));
        assert!(matches!(e[1].value.kind, NodeKind::Float(f) if f == 1.5));
        assert!(matches!(e[2].value.kind, NodeKind::Bool(true)));
        assert!(matches!(e[3].value.kind, NodeKind::Null));
        assert!(matches!(&e[4].value.kind, NodeKind::Str(s) if s == "3"));
        assert!(matches!(e[5].value.kind, NodeKind::UInt(u64::MAX)));
    }

    #[test]
    fn empty_document_is_null() {
        assert!(matches!(parse("").unwrap().kind, NodeKind::Null));
        assert!(matches!(
            parse("# only a comment\n").unwrap().kind,
            NodeKind::Null
        ));
    }

    #[test]
    fn syntax_errors_are_positioned() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        assert!(err.pos.line >= 2, "{err:?}");
        assert!(!err.message.is_empty());
        let dup = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.pos.line, 2, "{dup:?}");
        assert!(dup.message.to_lowercase().contains("duplicate"), "{dup:?}");
    }

    #[test]
    fn deep_or_huge_documents_are_refused_not_crashed() {
        let deep: String = (0..200).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
        let err = parse(&deep).unwrap_err();
        assert!(err.message.contains("nesting deeper than"), "{err:?}");
        assert_eq!(err.pos.line, 33);
        let flow = format!("a: {}", "[".repeat(10_000));
        assert!(parse(&flow).is_err());
        let huge = format!("a: '{}'\n", "x".repeat(MAX_BYTES));
        assert!(
            parse(&huge)
                .unwrap_err()
                .message
                .contains("at most 1024 KiB")
        );
        let ok: String = (0..MAX_DEPTH)
            .map(|i| format!("{}a:\n", " ".repeat(i)))
            .collect();
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn anchors_and_merge_keys_resolve() {
        let node = parse("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n").unwrap();
        let NodeKind::Map(e) = &node.kind else {
            panic!()
        };
        let NodeKind::Map(other) = &e[1].value.kind else {
            panic!()
        };
        let keys: Vec<_> = other.iter().map(|e| e.key.as_str()).collect();
        assert!(keys.contains(&"x") && keys.contains(&"y"), "{keys:?}");
    }
}
