//! Driving rooms in tests: one call per kind of event over [`Room::handle`], and the
//! frames a room sent read back from their wire text.

use serde::Deserialize;

use crate::config::{RoomConfig, Vars};
use crate::effects::{Admission, Effect, Frame, Outcome};
use crate::games::{chat, dig, guess, rps, GameKind, Settings};
use crate::ids::{ResumeToken, RoomName};
use crate::protocol::SharedServerFrame;
use crate::room::{Arrival, Event, Room};
use crate::seats::Profile;

/// Any frame a room sends, read back from its wire text.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Wire {
    Shared(SharedServerFrame),
    Rps(rps::ServerFrame),
    Dig(dig::ServerFrame),
    Chat(chat::ServerFrame),
    Guess(guess::ServerFrame),
}

/// A connection could not be seated: every seat is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoomFull;

/// Every game's default settings.
pub fn default_settings() -> Settings {
    let none = |_: &str| None;
    Settings::read(&mut Vars::new(&none))
}

/// A room named `name` (its game from the name) with `config` and `settings`.
pub fn room(name: &str, config: RoomConfig, settings: &Settings, seed: u64) -> Room {
    let name = RoomName::parse(name).expect("a room name");
    let kind = GameKind::of_room(&name).expect("a game's room");
    Room::new(name, kind, config, settings, seed)
}

/// The secret a test player's seat is made with (stable per player).
pub fn secret(player: &str) -> u128 {
    player.bytes().fold(0xcbf2_9ce4_8422_2325_u128, |h, b| {
        (h ^ u128::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The resume token `player`'s seat gets in room `room`.
pub fn token_in(room: &str, player: &str) -> String {
    ResumeToken::new(&RoomName::parse(room).unwrap(), secret(player))
        .as_str()
        .to_string()
}

/// The effects of an outcome as the old per-event calls returned them: a refused
/// connection gets its `error` frame and close as effects.
fn effects_of(conn: &str, outcome: Outcome) -> Vec<Effect> {
    let mut effects = outcome.effects;
    if let Admission::Refuse {
        code,
        message,
        close,
    } = outcome.admission
    {
        effects.push(Effect::send_to(conn, Frame::error(code, message)));
        effects.push(Effect::Close {
            conn: conn.to_string(),
            code: close,
        });
    }
    effects
}

/// One call per kind of event, each returning the effects.
pub trait Drive {
    fn connect(
        &mut self,
        now: u64,
        conn: &str,
        player: &str,
        profile: Profile,
        online: u64,
    ) -> Result<Vec<Effect>, RoomFull>;
    /// [`Drive::connect`], keeping what passing time did even when the room was full.
    fn arrive(&mut self, now: u64, conn: &str, player: &str, profile: Profile) -> Vec<Effect>;
    fn resume(
        &mut self,
        now: u64,
        conn: &str,
        token: &str,
        player: &str,
        online: u64,
    ) -> Vec<Effect>;
    fn watch(&mut self, now: u64, conn: &str) -> Vec<Effect>;
    fn receive(&mut self, now: u64, conn: &str, text: &str) -> Vec<Effect>;
    /// [`Drive::receive`], with the whole outcome.
    fn receive_outcome(&mut self, now: u64, conn: &str, text: &str) -> Outcome;
    fn receive_binary(&mut self, now: u64, conn: &str) -> Vec<Effect>;
    fn disconnect(&mut self, now: u64, conn: &str) -> Vec<Effect>;
    fn reconcile(&mut self, now: u64, live: &[&str]) -> Vec<Effect>;
    /// The alarm at `now`.
    fn tick(&mut self, now: u64) -> Vec<Effect>;
    /// The alarm at `now`, the platform having answered these heartbeats on its own.
    fn tick_hearing(&mut self, now: u64, heard: &[(&str, u64)]) -> Vec<Effect>;
    fn recorded(&mut self, now: u64, round_id: &str);
}

impl Drive for Room {
    fn connect(
        &mut self,
        now: u64,
        conn: &str,
        player: &str,
        profile: Profile,
        online: u64,
    ) -> Result<Vec<Effect>, RoomFull> {
        let arrival = Arrival {
            conn: conn.to_string(),
            player: player.to_string(),
            profile,
            secret: secret(player),
            online,
            code: None,
        };
        let outcome = self.handle(now, &[], Event::Connect(arrival));
        match outcome.admission {
            Admission::Full => Err(RoomFull),
            _ => Ok(effects_of(conn, outcome)),
        }
    }

    fn arrive(&mut self, now: u64, conn: &str, player: &str, profile: Profile) -> Vec<Effect> {
        let arrival = Arrival {
            conn: conn.to_string(),
            player: player.to_string(),
            profile,
            secret: secret(player),
            online: 1,
            code: None,
        };
        effects_of(conn, self.handle(now, &[], Event::Connect(arrival)))
    }

    fn resume(
        &mut self,
        now: u64,
        conn: &str,
        token: &str,
        player: &str,
        online: u64,
    ) -> Vec<Effect> {
        let Some(token) = ResumeToken::parse(token) else {
            // The Worker answers an unreadable token itself, as the seat being gone.
            let outcome = Outcome {
                admission: Admission::seat_gone(),
                ..Outcome::default()
            };
            return effects_of(conn, outcome);
        };
        let event = Event::Resume {
            conn: conn.to_string(),
            player: player.to_string(),
            token,
            online,
        };
        let outcome = self.handle(now, &[], event);
        effects_of(conn, outcome)
    }

    fn watch(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        let event = Event::Watch {
            conn: conn.into(),
            code: None,
        };
        let outcome = self.handle(now, &[], event);
        effects_of(conn, outcome)
    }

    fn receive(&mut self, now: u64, conn: &str, text: &str) -> Vec<Effect> {
        self.receive_outcome(now, conn, text).effects
    }

    fn receive_outcome(&mut self, now: u64, conn: &str, text: &str) -> Outcome {
        let event = Event::Text {
            conn: conn.into(),
            text: text.into(),
        };
        self.handle(now, &[], event)
    }

    fn receive_binary(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        self.handle(now, &[], Event::Binary { conn: conn.into() })
            .effects
    }

    fn disconnect(&mut self, now: u64, conn: &str) -> Vec<Effect> {
        self.handle(now, &[], Event::Closed { conn: conn.into() })
            .effects
    }

    fn reconcile(&mut self, now: u64, live: &[&str]) -> Vec<Effect> {
        let live = live.iter().map(|c| c.to_string()).collect();
        self.handle(now, &[], Event::Restarted { live }).effects
    }

    fn tick(&mut self, now: u64) -> Vec<Effect> {
        self.handle(now, &[], Event::Alarm).effects
    }

    fn tick_hearing(&mut self, now: u64, heard: &[(&str, u64)]) -> Vec<Effect> {
        let heard: Vec<(String, u64)> = heard.iter().map(|(c, at)| (c.to_string(), *at)).collect();
        self.handle(now, &heard, Event::Alarm).effects
    }

    fn recorded(&mut self, now: u64, round_id: &str) {
        let event = Event::Recorded {
            round_ids: vec![round_id.to_string()],
        };
        let _ = self.handle(now, &[], event);
    }
}

/// Frames among `effects` addressed to `conn`, in order.
pub fn frames_to(effects: &[Effect], conn: &str) -> Vec<Wire> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, frame } if to.iter().any(|c| c == conn) => Some(wire(frame)),
            _ => None,
        })
        .collect()
}

