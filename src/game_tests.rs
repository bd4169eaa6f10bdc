//! Dig gold, chat and spectators through the room, on a virtual clock.

use crate::config::RoomConfig;
use crate::effects::Effect;
use crate::games::chat::{
    ChatSettings, ClientFrame as ChatMove, PresenceEvent, ServerFrame as Chat,
};
use crate::games::dig::{ClientFrame as DigMove, DigSettings, ServerFrame as Dig};
use crate::games::rps::ServerFrame as Rps;
use crate::games::Settings;
use crate::protocol::{ErrorCode, SharedServerFrame as Shared};
use crate::room::Room;
use crate::seats::Profile;
use crate::testkit::{
    chat_to, client_text, default_settings, dig_to, frames_to, rps_to, shared_to, Drive, Wire,
};

const TURN: u64 = 5_000;
const ANNOUNCE: u64 = 10_000;
/// A clock that starts as somebody sits down waits out their handshake this long
/// (`RoomConfig::handshake_ms`, `Table::clock_ms`).
const HANDSHAKE: u64 = 100;

fn settings() -> Settings {
    let mut settings = default_settings();
    settings.dig = DigSettings {
        size: 2,
        board: 6,
        gold: 4,
        turn_ms: TURN,
    };
    settings.chat = ChatSettings {
        size: 5,
        announce_ms: ANNOUNCE,
    };
    settings
}

/// A room called `name` (its game from the name), nobody timing out.
fn new_room(name: &str, seed: u64) -> Room {
    let config = RoomConfig {
        heartbeat_timeout_ms: 1_000_000,
        handshake_ms: HANDSHAKE,
        ..RoomConfig::default()
    };
    crate::testkit::room(name, config, &settings(), seed)
}

fn join(room: &mut Room, now: u64, conn: &str) -> Vec<Effect> {
    let profile = Profile {
        name: conn.to_uppercase(),
        avatar: String::new(),
    };
    room.connect(now, conn, &format!("guest:{conn}"), profile, 1)
        .expect("a seat")
}

fn send<T: serde::Serialize>(room: &mut Room, now: u64, conn: &str, frame: &T) -> Vec<Effect> {
    room.receive(now, conn, &client_text(frame))
}

fn dig(x: u8, y: u8) -> DigMove {
    DigMove::Dig { x, y }
}

fn error_code(effects: &[Effect], conn: &str) -> Option<ErrorCode> {
    shared_to(effects, conn).into_iter().find_map(|f| match f {
        Shared::Error { code, .. } => Some(code),
        _ => None,
    })
}

