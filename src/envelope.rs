//! The one envelope every client frame comes in: a JSON object tagged by `type`.
//!
//! A frame is read in two steps. [`Envelope::read`] checks the size, reads the object
//! once, and keeps its `type` and the raw text of every other field. Then whoever owns
//! that `type` (the room for [`crate::protocol::SharedClientFrame`], a game for its own
//! frames) turns it into its own enum with [`Envelope::decode`].
//!
//! Why not serde's internally tagged enums (`#[serde(tag = "type")]`): serde reads those
//! by first buffering the whole object into its private `Content` tree and then reading
//! the variant out of that tree, which puts a second deserializer (tens of KB of wasm)
//! into the Worker, and it needs every frame type in one enum, which would make the
//! protocol module know every game. Here the owner's enum is an ordinary (externally
//! tagged) one, and [`Envelope::decode`] presents the frame to it as if it had been
//! written `{"<type>": {…the other fields…}}`: the derived reader then checks the fields
//! (unknown, missing, duplicate, wrong type) exactly as it would anywhere else, in one
//! pass over text already split up.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::protocol::{ErrorCode, ProtocolError, MAX_FRAME_BYTES};

/// A client frame, split into its `type` and its other fields (each still JSON text).
#[derive(Debug)]
pub struct Envelope<'a> {
    kind: String,
    fields: Vec<(String, &'a RawValue)>,
}

impl<'a> Envelope<'a> {
    /// Reads one text frame. Oversize frames are refused before a byte is parsed.
    pub fn read(text: &'a str) -> Result<Envelope<'a>, ProtocolError> {
        if text.len() > MAX_FRAME_BYTES {
            return Err(ProtocolError::TooBig { bytes: text.len() });
        }
        // serde would take `["choice", …]` too; the protocol says a frame is an object.
        if !text.trim_start().starts_with('{') {
            return Err(bad_frame("a frame is a JSON object"));
        }
        let raw: RawEnvelope<'a> =
            serde_json::from_str(text).map_err(|err| bad_frame(err.to_string()))?;
        let kind = raw.kind.ok_or_else(|| bad_frame("missing field `type`"))?;
        Ok(Envelope {
            kind,
            fields: raw.fields,
        })
    }

    /// The frame's `type`.
    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The frame as `T`, an enum with one (struct) variant per `type` it owns, named as
    /// on the wire (`#[serde(rename_all = "snake_case", deny_unknown_fields)]`). The
    /// message of an error says what was wrong, for the `error` frame.
    pub fn decode<T: Deserialize<'a>>(&self) -> Result<T, ProtocolError> {
        T::deserialize(AsVariant(self)).map_err(|err| bad_frame(err.0))
    }
}

/// The `type`s an enum read by [`Envelope::decode`] accepts: its variants' names on the
/// wire, as serde's derive lists them. This is the only list of a game's frame types,
/// so it cannot drift from what the reader reads.
pub fn variants<'a, T: Deserialize<'a>>() -> &'static [&'static str] {
    /// Answers serde's call for an enum with the variant list it was given.
    struct Lister;
    #[derive(Debug)]
    struct Listed(&'static [&'static str]);
    impl fmt::Display for Listed {
        fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("listed")
        }
    }
    impl std::error::Error for Listed {}
    impl de::Error for Listed {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Listed(&[])
        }
    }
    impl<'de> Deserializer<'de> for Lister {
        type Error = Listed;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Listed> {
            Err(Listed(&[]))
        }
        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            variants: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Listed> {
            Err(Listed(variants))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
            identifier ignored_any
        }
    }
    match T::deserialize(Lister) {
        Err(Listed(variants)) => variants,
        Ok(_) => &[],
    }
}

fn bad_frame(message: impl Into<Cow<'static, str>>) -> ProtocolError {
    ProtocolError::refused(ErrorCode::BadFrame, message)
}

/// The object as read in one pass: `type` (if there, and a string) and the rest.
struct RawEnvelope<'a> {
    kind: Option<String>,
    fields: Vec<(String, &'a RawValue)>,
}

