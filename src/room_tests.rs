//! Rules of a room, on a virtual clock: time is whatever the test says it is.

use crate::config::RoomConfig;
use crate::protocol::{
    Choice, CloseCode, ErrorCode, MovementKind, RoomPhase, SeatResult, ServerFrame,
};
use crate::room::{Effect, Profile, Room, RoomFull};

const ROUND: u64 = 3_000;
const BOT_WAIT: u64 = 1_000;

fn config(size: usize) -> RoomConfig {
    RoomConfig {
        size,
        round_ms: ROUND,
        bot_wait_ms: BOT_WAIT,
    }
}

fn profile(name: &str) -> Profile {
    Profile {
        name: name.into(),
        avatar: String::new(),
    }
}

/// Frames among `effects` addressed to `conn`, in order.
fn frames_to(effects: &[Effect], conn: &str) -> Vec<ServerFrame> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send { to, frame } if to.iter().any(|c| c == conn) => Some(frame.clone()),
            _ => None,
        })
        .collect()
}

fn results(effects: &[Effect], conn: &str) -> Vec<(u64, Vec<SeatResult>)> {
    frames_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            ServerFrame::Result { round, seats } => Some((round, seats)),
            _ => None,
        })
        .collect()
}

fn starts(effects: &[Effect], conn: &str) -> usize {
    frames_to(effects, conn)
        .iter()
        .filter(|f| matches!(f, ServerFrame::Start { .. }))
        .count()
}

fn choose(room: &mut Room, now: u64, conn: &str, choice: &str) -> Vec<Effect> {
    room.receive(
        now,
        conn,
        &format!(r#"{{"type":"choice","choice":"{choice}"}}"#),
    )
}

/// A room of `size` with `size` people already seated at t=0 (so round 1 is running).
fn full_room(size: usize) -> (Room, Vec<String>, Vec<Effect>) {
    let mut room = Room::new("rps-0", config(size), 7);
    let conns: Vec<String> = (0..size).map(|i| format!("c{i}")).collect();
    let mut log = Vec::new();
    for c in &conns {
        log.extend(room.connect(0, c.clone(), profile(c), 1).unwrap());
    }
    (room, conns, log)
}

#[test]
fn a_full_room_starts_a_round_for_everyone() {
    let (room, conns, log) = full_room(2);
    for c in &conns {
        assert_eq!(starts(&log, c), 1, "{c} got start");
    }
    let start = frames_to(&log, "c0")
        .into_iter()
        .find(|f| matches!(f, ServerFrame::Start { .. }))
        .unwrap();
    let ServerFrame::Start {
        round,
        round_ms,
        seats,
        ..
    } = start
    else {
        unreachable!()
    };
    assert_eq!((round, round_ms), (1, ROUND));
    assert_eq!(
        seats.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["c0", "c1"]
    );
    assert_eq!(room.next_deadline(), Some(ROUND));
}

#[test]
fn the_first_player_is_welcomed_with_seat_and_room() {
    let mut room = Room::new("rps-9", config(2), 1);
    let out = room.connect(5, "a".into(), profile("a"), 42).unwrap();
    assert_eq!(
        frames_to(&out, "a")[0],
        ServerFrame::Hi {
            room: "rps-9".into(),
            seat: 0,
            size: 2,
            online: 42,
            round_ms: ROUND
        }
    );
}

#[test]
fn a_full_room_refuses_another_connection() {
    let (mut room, _, _) = full_room(2);
    assert_eq!(
        room.connect(1, "late".into(), profile("late"), 1),
        Err(RoomFull)
    );
}

#[test]
fn round_settles_at_the_deadline_by_the_rule() {
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 100, "c0", "rock");
    choose(&mut room, 200, "c1", "paper");
    choose(&mut room, 300, "c0", "scissors"); // changed its mind: scissors beats paper
    assert!(
        room.tick(ROUND - 1).is_empty(),
        "nothing is due before the deadline"
    );
    let out = room.tick(ROUND);
    let res = results(&out, "c1");
    assert_eq!(res.len(), 1);
    let (round, seats) = &res[0];
    assert_eq!(*round, 1);
    assert_eq!(seats[0].choice, Some(Choice::Scissors));
    assert_eq!(
        (
            seats[0].base,
            seats[0].score,
            seats[0].total,
            seats[0].streak
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        (
            seats[1].base,
            seats[1].score,
            seats[1].total,
            seats[1].streak
        ),
        (-1, 0, 0, 0)
    );
    assert_eq!(results(&out, "c0"), res, "both players see the same result");
}

#[test]
fn a_retried_alarm_never_settles_twice() {
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 100, "c0", "rock");
    let first = room.tick(ROUND);
    assert_eq!(results(&first, "c0").len(), 1);
    for late in [ROUND, ROUND + 1, ROUND + 2_000] {
        assert!(
            room.tick(late).is_empty(),
            "duplicate alarm at {late} did something"
        );
    }
    assert_eq!(room.next_deadline(), None);
}

