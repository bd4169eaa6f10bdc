//! Rules of a room, on a virtual clock: time is whatever the test says it is.

use crate::config::{Durability, RoomConfig, MOVES_STORED_WITHIN_MS};
use crate::effects::{alarm_to_set, Effect};
use crate::games::rps::{Choice, MovementKind, SeatResult, ServerFrame as Rps};
use crate::games::Settings;
use crate::protocol::{CloseCode, ErrorCode, RoomPhase, SharedServerFrame as Shared};
use crate::room::{Event, Room, IDLE_SWEEP_MS, RECORD_RETRY_MS};
use crate::seats::Profile;
use crate::testkit::{
    default_settings, frames_to, rps_to, shared_to, token_in, Drive, RoomFull, Wire,
};

const ROUND: u64 = 3_000;
const BOT_WAIT: u64 = 1_000;

const HEARTBEAT: u64 = 10_000;
const GRACE: u64 = 5_000;

fn config() -> RoomConfig {
    RoomConfig {
        round_ms: ROUND,
        bot_wait_ms: BOT_WAIT,
        heartbeat_timeout_ms: HEARTBEAT,
        resume_grace_ms: GRACE,
        // Records go out the moment a round settles; batching has tests of its own.
        stats_flush_ms: 0,
        // Rounds are exactly ROUND long; the allowance has a test of its own.
        handshake_ms: 0,
        // Every move stored, the default; keeping them in memory has tests of its own.
        durability: Default::default(),
    }
}

/// Rock-paper-scissors rooms of `size` seats.
fn settings(size: usize) -> Settings {
    let mut settings = default_settings();
    settings.rps.size = size;
    settings
}

/// A rock-paper-scissors room of `size` seats called `name`.
fn new_room(name: &str, config: RoomConfig, size: usize, seed: u64) -> Room {
    crate::testkit::room(name, config, &settings(size), seed)
}

/// Every test player's identity is derived from the name of their first connection.
fn player(conn: &str) -> String {
    format!("guest:{conn}")
}

/// The resume token `conn`'s player gets for a seat in `rps-0`.
fn token(conn: &str) -> String {
    token_in("rps-0", &player(conn))
}

/// Seats `conn` in `room` at `now`.
fn join(room: &mut Room, now: u64, conn: &str) -> Vec<Effect> {
    room.connect(now, conn, &player(conn), profile(conn), 1)
        .expect("a free seat")
}

fn profile(name: &str) -> Profile {
    Profile {
        name: name.into(),
        avatar: String::new(),
    }
}

/// Lets time pass to `now` as the shell does when the stats shards are up: every round
/// record the room hands out is delivered and confirmed at once.
fn tick(room: &mut Room, now: u64) -> Vec<Effect> {
    let out = room.tick(now);
    for record in records(&out) {
        room.recorded(now, &record.round_id);
    }
    out
}

/// [`tick`], the platform having answered these heartbeats on its own.
fn tick_hearing(room: &mut Room, now: u64, heard: &[(&str, u64)]) -> Vec<Effect> {
    let out = room.tick_hearing(now, heard);
    for record in records(&out) {
        room.recorded(now, &record.round_id);
    }
    out
}

/// `room` written to storage as the shell writes it (one key, JSON, the outbox of
/// records in it) and read back.
fn stored_and_loaded(room: &Room) -> Room {
    let json = serde_json::to_string(room).unwrap();
    assert_eq!(
        json.contains("unrecorded"),
        !room.outbox().is_empty(),
        "the outbox is stored with the room"
    );
    serde_json::from_str::<Room>(&json).unwrap()
}

fn results(effects: &[Effect], conn: &str) -> Vec<(u64, Vec<SeatResult>)> {
    rps_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Rps::Result { round, seats } => Some((round, seats)),
            _ => None,
        })
        .collect()
}

fn starts(effects: &[Effect], conn: &str) -> usize {
    start_lengths(effects, conn).len()
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
    let mut room = new_room("rps-0", config(), size, 7);
    let conns: Vec<String> = (0..size).map(|i| format!("c{i}")).collect();
    let mut log = Vec::new();
    for c in &conns {
        log.extend(join(&mut room, 0, c));
    }
    (room, conns, log)
}