/// A frame read back from its text.
pub fn wire(frame: &Frame) -> Wire {
    serde_json::from_str(frame.text())
        .unwrap_or_else(|err| panic!("{}: not a server frame: {err}", frame.text()))
}

/// The shared frames among `effects` to `conn`.
pub fn shared_to(effects: &[Effect], conn: &str) -> Vec<SharedServerFrame> {
    frames_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Wire::Shared(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The rock-paper-scissors frames among `effects` to `conn`.
pub fn rps_to(effects: &[Effect], conn: &str) -> Vec<rps::ServerFrame> {
    frames_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Wire::Rps(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The dig-gold frames among `effects` to `conn`.
pub fn dig_to(effects: &[Effect], conn: &str) -> Vec<dig::ServerFrame> {
    frames_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Wire::Dig(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// The chat frames among `effects` to `conn`.
pub fn chat_to(effects: &[Effect], conn: &str) -> Vec<chat::ServerFrame> {
    frames_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Wire::Chat(f) => Some(f),
            _ => None,
        })
        .collect()
}

/// A client frame as wire text: `{"type": <variant>, …its fields}` from a game's (or
/// the shared) externally tagged frame enum.
pub fn client_text<T: serde::Serialize>(frame: &T) -> String {
    let value = serde_json::to_value(frame).unwrap();
    let serde_json::Value::Object(outer) = value else {
        panic!("frames are struct variants");
    };
    let (kind, fields) = outer.into_iter().next().expect("one variant");
    let mut object = match fields {
        serde_json::Value::Object(fields) => fields,
        _ => serde_json::Map::new(),
    };
    object.insert("type".into(), serde_json::Value::String(kind));
    serde_json::Value::Object(object).to_string()
}
