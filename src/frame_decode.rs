//! Reading a client frame without serde's buffered `Content`.
//!
//! [`ClientFrame`] is an internally tagged enum (`{"type": "choice", …}`). serde reads
//! such an enum by first buffering the whole object into its private `Content` tree and
//! then reading the variant out of that tree, which puts a second deserializer (tens of
//! KB of wasm) into the Worker. Here the frame is read in one pass into a flat struct
//! that has every field any frame has, then checked against the fields its `type`
//! allows. The result is the same as serde's derived reader on every object (a
//! property test in this file holds the two side by side on the host, where the
//! derived reader still exists), plus one deliberate difference: a frame must be a JSON
//! object, where serde would also take `["choice", "rock"]`.

use serde::{Deserialize, Deserializer};

use crate::protocol::{Choice, ClientFrame, Face};

/// The `type` of a client frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum FrameType {
    Hello,
    Join,
    Leave,
    Choice,
    Face,
    Ping,
    Dig,
    Say,
}

/// Every field of every client frame. The outer `Option` says whether the field was
/// there at all (so `{"type":"join","name":null}` is still an unknown field), the
/// value inside is the field as sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FlatFrame {
    #[serde(rename = "type")]
    kind: FrameType,
    #[serde(default, deserialize_with = "present")]
    name: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    avatar: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    choice: Option<Choice>,
    #[serde(default, deserialize_with = "present")]
    face: Option<Face>,
    #[serde(default, deserialize_with = "present")]
    x: Option<u8>,
    #[serde(default, deserialize_with = "present")]
    y: Option<u8>,
    #[serde(default, deserialize_with = "present")]
    text: Option<String>,
}

