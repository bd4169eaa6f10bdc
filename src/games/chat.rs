//! A chat room (seeds 001–003): every message reaches everyone in the room, presence
//! is announced (who entered, who left, how many are here), a newcomer gets the last
//! messages, and the server pushes announcements on its own, on the room's alarm.

use serde::{Deserialize, Serialize};

use crate::game::{Game, Refusal, Release, SeatScore};
use crate::protocol::{ChatLine, ClientFrame, ErrorCode, PresenceEvent, RoomPhase, ServerFrame};
use crate::room::Table;

/// Messages kept for newcomers.
pub const HISTORY: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    history: Vec<ChatLine>,
    /// When the next announcement goes out (while anyone is here).
    next_announcement: Option<u64>,
    announcements: u64,
}

impl Chat {
    pub fn new(_size: usize) -> Chat {
        Chat {
            history: Vec::new(),
            next_announcement: None,
            announcements: 0,
        }
    }

    fn presence(t: &mut Table<'_>, name: String, event: PresenceEvent) {
        let online = t.people();
        t.broadcast(
            ServerFrame::Presence {
                name,
                event,
                online,
            },
            true,
        );
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
        t.send(
            seat,
            ServerFrame::History {
                messages: self.history.clone(),
            },
        );
        Chat::presence(t, t.name_of(seat), PresenceEvent::Entered);
        t.room_frame(self);
        if self.next_announcement.is_none() {
            self.next_announcement = Some(t.now + t.config.chat_announce_ms);
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

    fn frame(&mut self, t: &mut Table<'_>, seat: usize, frame: ClientFrame) -> Result<(), Refusal> {
        match frame {
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
                t.broadcast(
                    ServerFrame::Said {
                        seat: line.seat,
                        name: line.name,
                        text: line.text,
                        at: line.at,
                    },
                    true,
                );
                Ok(())
            }
            _ => Err(Refusal::new(
                ErrorCode::WrongGame,
                "this is a chat room: send {\"type\":\"say\",\"text\":…}",
            )),
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
            t.broadcast(ServerFrame::Announcement { text, at: t.now }, false);
            self.next_announcement = Some(t.now + t.config.chat_announce_ms);
        }
    }

    fn next_deadline(&self) -> Option<u64> {
        self.next_announcement
    }

    fn catch_up(&self, _t: &Table<'_>, _viewer: Option<usize>) -> Vec<ServerFrame> {
        vec![ServerFrame::History {
            messages: self.history.clone(),
        }]
    }
}
