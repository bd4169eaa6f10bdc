//! The games a room can host, and the registry that lists them.
//!
//! Each game is one module implementing [`crate::game::Game`] and
//! [`crate::game::GameType`]: its rules, its frames, its settings and their tests. It is
//! registered with one line in the [`registry!`] call below, which generates everything
//! that has to know every game (like mini-redis's `cmd/mod.rs` does for commands):
//!
//! - [`GameKind`]: which game, by name (`/ws?game=dig`, room names `dig-0-3`);
//! - [`GameState`]: a room's game, stored with the room as `{"<name>": {…}}`;
//! - [`Settings`]: every game's settings, read from vars once;
//! - the routing of a client frame's `type` to the game that owns it;
//! - the TypeScript declarations of every game's frames (`crate::typegen`).
//!
//! - [`rps`]: rock-paper-scissors (timed simultaneous rounds, bots, streak scoring).
//! - [`dig`]: dig gold (turn-based multiplayer minesweeper where the mines are gold).
//! - [`chat`]: a chat room (broadcast, presence, history, server announcements).
//! - `guess` (tests only): guess the number, the example of docs/ADDING_A_GAME.md.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::Vars;
use crate::envelope::{variants, Envelope};
use crate::game::{Game, GameType, Refusal};
use crate::ids::RoomName;

