//! Reading STIX from bytes: a bundle, a single object, a JSON array of objects, or JSON
//! lines, streamed one object at a time so that memory does not grow with the input.
//!
//! Every failure says where (line and column for malformed JSON, the index of the object
//! in the input) and nothing is handed on from a document that is not well-formed JSON
//! up to that point. Objects are checked for size as they stream past.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// Limits on what one input may hold.
#[derive(Debug, Clone, Copy)]
pub struct InputLimits {
    /// The largest single object (in bytes of JSON text) or JSON line.
    pub max_object_bytes: usize,
}

impl Default for InputLimits {
    fn default() -> Self {
        InputLimits {
            max_object_bytes: 64 * 1024 * 1024,
        }
    }
}

/// How the top level of an input was shaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputShape {
    Bundle { id: Option<String> },
    Object,
    Array,
    JsonLines,
}

/// Why an input could not be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("malformed JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("line {line}: malformed JSON at column {column}: {message}")]
    LineSyntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error(
        "line {line} is {length} bytes long, more than the limit of {limit} bytes for one object"
    )]
    LineTooLong {
        line: usize,
        length: usize,
        limit: usize,
    },
    #[error("object {index} is larger than the limit of {limit} bytes")]
    ObjectTooLarge { index: usize, limit: usize },
    #[error("the input is not valid UTF-8 at byte {offset}")]
    NotUtf8 { offset: usize },
    #[error("{0}")]
    Shape(String),
    #[error("the input is empty")]
    Empty,
    #[error("stopped: {0}")]
    Stopped(String),
}

/// Receives each object of an input in order. Returning an error stops the reading.
pub trait ObjectSink {
    fn accept(&mut self, index: usize, object: Value) -> Result<(), String>;
}

impl<F: FnMut(usize, Value) -> Result<(), String>> ObjectSink for F {
    fn accept(&mut self, index: usize, object: Value) -> Result<(), String> {
        self(index, object)
    }
}

/// Reads a complete input held in memory, deciding its shape from the content: a JSON
/// object with `"type": "bundle"` is a bundle, another object is one object, a JSON
/// array is a list of objects, and several lines of JSON objects are JSON lines.
pub fn read_objects(
    bytes: &[u8],
    limits: InputLimits,
    sink: &mut dyn ObjectSink,
) -> Result<InputShape, InputError> {
    let start = bytes
        .iter()
        .position(|byte| !byte.is_ascii_whitespace())
        .ok_or(InputError::Empty)?;
    match bytes[start] {
        b'[' => read_array(bytes, limits, sink).map(|()| InputShape::Array),
        b'{' if looks_like_json_lines(&bytes[start..]) => {
            read_json_lines(bytes, limits, sink).map(|()| InputShape::JsonLines)
        }
        b'{' => read_document(bytes, limits, sink),
        other => Err(InputError::Shape(format!(
            "expected a JSON object or array, found '{}' at the start of the input",
            char::from(other).escape_default()
        ))),
    }
}

/// JSON lines when the first line is a complete JSON value on its own and more follows.
fn looks_like_json_lines(bytes: &[u8]) -> bool {
    let Some(end) = bytes.iter().position(|byte| *byte == b'\n') else {
        return false;
    };
    let rest_has_content = bytes[end..].iter().any(|byte| !byte.is_ascii_whitespace());
    rest_has_content && serde_json::from_slice::<IgnoredAny>(&bytes[..end]).is_ok()
}

fn syntax_error(error: &serde_json::Error, state: &StreamState<'_>) -> InputError {
    if let Some(message) = &state.shape_error {
        return InputError::Shape(message.clone());
    }
    if let Some(message) = &state.sink_error {
        return InputError::Stopped(message.clone());
    }
    let message = error.to_string();
    // serde_json appends " at line L column C"; keep only the description.
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(head, _)| head)
        .to_owned();
    InputError::Syntax {
        line: error.line(),
        column: error.column(),
        message,
    }
}

