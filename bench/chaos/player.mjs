// One simulated player of the chaos scenario: the real SDK (`ArenaClient` with its own
// backoff, resume and heartbeat, unchanged) playing rock-paper-scissors the way the
// example app does, and a diary of everything it was sent and did, with times on the
// run's one clock. The invariants (invariants.mjs) are checked over these diaries.
import { ArenaClient, browserTransport } from '../../client/src/index.js';

const HANDS = ['rock', 'paper', 'scissors'];

/** The run's clock: milliseconds since the process started, monotonic. */
export const now = () => performance.now();

export class ChaosPlayer {
  /**
   * @param {object} o
   * @param {string} o.wsUrl
   * @param {string} o.name unique in the run: the invariants find players by name
   * @param {string} o.session a guest session token (the player's identity)
   * @param {() => number} o.random
   * @param {number} [o.skipPct] percent of rounds this player lets pass without a hand
   */
  constructor({ wsUrl, name, session, random, skipPct = 5 }) {
    this.name = name;
    this.session = session;
    this.random = random;
    this.skipPct = skipPct;
    /** No new rounds once the run winds down (no `join` after a result). */
    this.winding = false;
    /** @type {{ t: number, kind: string, [k: string]: any }[]} */
    this.diary = [];
    /** The seat this player believes it holds: the last `hi`. */
    this.room = null;
    this.seat = null;
    /** The round it last saw start (in `room`), and whether a hand went in for it. */
    this.round = null;
    this.chose = false;
    /** A `join` went out since the last start or hi: one per gap between rounds. */
    this.readied = false;
    this.client = new ArenaClient({
      url: wsUrl, token: session, name, transport: this.dialing(browserTransport()), random,
    });
    const c = this.client;
    c.on('hi', (f) => this.onHi(f));
    c.on('start', (f) => this.onStart(f));
    c.on('state', (f) => this.onState(f));
    c.on('room', (f) => this.onRoom(f));
    c.on('result', (f) => this.onResult(f));
    c.on('error', (f) => this.note('error', { code: f.code, room: this.room, round: this.round }));
    c.on('drop', (d) => this.note('drop', { code: d.code, reason: d.reason }));
    c.on('close', (d) => this.note('close', { code: d.code, reason: d.reason }));
    c.on('reconnect', (d) => this.note('reconnect', { attempts: d.attempts }));
  }

  /**
   * The SDK's transport, with every connection attempt in the diary: when it was dialled,
   * and when (if ever) it opened or closed. An attempt that does neither is one the SDK
   * gives up on after its connect timeout.
   */
  dialing(transport) {
    return (url, protocols) => {
      const socket = transport(url, protocols);
      const dial = { t: now(), kind: 'dial', settled: null, how: null };
      this.diary.push(dial);
      // The SDK sets its handlers after the transport returns: wrap them once set.
      queueMicrotask(() => {
        const { onopen, onclose } = socket;
        socket.onopen = () => { dial.settled ??= now(); dial.how ??= 'open'; onopen?.(); };
        socket.onclose = (code, reason) => { dial.settled ??= now(); dial.how ??= `close ${code}`; onclose?.(code, reason); };
      });
      return socket;
    };
  }

  note(kind, fields = {}) {
    this.diary.push({ t: now(), kind, ...fields });
  }

  start() {
    this.client.connect();
  }

  onHi(f) {
    this.readied = false;
    this.room = f.room;
    this.seat = f.seat;
    this.note('hi', { room: f.room, seat: f.seat, resumed: f.resumed });
  }

  onStart(f) {
    this.readied = false;
    this.round = f.round;
    this.chose = false;
    this.note('start', { room: this.room, round: f.round, ends_in_ms: f.ends_in_ms, names: f.seats.map((s) => [s.seat, s.name]) });
    this.planChoice(f.round, f.ends_in_ms);
  }

  /** The catch-up after a resume: a round may be running that this player has no hand in. */
  onState(f) {
    this.note('state', { room: this.room, phase: f.phase, round: f.round, ends_in_ms: f.ends_in_ms, choice: f.choice });
    if (f.phase === 'playing' && f.ends_in_ms != null && f.choice == null) {
      if (this.round !== f.round) {
        this.round = f.round;
        this.chose = false;
      }
      if (!this.chose) this.planChoice(f.round, f.ends_in_ms);
    }
    this.readyIfWaiting(f.phase, f.seats);
  }

  onRoom(f) {
    this.note('room', { room: this.room, phase: f.phase, names: f.seats.map((s) => [s.seat, s.name, s.away]) });
    this.readyIfWaiting(f.phase, f.seats);
  }

  onResult(f) {
    this.note('result', { room: this.room, seat: this.seat, round: f.round, seats: f.seats });
    if (this.winding) return;
    // A moment to look at the result, as a person would, then ready for the next round.
    // Unless the round after it has started meanwhile (the `room` frame of the other
    // player's `join` readies this one too).
    const round = f.round;
    setTimeout(() => { if (this.round === round) this.ready(); }, 100 + Math.floor(this.random() * 300));
  }

  /** Between rounds with this seat not ready (after a resume, say): say so. */
  readyIfWaiting(phase, seats) {
    if (this.winding || phase !== 'waiting') return;
    const mine = seats?.find((s) => s.seat === this.seat);
    if (mine && !mine.ready && !mine.bot) this.ready();
  }

  ready() {
    if (this.winding || this.readied) return;
    this.readied = true;
    this.send({ type: 'join' });
  }

  /** A hand at a random moment in the first half of what is left of the round. */
  planChoice(round, endsInMs) {
    if (this.random() * 100 < this.skipPct) return;
    const room = this.room;
    this.chose = true;
    const delay = Math.floor(this.random() * Math.max(0, endsInMs) * 0.5);
    setTimeout(() => {
      if (this.room !== room || this.round !== round) return;
      const choice = HANDS[Math.floor(this.random() * 3)];
      this.send({ type: 'choice', choice }, { room, round, choice, state: this.client.state });
    }, delay);
  }

  send(frame, about) {
    if (frame.type === 'choice') this.note('sent', about);
    this.client.send(frame);
  }

  /** Stops asking for rounds; the ones running finish. */
  windDown() {
    this.winding = true;
  }

  leave() {
    this.client.leave();
  }
}

/** A deterministic random source (mulberry32), so a run's choices and timings repeat. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