macro_rules! registry {
    ($($(#[$only:meta])* $kind:ident => $module:ident :: $game:ident,)*) => {
        $($(#[$only])* pub mod $module;)*

        /// Which game a room hosts, named as in URLs and room names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum GameKind {
            $($(#[$only])* $kind,)*
        }

        impl GameKind {
            /// Every registered game, in registry order.
            pub const ALL: &'static [GameKind] = &[$($(#[$only])* GameKind::$kind,)*];

            /// The name in URLs (`/ws?game=dig`) and room names.
            pub fn name(self) -> &'static str {
                match self {
                    $($(#[$only])* GameKind::$kind => <$module::$game as GameType>::NAME,)*
                }
            }

            /// The `type`s of the frames this game's players send.
            pub fn client_frames(self) -> &'static [&'static str] {
                match self {
                    $($(#[$only])* GameKind::$kind =>
                        variants::<<$module::$game as GameType>::ClientFrame>(),)*
                }
            }

            /// Reads a frame of this game without playing it (see [`GameType::check`]).
            pub fn check(self, frame: &Envelope<'_>) -> Result<(), Refusal> {
                match self {
                    $($(#[$only])* GameKind::$kind =>
                        <$module::$game as GameType>::decode(frame).map(drop),)*
                }
            }

            /// Published in the protocol's TypeScript declarations.
            pub fn published(self) -> bool {
                match self {
                    $($(#[$only])* GameKind::$kind => <$module::$game as GameType>::PUBLISHED,)*
                }
            }

            /// Seats in a room of this game, with these settings.
            pub fn room_size(self, settings: &Settings) -> usize {
                match self {
                    $($(#[$only])* GameKind::$kind =>
                        <$module::$game as GameType>::room_size(&settings.$module),)*
                }
            }

            /// This game's TypeScript declarations.
            #[cfg(test)]
            pub fn typescript(self, cfg: &ts_rs::Config) -> crate::game::Typescript {
                match self {
                    $($(#[$only])* GameKind::$kind => <$module::$game as GameType>::typescript(cfg),)*
                }
            }
        }

        /// Every game's settings, read from vars once per instance.
        #[derive(Debug, Clone, Copy, PartialEq, Default)]
        pub struct Settings {
            $($(#[$only])* pub $module: <$module::$game as GameType>::Settings,)*
        }

        impl Settings {
            /// Every game's settings, read through `vars`.
            pub fn read(vars: &mut Vars<'_>) -> Settings {
                Settings {
                    $($(#[$only])* $module: <$module::$game as GameType>::settings(vars),)*
                }
            }
        }

        /// The game a room hosts, stored with the room (`{"rps": {…}}`).
        ///
        /// Externally tagged on purpose: an internally tagged enum is read through serde's
        /// buffered `Content`, which would be in the wasm for this one type.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum GameState {
            $($(#[$only])* $kind($module::$game),)*
        }

        impl GameState {
            /// A new game of `kind` in an empty room.
            pub fn new(kind: GameKind, settings: &Settings) -> GameState {
                match kind {
                    $($(#[$only])* GameKind::$kind =>
                        GameState::$kind(<$module::$game as GameType>::new(&settings.$module)),)*
                }
            }

            pub fn kind(&self) -> GameKind {
                match self {
                    $($(#[$only])* GameState::$kind(_) => GameKind::$kind,)*
                }
            }

            pub fn get(&self) -> &dyn Game {
                match self {
                    $($(#[$only])* GameState::$kind(g) => g,)*
                }
            }

            pub fn get_mut(&mut self) -> &mut dyn Game {
                match self {
                    $($(#[$only])* GameState::$kind(g) => g,)*
                }
            }
        }
    };
}

// The registry: one line per game.
registry! {
    Rps => rps::Rps,
    Dig => dig::Dig,
    Chat => chat::Chat,
    #[cfg(test)]
    Guess => guess::Guess,
}

impl Eq for GameState {}

impl Default for GameKind {
    /// The seed demo's game, for `/ws` without `?game=`.
    fn default() -> GameKind {
        GameKind::Rps
    }
}

impl GameKind {
    pub fn from_name(name: &str) -> Option<GameKind> {
        GameKind::ALL.iter().copied().find(|g| g.name() == name)
    }

    /// The game of a room, from its name.
    pub fn of_room(room: &RoomName) -> Option<GameKind> {
        GameKind::from_name(room.game_name())
    }

    /// The game whose frames include `kind`, if any.
    pub fn owning(kind: &str) -> Option<GameKind> {
        GameKind::ALL
            .iter()
            .copied()
            .find(|g| g.client_frames().contains(&kind))
    }
}

impl Serialize for GameKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for GameKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<GameKind, D::Error> {
        let name = String::deserialize(d)?;
        GameKind::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown game `{name}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::SharedClientFrame;

    #[test]
    fn names_are_unique_and_plain() {
        for (i, a) in GameKind::ALL.iter().enumerate() {
            assert!(a.name().bytes().all(|b| b.is_ascii_lowercase()), "{a:?}");
            assert_eq!(GameKind::from_name(a.name()), Some(*a));
            for b in &GameKind::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
            let room = RoomName::numbered(a.name(), 0, 1);
            assert_eq!(GameKind::of_room(&room), Some(*a));
        }
        // Room names are split at the first `-`.
        assert!(GameKind::ALL.iter().all(|g| !g.name().contains('-')));
        assert_eq!(GameKind::from_name("chess"), None);
    }

    #[test]
    fn every_frame_type_has_one_owner() {
        let mut seen: Vec<&str> = variants::<SharedClientFrame>().to_vec();
        for game in GameKind::ALL {
            for kind in game.client_frames() {
                assert!(!seen.contains(kind), "`{kind}` has two owners");
                seen.push(kind);
            }
        }
    }

    /// Two ways: every listed type reads (or fails on its fields only), and a type no
    /// game lists is refused as unknown by every game's reader.
    #[test]
    fn the_frame_lists_and_the_readers_agree() {
        for game in GameKind::ALL {
            for kind in game.client_frames() {
                let text = format!(r#"{{"type":"{kind}"}}"#);
                let envelope = Envelope::read(&text).unwrap();
                if let Err(refusal) = game.check(&envelope) {
                    assert!(
                        !refusal.message.contains("unknown variant"),
                        "{game:?} lists `{kind}` but cannot read it: {}",
                        refusal.message
                    );
                }
            }
            for kind in ["teleport", "hello", "join"] {
                let text = format!(r#"{{"type":"{kind}"}}"#);
                let envelope = Envelope::read(&text).unwrap();
                let refusal = game.check(&envelope).unwrap_err();
                assert!(
                    refusal.message.contains("unknown variant"),
                    "{game:?}: {kind}"
                );
            }
        }
    }

    #[test]
    fn settings_read_from_vars_size_every_game() {
        let get = |_: &str| None;
        let mut vars = Vars::new(&get);
        let settings = Settings::read(&mut vars);
        assert!(vars.rejected.is_empty());
        for game in GameKind::ALL {
            assert!(game.room_size(&settings) >= 1, "{game:?}");
        }
    }
}