fn check_utf8(bytes: &[u8]) -> Result<(), InputError> {
    std::str::from_utf8(bytes)
        .map(|_| ())
        .map_err(|error| InputError::NotUtf8 {
            offset: error.valid_up_to(),
        })
}

fn read_document(
    bytes: &[u8],
    limits: InputLimits,
    sink: &mut dyn ObjectSink,
) -> Result<InputShape, InputError> {
    check_utf8(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let mut state = StreamState {
        sink,
        limits,
        count: 0,
        sink_error: None,
        shape_error: None,
        bundle_id: None,
        bundle_type: None,
        single: None,
    };
    let result = DocumentSeed { state: &mut state }.deserialize(&mut deserializer);
    if let Err(error) = result.and_then(|()| deserializer.end()) {
        return Err(syntax_error(&error, &state));
    }
    if let Some(object) = state.single.take() {
        if state.bundle_type.as_deref() == Some("bundle") {
            return Err(InputError::Shape(
                "a bundle needs a list of `objects`".to_owned(),
            ));
        }
        state.sink.accept(0, object).map_err(InputError::Stopped)?;
        return Ok(InputShape::Object);
    }
    match state.bundle_type.as_deref() {
        Some("bundle") => Ok(InputShape::Bundle {
            id: state.bundle_id,
        }),
        _ => Err(InputError::Shape(
            "the document has `objects` but its `type` is not \"bundle\"".to_owned(),
        )),
    }
}

fn read_array(
    bytes: &[u8],
    limits: InputLimits,
    sink: &mut dyn ObjectSink,
) -> Result<(), InputError> {
    check_utf8(bytes)?;
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let mut state = StreamState {
        sink,
        limits,
        count: 0,
        sink_error: None,
        shape_error: None,
        bundle_id: None,
        bundle_type: None,
        single: None,
    };
    let result =
        de::Deserializer::deserialize_seq(&mut deserializer, ObjectsVisitor { state: &mut state });
    if let Err(error) = result.and_then(|()| deserializer.end()) {
        return Err(syntax_error(&error, &state));
    }
    Ok(())
}

fn read_json_lines(
    bytes: &[u8],
    limits: InputLimits,
    sink: &mut dyn ObjectSink,
) -> Result<(), InputError> {
    let mut index = 0;
    for (line_index, line) in bytes.split(|byte| *byte == b'\n').enumerate() {
        let line_number = line_index + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.len() > limits.max_object_bytes {
            return Err(InputError::LineTooLong {
                line: line_number,
                length: line.len(),
                limit: limits.max_object_bytes,
            });
        }
        if let Err(error) = std::str::from_utf8(line) {
            return Err(InputError::Shape(format!(
                "line {line_number} is not valid UTF-8 at byte {}",
                error.valid_up_to()
            )));
        }
        let value: Value = serde_json::from_slice(line).map_err(|error| {
            let message = error.to_string();
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(head, _)| head)
                .to_owned();
            InputError::LineSyntax {
                line: line_number,
                column: error.column(),
                message,
            }
        })?;
        sink.accept(index, value).map_err(InputError::Stopped)?;
        index += 1;
    }
    Ok(())
}

struct StreamState<'s> {
    sink: &'s mut dyn ObjectSink,
    limits: InputLimits,
    count: usize,
    sink_error: Option<String>,
    /// The document is JSON but not a STIX container.
    shape_error: Option<String>,
    bundle_id: Option<String>,
    bundle_type: Option<String>,
    /// A top-level object that turned out not to be a bundle.
    single: Option<Value>,
}