impl<'de> Deserialize<'de> for RawEnvelope<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(RawEnvelopeVisitor)
    }
}

struct RawEnvelopeVisitor;

impl<'de> Visitor<'de> for RawEnvelopeVisitor {
    type Value = RawEnvelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a frame object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut kind = None;
        let mut fields: Vec<(String, &'de RawValue)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "type" {
                if kind.is_some() {
                    return Err(de::Error::duplicate_field("type"));
                }
                kind = Some(map.next_value::<String>()?);
            } else if fields.iter().any(|(k, _)| *k == key) {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            } else {
                fields.push((key, map.next_value()?));
            }
        }
        Ok(RawEnvelope { kind, fields })
    }
}

/// What went wrong reading a frame's fields; its text goes into the `error` frame.
#[derive(Debug)]
struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DecodeError(msg.to_string())
    }
}

/// The envelope seen as an externally tagged enum value: variant `type`, content the
/// other fields.
struct AsVariant<'e, 'a>(&'e Envelope<'a>);

impl<'de, 'e> Deserializer<'de> for AsVariant<'e, 'de> {
    type Error = DecodeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

impl<'de, 'e> de::EnumAccess<'de> for AsVariant<'e, 'de> {
    type Error = DecodeError;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Self), DecodeError> {
        let kind: &str = &self.0.kind;
        let variant = seed.deserialize(kind.into_deserializer())?;
        Ok((variant, self))
    }
}