#[test]
fn a_full_room_starts_a_round_for_everyone() {
    let (room, conns, log) = full_room(2);
    for c in &conns {
        assert_eq!(starts(&log, c), 1, "{c} got start");
    }
    let start = rps_to(&log, "c0")
        .into_iter()
        .find(|f| matches!(f, Rps::Start { .. }))
        .unwrap();
    let Rps::Start {
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
    let mut room = new_room("rps-9", config(), 2, 1);
    let out = room
        .connect(5, "a", &player("a"), profile("a"), 42)
        .unwrap();
    assert_eq!(
        shared_to(&out, "a")[0],
        Shared::Hi {
            room: "rps-9".into(),
            seat: 0,
            size: 2,
            online: 42,
            round_ms: ROUND,
            resume: token_in("rps-9", &player("a")),
            resumed: false,
        }
    );
}

#[test]
fn a_full_room_refuses_another_connection() {
    let (mut room, _, _) = full_room(2);
    assert_eq!(
        room.connect(1, "late", &player("late"), profile("late"), 1),
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
        tick(&mut room, ROUND - 1).is_empty(),
        "nothing is due before the deadline"
    );
    let out = tick(&mut room, ROUND);
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
    let first = tick(&mut room, ROUND);
    assert_eq!(results(&first, "c0").len(), 1);
    for late in [ROUND, ROUND + 1, ROUND + 2_000] {
        assert!(
            tick(&mut room, late).is_empty(),
            "duplicate alarm at {late} did something"
        );
    }
    // What is left to wake up for is the idle sweep of the two connections: nobody
    // is ready for another round, so nobody waits on them.
    assert_eq!(room.next_deadline(), Some(IDLE_SWEEP_MS));
}

#[test]
fn choices_reset_every_round_and_streaks_carry() {
    let (mut room, conns, _) = full_room(2);
    choose(&mut room, 100, "c0", "paper");
    choose(&mut room, 100, "c1", "rock");
    tick(&mut room, ROUND);
    let mut log = Vec::new();
    for c in &conns {
        log.extend(room.receive(ROUND + 10, c, r#"{"type":"join"}"#));
    }
    assert_eq!(starts(&log, "c0"), 1, "round 2 starts when both joined");
    let deadline = room.next_deadline().unwrap();
    assert_eq!(deadline, ROUND + 10 + ROUND);
    // Round 2: c0 chooses again and wins again; c1 chooses nothing.
    choose(&mut room, deadline - 5, "c0", "rock");
    let out = tick(&mut room, deadline);
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
    let out = tick(&mut room, ROUND);
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
        [Wire::Rps(Rps::Movement {
            seat: 0,
            what: MovementKind::Choice,
            face: None
        })]
    );
    let out = room.receive(200, "c0", r#"{"type":"face","face":"smirk"}"#);
    let texts: Vec<&str> = out
        .iter()
        .filter_map(|e| match e {
            Effect::Send { frame, .. } => Some(frame.text()),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [r#"{"type":"movement","seat":0,"what":"face","face":"smirk"}"#]
    );
}

/// The last capacity report among `out`, if any.
fn last_capacity(out: &[Effect]) -> Option<Effect> {
    out.iter()
        .rev()
        .find(|e| matches!(e, Effect::Capacity { .. }))
        .cloned()
}

#[test]
fn a_room_tells_its_capacity_as_it_last_reported_it() {
    // A matchmaker read back learns its rooms from `Room::capacity`, so it must say
    // what the room's last report said, through arrivals, bots, drops and leaves.
    let mut room = new_room("rps-0-7", config(), 2, 5);
    assert!(matches!(
        room.capacity(),
        Some(Effect::Capacity {
            free: 2,
            humans: 0,
            version: 0,
            ..
        })
    ));
    let mut reports = 0;
    let mut check = |room: &Room, out: Vec<Effect>| {
        if let Some(report) = last_capacity(&out) {
            reports += 1;
            assert_eq!(room.capacity(), Some(report));
        }
    };
    let out = join(&mut room, 0, "a");
    check(&room, out);
    let out = tick(&mut room, BOT_WAIT);
    check(&room, out);
    let out = join(&mut room, BOT_WAIT + 10, "b");
    check(&room, out);
    let out = room.disconnect(BOT_WAIT + 20, "a");
    check(&room, out);
    let out = tick(&mut room, BOT_WAIT + 20 + GRACE);
    check(&room, out);
    assert!(
        reports >= 3,
        "arrival, bot and drop each report ({reports})"
    );
    // A private room has no matchmaker to tell.
    let (private, _) = private_room(false);
    assert_eq!(private.capacity(), None);
}

#[test]
fn a_lone_player_gets_a_bot_after_the_wait_and_the_bot_plays() {
    let mut room = new_room("rps-0", config(), 2, 99);
    let out = join(&mut room, 0, "solo");
    assert_eq!(starts(&out, "solo"), 0);
    assert_eq!(room.next_deadline(), Some(BOT_WAIT));
    assert!(tick(&mut room, BOT_WAIT - 1).is_empty());

    let out = tick(&mut room, BOT_WAIT);
    assert_eq!(
        starts(&out, "solo"),
        1,
        "the bot fills the room and the round starts"
    );
    assert!(out.contains(&Effect::Capacity {
        free: 0,
        humans: 1,
        away: 0,
        bots: 1,
        version: 1,
        players: vec![player("solo")],
    }));

    // The bot chooses at a random moment inside the round (10%..80%), visibly.
    let bot_move = room.next_deadline().unwrap();
    assert!((BOT_WAIT + ROUND / 10..=BOT_WAIT + ROUND * 8 / 10).contains(&bot_move));
    let out = tick(&mut room, bot_move);
    assert_eq!(
        frames_to(&out, "solo"),
        [Wire::Rps(Rps::Movement {
            seat: 1,
            what: MovementKind::Choice,
            face: None
        })]
    );
    let out = tick(&mut room, BOT_WAIT + ROUND);
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
        let mut room = new_room("rps-r", config(), 2, seed);
        join(&mut room, 0, "a");
        tick(&mut room, BOT_WAIT);
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
    let mut room = new_room("rps-r", config(), 3, 3);
    join(&mut room, 0, "a");
    join(&mut room, 500, "b");
    // The wait restarts with each arrival.
    assert_eq!(room.next_deadline(), Some(500 + BOT_WAIT));
    let out = tick(&mut room, 500 + BOT_WAIT);
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
    let out = tick(&mut room, ROUND);
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
    tick(&mut room, ROUND);
    let out = room.receive(ROUND + 5, "c1", r#"{"type":"leave"}"#);
    assert_eq!(room.free_seats(), 1);
    assert!(out
        .iter()
        .any(|e| matches!(e, Effect::Capacity { free: 1, .. })));
    let room_frame = shared_to(&out, "c0").into_iter().find_map(|f| match f {
        Shared::Room { phase, seats } => Some((phase, seats.len())),
        _ => None,
    });
    assert_eq!(room_frame, Some((RoomPhase::Waiting, 1)));
}

#[test]
fn the_last_person_leaving_empties_the_room_of_bots() {
    let mut room = new_room("rps-r", config(), 2, 4);
    join(&mut room, 0, "a");
    tick(&mut room, BOT_WAIT);
    let out = room.receive(BOT_WAIT + 10, "a", r#"{"type":"leave"}"#);
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
    join(&mut room, BOT_WAIT + 20, "b");
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
            [Wire::Shared(Shared::Error { code: got, .. })] => assert_eq!(*got, code, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
    assert_eq!(
        frames_to(&room.receive_binary(60, "c0"), "c0").len(),
        1,
        "binary frames are answered"
    );
    choose(&mut room, 60, "c0", "rock");
    let out = tick(&mut room, ROUND);
    assert_eq!(results(&out, "c1")[0].1[0].choice, Some(Choice::Rock));
}

#[test]
fn a_hand_counts_until_the_rounds_alarm_settles_it() {
    let (mut room, _, _) = full_room(2);
    // Handled just after the deadline, before the alarm: it reached a busy room in
    // time (the alarm queues behind it), so it counts.
    let out = choose(&mut room, ROUND + 30, "c0", "rock");
    assert!(shared_to(&out, "c0").is_empty(), "accepted: {out:?}");
    let out = tick(&mut room, ROUND + 40);
    assert_eq!(results(&out, "c1")[0].1[0].choice, Some(Choice::Rock));
    // After the alarm settled the round, a hand is refused.
    let out = choose(&mut room, ROUND + 50, "c1", "paper");
    assert!(matches!(
        shared_to(&out, "c1")[..],
        [Shared::Error {
            code: ErrorCode::NotInRound,
            ..
        }]
    ));
    // Should the alarm be very late, any event settles the round first.
    let (mut room, _, _) = full_room(2);
    let late = ROUND + 2_000;
    let out = choose(&mut room, late, "c0", "rock");
    assert_eq!(results(&out, "c0").len(), 1, "time passes first");
    assert!(matches!(
        shared_to(&out, "c0")[..],
        [Shared::Error {
            code: ErrorCode::NotInRound,
            ..
        }]
    ));
}

#[test]
fn an_oversize_frame_closes_with_1009_and_frees_the_seat() {
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND);
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
        [Wire::Shared(Shared::Error {
            code: ErrorCode::NotSeated,
            ..
        })]
    ));
}

#[test]
fn the_room_survives_a_round_trip_through_storage() {
    // The shell persists the room as JSON after every event and reloads it after
    // hibernation; the reloaded room must behave exactly like the original.
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 10, "c0", "paper");
    let mut reloaded = stored_and_loaded(&room);
    assert_eq!(reloaded, room);
    assert_eq!(
        Drive::tick(&mut reloaded, ROUND),
        Drive::tick(&mut room, ROUND)
    );
}

// ---- connection lifecycle: heartbeats, away seats, resume ----

fn room_frames(effects: &[Effect], conn: &str) -> Vec<Vec<crate::protocol::SeatView>> {
    shared_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Shared::Room { seats, .. } => Some(seats),
            _ => None,
        })
        .collect()
}

#[test]
fn a_silent_connection_is_closed_after_the_timeout_and_the_others_learn() {
    let (mut room, _, _) = full_room(2);
    assert_eq!(room.next_deadline(), Some(ROUND));
    // c1's heartbeats were answered by the platform: the room hears of it when it wakes.
    tick_hearing(&mut room, ROUND, &[("c1", HEARTBEAT - 1_000)]);
    // c1 wants another round: now somebody waits on c0.
    room.receive(ROUND + 1, "c1", r#"{"type":"join"}"#);
    assert_eq!(
        room.next_deadline(),
        Some(HEARTBEAT),
        "c0's silence is the next thing due"
    );
    let out = tick(&mut room, HEARTBEAT);
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::HeartbeatTimeout
    }));
    assert!(!out
        .iter()
        .any(|e| matches!(e, Effect::Close { conn, .. } if conn == "c1")));
    let seats = room_frames(&out, "c1").pop().expect("c1 is told");
    assert!(seats[0].away && !seats[1].away);
    assert_eq!(
        room.free_seats(),
        0,
        "the seat is held for the grace window"
    );
}

#[test]
fn any_frame_counts_as_a_heartbeat() {
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND);
    room.receive(ROUND + 1, "c1", r#"{"type":"join"}"#); // somebody waits
    room.receive(HEARTBEAT - 1, "c0", "garbage");
    assert!(tick_hearing(&mut room, HEARTBEAT, &[("c1", HEARTBEAT - 1)]).is_empty());
    assert_eq!(room.next_deadline(), Some(2 * HEARTBEAT - 1));
}

/// The alarm at `now` with these heartbeats heard, as the shell sees it: whether the
/// room is written, and when it wakes next.
fn sweep(room: &mut Room, now: u64, heard: &[(&str, u64)]) -> (bool, Option<u64>, Vec<Effect>) {
    let heard: Vec<(String, u64)> = heard.iter().map(|(c, at)| (c.to_string(), *at)).collect();
    let outcome = room.handle(now, &heard, Event::Alarm);
    (outcome.persist.room, outcome.next_deadline, outcome.effects)
}

#[test]
fn a_sweep_that_finds_everyone_stores_nothing() {
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND); // the round ends; nobody asks for another
    let before = stored_and_loaded(&room);
    let (stored, next, out) = sweep(
        &mut room,
        IDLE_SWEEP_MS,
        &[("c0", IDLE_SWEEP_MS - 5), ("c1", IDLE_SWEEP_MS - 9)],
    );
    assert!(out.is_empty(), "{out:?}");
    assert!(!stored, "only heartbeat times moved: no write");
    assert_eq!(next, Some(2 * IDLE_SWEEP_MS - 9));
    // The room as stored before the sweep, woken later, hears the same heartbeats from
    // the platform and comes to the same view: nothing was lost by not writing.
    let mut reloaded = before;
    let later = 2 * IDLE_SWEEP_MS - 9;
    let heard = [("c0", later - 1), ("c1", later - 2)];
    assert!(sweep(&mut reloaded, later, &heard).2.is_empty());
    assert!(sweep(&mut room, later, &heard).2.is_empty());
    assert_eq!(reloaded.next_deadline(), room.next_deadline());

    // A sweep that finds somebody silent is written, as every change is.
    let (stored, _, out) = sweep(
        &mut room,
        3 * IDLE_SWEEP_MS,
        &[("c1", 3 * IDLE_SWEEP_MS - 1)],
    );
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::HeartbeatTimeout
    }));
    assert!(stored);

    // The usual path: the idle room was evicted (hibernation), so the sweep's alarm
    // first loads it from storage, and the shell tells it which sockets survived. All
    // did, so neither the restart nor the alarm writes anything.
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND);
    let mut woken = stored_and_loaded(&room);
    let heard: Vec<(String, u64)> = vec![
        ("c0".into(), IDLE_SWEEP_MS - 3),
        ("c1".into(), IDLE_SWEEP_MS - 4),
    ];
    let live = vec!["c0".to_string(), "c1".to_string()];
    let restarted = woken.handle(IDLE_SWEEP_MS, &heard, Event::Restarted { live });
    assert!(restarted.effects.is_empty(), "{:?}", restarted.effects);
    assert!(!restarted.persist.room, "every socket survived: no write");
    let (stored, next, out) = sweep(&mut woken, IDLE_SWEEP_MS, &[]);
    assert!(out.is_empty() && !stored);
    assert_eq!(next, Some(2 * IDLE_SWEEP_MS - 4));
    // A socket that did not survive is a change, and is written.
    let mut woken = stored_and_loaded(&room);
    let live = vec!["c1".to_string()];
    let restarted = woken.handle(IDLE_SWEEP_MS, &heard, Event::Restarted { live });
    assert!(restarted.persist.room, "c0's seat is held now");
    // So is a spectator that did not survive, though dropping one sends nothing.
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND);
    assert!(!room.watch(ROUND + 1, "eye").is_empty());
    let mut woken = stored_and_loaded(&room);
    let live = vec!["c0".to_string(), "c1".to_string()];
    let restarted = woken.handle(IDLE_SWEEP_MS, &heard, Event::Restarted { live });
    assert!(restarted.effects.is_empty(), "{:?}", restarted.effects);
    assert!(restarted.persist.room, "the spectator is gone");

    // An alarm for the game's own deadline is written even when it sends nothing new to
    // a silent table: the round's end is the room's business, not a liveness check.
    let (mut room, _, _) = full_room(2);
    let deadline = room.next_deadline().expect("the first round runs");
    let (stored, _, _) = sweep(&mut room, deadline, &[("c0", 1), ("c1", 1)]);
    assert!(stored, "the round's end is stored");
}

