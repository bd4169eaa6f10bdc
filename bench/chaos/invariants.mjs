// What must hold after a chaos run, checked over the players' diaries (player.mjs), the
// faults' times and what /api/me said at the end. Pure functions: tests/chaos-invariants
// feeds them diaries with each kind of violation to show that each check can fail.
//
// A diary entry is { t, kind, ...}: `hi` {room, seat, resumed}, `start` {room, round,
// names}, `result` {room, seat, round, seats}, `sent` {room, round, choice}, `error`
// {code}, `drop` / `close` {code, reason}. A fault is { kind, at, up } (ms on the same
// clock): the server died or stopped at `at` and answered again at `up`.

/** The seed article's rule, written independently of the Rust code. */
function duel(a, b) {
  const beats = { rock: 'scissors', scissors: 'paper', paper: 'rock' };
  if (a && b) return beats[a] === b ? 1 : beats[b] === a ? -1 : 0;
  if (a && !b) return 1;
  if (!a && b) return -1;
  return 0;
}

const key = (room, round) => `${room}#${round}`;
const canonical = (seats) => JSON.stringify([...seats].sort((a, b) => a.seat - b.seat));

export function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * @param {object} run
 * @param {{ name: string, diary: any[] }[]} run.players
 * @param {{ kind: string, at: number, up: number }[]} run.faults
 * @param {Record<string, { rounds: number, total: number, wins: number, best_streak: number }>} run.stats
 *   each player's /api/me at the end, by name
 * @param {number} run.graceMs RESUME_GRACE_MS
 * @returns {{ violations: { rule: string, detail: string }[], figures: Record<string, any> }}
 */