/// Every frame `conn` was sent, as the text on the wire.
fn texts_to(effects: &[Effect], conn: &str) -> String {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, frame } if to.iter().any(|c| c == conn) => Some(frame.text()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A dig room with two players and a game running; returns the effects of the start.
fn dig_room() -> (Room, Vec<Effect>) {
    let mut room = new_room("dig-0-0", 42);
    let mut out = join(&mut room, 0, "a");
    out.extend(join(&mut room, 0, "b"));
    (room, out)
}

/// The board everybody was shown last.
fn last_board(effects: &[Effect], conn: &str) -> Option<(Vec<String>, u32, Option<usize>)> {
    dig_to(effects, conn)
        .into_iter()
        .rev()
        .find_map(|f| match f {
            Dig::Board {
                rows,
                gold_left,
                turn,
                ..
            } => Some((rows, gold_left, turn)),
            _ => None,
        })
}

#[test]
fn dig_starts_when_the_room_is_full_with_a_hidden_board_and_seat_0_to_move() {
    let (_, out) = dig_room();
    let (rows, gold_left, turn) = last_board(&out, "a").expect("a board");
    assert_eq!(
        rows,
        vec!["......"; 6],
        "nothing is revealed, least of all the gold"
    );
    assert_eq!((gold_left, turn), (4, Some(0)));
    // The game began with b sitting down: the first turn waits out b's handshake.
    assert!(dig_to(&out, "b").contains(&Dig::Turn {
        seat: 0,
        ends_in_ms: TURN + HANDSHAKE,
        skipped: None
    }));
    assert!(!texts_to(&out, "b").contains('$'), "no gold in any frame");
}

#[test]
fn turns_alternate_strictly_and_out_of_turn_or_dug_cells_are_refused() {
    let (mut room, _) = dig_room();
    assert_eq!(
        error_code(&send(&mut room, 1, "b", &dig(0, 0)), "b"),
        Some(ErrorCode::NotYourTurn)
    );
    let mut turns = Vec::new();
    let mut dug = Vec::new();
    // A dig every 300 ms: well inside a turn, and a human pace for the rate limit.
    let mut now = 0;
    let mut tick = || {
        now += 300;
        now
    };
    // Dig row by row, each player on their turn, until the game ends.
    'outer: for y in 0..6u8 {
        for x in 0..6u8 {
            let mover = if turns.len() % 2 == 0 { "a" } else { "b" };
            let out = send(&mut room, tick(), mover, &dig(x, y));
            if error_code(&out, mover) == Some(ErrorCode::AlreadyDug) {
                continue; // opened by an earlier flood
            }
            assert_eq!(error_code(&out, mover), None, "{mover} digs ({x},{y})");
            turns.push(mover);
            dug.push((x, y));
            if dig_to(&out, "a")
                .iter()
                .any(|f| matches!(f, Dig::GameOver { .. }))
            {
                break 'outer;
            }
            // The same cell again, by whoever moves next: refused.
            let next = if turns.len() % 2 == 0 { "a" } else { "b" };
            assert_eq!(
                error_code(&send(&mut room, tick(), next, &dig(x, y)), next),
                Some(ErrorCode::AlreadyDug)
            );
        }
    }
    assert!(
        turns.windows(2).all(|w| w[0] != w[1]),
        "strict alternation: {turns:?}"
    );
    assert_eq!(
        error_code(&send(&mut room, tick(), "a", &dig(5, 5)), "a"),
        Some(ErrorCode::NoGame),
        "the game is over"
    );
}

#[test]
fn the_game_ends_when_all_gold_is_dug_and_the_most_gold_wins() {
    let (mut room, _) = dig_room();
    let mut finished = None;
    let mut gold = [0u32; 2];
    let mut moves = 0u64;
    for y in 0..6u8 {
        for x in 0..6u8 {
            let seat = (moves % 2) as usize;
            let conn = ["a", "b"][seat];
            let out = send(&mut room, 300 * (moves + 1), conn, &dig(x, y));
            for f in dig_to(&out, "a") {
                match f {
                    Dig::Dug {
                        seat, gold: true, ..
                    } => gold[seat] += 1,
                    Dig::GameOver {
                        winners, scores, ..
                    } => finished = Some((winners, scores)),
                    _ => {}
                }
            }
            if error_code(&out, conn).is_none() {
                moves += 1;
            }
        }
    }
    let (winners, scores) = finished.expect("the game ended");
    assert_eq!(gold.iter().sum::<u32>(), 4, "all four gold were dug");
    let best = *gold.iter().max().unwrap();
    let want: Vec<usize> = (0..2).filter(|&s| gold[s] == best).collect();
    assert_eq!(winners, want);
    assert_eq!(
        scores.iter().map(|s| s.gold).collect::<Vec<_>>(),
        gold.to_vec()
    );
}

#[test]
fn a_turn_not_taken_in_time_is_skipped() {
    let (mut room, _) = dig_room();
    let first_ends = TURN + HANDSHAKE;
    assert_eq!(room.next_deadline(), Some(first_ends));
    assert!(room.tick(first_ends - 1).is_empty());
    let out = room.tick(first_ends);
    // The next turn starts on the alarm, with every socket live: exactly TURN.
    assert!(dig_to(&out, "a").contains(&Dig::Turn {
        seat: 1,
        ends_in_ms: TURN,
        skipped: Some(0)
    }));
    // Now it is b's turn, and a is refused.
    assert_eq!(
        error_code(&send(&mut room, first_ends + 1, "a", &dig(0, 0)), "a"),
        Some(ErrorCode::NotYourTurn)
    );
    assert!(
        room.tick(first_ends).is_empty(),
        "a repeated alarm skips nobody else"
    );
}