/// The top-level document: a bundle whose `objects` stream to the sink, or one object.
struct DocumentSeed<'a, 's> {
    state: &'a mut StreamState<'s>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a STIX bundle or object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // Collect non-`objects` keys; if `objects` is a list of a bundle, stream it.
        let mut others = serde_json::Map::new();
        let mut saw_objects = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "objects" && !saw_objects {
                saw_objects = true;
                let is_bundle_so_far = others
                    .get("type")
                    .and_then(Value::as_str)
                    .is_none_or(|kind| kind == "bundle");
                if is_bundle_so_far {
                    // A list streams to the sink; anything else (the deprecated
                    // `objects` dictionary of observed-data) is kept as a value.
                    if let Some(value) = map.next_value_seed(ObjectsSeed { state: self.state })? {
                        others.insert(key, value);
                        saw_objects = false;
                    }
                    continue;
                }
            }
            let raw: &'de serde_json::value::RawValue = map.next_value()?;
            if raw.get().len() > self.state.limits.max_object_bytes {
                let message = format!(
                    "the value of `{key}` is larger than the limit of {} bytes for one object",
                    self.state.limits.max_object_bytes
                );
                self.state.sink_error = Some(message.clone());
                return Err(de::Error::custom(message));
            }
            let value: Value = serde_json::from_str(raw.get()).map_err(de::Error::custom)?;
            others.insert(key, value);
        }
        self.state.bundle_type = others
            .get("type")
            .and_then(Value::as_str)
            .map(str::to_owned);
        self.state.bundle_id = others.get("id").and_then(Value::as_str).map(str::to_owned);
        if !saw_objects {
            self.state.single = Some(Value::Object(others));
        } else if self.state.bundle_type.as_deref() != Some("bundle") {
            let message = match &self.state.bundle_type {
                None => "the document has `objects` but no `type`; a STIX 2.1 bundle needs \"type\": \"bundle\"".to_owned(),
                Some(other) => format!("the document has `objects` but its `type` is \"{other}\", not \"bundle\""),
            };
            self.state.shape_error = Some(message.clone());
            return Err(de::Error::custom(message));
        }
        Ok(())
    }
}

struct ObjectsSeed<'a, 's> {
    state: &'a mut StreamState<'s>,
}

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_, '_> {
    type Value = Option<Value>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<Value>, D::Error> {
        deserializer.deserialize_any(ObjectsOrValue { state: self.state })
    }
}

/// `objects` as a bundle has it (a list, streamed) or as something else (kept).
struct ObjectsOrValue<'a, 's> {
    state: &'a mut StreamState<'s>,
}

impl<'de> Visitor<'de> for ObjectsOrValue<'_, '_> {
    type Value = Option<Value>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, sequence: A) -> Result<Option<Value>, A::Error> {
        ObjectsVisitor { state: self.state }
            .visit_seq(sequence)
            .map(|()| None)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Value>, A::Error> {
        let value = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(Some(value))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Option<Value>, E> {
        Ok(Some(Value::String(text.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Option<Value>, E> {
        Ok(Some(Value::Bool(value)))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(value)))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(value)))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Option<Value>, E> {
        Ok(Some(Value::from(value)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }
}

struct ObjectsVisitor<'a, 's> {
    state: &'a mut StreamState<'s>,
}

impl<'de> Visitor<'de> for ObjectsVisitor<'_, '_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<(), A::Error> {
        while let Some(raw) = sequence.next_element::<&'de serde_json::value::RawValue>()? {
            let index = self.state.count;
            self.state.count += 1;
            let text = raw.get();
            if text.len() > self.state.limits.max_object_bytes {
                let message = format!(
                    "object {index} is larger than the limit of {} bytes",
                    self.state.limits.max_object_bytes
                );
                self.state.sink_error = Some(message.clone());
                return Err(de::Error::custom(message));
            }
            let value: Value = serde_json::from_str(text).map_err(de::Error::custom)?;
            if let Err(message) = self.state.sink.accept(index, value) {
                self.state.sink_error = Some(message.clone());
                return Err(de::Error::custom(message));
            }
        }
        Ok(())
    }
}