export function check({ players, faults, stats, graceMs }) {
  const violations = [];
  const fail = (rule, detail) => violations.push({ rule, detail });

  // ---- every round of every room settled once, by the scoring rule -------------------
  /** (room, round) → the result's seats, as first seen, and who claimed which seat */
  const results = new Map();
  for (const p of players) {
    for (const e of p.diary) {
      if (e.kind !== 'result') continue;
      const k = key(e.room, e.round);
      let r = results.get(k);
      if (!r) {
        r = { room: e.room, round: e.round, seats: e.seats, text: canonical(e.seats), holders: new Map() };
        results.set(k, r);
      } else if (r.text !== canonical(e.seats)) {
        fail('settled_once', `${k}: two different results: ${r.text} and ${canonical(e.seats)}`);
      }
      const holder = r.holders.get(e.seat);
      if (holder && holder !== p.name) fail('one_person_per_seat', `${k} seat ${e.seat}: both ${holder} and ${p.name} were sent its result as theirs`);
      r.holders.set(e.seat, p.name);
    }
  }
  for (const r of results.values()) {
    const choices = r.seats.map((s) => s.choice ?? null);
    r.seats.forEach((s, i) => {
      const base = choices.reduce((sum, theirs, j) => (j === i ? sum : sum + duel(choices[i], theirs)), 0);
      const score = base > 0 ? base * s.streak : 0;
      const streakOk = base > 0 ? s.streak >= 1 : s.streak === 0;
      if (s.base !== base || s.score !== score || !streakOk) {
        fail('scoring_rule', `${key(r.room, r.round)} seat ${s.seat}: ${JSON.stringify(s)} breaks the rule (base ${base})`);
      }
    });
  }
  // Totals and streaks carry from one round to the next for the same person in a seat.
  for (const r of results.values()) {
    const prev = results.get(key(r.room, r.round - 1));
    if (!prev) continue;
    for (const s of r.seats) {
      const before = prev.seats.find((x) => x.seat === s.seat);
      const who = r.holders.get(s.seat);
      if (!before || !who || prev.holders.get(s.seat) !== who) continue;
      const streak = s.base > 0 ? before.streak + 1 : 0;
      if (s.total !== before.total + s.score || s.streak !== streak) {
        fail('scoring_rule', `${key(r.room, r.round)} seat ${s.seat} (${who}): total ${s.total} streak ${s.streak} after ${before.total}/${before.streak}`);
      }
    }
  }

  // ---- no round vanished ---------------------------------------------------------------
  /** room → every round number seen starting or settling */
  const rounds = new Map();
  const seenRound = (room, round) => {
    if (!rounds.has(room)) rounds.set(room, new Set());
    rounds.get(room).add(round);
  };
  for (const p of players) {
    for (const e of p.diary) if ((e.kind === 'start' || e.kind === 'result') && e.room) seenRound(e.room, e.round);
  }
  let lostRounds = 0;
  for (const [room, set] of rounds) {
    const max = Math.max(...set);
    for (let n = 1; n <= max; n++) {
      if (!results.has(key(room, n))) {
        lostRounds += 1;
        fail('round_lost', `${key(room, n)} ${set.has(n) ? 'started' : 'came before a later round'} but no player was sent its result`);
      }
    }
  }
  // Rounds that were running when a fault struck: the last start before it, no result yet.
  let runningAtFault = 0;
  let settledAfterFault = 0;
  for (const f of faults) {
    const running = new Set();
    for (const p of players) {
      const last = p.diary.filter((e) => e.t < f.at && e.kind === 'start').at(-1);
      if (!last) continue;
      const settledBefore = p.diary.some((e) => e.t < f.at && e.kind === 'result' && e.room === last.room && e.round === last.round);
      if (!settledBefore) running.add(key(last.room, last.round));
    }
    runningAtFault += running.size;
    for (const k of running) if (results.has(k)) settledAfterFault += 1;
  }

  // ---- seats: one person each, one seat per person -----------------------------------
  // A person's tenure of a seat runs from its `hi` to the last frame it was sent there.
  const tenures = [];
  for (const p of players) {
    let cur = null;
    for (const e of p.diary) {
      if (e.kind === 'hi') {
        if (cur && (cur.room !== e.room || cur.seat !== e.seat)) { tenures.push(cur); cur = null; }
        if (!cur) cur = { name: p.name, room: e.room, seat: e.seat, from: e.t, to: e.t };
      } else if (cur && e.room === cur.room && ['start', 'result', 'room', 'state'].includes(e.kind)) {
        cur.to = e.t;
      }
    }
    if (cur) tenures.push(cur);
  }
  const overlaps = (a, b) => a.from <= b.to && b.from <= a.to;
  const bySeat = new Map();
  for (const t of tenures) {
    const k = `${t.room}/${t.seat}`;
    for (const other of bySeat.get(k) ?? []) {
      if (other.name !== t.name && overlaps(other, t)) {
        fail('one_person_per_seat', `${k}: ${other.name} and ${t.name} held it at the same time`);
      }
    }
    bySeat.set(k, [...(bySeat.get(k) ?? []), t]);
  }
  const byName = new Map();
  for (const t of tenures) byName.set(t.name, [...(byName.get(t.name) ?? []), t]);
  for (const [name, list] of byName) {
    for (let i = 0; i < list.length; i++) {
      for (let j = i + 1; j < list.length; j++) {
        if (overlaps(list[i], list[j])) fail('one_seat_per_person', `${name} held ${list[i].room}/${list[i].seat} and ${list[j].room}/${list[j].seat} at once`);
      }
    }
  }
  // What the rooms said: a person shown seated in two rooms, interleaved in time.
  /** name → [t, room] of every start that listed them */
  const shownIn = new Map();
  for (const p of players) {
    for (const e of p.diary) {
      if (e.kind !== 'start') continue;
      for (const [, name] of e.names) shownIn.set(name, [...(shownIn.get(name) ?? []), [e.t, e.room]]);
    }
  }
  for (const [name, list] of shownIn) {
    list.sort((a, b) => a[0] - b[0]);
    const left = new Set();
    let last = null;
    for (const [, room] of list) {
      if (room === last) continue;
      if (left.has(room)) { fail('one_seat_per_person', `${name} was seated in ${room} again after playing elsewhere`); break; }
      if (last) left.add(last);
      last = room;
    }
  }

  // ---- stats: exactly the results each player was sent --------------------------------
  for (const p of players) {
    const mine = new Map();
    for (const e of p.diary) {
      if (e.kind !== 'result') continue;
      const s = e.seats.find((x) => x.seat === e.seat);
      if (s) mine.set(key(e.room, e.round), s);
    }
    const want = { rounds: 0, total: 0, wins: 0, best_streak: 0 };
    for (const s of mine.values()) {
      want.rounds += 1;
      want.total += s.score;
      want.wins += s.base > 0 ? 1 : 0;
      want.best_streak = Math.max(want.best_streak, s.streak);
    }
    const got = stats[p.name];
    if (!got) { fail('stats_match_results', `${p.name}: no /api/me answer`); continue; }
    for (const field of Object.keys(want)) {
      if (got[field] !== want[field]) {
        fail('stats_match_results', `${p.name}: /api/me ${field} ${got[field]}, the results sent say ${want[field]}`);
      }
    }
  }

  // ---- resume within the grace ---------------------------------------------------------
  const backInSeat = [];
  const backFromFault = [];
  let resumesExpected = 0;
  for (const f of faults) {
    if (f.up - f.at >= graceMs) continue;
    for (const p of players) {
      const before = p.diary.filter((e) => e.t < f.at && e.kind === 'hi').at(-1);
      if (!before) continue;
      resumesExpected += 1;
      const next = p.diary.find((e) => e.t >= f.at && e.kind === 'hi');
      if (!next || !next.resumed || next.room !== before.room || next.seat !== before.seat || next.t > f.at + graceMs) {
        fail('resumed_in_grace', `${p.name} (fault at ${Math.round(f.at)} ms, back up after ${Math.round(f.up - f.at)} ms): ${next ? `next hi ${next.room}/${next.seat} resumed=${next.resumed} at +${Math.round(next.t - f.at)} ms` : 'never seated again'}`);
        continue;
      }
      backInSeat.push(next.t - f.up);
      backFromFault.push(next.t - f.at);
    }
  }

  // ---- frames that were never answered, and the whole round for everyone (issue 19) ---
  // A hand is answered by its round's result, or by an error frame before the next start
  // (a hand that reached the room after the round settled is refused after its result).
  // How long each player had: from its `start` arriving to its `result` arriving, for
  // rounds with no fault in between (a fault stretches a round by the downtime). And hands
  // refused as `not_in_round` although sent on an open socket within the first 90 % of
  // the round as the client saw it (`ends_in_ms` from its `start`).
  let choices = 0;
  let unanswered = 0;
  let shownInResult = 0;
  const seen = [];
  let refusedInTime = 0;
  let sentOpenInTime = 0;
  const faultBetween = (a, b) => faults.some((f) => f.at <= b && f.up >= a);
  for (const p of players) {
    const starts = new Map();
    const { diary } = p;
    /** (room, round) → where in the diary its last result arrived */
    const resultAt = new Map();
    diary.forEach((e, i) => { if (e.kind === 'result') resultAt.set(key(e.room, e.round), i); });
    diary.forEach((e, i) => {
      if (e.kind === 'start') starts.set(key(e.room, e.round), e);
      if (e.kind === 'result') {
        const s = starts.get(key(e.room, e.round));
        if (s && !faultBetween(s.t, e.t)) seen.push(e.t - s.t);
      }
      if (e.kind !== 'sent') return;
      choices += 1;
      const gotResult = (resultAt.get(key(e.room, e.round)) ?? -1) > i;
      const errorCodes = [];
      for (let j = i + 1; j < diary.length && diary[j].kind !== 'start'; j++) {
        if (diary[j].kind === 'error') errorCodes.push(diary[j].code);
      }
      if (!gotResult && errorCodes.length === 0) unanswered += 1;
      const r = results.get(key(e.room, e.round));
      const mineSeat = [...(r?.holders ?? [])].find(([, who]) => who === p.name)?.[0];
      if (r && r.seats.find((x) => x.seat === mineSeat)?.choice === e.choice) shownInResult += 1;
      const s = starts.get(key(e.room, e.round));
      if (e.state !== 'open' || !s || e.t - s.t > 0.9 * s.ends_in_ms) return;
      sentOpenInTime += 1;
      if (errorCodes.includes('not_in_round')) refusedInTime += 1;
    });
  }

  // ---- closes --------------------------------------------------------------------------
  const closes = {};
  for (const p of players) {
    for (const e of p.diary) if (e.kind === 'drop' || e.kind === 'close') closes[e.code] = (closes[e.code] ?? 0) + 1;
  }
  const errors = {};
  for (const p of players) for (const e of p.diary) if (e.kind === 'error') errors[e.code] = (errors[e.code] ?? 0) + 1;

  // Connection attempts: how many, and how many neither opened nor failed within 5 s (the
  // SDK waits its connect timeout on those before it tries again).
  let dials = 0;
  let dialsHung = 0;
  for (const p of players) {
    for (const e of p.diary) {
      if (e.kind !== 'dial') continue;
      dials += 1;
      if (e.settled == null || e.settled - e.t > 5000) dialsHung += 1;
    }
  }

  const round1 = (x) => (x == null ? null : Math.round(x));
  return {
    violations,
    figures: {
      players: players.length,
      rooms: rounds.size,
      rounds_settled: results.size,
      faults: faults.map((f) => ({ kind: f.kind, down_ms: Math.round(f.up - f.at) })),
      rounds_running_at_faults: runningAtFault,
      of_them_settled: settledAfterFault,
      rounds_lost: lostRounds,
      resumes_expected: resumesExpected,
      resumes_in_grace: backInSeat.length,
      back_in_seat_after_server_up_ms: { p50: round1(quantile(backInSeat, 0.5)), p99: round1(quantile(backInSeat, 0.99)), max: round1(quantile(backInSeat, 1)) },
      back_in_seat_after_fault_ms: { p50: round1(quantile(backFromFault, 0.5)), p99: round1(quantile(backFromFault, 0.99)) },
      choices_sent: choices,
      choices_unanswered: unanswered,
      choices_in_results: shownInResult,
      round_seen_ms: { min: round1(quantile(seen, 0)), p1: round1(quantile(seen, 0.01)), p50: round1(quantile(seen, 0.5)) },
      hands_sent_open_in_first_90pct: sentOpenInTime,
      of_them_refused_not_in_round: refusedInTime,
      connection_attempts: dials,
      attempts_unanswered_5s: dialsHung,
      closes_by_code: closes,
      errors_by_code: errors,
    },
  };
}