#[test]
fn a_dig_turn_counts_from_when_its_turn_frame_went_out() {
    use crate::room::Event;
    let (mut room, _) = dig_room();
    // The first turn was decided at 0; storage held its frames until 300.
    let released = room.handle(300, &[], Event::Released);
    assert!(released.reschedule && !released.persist.room);
    assert_eq!(released.next_deadline, Some(300 + TURN + HANDSHAKE));
    // a digs at 1,000: b's turn is decided then, and the room asks to hear when the
    // `turn` frame went out.
    let decided = room.receive_outcome(1_000, "a", &client_text(&dig(0, 0)));
    assert!(decided.report_release);
    assert!(dig_to(&decided.effects, "b").contains(&Dig::Turn {
        seat: 1,
        ends_in_ms: TURN,
        skipped: None
    }));
    // It went out 400 ms later: b's turn ends TURN after that, not after 1,000.
    let released = room.handle(1_400, &[], Event::Released);
    assert_eq!(released.next_deadline, Some(1_400 + TURN));
    assert!(
        room.tick(1_000 + TURN).is_empty(),
        "not over at the decided deadline"
    );
    let late = send(&mut room, 1_400 + TURN - 1, "b", &dig(5, 5));
    assert_eq!(error_code(&late, "b"), None, "b's dig in time counts");
    assert!(dig_to(&late, "a")
        .iter()
        .any(|f| matches!(f, Dig::Dug { seat: 1, .. })));
}

#[test]
fn a_bots_dig_moves_with_its_turn() {
    use crate::room::Event;
    let mut room = new_room("dig-0-0", 5);
    join(&mut room, 0, "a");
    let wait = RoomConfig::default().bot_wait_ms;
    room.tick(wait);
    let _ = room.handle(wait, &[], Event::Released);
    // a digs; the bot's turn is decided with its moment to dig.
    let at = wait + 100;
    let _ = send(&mut room, at, "a", &dig(0, 0));
    let bots_moment = room.next_deadline().expect("the bot digs");
    assert!(bots_moment > at && bots_moment < at + TURN);
    let _ = room.handle(at + 250, &[], Event::Released);
    assert_eq!(room.next_deadline(), Some(bots_moment + 250));
}

