//! A chat room (seeds 001–003): every message reaches everyone in the room, presence
//! is announced (who entered, who left, how many are here), a newcomer gets the last
//! messages, and the server pushes announcements on its own, on the room's alarm.
//!
//! Frames: people send `say`; the room hears `said`, `presence`, `history` and
//! `announcement`.

use serde::{Deserialize, Serialize};

use crate::config::Vars;
use crate::effects::Frame;
use crate::envelope::Envelope;
use crate::game::{Game, GameType, Played, Refusal, Release, SeatScore, Table};
use crate::protocol::{check_text, ErrorCode, RoomPhase};

/// Messages kept for newcomers.
pub const HISTORY: usize = 20;
/// Longest chat message, in characters.
pub const MAX_SAY_CHARS: usize = 200;

/// Frames people send to a chat room.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Serialize))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(test, derive(ts_rs::TS), ts(tag = "type", rename = "ChatClientFrame"))]
pub enum ClientFrame {
    /// Say something to everyone in the room.
    Say { text: String },
}

/// Someone entered or left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub enum PresenceEvent {
    Entered,
    Left,
}

/// One chat message as kept in the room's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ChatLine {
    pub seat: usize,
    pub name: String,
    pub text: String,
    pub at: u64,
}

/// Frames a chat room sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(not(target_arch = "wasm32"), derive(Deserialize))]
#[serde(tag = "type", rename_all = "snake_case")]
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "ChatServerFrame"))]
pub enum ServerFrame {
    /// A message from a seat.
    Said {
        seat: usize,
        name: String,
        text: String,
        /// Server time, ms since the epoch.
        at: u64,
    },
    /// Someone entered or left; `online` people are in the room now.
    Presence {
        name: String,
        event: PresenceEvent,
        online: usize,
    },
    /// The last messages, sent to whoever just entered.
    History { messages: Vec<ChatLine> },
    /// A message the server pushes on its own, on a timer.
    Announcement { text: String, at: u64 },
}

/// What an operator can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatSettings {
    /// People per room (`CHAT_ROOM_SIZE`, 2..=100, default 20).
    pub size: usize,
    /// The server pushes an announcement this often (`CHAT_ANNOUNCE_MS`,
    /// 1000..=3600000, default 60000).
    pub announce_ms: u64,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            size: 20,
            announce_ms: 60_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// Frozen when the room opens (rooms stored before games kept their own settings
    /// read back with the defaults).
    #[serde(default)]
    settings: ChatSettings,
    history: Vec<ChatLine>,
    /// When the next announcement goes out (while anyone is here).
    next_announcement: Option<u64>,
    announcements: u64,
}

impl Chat {
    fn presence(t: &mut Table<'_>, name: String, event: PresenceEvent) {
        let online = t.people();
        let frame = ServerFrame::Presence {
            name,
            event,
            online,
        };
        t.broadcast(&frame, true);
    }
}

impl GameType for Chat {
    const NAME: &'static str = "chat";
    type ClientFrame = ClientFrame;
    type Settings = ChatSettings;

    fn settings(vars: &mut Vars<'_>) -> ChatSettings {
        let d = ChatSettings::default();
        ChatSettings {
            size: vars.number("CHAT_ROOM_SIZE", 2..=100, d.size as u64) as usize,
            announce_ms: vars.number("CHAT_ANNOUNCE_MS", 1_000..=3_600_000, d.announce_ms),
        }
    }

    fn room_size(settings: &ChatSettings) -> usize {
        settings.size
    }

    fn new(settings: &ChatSettings) -> Chat {
        Chat {
            settings: *settings,
            history: Vec::new(),
            next_announcement: None,
            announcements: 0,
        }
    }

    fn decode(frame: &Envelope<'_>) -> Result<ClientFrame, Refusal> {
        let frame: ClientFrame = frame.decode()?;
        let ClientFrame::Say { text } = &frame;
        check_text("text", text, MAX_SAY_CHARS, false)?;
        Ok(frame)
    }

    #[cfg(test)]
    fn typescript(cfg: &ts_rs::Config) -> crate::game::Typescript {
        use ts_rs::TS;
        crate::game::Typescript::of::<ClientFrame, ServerFrame>(
            cfg,
            vec![PresenceEvent::decl(cfg), ChatLine::decl(cfg)],
        )
    }
}

impl Game for Chat {
    fn phase(&self) -> RoomPhase {
        RoomPhase::Waiting
    }

    fn score(&self, _seat: usize) -> SeatScore {
        SeatScore::default()
    }

    fn seated(&mut self, t: &mut Table<'_>, seat: usize) {
        let history = ServerFrame::History {
            messages: self.history.clone(),
        };
        t.send(seat, &history);
        Chat::presence(t, t.name_of(seat), PresenceEvent::Entered);
        t.room_frame(self);
        if self.next_announcement.is_none() {
            self.next_announcement = Some(t.now + self.settings.announce_ms);
        }
    }

    fn release(&mut self, _t: &Table<'_>, _seat: usize) -> Release {
        Release::Free
    }

    fn released(&mut self, t: &mut Table<'_>, _seat: usize, name: &str) {
        Chat::presence(t, name.to_string(), PresenceEvent::Left);
        t.room_frame(self);
    }

    fn emptied(&mut self) {
        // The history stays for whoever comes next; announcements wait for them.
        self.next_announcement = None;
    }

    fn join(&mut self, _t: &mut Table<'_>, _seat: usize) -> Result<(), Refusal> {
        Err(Refusal::new(
            ErrorCode::WrongGame,
            "this is a chat room: send {\"type\":\"say\",\"text\":…}",
        ))
    }

    fn play(
        &mut self,
        t: &mut Table<'_>,
        seat: usize,
        frame: &Envelope<'_>,
    ) -> Result<Played, Refusal> {
        match Self::decode(frame)? {
            ClientFrame::Say { text } => {
                let line = ChatLine {
                    seat,
                    name: t.name_of(seat),
                    text,
                    at: t.now,
                };
                if self.history.len() == HISTORY {
                    self.history.remove(0);
                }
                self.history.push(line.clone());
                let said = ServerFrame::Said {
                    seat: line.seat,
                    name: line.name,
                    text: line.text,
                    at: line.at,
                };
                t.broadcast(&said, true);
                Ok(Played::Changed)
            }
        }
    }

    fn tick(&mut self, t: &mut Table<'_>) {
        if self.next_announcement.is_some_and(|at| at <= t.now) {
            self.announcements += 1;
            let text = format!(
                "📢 #{}: {} in {} right now. Be kind, have fun!",
                self.announcements,
                t.people(),
                t.room_name()
            );
            let announcement = ServerFrame::Announcement { text, at: t.now };
            t.broadcast(&announcement, false);
            self.next_announcement = Some(t.now + self.settings.announce_ms);
        }
    }

    /// Always: who is here is what a chat room shows (presence), so a silent
    /// connection is noticed within the heartbeat timeout.
    fn waits_on_people(&self) -> bool {
        true
    }

    fn next_deadline(&self) -> Option<u64> {
        self.next_announcement
    }

    fn catch_up(&self, _t: &Table<'_>, _viewer: Option<usize>) -> Vec<Frame> {
        vec![Frame::of(&ServerFrame::History {
            messages: self.history.clone(),
        })]
    }
}