/// A field that is there, whatever its value (`null` included, for `Option` fields).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Reads one client frame from JSON text. The message of an error says what was wrong
/// (for the `error` frame); it is not meant to match serde's own wording.
pub fn decode_client_frame(text: &str) -> Result<ClientFrame, String> {
    if !text.trim_start().starts_with('{') {
        return Err("a frame is a JSON object".into());
    }
    let flat: FlatFrame = serde_json::from_str(text).map_err(|err| err.to_string())?;
    let present = [
        ("name", flat.name.is_some()),
        ("avatar", flat.avatar.is_some()),
        ("choice", flat.choice.is_some()),
        ("face", flat.face.is_some()),
        ("x", flat.x.is_some()),
        ("y", flat.y.is_some()),
        ("text", flat.text.is_some()),
    ];
    let allowed: &[&str] = match flat.kind {
        FrameType::Hello => &["name", "avatar"],
        FrameType::Choice => &["choice"],
        FrameType::Face => &["face"],
        FrameType::Dig => &["x", "y"],
        FrameType::Say => &["text"],
        FrameType::Join | FrameType::Leave | FrameType::Ping => &[],
    };
    if let Some((field, _)) = present
        .iter()
        .find(|(field, there)| *there && !allowed.contains(field))
    {
        return Err(format!("unknown field `{field}` in this frame"));
    }
    let missing = |field: &str| format!("missing field `{field}`");
    Ok(match flat.kind {
        FrameType::Hello => ClientFrame::Hello {
            name: flat.name.flatten(),
            avatar: flat.avatar.flatten(),
        },
        FrameType::Join => ClientFrame::Join {},
        FrameType::Leave => ClientFrame::Leave {},
        FrameType::Ping => ClientFrame::Ping {},
        FrameType::Choice => ClientFrame::Choice {
            choice: flat.choice.ok_or_else(|| missing("choice"))?,
        },
        FrameType::Face => ClientFrame::Face {
            face: flat.face.ok_or_else(|| missing("face"))?,
        },
        FrameType::Dig => ClientFrame::Dig {
            x: flat.x.ok_or_else(|| missing("x"))?,
            y: flat.y.ok_or_else(|| missing("y"))?,
        },
        FrameType::Say => ClientFrame::Say {
            text: flat.text.ok_or_else(|| missing("text"))?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// serde's derived reader for the same enum: the reference.
    fn derived(text: &str) -> Result<ClientFrame, serde_json::Error> {
        serde_json::from_str(text)
    }

    #[test]
    fn arrays_are_not_frames() {
        // serde's derived reader takes the tag from the first element of an array;
        // the protocol says a frame is an object, and so does this reader.
        assert!(derived(r#"["choice","rock"]"#).is_ok());
        assert!(decode_client_frame(r#"["choice","rock"]"#).is_err());
        assert!(decode_client_frame(r#"  ["join"]"#).is_err());
    }

    #[test]
    fn a_present_null_is_still_a_field() {
        assert!(decode_client_frame(r#"{"type":"join","name":null}"#).is_err());
        assert_eq!(
            decode_client_frame(r#"{"type":"hello","name":null}"#),
            Ok(ClientFrame::Hello {
                name: None,
                avatar: None
            })
        );
        assert!(decode_client_frame(r#"{"type":"choice","choice":null}"#).is_err());
    }

    #[test]
    fn duplicates_are_refused() {
        for text in [
            r#"{"type":"join","type":"join"}"#,
            r#"{"type":"say","text":"a","text":"b"}"#,
        ] {
            assert!(derived(text).is_err(), "{text}");
            assert!(decode_client_frame(text).is_err(), "{text}");
        }
    }

    /// A JSON value for a field: right, wrong type, out of range, null.
    fn field_value() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("null".to_string()),
            prop::sample::select(vec![
                "rock", "paper", "scissors", "lizard", "laugh", "cry", "angry", "smirk", "",
                "小明", "join",
            ])
            .prop_map(|s| format!("\"{s}\"")),
            (-2i64..300).prop_map(|n| n.to_string()),
            Just("1.5".to_string()),
            Just("true".to_string()),
            Just("[]".to_string()),
            Just("{}".to_string()),
            Just(r#"{"a":1}"#.to_string()),
        ]
    }

    /// An object with a `type` (known, unknown, or missing) and any fields frames
    /// have, plus now and then one they do not, in any order, sometimes twice.
    fn frame_object() -> impl Strategy<Value = String> {
        let ty = prop_oneof![
            8 => prop::sample::select(crate::protocol::CLIENT_FRAME_TYPES.to_vec())
                .prop_map(|t| format!("\"{t}\"")),
            1 => Just("\"teleport\"".to_string()),
            1 => field_value(),
        ];
        let key = prop::sample::select(vec![
            "name", "avatar", "choice", "face", "x", "y", "text", "seat", "type",
        ]);
        (
            prop::option::weighted(0.95, ty),
            prop::collection::vec((key, field_value()), 0..4),
            any::<prop::sample::Index>(),
        )
            .prop_map(|(ty, fields, at)| {
                let mut pairs: Vec<String> = fields
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                if let Some(ty) = ty {
                    let i = at.index(pairs.len() + 1);
                    pairs.insert(i, format!("\"type\":{ty}"));
                }
                format!("{{{}}}", pairs.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        // On any object, this reader and serde's derived one agree: both refuse, or
        // both read the same frame.
        #[test]
        fn agrees_with_serdes_derived_reader(text in frame_object()) {
            let ours = decode_client_frame(&text);
            let theirs = derived(&text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", text),
                (Err(_), Err(_)) => {}
                _ => prop_assert!(false, "{}: ours {:?}, serde {:?}", text, ours, theirs),
            }
        }

        // Every frame the server could be sent round-trips through this reader.
        #[test]
        fn reads_back_every_written_frame(frame in any_frame()) {
            let text = serde_json::to_string(&frame).unwrap();
            prop_assert_eq!(decode_client_frame(&text), Ok(frame));
        }
    }

    fn any_frame() -> impl Strategy<Value = ClientFrame> {
        let choice = prop::sample::select(Choice::ALL.to_vec());
        let face = prop::sample::select(vec![Face::Laugh, Face::Cry, Face::Angry, Face::Smirk]);
        prop_oneof![
            (prop::option::of(".{0,8}"), prop::option::of(".{0,8}"))
                .prop_map(|(name, avatar)| ClientFrame::Hello { name, avatar }),
            Just(ClientFrame::Join {}),
            Just(ClientFrame::Leave {}),
            Just(ClientFrame::Ping {}),
            choice.prop_map(|choice| ClientFrame::Choice { choice }),
            face.prop_map(|face| ClientFrame::Face { face }),
            (any::<u8>(), any::<u8>()).prop_map(|(x, y)| ClientFrame::Dig { x, y }),
            ".{0,20}".prop_map(|text| ClientFrame::Say { text }),
        ]
    }
}