#[test]
fn choices_reset_every_round_and_streaks_carry() {
    let (mut room, conns, _) = full_room(2);
    choose(&mut room, 100, "c0", "paper");
    choose(&mut room, 100, "c1", "rock");
    room.tick(ROUND);
    let mut log = Vec::new();
    for c in &conns {
        log.extend(room.receive(ROUND + 10, c, r#"{"type":"join"}"#));
    }
    assert_eq!(starts(&log, "c0"), 1, "round 2 starts when both joined");
    let deadline = room.next_deadline().unwrap();
    assert_eq!(deadline, ROUND + 10 + ROUND);
    // Round 2: c0 chooses again and wins again; c1 chooses nothing.
    choose(&mut room, deadline - 5, "c0", "rock");
    let out = room.tick(deadline);
    let (_, seats) = &results(&out, "c0")[0];
    assert_eq!(
        seats[1].choice, None,
        "c1's rock from round 1 was not carried over"
    );
    assert_eq!((seats[0].streak, seats[0].score, seats[0].total), (2, 2, 3));
}

#[test]
fn three_seats_settle_pairwise() {
    let (mut room, _, _) = full_room(3);
    choose(&mut room, 10, "c0", "paper");
    choose(&mut room, 10, "c1", "rock");
    choose(&mut room, 10, "c2", "rock");
    let out = room.tick(ROUND);
    let (_, seats) = &results(&out, "c2")[0];
    let bases: Vec<i32> = seats.iter().map(|s| s.base).collect();
    assert_eq!(bases, [2, -1, -1]);
    assert_eq!(seats[0].score, 2);
}

#[test]
fn movement_reaches_the_others_and_never_names_the_hand() {
    let (mut room, _, _) = full_room(2);
    let out = choose(&mut room, 100, "c0", "rock");
    assert!(frames_to(&out, "c0").is_empty(), "the chooser gets no echo");
    assert_eq!(
        frames_to(&out, "c1"),
        [ServerFrame::Movement {
            seat: 0,
            what: MovementKind::Choice,
            face: None
        }]
    );
    let out = room.receive(200, "c0", r#"{"type":"face","face":"smirk"}"#);
    let text = frames_to(&out, "c1")[0].to_json();
    assert_eq!(
        text,
        r#"{"type":"movement","seat":0,"what":"face","face":"smirk"}"#
    );
    for f in frames_to(&out, "c1") {
        assert!(!f.to_json().contains("rock"));
    }
}

#[test]
fn a_lone_player_gets_a_bot_after_the_wait_and_the_bot_plays() {
    let mut room = Room::new("rps-0", config(2), 99);
    let out = room.connect(0, "solo".into(), profile("solo"), 1).unwrap();
    assert_eq!(starts(&out, "solo"), 0);
    assert_eq!(room.next_deadline(), Some(BOT_WAIT));
    assert!(room.tick(BOT_WAIT - 1).is_empty());

    let out = room.tick(BOT_WAIT);
    assert_eq!(
        starts(&out, "solo"),
        1,
        "the bot fills the room and the round starts"
    );
    assert!(out.contains(&Effect::Capacity {
        free: 0,
        humans: 1,
        version: 1
    }));

    // The bot chooses at a random moment inside the round (10%..80%), visibly.
    let bot_move = room.next_deadline().unwrap();
    assert!((BOT_WAIT + ROUND / 10..=BOT_WAIT + ROUND * 8 / 10).contains(&bot_move));
    let out = room.tick(bot_move);
    assert_eq!(
        frames_to(&out, "solo"),
        [ServerFrame::Movement {
            seat: 1,
            what: MovementKind::Choice,
            face: None
        }]
    );
    let out = room.tick(BOT_WAIT + ROUND);
    let (_, seats) = &results(&out, "solo")[0];
    assert!(
        seats[1].choice.is_some(),
        "the bot's hand is revealed in the result"
    );
    // The bot is ready again at once; the person starts round 2 with `join`.
    let out = room.receive(BOT_WAIT + ROUND + 1, "solo", r#"{"type":"join"}"#);
    assert_eq!(starts(&out, "solo"), 1);
}

#[test]
fn bot_moments_vary_with_the_seed_and_repeat_with_it() {
    let moment = |seed| {
        let mut room = Room::new("r", config(2), seed);
        room.connect(0, "a".into(), profile("a"), 1).unwrap();
        room.tick(BOT_WAIT);
        room.next_deadline().unwrap()
    };
    assert_eq!(moment(5), moment(5));
    let distinct: std::collections::HashSet<u64> = (0..20).map(moment).collect();
    assert!(
        distinct.len() > 5,
        "bots should not all move at the same moment"
    );
}

#[test]
fn a_room_of_three_gets_bots_for_the_seats_still_free() {
    let mut room = Room::new("r", config(3), 3);
    room.connect(0, "a".into(), profile("a"), 1).unwrap();
    room.connect(500, "b".into(), profile("b"), 2).unwrap();
    // The wait restarts with each arrival.
    assert_eq!(room.next_deadline(), Some(500 + BOT_WAIT));
    let out = room.tick(500 + BOT_WAIT);
    assert_eq!(starts(&out, "a"), 1);
    assert_eq!(room.free_seats(), 0);
}

#[test]
fn leaving_mid_round_forfeits_and_frees_the_seat_after_the_result() {
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 10, "c1", "rock");
    let out = room.receive(20, "c0", r#"{"type":"leave"}"#);
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::Normal
    }));
    assert_eq!(
        room.free_seats(),
        0,
        "the seat stays in the round until it settles"
    );
    let out = room.tick(ROUND);
    let (_, seats) = &results(&out, "c1")[0];
    assert_eq!((seats[0].choice, seats[0].base), (None, -1));
    assert_eq!((seats[1].base, seats[1].total), (1, 1));
    assert_eq!(room.free_seats(), 1);
    assert!(out
        .iter()
        .any(|e| matches!(e, Effect::Capacity { free: 1, .. })));
    // And the one left behind gets a bot after the usual wait.
    assert_eq!(room.next_deadline(), Some(ROUND + BOT_WAIT));
}

#[test]
fn leaving_between_rounds_frees_the_seat_at_once() {
    let (mut room, _, _) = full_room(2);
    room.tick(ROUND);
    let out = room.disconnect(ROUND + 5, "c1");
    assert_eq!(room.free_seats(), 1);
    assert!(out
        .iter()
        .any(|e| matches!(e, Effect::Capacity { free: 1, .. })));
    let room_frame = frames_to(&out, "c0").into_iter().find_map(|f| match f {
        ServerFrame::Room { phase, seats } => Some((phase, seats.len())),
        _ => None,
    });
    assert_eq!(room_frame, Some((RoomPhase::Waiting, 1)));
}

#[test]
fn the_last_person_leaving_empties_the_room_of_bots() {
    let mut room = Room::new("r", config(2), 4);
    room.connect(0, "a".into(), profile("a"), 1).unwrap();
    room.tick(BOT_WAIT);
    let out = room.disconnect(BOT_WAIT + 10, "a");
    assert_eq!(room.free_seats(), 2);
    assert_eq!(
        room.next_deadline(),
        None,
        "no timers left in an empty room"
    );
    assert!(out
        .iter()
        .any(|e| matches!(e, Effect::Capacity { free: 2, .. })));
    // The room can be used again.
    room.connect(BOT_WAIT + 20, "b".into(), profile("b"), 1)
        .unwrap();
    assert_eq!(room.free_seats(), 1);
}

#[test]
fn bad_input_gets_an_error_frame_and_the_round_goes_on() {
    let (mut room, _, _) = full_room(2);
    let cases = [
        ("garbage", ErrorCode::BadFrame),
        (r#"{"type":"nuke"}"#, ErrorCode::UnknownType),
        (
            r#"{"type":"choice","choice":"rock","seat":1}"#,
            ErrorCode::BadFrame,
        ),
        (r#"{"type":"join"}"#, ErrorCode::RoundInProgress),
    ];
    for (text, code) in cases {
        let out = room.receive(50, "c0", text);
        match frames_to(&out, "c0").as_slice() {
            [ServerFrame::Error { code: got, .. }] => assert_eq!(*got, code, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert_eq!(
        frames_to(&room.receive_binary("c0"), "c0").len(),
        1,
        "binary frames are answered"
    );
    choose(&mut room, 60, "c0", "rock");
    let out = room.tick(ROUND);
    assert_eq!(results(&out, "c1")[0].1[0].choice, Some(Choice::Rock));
}

#[test]
fn a_choice_after_the_deadline_is_refused() {
    let (mut room, _, _) = full_room(2);
    let out = choose(&mut room, ROUND, "c0", "rock");
    assert!(matches!(
        frames_to(&out, "c0")[..],
        [ServerFrame::Error {
            code: ErrorCode::NotInRound,
            ..
        }]
    ));
}

#[test]
fn an_oversize_frame_closes_with_1009_and_frees_the_seat() {
    let (mut room, _, _) = full_room(2);
    room.tick(ROUND);
    let big = format!(r#"{{"type":"hello","name":"{}"}}"#, "x".repeat(5000));
    let out = room.receive(ROUND + 1, "c0", &big);
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::TooBig
    }));
    assert_eq!(room.free_seats(), 1);
}

#[test]
fn frames_from_an_unknown_connection_are_answered() {
    let (mut room, _, _) = full_room(2);
    let out = room.receive(1, "stranger", r#"{"type":"join"}"#);
    assert!(matches!(
        frames_to(&out, "stranger")[..],
        [ServerFrame::Error {
            code: ErrorCode::NotSeated,
            ..
        }]
    ));
}

#[test]
fn the_room_survives_a_round_trip_through_storage() {
    // The shell persists the room as JSON after every event and reloads it after
    // hibernation; the reloaded room must behave exactly like the original.
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 10, "c0", "paper");
    let json = serde_json::to_string(&room).unwrap();
    let mut reloaded: Room = serde_json::from_str(&json).unwrap();
    assert_eq!(reloaded, room);
    assert_eq!(reloaded.tick(ROUND), room.tick(ROUND));
}