#[test]
fn a_room_nobody_waits_in_sleeps_until_the_idle_sweep() {
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND); // the round ends; nobody asks for another
                            // Heartbeats answered by the platform never wake the room; nothing is due until
                            // the sweep, which finds both still there and sleeps on.
    assert_eq!(room.next_deadline(), Some(IDLE_SWEEP_MS));
    let out = tick_hearing(
        &mut room,
        IDLE_SWEEP_MS,
        &[("c0", IDLE_SWEEP_MS - 5), ("c1", IDLE_SWEEP_MS - 9)],
    );
    assert!(out.is_empty(), "{out:?}");
    assert_eq!(room.next_deadline(), Some(2 * IDLE_SWEEP_MS - 9));
    // A silent one found by its sweep goes away as always.
    let out = tick_hearing(
        &mut room,
        2 * IDLE_SWEEP_MS - 9,
        &[("c1", 2 * IDLE_SWEEP_MS - 20)],
    );
    assert!(
        out.is_empty(),
        "c1 was heard; c0's own sweep is not due yet"
    );
    let out = tick_hearing(
        &mut room,
        2 * IDLE_SWEEP_MS - 5,
        &[("c1", 2 * IDLE_SWEEP_MS - 20)],
    );
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::HeartbeatTimeout
    }));
    // Once somebody waits, the timeout holds again: c1 asks for a round long after c0
    // went silent, and c0's silence is due at once.
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND);
    room.receive(HEARTBEAT + 5, "c1", r#"{"type":"join"}"#);
    assert_eq!(room.next_deadline(), Some(HEARTBEAT), "c0, silent since 0");
    let out = tick(&mut room, HEARTBEAT + 6);
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::HeartbeatTimeout
    }));
}

#[test]
fn a_resume_within_the_grace_window_keeps_seat_choice_and_result() {
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 50, "c0", "rock");
    choose(&mut room, 60, "c1", "scissors");
    let out = room.disconnect(100, "c0");
    assert!(room_frames(&out, "c1")[0][0].away);
    // The round settles while c0 is away; its rock still counts.
    let settled = tick(&mut room, ROUND);
    let seen_by_c1 = results(&settled, "c1");
    assert_eq!(seen_by_c1[0].1[0].choice, Some(Choice::Rock));

    let out = room.resume(ROUND + 100, "c0-again", &token("c0"), &player("c0"), 1);
    let frames = frames_to(&out, "c0-again");
    assert!(matches!(
        &frames[0],
        Wire::Shared(Shared::Hi { seat: 0, resumed: true, resume, .. }) if *resume == token("c0")
    ));
    assert_eq!(
        results(&out, "c0-again"),
        seen_by_c1,
        "the missed result is replayed, identical"
    );
    match rps_to(&out, "c0-again")
        .iter()
        .find(|f| matches!(f, Rps::State { .. }))
    {
        Some(Rps::State {
            phase,
            round,
            seats,
            ends_in_ms,
            ..
        }) => {
            assert_eq!((*phase, *round, *ends_in_ms), (RoomPhase::Waiting, 1, None));
            assert_eq!(seats[0].total, 1);
            assert!(!seats[0].away);
        }
        other => panic!("no state frame: {other:?}"),
    }
    assert!(!room_frames(&out, "c1")[0][0].away, "c1 sees c0 back");
    // The resumed connection plays on.
    room.receive(ROUND + 200, "c0-again", r#"{"type":"join"}"#);
    let out = room.receive(ROUND + 300, "c1", r#"{"type":"join"}"#);
    assert_eq!(starts(&out, "c0-again"), 1);
}

#[test]
fn a_resume_mid_round_gets_time_left_and_its_own_choice() {
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 50, "c0", "paper");
    room.disconnect(100, "c0");
    let out = room.resume(1_000, "c0b", &token("c0"), &player("c0"), 1);
    let state = rps_to(&out, "c0b")
        .into_iter()
        .find(|f| matches!(f, Rps::State { .. }));
    assert!(matches!(
        state,
        Some(Rps::State {
            phase: RoomPhase::Playing,
            ends_in_ms: Some(2_000),
            choice: Some(Choice::Paper),
            ..
        })
    ));
}

#[test]
fn after_the_grace_window_the_seat_is_released_and_a_resume_refused() {
    let (mut room, _, _) = full_room(2);
    tick_hearing(&mut room, ROUND, &[("c1", ROUND)]);
    room.disconnect(ROUND + 100, "c0");
    assert!(tick(&mut room, ROUND + 100 + GRACE - 1).is_empty());
    let out = tick(&mut room, ROUND + 100 + GRACE);
    assert_eq!(room.free_seats(), 1);
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::Capacity {
            free: 1,
            humans: 1,
            ..
        }
    )));
    // The one left behind is offered a bot.
    assert_eq!(room.next_deadline(), Some(ROUND + 100 + GRACE + BOT_WAIT));

    let out = room.resume(ROUND + GRACE + 200, "late", &token("c0"), &player("c0"), 1);
    assert!(matches!(
        frames_to(&out, "late")[..],
        [Wire::Shared(Shared::Error {
            code: ErrorCode::SeatGone,
            ..
        })]
    ));
    assert!(out.contains(&Effect::Close {
        conn: "late".into(),
        code: CloseCode::SeatGone
    }));
}

#[test]
fn a_seat_released_mid_round_counts_as_no_choice() {
    let mut cfg = config();
    cfg.resume_grace_ms = 1_000;
    let mut room = new_room("rps-r", cfg, 2, 1);
    join(&mut room, 0, "a");
    join(&mut room, 0, "b");
    choose(&mut room, 50, "a", "rock");
    choose(&mut room, 50, "b", "scissors");
    room.disconnect(100, "a");
    tick(&mut room, 1_100); // a's grace ends mid-round: released, its rock no longer counts
    let out = tick(&mut room, ROUND);
    let (_, seats) = &results(&out, "b")[0];
    assert_eq!((seats[0].choice, seats[0].base), (None, -1));
    assert_eq!((seats[1].base, seats[1].total), (1, 1));
    assert_eq!(
        room.free_seats(),
        1,
        "the forfeit seat is freed after the result"
    );
}

#[test]
fn a_resume_replaces_a_connection_still_attached() {
    let (mut room, _, _) = full_room(2);
    let out = room.resume(500, "c0-new", &token("c0"), &player("c0"), 1);
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::Replaced
    }));
    assert_eq!(room.connections(), ["c0-new", "c1"]);
    // The replaced connection's late close does not touch the seat.
    assert!(room.disconnect(600, "c0").is_empty());
    assert_eq!(room.connections(), ["c0-new", "c1"]);
}

#[test]
fn unknown_and_empty_tokens_never_match_a_seat() {
    let mut room = new_room("rps-0", config(), 2, 1);
    join(&mut room, 0, "a");
    tick(&mut room, BOT_WAIT); // a bot sits down with no token
    let real = token("a");
    for bad in [
        "",
        "rps-0.nope",
        &format!("{real} "),
        &real[..real.len() - 1],
        "rps-0.",
    ] {
        let out = room.resume(BOT_WAIT + 1, "x", bad, &player("a"), 1);
        assert!(
            out.contains(&Effect::Close {
                conn: "x".into(),
                code: CloseCode::SeatGone
            }),
            "{bad:?}"
        );
    }
}