impl<'de, 'e> de::VariantAccess<'de> for AsVariant<'e, 'de> {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        match self.0.fields.first() {
            None => Ok(()),
            Some((key, _)) => Err(de::Error::custom(format_args!(
                "unknown field `{key}` in this frame"
            ))),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, DecodeError> {
        Err(de::Error::custom("frames have named fields"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, DecodeError> {
        Err(de::Error::custom("frames have named fields"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_map(Fields {
            fields: &self.0.fields,
            at: 0,
        })
    }
}

/// The other fields, one by one, each read from its own JSON text.
struct Fields<'e, 'a> {
    fields: &'e [(String, &'a RawValue)],
    at: usize,
}

impl<'de, 'e> MapAccess<'de> for Fields<'e, 'de> {
    type Error = DecodeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        let Some((key, _)) = self.fields.get(self.at) else {
            return Ok(None);
        };
        seed.deserialize(key.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        let (key, raw) = self
            .fields
            .get(self.at)
            .ok_or_else(|| DecodeError("a value without a key".into()))?;
        self.at += 1;
        let mut json = serde_json::Deserializer::from_str(raw.get());
        seed.deserialize(&mut json)
            .map_err(|err| DecodeError(format!("field `{key}`: {err}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SharedClientFrame;
    use proptest::prelude::*;

    fn shared(text: &str) -> Result<SharedClientFrame, ProtocolError> {
        Envelope::read(text)?.decode()
    }

    fn refused(result: Result<SharedClientFrame, ProtocolError>) -> ErrorCode {
        match result {
            Err(ProtocolError::Refused { code, .. }) => code,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn the_variant_list_is_the_wire_names() {
        assert_eq!(
            variants::<SharedClientFrame>(),
            ["hello", "join", "leave", "ping"]
        );
    }

    #[test]
    fn reads_shared_frames() {
        assert_eq!(shared(r#"{"type":"join"}"#), Ok(SharedClientFrame::Join {}));
        assert_eq!(
            shared(r#"{"name":"小明","type":"hello"}"#),
            Ok(SharedClientFrame::Hello {
                name: Some("小明".into()),
                avatar: None
            })
        );
        assert_eq!(
            shared(crate::protocol::PING_FRAME),
            Ok(SharedClientFrame::Ping {})
        );
    }

    #[test]
    fn arrays_nulls_and_duplicates() {
        // serde's internally tagged reader takes the tag from an array's first element;
        // the protocol says a frame is an object, and so does this reader.
        assert!(Envelope::read(r#"["join"]"#).is_err());
        assert!(Envelope::read(r#"  ["join"]"#).is_err());
        // A field that is there with `null` is still a field.
        assert_eq!(
            refused(shared(r#"{"type":"join","name":null}"#)),
            ErrorCode::BadFrame
        );
        assert_eq!(
            shared(r#"{"type":"hello","name":null}"#),
            Ok(SharedClientFrame::Hello {
                name: None,
                avatar: None
            })
        );
        for text in [
            r#"{"type":"join","type":"join"}"#,
            r#"{"type":"hello","name":"a","name":"b"}"#,
        ] {
            assert!(Envelope::read(text).is_err(), "{text}");
        }
        assert_eq!(refused(shared(r#"{"type":1}"#)), ErrorCode::BadFrame);
        assert_eq!(refused(shared(r#"{"join":{}}"#)), ErrorCode::BadFrame);
        assert_eq!(refused(shared("not json")), ErrorCode::BadFrame);
        let deep = format!(
            "{{\"type\":\"join\",\"x\":{}{}}}",
            "[".repeat(2000),
            "]".repeat(2000)
        );
        assert!(deep.len() <= MAX_FRAME_BYTES);
        assert_eq!(refused(shared(&deep)), ErrorCode::BadFrame);
    }

    #[test]
    fn oversize_frames_are_refused_before_parsing() {
        let big = format!(
            r#"{{"type":"hello","name":"{}"}}"#,
            "x".repeat(MAX_FRAME_BYTES)
        );
        assert!(matches!(
            Envelope::read(&big),
            Err(ProtocolError::TooBig { .. })
        ));
    }

    /// The reference: the same frame rewritten as `{"<type>": {rest}}` and read by
    /// serde_json's own enum reader through `serde_json::Value` (host only).
    fn reference(text: &str) -> Result<SharedClientFrame, ()> {
        let serde_json::Value::Object(mut object) = serde_json::from_str(text).map_err(|_| ())?
        else {
            return Err(());
        };
        let Some(serde_json::Value::String(kind)) = object.remove("type") else {
            return Err(());
        };
        let mut outer = serde_json::Map::new();
        outer.insert(kind, serde_json::Value::Object(object));
        serde_json::from_value(serde_json::Value::Object(outer)).map_err(|_| ())
    }

    /// A JSON value for a field: right, wrong type, out of range, null.
    fn field_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_string()),
            prop::sample::select(vec!["rock", "", "小明", "join", "a\\u0000"])
                .prop_map(|s| format!("\"{s}\"")),
            (-2i64..300).prop_map(|n| n.to_string()),
            Just("1.5".to_string()),
            Just("[]".to_string()),
            Just(r#"{"a":1}"#.to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        // Any object: this reader and the reference agree, refusing or reading the same
        // frame. (The reference merges duplicate keys, which the protocol refuses, so
        // generated keys are distinct.)
        #[test]
        fn agrees_with_serdes_own_enum_reader(
            ty in prop::option::weighted(0.9, prop_oneof![
                8 => prop::sample::select(variants::<SharedClientFrame>().to_vec()).prop_map(|t| format!("\"{t}\"")),
                1 => Just("\"teleport\"".to_string()),
                1 => field_value(),
            ]),
            fields in prop::collection::btree_map(
                prop::sample::select(vec!["name", "avatar", "x", "seat"]), field_value(), 0..3),
            at in any::<prop::sample::Index>(),
        ) {
            let mut pairs: Vec<String> = fields.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            if let Some(ty) = ty {
                let i = at.index(pairs.len() + 1);
                pairs.insert(i, format!("\"type\":{ty}"));
            }
            let text = format!("{{{}}}", pairs.join(","));
            let ours = shared(&text);
            let theirs = reference(&text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", text),
                (Err(_), Err(())) => {}
                _ => prop_assert!(false, "{}: ours {:?}, reference {:?}", text, ours, theirs),
            }
        }

        // Any string at all: the reader answers and never panics.
        #[test]
        fn total_on_any_text(text in any::<String>()) {
            let _ = shared(&text);
        }
    }
}