#[test]
fn frames_of_another_game_are_refused() {
    let (mut room, _) = dig_room();
    let out = room.receive(1, "a", r#"{"type":"choice","choice":"rock"}"#);
    assert_eq!(error_code(&out, "a"), Some(ErrorCode::WrongGame));
    let mut chat = new_room("chat-0-0", 1);
    join(&mut chat, 0, "c");
    let out = chat.receive(1, "c", r#"{"type":"dig","x":0,"y":0}"#);
    assert_eq!(error_code(&out, "c"), Some(ErrorCode::WrongGame));
    // Malformed, a frame of another game is a bad frame, as anywhere.
    let out = chat.receive(2, "c", r#"{"type":"dig","x":"a","y":0}"#);
    assert_eq!(error_code(&out, "c"), Some(ErrorCode::BadFrame));
    let out = chat.receive(3, "c", r#"{"type":"join"}"#);
    assert_eq!(error_code(&out, "c"), Some(ErrorCode::WrongGame));
}

#[test]
fn chat_broadcasts_presence_history_and_announcements() {
    let mut room = new_room("chat-0-0", 1);
    join(&mut room, 0, "a");
    let out = join(&mut room, 0, "b");
    assert!(chat_to(&out, "a").contains(&Chat::Presence {
        name: "B".into(),
        event: PresenceEvent::Entered,
        online: 2
    }));
    let out = send(
        &mut room,
        5,
        "a",
        &ChatMove::Say {
            text: "你好".into(),
        },
    );
    let said = Wire::Chat(Chat::Said {
        seat: 0,
        name: "A".into(),
        text: "你好".into(),
        at: 5,
    });
    assert_eq!(frames_to(&out, "a"), vec![said.clone()]);
    assert_eq!(frames_to(&out, "b"), vec![said]);
    // A newcomer gets the history.
    let out = join(&mut room, 6, "c");
    assert!(chat_to(&out, "c").iter().any(|f| matches!(f, Chat::History { messages } if messages.len() == 1 && messages[0].text == "你好")));
    // The server speaks on its own, on the timer.
    assert_eq!(room.next_deadline(), Some(ANNOUNCE));
    let out = room.tick(ANNOUNCE);
    for c in ["a", "b", "c"] {
        assert!(chat_to(&out, c)
            .iter()
            .any(|f| matches!(f, Chat::Announcement { at, .. } if *at == ANNOUNCE)));
    }
    assert_eq!(room.next_deadline(), Some(2 * ANNOUNCE));
    // Leaving is announced too.
    let out = room.receive(ANNOUNCE + 1, "b", r#"{"type":"leave"}"#);
    assert!(chat_to(&out, "a").contains(&Chat::Presence {
        name: "B".into(),
        event: PresenceEvent::Left,
        online: 2
    }));
}

#[test]
fn chat_messages_are_bounded() {
    let mut room = new_room("chat-0-0", 1);
    join(&mut room, 0, "a");
    let long = "字".repeat(201);
    let out = send(&mut room, 1, "a", &ChatMove::Say { text: long });
    assert_eq!(error_code(&out, "a"), Some(ErrorCode::BadValue));
    let out = send(&mut room, 1, "a", &ChatMove::Say { text: "  ".into() });
    assert_eq!(error_code(&out, "a"), Some(ErrorCode::BadValue));
}

#[test]
fn a_spectator_sees_what_players_see_and_never_a_hand_before_the_result() {
    let mut room = new_room("rps-0-0", 3);
    join(&mut room, 0, "a");
    join(&mut room, 0, "b");
    let welcome = room.watch(10, "eye");
    assert!(matches!(
        &shared_to(&welcome, "eye")[0],
        Shared::Watching { game, size: 2, .. } if game == "rps"
    ));
    let mut seen = Vec::new();
    seen.extend(room.receive(100, "a", r#"{"type":"choice","choice":"rock"}"#));
    seen.extend(room.receive(200, "b", r#"{"type":"choice","choice":"paper"}"#));
    let before_result = texts_to(&seen, "eye");
    assert!(frames_to(&seen, "eye")
        .iter()
        .all(|f| matches!(f, Wire::Rps(Rps::Movement { .. }))));
    assert!(!before_result.contains("rock") && !before_result.contains("paper"));
    // The round began with b's join, so it runs the handshake allowance longer.
    let config = RoomConfig::default();
    let out = room.tick(config.round_ms + config.handshake_ms);
    assert!(rps_to(&out, "eye")
        .iter()
        .any(|f| matches!(f, Rps::Result { .. })));
    // Spectators cannot play.
    let out = room.receive(6_000, "eye", r#"{"type":"join"}"#);
    assert_eq!(error_code(&out, "eye"), Some(ErrorCode::Spectating));
    assert_eq!(room.free_seats(), 0);
    // Leaving is clean.
    let out = room.receive(6_001, "eye", r#"{"type":"leave"}"#);
    assert!(out
        .iter()
        .any(|e| matches!(e, Effect::Close { conn, .. } if conn == "eye")));
    assert!(room.spectators().is_empty());
}

#[test]
fn a_spectator_joining_mid_game_gets_the_public_board_only() {
    let (mut room, _) = dig_room();
    send(&mut room, 1, "a", &dig(0, 0));
    let out = room.watch(2, "eye");
    let (rows, _, turn) = last_board(&out, "eye").expect("the board");
    assert_eq!(turn, Some(1));
    let undug = rows.iter().map(|r| r.matches('.').count()).sum::<usize>();
    assert!(undug < 36, "the dug cells are shown");
    let json = texts_to(&out, "eye");
    assert!(
        !json.contains("\"gold\":true") || rows.iter().any(|r| r.contains('$')),
        "only dug gold"
    );
}

// ---- no sequence of events breaks a game's promises ----

mod properties {
    use super::*;
    use crate::games::chat::HISTORY;
    use proptest::prelude::*;

    /// What players do to a room, at random.
    #[derive(Debug, Clone)]
    enum Step {
        Connect(u8),
        Text(u8, String),
        Close(u8),
        Wait(u64),
    }

    fn steps(
        frame: impl Strategy<Value = String> + Clone,
        max: usize,
    ) -> impl Strategy<Value = Vec<Step>> {
        let player = 0u8..4;
        let step = prop_oneof![
            2 => player.clone().prop_map(Step::Connect),
            8 => (player.clone(), frame).prop_map(|(p, f)| Step::Text(p, f)),
            1 => player.prop_map(Step::Close),
            2 => (0u64..20_000).prop_map(Step::Wait),
        ];
        prop::collection::vec(step, 1..max)
    }

    /// Runs `steps` on `room` (a spectator "eye" watching from the start) and hands
    /// every outcome's effects to `check`, with the room after it.
    fn run(
        room: &mut Room,
        steps: Vec<Step>,
        mut check: impl FnMut(&Room, &[Effect]) -> Result<(), TestCaseError>,
    ) -> Result<(), TestCaseError> {
        let mut now = 0;
        let first = room.watch(now, "eye");
        check(room, &first)?;
        for step in steps {
            now += 150; // a human pace: the rate limit is not what this tests
            let out = match step {
                Step::Connect(p) => {
                    let profile = Profile {
                        name: format!("P{p}"),
                        avatar: String::new(),
                    };
                    let conn = format!("p{p}-{now}");
                    room.arrive(now, &conn, &format!("guest:{p}"), profile)
                }
                Step::Text(p, text) => {
                    let conns = room.connections();
                    match conns.iter().find(|c| c.starts_with(&format!("p{p}-"))) {
                        Some(conn) => room.receive(now, conn, &text),
                        None => Vec::new(),
                    }
                }
                Step::Close(p) => {
                    let conns = room.connections();
                    match conns.iter().find(|c| c.starts_with(&format!("p{p}-"))) {
                        Some(conn) => room.disconnect(now, conn),
                        None => Vec::new(),
                    }
                }
                Step::Wait(ms) => {
                    now += ms;
                    room.tick(now)
                }
            };
            check(room, &out)?;
        }
        Ok(())
    }

    fn dig_frame() -> impl Strategy<Value = String> + Clone {
        prop_oneof![
            8 => (0u8..7, 0u8..7).prop_map(|(x, y)| client_text(&dig(x, y))),
            1 => Just(r#"{"type":"join"}"#.to_string()),
            1 => Just(r#"{"type":"leave"}"#.to_string()),
            1 => Just(r#"{"type":"dig","x":1}"#.to_string()),
        ]
    }

    fn chat_frame() -> impl Strategy<Value = String> + Clone {
        prop_oneof![
            12 => "[a-z 好]{0,12}".prop_map(|text| client_text(&ChatMove::Say { text })),
            1 => Just(client_text(&ChatMove::Say { text: "x".repeat(201) })),
            1 => Just(r#"{"type":"leave"}"#.to_string()),
            1 => Just(r#"{"type":"join"}"#.to_string()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        // Dig gold: the board shown is only ever the dug cells (hidden gold is never
        // sent, to players or spectators), a flood never opens gold, and only the seat
        // whose turn it is digs, turns passing strictly in seat order.
        #[test]
        fn dig_never_shows_hidden_gold_and_keeps_strict_turns(steps in steps(dig_frame(), 120)) {
            let mut room = new_room("dig-0-0", 5);
            let mut revealed = std::collections::BTreeSet::new();
            let mut turn: Option<usize> = None;
            let mut dug_by: Option<usize> = None;
            run(&mut room, steps, |room, out| {
                for frame in dig_to(out, "eye") {
                    match frame {
                        Dig::Board { rows, turn: now, .. } => {
                            if rows.iter().all(|r| r.chars().all(|c| c == '.')) {
                                revealed.clear(); // a new game
                                dug_by = None;
                            }
                            for (y, row) in rows.iter().enumerate() {
                                for (x, c) in row.chars().enumerate() {
                                    prop_assert!(c == '.' || revealed.contains(&(x as u8, y as u8)),
                                        "({}, {}) shown as {:?} before anyone dug it", x, y, c);
                                }
                            }
                            turn = now;
                        }
                        Dig::Dug { seat, x, y, revealed: cells, .. } => {
                            prop_assert_eq!(Some(seat), turn, "a seat dug out of turn");
                            dug_by = Some(seat);
                            for cell in &cells {
                                prop_assert!(!cell.gold || (cell.x, cell.y) == (x, y), "a flood opened gold");
                                revealed.insert((cell.x, cell.y));
                            }
                        }
                        Dig::Turn { seat, .. } => {
                            // After a dig the turn passes on, while two people play.
                            if let Some(digger) = dug_by.take() {
                                prop_assert!(seat != digger || room.players().len() < 2,
                                    "seat {} dug and kept the turn", digger);
                            }
                            turn = Some(seat);
                        }
                        Dig::GameOver { .. } => {
                            turn = None;
                            dug_by = None; // the next game's first turn may be anyone's
                        }
                    }
                }
                Ok(())
            })?;
        }

        // Chat: everyone seated hears every message (the sender too), presence counts
        // the people in the room, and a newcomer gets the last messages, never more than
        // the history holds.
        #[test]
        fn chat_reaches_everyone_and_keeps_its_history_bounded(steps in steps(chat_frame(), 300)) {
            let mut room = new_room("chat-0-0", 5);
            let mut said = 0;
            run(&mut room, steps, |room, out| {
                let seated = room.connections();
                let mut last_presence = None;
                for effect in out {
                    let Effect::Send { to, frame } = effect else { continue };
                    match crate::testkit::wire(frame) {
                        // A broadcast (the spectator hears it; a replay to a resumed
                            // seat goes to that seat alone).
                        Wire::Chat(Chat::Said { .. }) if to.iter().any(|c| c == "eye") => {
                            for conn in &seated {
                                prop_assert!(to.contains(conn), "{} missed a message", conn);
                            }
                            said += 1;
                        }
                        Wire::Chat(Chat::History { messages }) => {
                            prop_assert_eq!(messages.len(), said.min(HISTORY), "the last messages, no more");
                        }
                        Wire::Chat(Chat::Presence { online, .. }) => last_presence = Some(online),
                        _ => {}
                    }
                }
                // (One event may release several seats, each announced in turn.)
                if let Some(online) = last_presence {
                    prop_assert_eq!(online, room.players().len(), "presence counts the people here");
                }
                Ok(())
            })?;
        }
    }
}

// ---- a dig-gold bot for the lonely, playing from the public board only ----

/// The board as a spectator knows it from `board` and `dug` frames alone.
#[derive(Default)]
struct SeenBoard {
    rows: Vec<Vec<char>>,
    gold_left: u32,
    game: u64,
}

impl SeenBoard {
    fn see(&mut self, frame: &Dig) {
        match frame {
            Dig::Board {
                game,
                rows,
                gold_left,
                ..
            } => {
                self.rows = rows.iter().map(|r| r.chars().collect()).collect();
                self.gold_left = *gold_left;
                self.game = *game;
            }
            Dig::Dug {
                revealed,
                gold_left,
                ..
            } => {
                for cell in revealed {
                    self.rows[usize::from(cell.y)][usize::from(cell.x)] = match cell.gold {
                        true => '$',
                        false => char::from(b'0' + cell.n),
                    };
                }
                self.gold_left = *gold_left;
            }
            _ => {}
        }
    }

    fn public(&self) -> crate::games::dig::PublicBoard {
        crate::games::dig::PublicBoard {
            rows: self.rows.iter().map(|r| r.iter().collect()).collect(),
            gold_left: self.gold_left,
        }
    }
}

#[test]
fn a_lone_dig_player_plays_a_bot_that_digs_from_the_public_board_only() {
    let mut room = new_room("dig-0-0", 77);
    join(&mut room, 0, "a");
    room.watch(1, "eye");
    let wait = RoomConfig::default().bot_wait_ms;
    assert_eq!(
        room.next_deadline(),
        Some(wait),
        "a bot after the usual wait"
    );
    let mut seen = SeenBoard::default();
    let mut out = room.tick(wait);
    let mut now = wait;
    let (mut bot_digs, mut my_digs, mut over) = (0, 0, None);
    for _ in 0..200 {
        for frame in dig_to(&out, "eye") {
            if let Dig::Dug { seat: 1, x, y, .. } = frame {
                // Before this dig the bot saw what the spectator saw: its move is the one
                // the public board gives.
                let dug = seen.rows.iter().flatten().filter(|c| **c != '.').count();
                let expected = crate::games::dig::bot_pick(&seen.public(), seen.game, dug);
                assert_eq!(
                    expected,
                    Some((x, y)),
                    "the bot's move follows from the public board"
                );
                bot_digs += 1;
            }
            if let Dig::GameOver {
                winners, scores, ..
            } = &frame
            {
                over = Some((winners.clone(), scores.clone()));
            }
            seen.see(&frame);
        }
        if over.is_some() {
            break;
        }
        // My turn: the first undug cell; otherwise let time pass to the bot's move.
        let my_turn = dig_to(&out, "eye").iter().rev().find_map(|f| match f {
            Dig::Turn { seat, .. } => Some(*seat),
            Dig::Board { turn, .. } => *turn,
            _ => None,
        });
        now += 100;
        out = match my_turn {
            Some(0) => {
                let at = seen
                    .rows
                    .iter()
                    .flatten()
                    .position(|c| *c == '.')
                    .expect("an undug cell");
                my_digs += 1;
                send(&mut room, now, "a", &dig((at % 6) as u8, (at / 6) as u8))
            }
            _ => {
                now = room.next_deadline().expect("the bot's move is due");
                room.tick(now)
            }
        };
    }
    let (winners, scores) = over.expect("the game ended");
    assert!(
        bot_digs > 0 && my_digs > 0,
        "both dug: bot {bot_digs}, me {my_digs}"
    );
    assert_eq!(
        scores.iter().map(|s| s.gold).sum::<u32>(),
        4,
        "all the gold was found"
    );
    assert!(!winners.is_empty());
}

#[test]
fn the_bot_cannot_tell_two_boards_that_look_the_same() {
    use crate::games::dig::{bot_pick, PublicBoard};
    // Two hidden boards that differ only where nothing is dug look the same to players;
    // bot_pick is only ever given that view, so it picks the same cell for both. A view
    // with a revealed 1 whose one undug neighbour must be gold makes the bot go there.
    let view = PublicBoard {
        rows: vec!["1...".into(), "1...".into(), "00..".into(), "00..".into()],
        gold_left: 2,
    };
    let pick = bot_pick(&view, 1, 6);
    assert_eq!(pick, bot_pick(&view, 1, 6), "a function of the view");
    assert!(
        matches!(pick, Some((1, 0)) | Some((1, 1))),
        "next to the numbers: {pick:?}"
    );
    // A number whose gold is all found rules its neighbours out.
    let done = PublicBoard {
        rows: vec!["$1..".into(), "11..".into(), "....".into(), "....".into()],
        gold_left: 1,
    };
    let pick = bot_pick(&done, 1, 4).unwrap();
    assert!(
        pick != (2, 0) && pick != (2, 1),
        "{pick:?} is next to a finished 1"
    );
    assert_eq!(
        bot_pick(
            &PublicBoard {
                rows: vec!["$1".into()],
                gold_left: 0
            },
            1,
            2
        ),
        None
    );
}