#[test]
fn after_a_restart_seats_without_a_live_socket_are_away() {
    let (mut room, _, _) = full_room(2);
    let out = room.reconcile(1_000, &["c1"]);
    let seats = room_frames(&out, "c1").pop().unwrap();
    assert!(seats[0].away && !seats[1].away);
    assert_eq!(room.connections(), ["c1"]);
    // Nothing changes when every socket survived (a wake from hibernation).
    assert!(room.reconcile(1_001, &["c1"]).is_empty());
}

#[test]
fn a_round_that_ended_while_the_server_was_down_is_replayed_on_resume() {
    // The server died mid-round (every socket with it) and comes back after the round's
    // deadline: the room first learns who is gone, then lets the time pass, so the
    // result is kept for the away seats instead of sent to sockets that no longer exist.
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 50, "c0", "rock");
    choose(&mut room, 60, "c1", "paper");
    let woken = room.reconcile(ROUND + 5_000, &[]);
    assert!(
        results(&woken, "c0").is_empty() && results(&woken, "c1").is_empty(),
        "nobody is connected to be sent the result"
    );
    for conn in ["c0", "c1"] {
        let again = format!("{conn}-again");
        let out = room.resume(ROUND + 6_000, &again, &token(conn), &player(conn), 1);
        let got = results(&out, &again);
        assert_eq!(got.len(), 1, "{conn} gets the round it played");
        assert_eq!(got[0].1[0].choice, Some(Choice::Rock));
        assert_eq!(got[0].1[1].choice, Some(Choice::Paper));
    }
}

