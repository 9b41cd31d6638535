//! A YAML document read back into a plain value tree that keeps the order of its keys, so
//! emitted resources can be named and compared field by field in the order they are written.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// Integers and floats, kept as the text they print as so `10` and `10.0` stay apart
    /// and no precision is lost.
    Number(String),
    String(String),
    Seq(Vec<Value>),
    /// Keys in document order; YAML keys that are not strings are turned into their text.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// Parses one YAML document; the error is serde-saphyr's message.
    pub fn parse(text: &str) -> Result<Value, String> {
        serde_saphyr::from_str(text).map_err(|error| error.to_string())
    }

    /// The value at `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(name, _)| name == key).map(|(_, value)| value),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// Whether the value has no fields below it (a scalar, or an empty list or map).
    pub fn is_leaf(&self) -> bool {
        match self {
            Value::Seq(items) => items.is_empty(),
            Value::Map(entries) => entries.is_empty(),
            _ => true,
        }
    }
}

/// A leaf printed on one line, as YAML would show it: strings bare unless they would read
/// as something else (a number, a boolean, null, or blank), then quoted.
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(value) => write!(f, "{value}"),
            Value::Number(text) => f.write_str(text),
            Value::String(text) if needs_quotes(text) => write!(f, "{text:?}"),
            Value::String(text) => f.write_str(text),
            Value::Seq(items) if items.is_empty() => f.write_str("[]"),
            Value::Map(entries) if entries.is_empty() => f.write_str("{}"),
            Value::Seq(items) => write!(f, "[{} items]", items.len()),
            Value::Map(entries) => write!(f, "{{{} fields}}", entries.len()),
        }
    }
}

fn needs_quotes(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    text.is_empty()
        || text.trim() != text
        || text.contains('\n')
        || text.parse::<f64>().is_ok()
        || matches!(lower.as_str(), "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off")
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.to_string()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.to_string()))
    }

    fn visit_i128<E>(self, value: i128) -> Result<Value, E> {
        Ok(Value::Number(value.to_string()))
    }

    fn visit_u128<E>(self, value: u128) -> Result<Value, E> {
        Ok(Value::Number(value.to_string()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Number(value.to_string()))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<Value, Value>()? {
            let key = match key {
                Value::String(text) => text,
                other => other.to_string(),
            };
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn string(text: &str) -> Value {
        Value::String(text.to_string())
    }

    #[test]
    fn keeps_key_order_and_scalar_types() {
        let value = Value::parse("b: 1\na:\n  - x\n  - '2'\n  - true\n  - null\n  - 1.5\nc: {}\n").expect("parses");
        assert_eq!(
            value,
            Value::Map(vec![
                ("b".into(), Value::Number("1".into())),
                (
                    "a".into(),
                    Value::Seq(vec![
                        string("x"),
                        string("2"),
                        Value::Bool(true),
                        Value::Null,
                        Value::Number("1.5".into())
                    ])
                ),
                ("c".into(), Value::Map(vec![])),
            ])
        );
        assert_eq!(value.get("b"), Some(&Value::Number("1".into())));
        assert_eq!(value.get("z"), None);
    }

    #[test]
    fn strings_that_read_as_other_scalars_are_quoted() {
        assert_eq!(string("10s").to_string(), "10s");
        assert_eq!(string("api.example").to_string(), "api.example");
        for quoted in ["80", "true", "No", "", " x", "1e3"] {
            assert_eq!(string(quoted).to_string(), format!("{quoted:?}"));
        }
        assert_eq!(Value::Number("80".into()).to_string(), "80");
        assert_eq!(Value::Seq(vec![]).to_string(), "[]");
    }

    #[test]
    fn broken_yaml_is_an_error_not_a_panic() {
        assert!(Value::parse("a: [1, 2\n").is_err());
        assert!(Value::parse("a: b: c\n").is_err());
    }
}