#[test]
fn a_result_sent_just_before_the_server_died_comes_again_on_resume() {
    // The result went to live sockets, and the server died before the bytes left (the
    // chaos run saw one such round in 795): on resume between rounds the player gets the
    // round they played once more, before the room's state, and only once.
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 50, "c0", "rock");
    choose(&mut room, 60, "c1", "paper");
    let settled = tick(&mut room, ROUND);
    assert_eq!(results(&settled, "c0").len(), 1, "sent live");
    room.reconcile(ROUND + 3_000, &[]);
    let out = room.resume(ROUND + 4_000, "c0-again", &token("c0"), &player("c0"), 1);
    let got = results(&out, "c0-again");
    assert_eq!(got.len(), 1, "the last round, once");
    assert_eq!(got[0].1[0].choice, Some(Choice::Rock));
    let frames = rps_to(&out, "c0-again");
    let result_at = frames.iter().position(|f| matches!(f, Rps::Result { .. }));
    let state_at = frames.iter().position(|f| matches!(f, Rps::State { .. }));
    assert!(
        result_at.is_some() && result_at < state_at,
        "the result comes before the state: {frames:?}"
    );

    // Once the next round runs, a resume gets that round's state, not the old result.
    room.receive(ROUND + 4_100, "c0-again", r#"{"type":"join"}"#);
    room.resume(ROUND + 4_200, "c1-again", &token("c1"), &player("c1"), 1);
    room.receive(ROUND + 4_300, "c1-again", r#"{"type":"join"}"#);
    room.reconcile(ROUND + 5_000, &[]);
    let out = room.resume(ROUND + 5_100, "c0-third", &token("c0"), &player("c0"), 1);
    assert!(
        results(&out, "c0-third").is_empty(),
        "a round runs: no old result"
    );
}

#[test]
fn a_player_who_leaves_is_released_at_once_not_held() {
    let (mut room, _, _) = full_room(2);
    tick(&mut room, ROUND);
    room.receive(ROUND + 1, "c0", r#"{"type":"leave"}"#);
    assert_eq!(room.free_seats(), 1);
    let out = room.resume(ROUND + 2, "back", &token("c0"), &player("c0"), 1);
    assert!(out.contains(&Effect::Close {
        conn: "back".into(),
        code: CloseCode::SeatGone
    }));
}

// ---- round records for the stats ----

fn records(effects: &[Effect]) -> Vec<crate::stats::RoundRecord> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Records(batch) => Some(batch.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn a_settled_round_is_recorded_for_its_people_not_its_bots() {
    let mut room = new_room("rps-7", config(), 2, 0xabc);
    join(&mut room, 0, "solo");
    room.tick(BOT_WAIT); // a bot sits down, the round starts
    choose(&mut room, BOT_WAIT + 1, "solo", "rock");
    let out = room.tick(BOT_WAIT + ROUND);
    let recs = records(&out);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].round_id, "rps-7:abc:1");
    assert_eq!(recs[0].lines.len(), 1, "the bot is not recorded");
    let line = &recs[0].lines[0];
    assert_eq!(
        (line.player.as_str(), line.name.as_str()),
        ("guest:solo", "solo")
    );
    let result = &results(&out, "solo")[0].1[0];
    assert_eq!(
        (line.score, line.streak, line.won),
        (result.score, result.streak, result.base > 0)
    );
}

#[test]
fn a_record_is_sent_again_until_confirmed_then_never() {
    let (mut room, _, _) = full_room(2);
    let first = records(&room.tick_hearing(ROUND, &[("c0", ROUND), ("c1", ROUND)]));
    assert_eq!(first.len(), 1);
    // The shards did not answer: the room wakes up to send the same record again.
    assert_eq!(room.next_deadline(), Some(ROUND + RECORD_RETRY_MS));
    let again = records(&room.tick(ROUND + RECORD_RETRY_MS));
    assert_eq!(again, first, "the same round id, the same lines");
    room.recorded(ROUND + RECORD_RETRY_MS, &first[0].round_id);
    assert!(records(&room.tick(ROUND + 2 * RECORD_RETRY_MS)).is_empty());
    assert_eq!(
        room.next_deadline(),
        Some(ROUND + IDLE_SWEEP_MS),
        "nothing owed"
    );
}

#[test]
fn a_record_survives_storage_and_outlives_its_players() {
    let (mut room, _, _) = full_room(2);
    let first = records(&room.tick(ROUND));
    for c in ["c0", "c1"] {
        room.receive(ROUND + 1, c, r#"{"type":"leave"}"#);
    }
    // Stored and loaded again (hibernation), the empty room still owes the record.
    let mut room = stored_and_loaded(&room);
    assert_eq!(room.next_deadline(), Some(ROUND + RECORD_RETRY_MS));
    assert_eq!(records(&room.tick(ROUND + RECORD_RETRY_MS)), first);
}

#[test]
fn a_round_settles_in_one_write_and_a_room_stored_the_old_way_keeps_its_records() {
    let (mut room, _, _) = full_room(2);
    let settled = room.handle(ROUND, &[], Event::Alarm);
    assert!(settled.persist.outbox && settled.persist.room);
    let first = records(&settled.effects);
    assert_eq!(first.len(), 1);
    let json = serde_json::to_string(&room).unwrap();
    assert!(
        json.contains(&first[0].round_id),
        "the record is in the room's own key"
    );
    // Before the outbox moved into the room, it had a key of its own: such a room reads
    // back with it, and writes it inline from then on.
    let mut old: serde_json::Value = serde_json::from_str(&json).unwrap();
    let outbox = old.as_object_mut().unwrap().remove("unrecorded").unwrap();
    let old_room = serde_json::from_str::<Room>(&old.to_string())
        .unwrap()
        .with_outbox(serde_json::from_value(outbox).unwrap());
    assert_eq!(old_room, room);
    assert_eq!(old_room.outbox(), first.as_slice());
}

/// Plays rounds back to back in a full room of 2 (both join again right after each
/// result, as clients do), confirming nothing. Returns the effects of each wake-up with
/// its time.
fn rounds_back_to_back(room: &mut Room, rounds: usize) -> Vec<(u64, Vec<Effect>)> {
    let mut wakes = Vec::new();
    for _ in 0..rounds {
        let deadline = room.next_deadline().expect("a round is running");
        let mut out = room.tick_hearing(deadline, &[("c0", deadline), ("c1", deadline)]);
        for c in ["c0", "c1"] {
            out.extend(room.receive(deadline + 10, c, r#"{"type":"join"}"#));
        }
        wakes.push((deadline, out));
    }
    wakes
}

#[test]
fn records_of_busy_rooms_go_out_in_batches_on_wake_ups_the_room_has_anyway() {
    let flush = 4 * ROUND;
    let mut room = new_room(
        "rps-0",
        RoomConfig {
            stats_flush_ms: flush,
            ..config()
        },
        2,
        7,
    );
    join(&mut room, 0, "c0");
    join(&mut room, 0, "c1");
    let wakes = rounds_back_to_back(&mut room, 6);
    // Round 1 settles at ROUND; its record may wait until ROUND + flush, and goes out
    // at the first wake-up after half of that: round 3's settlement, with rounds 2 and 3.
    let batches: Vec<(u64, Vec<String>)> = wakes
        .iter()
        .filter(|(_, out)| !records(out).is_empty())
        .map(|(at, out)| (*at, records(out).into_iter().map(|r| r.round_id).collect()))
        .collect();
    let first_settled = wakes[0].0;
    let (at, ids) = &batches[0];
    assert!(*at >= first_settled + flush / 2 && *at <= first_settled + flush);
    assert_eq!(ids, &["rps-0:7:1", "rps-0:7:2", "rps-0:7:3"]);
    // Unconfirmed, they are sent again (with the newer ones) no sooner than the retry
    // wait allows.
    let (again_at, again) = &batches[1];
    assert!(*again_at >= at + RECORD_RETRY_MS.max(flush) / 2);
    assert!(again.starts_with(ids));
    // The room never woke up just for the records: every wake-up was a round's end.
    for (at, _) in &wakes {
        assert_eq!(
            (at - ROUND) % (ROUND + 10),
            0,
            "a wake-up at {at} for records only"
        );
    }
}

#[test]
fn rooms_playing_in_step_deliver_their_batches_at_different_times() {
    let flush = 8 * ROUND;
    let first_batch_at = |seed: u64| {
        let mut room = new_room(
            "rps-0",
            RoomConfig {
                stats_flush_ms: flush,
                ..config()
            },
            2,
            seed,
        );
        join(&mut room, 0, "c0");
        join(&mut room, 0, "c1");
        let wakes = rounds_back_to_back(&mut room, 12);
        let settled = wakes[0].0;
        let at = wakes
            .iter()
            .find(|(_, out)| !records(out).is_empty())
            .map(|(at, _)| *at)
            .expect("a batch within 12 rounds");
        assert!(at >= settled + flush / 2 && at <= settled + flush, "{at}");
        at
    };
    let mut times: Vec<u64> = (0..16).map(|seed| first_batch_at(seed * 997)).collect();
    times.sort_unstable();
    times.dedup();
    assert!(
        times.len() >= 3,
        "16 rooms in step, batches at only {times:?}"
    );
}

#[test]
fn a_quiet_room_still_sends_its_records_by_the_deadline() {
    let flush = 2 * ROUND; // sooner than the heartbeat deadline
    let mut room = new_room(
        "rps-0",
        RoomConfig {
            stats_flush_ms: flush,
            ..config()
        },
        2,
        7,
    );
    join(&mut room, 0, "c0");
    join(&mut room, 0, "c1");
    assert!(
        records(&room.tick_hearing(ROUND, &[("c0", ROUND), ("c1", ROUND)])).is_empty(),
        "held for a batch"
    );
    // Nobody plays on: the room's next wake-up is the records' deadline.
    assert_eq!(room.next_deadline(), Some(ROUND + flush));
    let out = tick(&mut room, ROUND + flush);
    assert_eq!(records(&out).len(), 1);
    assert_eq!(
        room.next_deadline(),
        Some(ROUND + IDLE_SWEEP_MS),
        "confirmed: nothing owed"
    );
}

// ---- identity: one seat per player ----

#[test]
fn a_second_connection_of_the_same_player_takes_the_seat_over() {
    let (mut room, _, _) = full_room(2);
    choose(&mut room, 100, "c0", "rock");
    // Same player, new connection, no resume token: not a second seat, the same one.
    let out = room
        .connect(200, "c0-tab2", &player("c0"), profile("x"), 1)
        .expect("their own seat, although the room is full");
    assert!(out.contains(&Effect::Close {
        conn: "c0".into(),
        code: CloseCode::Replaced
    }));
    assert!(matches!(
        frames_to(&out, "c0-tab2")[0],
        Wire::Shared(Shared::Hi {
            seat: 0,
            resumed: true,
            ..
        })
    ));
    // The choice made on the first connection stands.
    let state = rps_to(&out, "c0-tab2").into_iter().find_map(|f| match f {
        Rps::State { choice, .. } => Some(choice),
        _ => None,
    });
    assert_eq!(state, Some(Some(Choice::Rock)));
    assert_eq!(room.connections(), ["c0-tab2", "c1"]);
    assert_eq!(room.players(), [player("c0"), player("c1")]);
}

#[test]
fn a_resume_token_works_only_for_its_own_player() {
    let (mut room, _, _) = full_room(2);
    room.disconnect(100, "c0");
    // c1's player got hold of c0's token: it is no use to them.
    let out = room.resume(200, "thief", &token("c0"), &player("c1"), 1);
    assert!(out.contains(&Effect::Close {
        conn: "thief".into(),
        code: CloseCode::SeatGone
    }));
    // The rightful player still gets it back.
    let out = room.resume(300, "c0-back", &token("c0"), &player("c0"), 1);
    assert!(matches!(
        shared_to(&out, "c0-back")[0],
        Shared::Hi {
            seat: 0,
            resumed: true,
            ..
        }
    ));
}

#[test]
fn a_full_room_still_has_a_seat_for_its_own_players() {
    let (mut room, _, _) = full_room(2);
    assert_eq!(
        room.connect(1, "stranger", &player("stranger"), profile("s"), 1),
        Err(RoomFull)
    );
    assert!(room
        .connect(2, "c0-again", &player("c0"), profile("c0"), 1)
        .is_ok());
}

// ---- no input can break a room ----

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Anything the outside world can do to a room.
    #[derive(Debug, Clone)]
    enum Event {
        Connect(u8),
        Resume(u8, u8),
        Text(u8, String),
        Binary(u8),
        Disconnect(u8),
        Ping(u8),
        Reconcile(Vec<u8>),
        Tick,
    }

    fn frame_text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(r#"{"type":"join"}"#.to_string()),
            Just(r#"{"type":"leave"}"#.to_string()),
            Just(r#"{"type":"choice","choice":"rock"}"#.to_string()),
            Just(r#"{"type":"choice","choice":"paper"}"#.to_string()),
            Just(r#"{"type":"face","face":"cry"}"#.to_string()),
            Just(r#"{"type":"hello","name":"n"}"#.to_string()),
            Just(r#"{"type":"ping"}"#.to_string()),
            Just("x".repeat(5000)),
            any::<String>(),
        ]
    }

    fn event() -> impl Strategy<Value = Event> {
        let conn = 0u8..6;
        prop_oneof![
            conn.clone().prop_map(Event::Connect),
            (conn.clone(), 0u8..6).prop_map(|(c, t)| Event::Resume(c, t)),
            (conn.clone(), frame_text()).prop_map(|(c, t)| Event::Text(c, t)),
            conn.clone().prop_map(Event::Binary),
            conn.clone().prop_map(Event::Disconnect),
            conn.clone().prop_map(Event::Ping),
            prop::collection::vec(conn, 0..4).prop_map(Event::Reconcile),
            Just(Event::Tick),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        // Random event sequences at random times: nothing panics, a room never holds
        // more seats than it has or one connection twice, every frame is answered or
        // accounted for, and a room always knows when it next needs waking while it
        // has anyone in it.
        #[test]
        fn any_event_sequence_keeps_the_room_sound(
            size in 2usize..4,
            steps in prop::collection::vec((event(), 0u64..2_500), 1..80),
            keep_moves_in_memory in any::<bool>(),
        ) {
            let durability = match keep_moves_in_memory {
                true => Durability::SettledRounds,
                false => Durability::EveryMove,
            };
            let mut room = new_room("rps-0", RoomConfig { durability, ..config() }, size, 11);
            let mut now = 0;
            let mut generation = 0u32;
            for (event, dt) in steps {
                now += dt;
                let mut out = room.tick(now);
                let conn = |c: u8, g: u32| format!("c{c}-{g}");
                match event {
                    Event::Connect(c) => {
                        generation += 1;
                        if let Ok(effects) = room.connect(now, &conn(c, generation), &player(&c.to_string()), profile("p"), 1) {
                            out.extend(effects);
                        }
                    }
                    Event::Resume(c, t) => {
                        generation += 1;
                        out.extend(room.resume(now, &conn(c, generation), &token(&t.to_string()), &player(&c.to_string()), 1));
                    }
                    Event::Text(c, text) => {
                        let target = room.connections().into_iter().find(|x| x.starts_with(&format!("c{c}-"))).unwrap_or(conn(c, 0));
                        let effects = room.receive(now, &target, &text);
                        prop_assert!(!effects.is_empty(), "frame {:?} from {} went unanswered", text, target);
                        out.extend(effects);
                    }
                    Event::Binary(c) => out.extend(room.receive_binary(now, &conn(c, generation))),
                    Event::Disconnect(c) => {
                        for target in room.connections().into_iter().filter(|x| x.starts_with(&format!("c{c}-"))) {
                            out.extend(room.disconnect(now, &target));
                        }
                    }
                    Event::Ping(c) => {
                        let heard: Vec<(String, u64)> = room.connections().into_iter()
                            .filter(|x| x.starts_with(&format!("c{c}-")))
                            .map(|x| (x, now))
                            .collect();
                        let heard: Vec<(&str, u64)> = heard.iter().map(|(c, at)| (c.as_str(), *at)).collect();
                        out.extend(room.tick_hearing(now, &heard));
                    }
                    Event::Reconcile(live) => {
                        let conns = room.connections();
                        let live: Vec<&str> = conns.iter()
                            .filter(|x| live.iter().any(|c| x.starts_with(&format!("c{c}-"))))
                            .map(String::as_str)
                            .collect();
                        out.extend(room.reconcile(now, &live));
                    }
                    Event::Tick => {}
                }
                let conns = room.connections();
                let unique: std::collections::HashSet<_> = conns.iter().collect();
                prop_assert_eq!(unique.len(), conns.len(), "a connection holds two seats");
                let players = room.players();
                let unique: std::collections::HashSet<_> = players.iter().collect();
                prop_assert_eq!(unique.len(), players.len(), "a player holds two seats");
                prop_assert!(conns.len() <= size);
                prop_assert!(room.free_seats() <= size);
                if room.free_seats() < size {
                    prop_assert!(room.next_deadline().is_some(), "an occupied room with no timer");
                }
                if let Some(at) = room.next_deadline() {
                    // Whatever is due is done by a tick at that time.
                    let mut probe = room.clone();
                    probe.tick(at);
                    prop_assert!(probe.next_deadline().is_none_or(|next| next > at), "tick({}) left work due", at);
                }
                // Serialised and back, the room is the same room (hibernation safety),
                // or it has moves waiting in memory, and then a deadline within the limit
                // that stores them (a timer keeps the instance, so it cannot hibernate).
                match room.moves_unstored_since() {
                    None => prop_assert_eq!(&stored_and_loaded(&room), &room),
                    Some(since) => {
                        prop_assert!(keep_moves_in_memory);
                        prop_assert!(room.next_deadline().is_some_and(|at| at <= since + MOVES_STORED_WITHIN_MS));
                    }
                }
            }
        }
    }
}

#[test]
fn a_flood_is_rate_limited_then_closed_with_1008() {
    let (mut room, _, _) = full_room(2);
    let face = r#"{"type":"face","face":"cry"}"#;
    // A burst of 20 passes.
    for i in 0..20 {
        let out = room.receive(100, "c0", face);
        assert!(
            !frames_to(&out, "c1").is_empty(),
            "frame {i} of the burst was relayed"
        );
    }
    // The 21st is refused, and refusals are all a flooder gets.
    let out = room.receive(100, "c0", face);
    assert!(matches!(
        frames_to(&out, "c0")[..],
        [Wire::Shared(Shared::Error {
            code: ErrorCode::RateLimited,
            ..
        })]
    ));
    assert!(frames_to(&out, "c1").is_empty());
    // A second later ten more frames are allowed again.
    for _ in 0..10 {
        assert!(!frames_to(&room.receive(1_100, "c0", face), "c1").is_empty());
    }
    // Keep flooding: after ten more refusals the connection is closed and its seat freed
    // (forfeited in the running round).
    let mut closed = false;
    for _ in 0..11 {
        let out = room.receive(1_100, "c0", face);
        closed |= out.contains(&Effect::Close {
            conn: "c0".into(),
            code: CloseCode::RateLimited,
        });
    }
    assert!(closed);
    assert_eq!(room.connections(), ["c1"]);
    let out = room.tick(ROUND);
    assert_eq!(results(&out, "c1")[0].1[0].choice, None);
}

#[test]
fn people_who_play_normally_never_hit_the_limit() {
    let (mut room, _, _) = full_room(2);
    // A frame every 150 ms (faster than anyone taps) for a whole round.
    for t in (0..ROUND).step_by(150) {
        let out = room.receive(t, "c0", r#"{"type":"face","face":"laugh"}"#);
        assert!(!frames_to(&out, "c1").is_empty(), "at {t}");
    }
}

#[test]
fn a_relayed_face_or_a_ping_is_ephemeral_a_choice_is_not() {
    let (mut room, _, _) = full_room(2);
    let stored = |room: &mut Room, at: u64, conn: &str, text: &str| {
        room.receive_outcome(at, conn, text).persist.room
    };
    let face = r#"{"type":"face","face":"cry"}"#;
    assert!(
        !stored(&mut room, 10, "c0", face),
        "a face is relayed and forgotten"
    );
    assert!(!stored(&mut room, 20, "c0", r#"{"type":"ping"}"#));
    assert!(
        !stored(&mut room, 30, "c0", "garbage"),
        "a refused frame changes nothing"
    );
    assert!(
        !stored(&mut room, 35, "c0", r#"{"type":"join"}"#),
        "nor does a refused join"
    );
    assert!(
        stored(&mut room, 40, "c0", r#"{"type":"choice","choice":"rock"}"#),
        "a hand must survive a restart"
    );
    assert!(stored(
        &mut room,
        50,
        "c1",
        r#"{"type":"hello","name":"new name"}"#
    ));
    // A face while something fell due: time passing changed the room (an overdue round
    // settled), so it is stored.
    assert!(stored(&mut room, ROUND + 2_000, "c0", face));
}

#[test]
fn the_alarm_moves_only_earlier_and_a_room_woken_early_finds_nothing_due() {
    assert_eq!(alarm_to_set(None, Some(5), false), Some(5));
    assert_eq!(alarm_to_set(Some(9), Some(5), false), Some(5));
    assert_eq!(
        alarm_to_set(Some(5), Some(9), false),
        None,
        "an earlier alarm is kept"
    );
    assert_eq!(alarm_to_set(Some(5), Some(5), false), None);
    assert_eq!(
        alarm_to_set(Some(5), None, false),
        None,
        "it fires, finds nothing, is gone"
    );
    assert_eq!(alarm_to_set(None, None, false), None);
    // The kept alarm fires before anything is due: the tick changes nothing.
    let lone = RoomConfig {
        bot_wait_ms: 600_000, // no bot timer: the heartbeat deadline is the next one
        ..config()
    };
    let mut room = new_room("rps-0", lone, 2, 7);
    join(&mut room, 0, "c0");
    let armed = room.next_deadline().expect("a heartbeat deadline");
    assert_eq!(armed, HEARTBEAT);
    room.receive(armed - 1, "c0", r#"{"type":"ping"}"#);
    let next = room.next_deadline().expect("still one");
    assert!(next > armed, "the frame pushed the deadline out");
    assert_eq!(alarm_to_set(Some(armed), Some(next), false), None);
    let before = serde_json::to_string(&room).unwrap();
    assert!(room.tick(armed).is_empty());
    assert_eq!(
        serde_json::to_string(&room).unwrap(),
        before,
        "woken early: no change"
    );
    assert_eq!(alarm_to_set(None, room.next_deadline(), false), Some(next));
}

// ---- people before bots ----

fn room_names(effects: &[Effect], conn: &str) -> Option<Vec<(String, bool)>> {
    room_frames(effects, conn)
        .pop()
        .map(|seats| seats.into_iter().map(|s| (s.name, s.bot)).collect())
}

#[test]
fn a_person_takes_a_bots_seat_at_the_next_round_boundary() {
    let mut room = new_room("rps-0", config(), 2, 5);
    join(&mut room, 0, "a");
    let out = tick(&mut room, BOT_WAIT);
    assert_eq!(starts(&out, "a"), 1, "a plays a bot");
    assert!(out.contains(&Effect::Capacity {
        free: 0,
        humans: 1,
        away: 0,
        bots: 1,
        version: 1,
        players: vec![player("a")],
    }));
    // b arrives mid-round: b is welcomed to the bot's seat, and watches the round.
    let out = room
        .connect(BOT_WAIT + 500, "b", &player("b"), profile("b"), 2)
        .expect("the bot's seat is open to a person");
    assert!(matches!(
        shared_to(&out, "b")[0],
        Shared::Hi {
            seat: 1,
            resumed: false,
            ..
        }
    ));
    assert!(rps_to(&out, "b").iter().any(|f| matches!(
        f,
        Rps::State {
            phase: RoomPhase::Playing,
            ..
        }
    )));
    assert!(
        out.iter().any(|e| matches!(
            e,
            Effect::Capacity {
                humans: 2,
                bots: 0,
                ..
            }
        )),
        "the seat is claimed"
    );
    let refused = room.receive(BOT_WAIT + 600, "b", r#"{"type":"choice","choice":"rock"}"#);
    assert!(
        matches!(
            shared_to(&refused, "b")[..],
            [Shared::Error {
                code: ErrorCode::NotSeated,
                ..
            }]
        ),
        "b plays from the next round"
    );
    // The round ends: the bot leaves with its score, b sits down, everyone sees it.
    let out = tick(&mut room, BOT_WAIT + ROUND);
    assert_eq!(
        results(&out, "b").len(),
        1,
        "b saw the round it watched end"
    );
    assert_eq!(
        room_names(&out, "a"),
        Some(vec![("a".to_string(), false), ("b".to_string(), false)])
    );
    assert_eq!(room.connections(), ["a", "b"]);
    // a's next round is against b, who starts afresh.
    let out = room.receive(BOT_WAIT + ROUND + 100, "a", r#"{"type":"join"}"#);
    let start = rps_to(&out, "b")
        .into_iter()
        .find(|f| matches!(f, Rps::Start { .. }));
    let Some(Rps::Start { round, seats, .. }) = start else {
        panic!("round 2 starts for b: {:?}", frames_to(&out, "b"));
    };
    assert_eq!(round, 2);
    assert_eq!(
        seats
            .iter()
            .map(|s| (s.name.as_str(), s.bot, s.total))
            .collect::<Vec<_>>()[1],
        ("b", false, 0)
    );
}

#[test]
fn a_claim_dropped_before_the_boundary_opens_the_bots_seat_again() {
    let mut room = new_room("rps-0", config(), 2, 5);
    join(&mut room, 0, "a");
    tick(&mut room, BOT_WAIT);
    room.connect(BOT_WAIT + 1, "b", &player("b"), profile("b"), 2)
        .unwrap();
    let out = room.disconnect(BOT_WAIT + 2, "b");
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::Capacity {
            humans: 1,
            bots: 1,
            ..
        }
    )));
    // A second claimant now, then the same player from another tab: one claim only.
    room.connect(BOT_WAIT + 3, "c", &player("c"), profile("c"), 2)
        .unwrap();
    let out = room
        .connect(BOT_WAIT + 4, "c2", &player("c"), profile("c"), 2)
        .unwrap();
    assert!(out.contains(&Effect::Close {
        conn: "c".into(),
        code: CloseCode::Replaced
    }));
    assert_eq!(room.players(), [player("a"), player("c")]);
    // With the bot's seat claimed and no free seat, a fourth person is turned away.
    assert_eq!(
        room.connect(BOT_WAIT + 5, "d", &player("d"), profile("d"), 2),
        Err(RoomFull)
    );
    tick(&mut room, BOT_WAIT + ROUND);
    assert_eq!(room.connections(), ["a", "c2"]);
}

#[test]
fn a_room_whose_last_person_leaves_closes_with_its_bots() {
    let mut room = new_room("rps-0", config(), 3, 5);
    join(&mut room, 0, "a");
    tick(&mut room, BOT_WAIT);
    let out = room.receive(BOT_WAIT + 1, "a", r#"{"type":"leave"}"#);
    assert!(out.iter().any(|e| matches!(
        e,
        Effect::Capacity {
            free: 3,
            humans: 0,
            bots: 0,
            ..
        }
    )));
    assert_eq!(room.next_deadline(), None, "nothing left to wake for");
}

#[test]
fn a_resumed_player_is_told_how_many_play() {
    let (mut room, _, _) = full_room(2);
    // full_room seats players with online = 1; the matchmaker counted 7 for a later one.
    room.connect(1, "c0-tab", &player("c0"), profile("c0"), 7)
        .unwrap();
    room.disconnect(2, "c0-tab");
    let out = room.resume(3, "c0-back", &token("c0"), &player("c0"), 0);
    assert!(matches!(
        shared_to(&out, "c0-back")[0],
        Shared::Hi {
            online: 7,
            resumed: true,
            ..
        }
    ));
}

// ---- private rooms ----

fn private_room(bots: bool) -> (Room, crate::ids::Code) {
    use crate::game::Privacy;
    use crate::room::Event;
    let mut room = new_room("rps-p-00000000000000aa", config(), 2, 3);
    let code = crate::ids::Code::parse("FRENDS").unwrap();
    let privacy = Privacy {
        code: code.clone(),
        bots,
    };
    let _ = room.handle(0, &[], Event::Privatise(privacy));
    (room, code)
}

fn arrive_with(
    room: &mut Room,
    now: u64,
    conn: &str,
    code: Option<&crate::ids::Code>,
) -> crate::effects::Outcome {
    use crate::room::{Arrival, Event};
    let arrival = Arrival {
        conn: conn.into(),
        player: player(conn),
        profile: profile(conn),
        secret: 1,
        online: 1,
        code: code.cloned(),
    };
    room.handle(now, &[], Event::Connect(arrival))
}

#[test]
fn a_private_room_admits_only_its_code_and_gets_no_bots_unless_asked() {
    use crate::effects::Admission;
    let (mut room, code) = private_room(false);
    let stranger = arrive_with(&mut room, 1, "stranger", None);
    assert!(matches!(
        stranger.admission,
        Admission::Refuse {
            code: ErrorCode::UnknownCode,
            close: CloseCode::NoEntry,
            ..
        }
    ));
    let wrong = crate::ids::Code::parse("ABCDEF").unwrap();
    assert!(matches!(
        arrive_with(&mut room, 2, "guesser", Some(&wrong)).admission,
        Admission::Refuse { .. }
    ));
    let me = arrive_with(&mut room, 3, "me", Some(&code));
    assert_eq!(me.admission, Admission::Accept);
    // The directory of codes hears that someone is in (no matchmaker does).
    assert!(me.effects.contains(&Effect::Occupancy {
        code: code.clone(),
        people: 1
    }));
    assert!(
        me.effects
            .iter()
            .all(|e| !matches!(e, Effect::Capacity { .. })),
        "no matchmaker fills it"
    );
    assert_eq!(
        room.next_deadline(),
        Some(3 + HEARTBEAT),
        "no bot timer in a private room without bots"
    );
    let friend = arrive_with(&mut room, 4, "friend", Some(&code));
    assert_eq!(
        starts(&friend.effects, "friend"),
        1,
        "friends play each other"
    );
    // Spectators need the code too.
    use crate::room::Event;
    let watch = room.handle(
        5,
        &[],
        Event::Watch {
            conn: "eye".into(),
            code: None,
        },
    );
    assert!(matches!(watch.admission, Admission::Refuse { .. }));
    let watch = room.handle(
        6,
        &[],
        Event::Watch {
            conn: "eye".into(),
            code: Some(code.clone()),
        },
    );
    assert_eq!(watch.admission, Admission::Accept);
    // When everyone leaves, the directory hears the room is empty.
    room.receive(7, "me", r#"{"type":"leave"}"#);
    let out = room.receive(ROUND + 8, "friend", r#"{"type":"leave"}"#);
    assert!(out.contains(&Effect::Occupancy { code, people: 0 }));
}

#[test]
fn a_private_room_whose_creator_asked_for_bots_gets_them() {
    let (mut room, code) = private_room(true);
    let out = arrive_with(&mut room, 0, "me", Some(&code));
    assert!(out.effects.contains(&Effect::Occupancy {
        code: code.clone(),
        people: 1
    }));
    let out = tick(&mut room, BOT_WAIT);
    assert_eq!(starts(&out, "me"), 1, "a bot sat down");
    // A room that was public stays public.
    let mut public = new_room("rps-0", config(), 2, 1);
    join(&mut public, 0, "a");
    let _ = public.handle(
        1,
        &[],
        crate::room::Event::Privatise(crate::game::Privacy { code, bots: false }),
    );
    assert!(
        public
            .connect(2, "b", &player("b"), profile("b"), 1)
            .is_ok(),
        "no code needed"
    );
}

// ---- every player gets the whole round ----

#[test]
fn a_round_counts_from_when_its_start_went_out() {
    use crate::room::Event;
    let mut room = new_room("rps-0", config(), 2, 9);
    join(&mut room, 0, "c0");
    // c1's arrival starts round 1: the room decides at 100 and asks to hear when the
    // start frames went out.
    let arrival = crate::room::Arrival {
        conn: "c1".into(),
        player: player("c1"),
        profile: profile("c1"),
        secret: 2,
        online: 1,
        code: None,
    };
    let decided = room.handle(100, &[], Event::Connect(arrival));
    assert_eq!(starts(&decided.effects, "c1"), 1);
    assert!(decided.report_release);
    assert_eq!(decided.next_deadline, Some(100 + ROUND), "provisional");
    // c0's liveness check is armed: the provisional deadline is not set over it (the
    // release sets the real one), and it is the backstop until then.
    let liveness = HEARTBEAT;
    assert_eq!(decided.alarm_to_set(Some(liveness)), None);
    assert_eq!(
        decided.alarm_to_set(None),
        Some(100 + ROUND),
        "nothing armed: set at once"
    );
    // Storage and a busy isolate held the frames for 400 ms.
    let released = room.handle(500, &[], Event::Released);
    assert!(released.reschedule && !released.report_release);
    assert!(!released.persist.room, "no write of its own");
    assert_eq!(
        released.next_deadline,
        Some(500 + ROUND),
        "the full round from when start went out"
    );
    assert_eq!(released.alarm_to_set(Some(liveness)), Some(500 + ROUND));
    assert_eq!(released.alarm_to_set(Some(100 + ROUND)), Some(500 + ROUND));
    // A hand sent just before the end of the round as the players saw it counts.
    let late = choose(&mut room, 500 + ROUND - 1, "c0", "rock");
    assert!(shared_to(&late, "c0").is_empty(), "accepted: {late:?}");
    assert!(
        tick(&mut room, 100 + ROUND).is_empty(),
        "not over at the decided deadline"
    );
    let out = tick(&mut room, 500 + ROUND);
    assert_eq!(results(&out, "c1")[0].1[0].choice, Some(Choice::Rock));
    // A release that comes late changes nothing once the round is over.
    let after = room.handle(600 + ROUND, &[], Event::Released);
    assert!(after.effects.is_empty());
}

/// `ends_in_ms` of each `start` to `conn`.
fn start_lengths(effects: &[Effect], conn: &str) -> Vec<u64> {
    rps_to(effects, conn)
        .into_iter()
        .filter_map(|f| match f {
            Rps::Start { ends_in_ms, .. } => Some(ends_in_ms),
            _ => None,
        })
        .collect()
}

#[test]
fn a_round_that_starts_as_someone_sits_down_waits_out_their_handshake() {
    use crate::room::Event;
    const HANDSHAKE: u64 = 100;
    let config = RoomConfig {
        handshake_ms: HANDSHAKE,
        ..config()
    };
    let mut room = new_room("rps-0", config, 2, 9);
    join(&mut room, 0, "c0");
    // c1's join starts round 1, but c1's socket is live only once the Worker has
    // passed the 101 back: the round is longer by the allowance, and says so.
    let decided = join(&mut room, 100, "c1");
    assert_eq!(start_lengths(&decided, "c1"), [ROUND + HANDSHAKE]);
    assert_eq!(start_lengths(&decided, "c0"), [ROUND + HANDSHAKE]);
    let _ = room.handle(130, &[], Event::Released);
    assert_eq!(room.next_deadline(), Some(130 + ROUND + HANDSHAKE));
    // c1's hand, sent just before the end of the round as c1 saw it (its start came
    // the whole allowance late), counts.
    let late = choose(&mut room, 130 + HANDSHAKE + ROUND - 1, "c1", "rock");
    assert!(shared_to(&late, "c1").is_empty(), "accepted: {late:?}");
    let out = tick(&mut room, 130 + ROUND + HANDSHAKE);
    assert_eq!(results(&out, "c0")[0].1[1].choice, Some(Choice::Rock));
    // The next round starts on a frame from live sockets: exactly ROUND.
    let at = 200 + ROUND + HANDSHAKE;
    let mut log = room.receive(at, "c0", r#"{"type":"join"}"#);
    log.extend(room.receive(at, "c1", r#"{"type":"join"}"#));
    assert_eq!(start_lengths(&log, "c0"), [ROUND]);
    assert_eq!(room.next_deadline(), Some(at + ROUND));
}

#[test]
fn a_bots_moment_moves_with_its_round() {
    use crate::room::Event;
    let mut room = new_room("rps-0", config(), 2, 9);
    join(&mut room, 0, "solo");
    let out = room.handle(BOT_WAIT, &[], Event::Alarm);
    assert!(out.report_release);
    let moment = room.next_deadline().unwrap();
    let _ = room.handle(BOT_WAIT + 250, &[], Event::Released);
    assert_eq!(room.next_deadline(), Some(moment + 250));
}

/// A room of two seated players that keeps their moves in memory until its next write.
fn room_keeping_moves_in_memory() -> Room {
    let config = RoomConfig {
        durability: Durability::SettledRounds,
        ..config()
    };
    let mut room = new_room("rps-0", config, 2, 7);
    for c in ["c0", "c1"] {
        join(&mut room, 0, c);
    }
    room
}

#[test]
fn keeping_moves_in_memory_a_round_is_stored_once_when_it_settles() {
    let mut room = room_keeping_moves_in_memory();
    let stored = |room: &mut Room, at: u64, conn: &str, text: &str| {
        room.receive_outcome(at, conn, text).persist.room
    };
    let rock = r#"{"type":"choice","choice":"rock"}"#;
    let paper = r#"{"type":"choice","choice":"paper"}"#;
    assert!(!stored(&mut room, 40, "c0", rock), "a hand waits in memory");
    assert!(!stored(&mut room, 50, "c1", paper));
    assert_eq!(
        room.next_deadline(),
        Some(ROUND),
        "the round ends before the hands would have to be stored on their own"
    );
    let settled = room.handle(ROUND, &[], Event::Alarm);
    assert!(settled.persist.room, "the settled round is stored");
    let (_, seats) = &results(&settled.effects, "c0")[0];
    assert_eq!(
        (seats[0].choice, seats[1].choice),
        (Some(Choice::Rock), Some(Choice::Paper)),
        "the hands kept in memory count"
    );
    for record in records(&settled.effects) {
        room.recorded(ROUND, &record.round_id);
    }
    let join = r#"{"type":"join"}"#;
    assert!(!stored(&mut room, ROUND + 10, "c0", join));
    assert!(
        !stored(&mut room, ROUND + 20, "c1", join),
        "nor does the join that starts round 2"
    );
    assert!(!stored(&mut room, ROUND + 30, "c0", rock));
    let next = room.next_deadline().unwrap();
    assert_eq!(next, ROUND + 20 + ROUND);
    assert!(room.handle(next, &[], Event::Alarm).persist.room);

    // The same moves with every move stored (the default): each is a write.
    let (mut room, _, _) = full_room(2);
    assert!(stored(&mut room, 40, "c0", rock));
    assert!(room.handle(ROUND, &[], Event::Alarm).persist.room);
    assert!(stored(&mut room, ROUND + 10, "c0", join));
}

#[test]
fn keeping_moves_in_memory_a_move_nobody_follows_is_stored_within_the_limit() {
    // Between rounds with one player slow to join, nothing else would write the room,
    // and an idle object may hibernate: the move gets a deadline of its own.
    let mut room = room_keeping_moves_in_memory();
    tick(&mut room, ROUND);
    let joined_at = ROUND + 100;
    let joined = room.receive_outcome(joined_at, "c0", r#"{"type":"join"}"#);
    assert!(!joined.persist.room);
    let due = joined_at + MOVES_STORED_WITHIN_MS;
    // Both are heard from later, so that no liveness check falls on the deadline.
    for c in ["c0", "c1"] {
        room.receive(joined_at + 2_000, c, r#"{"type":"ping"}"#);
    }
    assert_eq!(room.next_deadline(), Some(due));
    let heard: Vec<(String, u64)> = ["c0", "c1"].iter().map(|c| (c.to_string(), due)).collect();
    let early = room.handle(due - 1, &heard, Event::Alarm);
    assert!(!early.persist.room, "not before its time");
    let stored = room.handle(due, &heard, Event::Alarm);
    assert!(
        stored.persist.room,
        "stored at its deadline, with nothing sent"
    );
    assert!(stored.effects.is_empty(), "{:?}", stored.effects);
    assert_ne!(stored.next_deadline, Some(due), "and only once");

    // Read back from that write, the room remembers the join: c1's starts round 2.
    let mut room = stored_and_loaded(&room);
    let out = room.receive(due + 10, "c1", r#"{"type":"join"}"#);
    assert_eq!(starts(&out, "c0"), 1);
}

#[test]
fn keeping_moves_in_memory_a_restart_loses_the_round_in_play_and_keeps_the_settled_ones() {
    let mut room = room_keeping_moves_in_memory();
    choose(&mut room, 40, "c0", "paper");
    choose(&mut room, 50, "c1", "rock");
    assert!(room.handle(ROUND, &[], Event::Alarm).persist.room);
    let last_write = stored_and_loaded(&room);
    // Round 2 starts and c0 chooses, in memory only; then the server dies.
    let mut joins = Vec::new();
    for c in ["c0", "c1"] {
        joins.extend(room.receive(ROUND + 10, c, r#"{"type":"join"}"#));
    }
    assert_eq!(starts(&joins, "c0"), 1, "round 2 runs");
    let chosen = room.receive_outcome(ROUND + 50, "c0", r#"{"type":"choice","choice":"paper"}"#);
    assert!(!chosen.persist.room);
    assert!(
        rps_to(&chosen.effects, "c1")
            .iter()
            .any(|f| matches!(f, Rps::Movement { .. })),
        "the hand was taken: {:?}",
        chosen.effects
    );

    let mut room = last_write;
    room.reconcile(ROUND + 500, &[]);
    for conn in ["c0", "c1"] {
        let again = format!("{conn}-again");
        let out = room.resume(ROUND + 600, &again, &token(conn), &player(conn), 1);
        assert!(
            results(&out, &again)
                .iter()
                .map(|(round, _)| *round)
                .eq([1]),
            "{conn} gets the last settled round again"
        );
        let state = rps_to(&out, &again)
            .into_iter()
            .find(|f| matches!(f, Rps::State { .. }));
        assert!(
            matches!(
                state,
                Some(Rps::State {
                    phase: RoomPhase::Waiting,
                    round: 1,
                    choice: None,
                    ..
                })
            ),
            "round 2 is gone: {state:?}"
        );
    }
    // They join again, and round 2 is played on round 1's scores.
    let mut log = Vec::new();
    for c in ["c0-again", "c1-again"] {
        log.extend(room.receive(ROUND + 700, c, r#"{"type":"join"}"#));
    }
    assert_eq!(starts(&log, "c0-again"), 1);
    choose(&mut room, ROUND + 800, "c0-again", "paper");
    let out = tick(&mut room, ROUND + 700 + ROUND);
    let (round, seats) = &results(&out, "c0-again")[0];
    assert_eq!(*round, 2);
    assert_eq!(
        (seats[0].streak, seats[0].total),
        (2, 3),
        "paper won round 1 too"
    );
}
