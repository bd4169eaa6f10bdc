// A test player: a real WebSocket (Node's built-in client) with a queue of received
// frames, so a test can say "the next `result`" and wait for it.

/** The heartbeat, byte for byte as the server's auto-response expects it. */
export const PING = '{"type":"ping"}';

/** `POST /api/guest` on the server behind `wsUrl`: `{token, player, expires_at}`. */
export async function guestSession(wsUrl) {
  const res = await fetch(`${wsUrl.replace(/^ws/, 'http').replace(/\/ws$/, '')}/api/guest`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`guest token refused: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Every player a test file opened, so `leaveAll` can clean up after a failing test. */
const everyone = new Set();

/** Leaves (or at least closes) every player still connected. */
export async function leaveAll() {
  await Promise.all([...everyone].map((p) => p.leave()));
}

export class Player {
  /**
   * Opens a socket to `wsUrl` and waits for it to open. `name` sets the query's name,
   * `resume` a resume token; `heartbeatMs` sends the exact ping frame that often.
   * `session` is the session token (sent as the `bearer.` subprotocol); without one a
   * fresh guest token is fetched, so every Player is a new identity. `game` picks the
   * game (rps, dig, chat); `watch` watches a room as a spectator; `join` is a private
   * room's code (with `watch: '1'`, watch it).
   */
  static async connect(wsUrl, { name, resume, heartbeatMs, session, game, watch, join } = {}) {
    session ??= (await guestSession(wsUrl)).token;
    const query = new URLSearchParams();
    if (name) query.set('name', name);
    if (resume) query.set('resume', resume);
    if (game) query.set('game', game);
    if (watch) query.set('watch', watch);
    if (join) query.set('join', join);
    const qs = query.toString();
    const player = new Player(new WebSocket(qs ? `${wsUrl}?${qs}` : wsUrl, ['edge-arena', `bearer.${session}`]));
    player.session = session;
    await player.opened;
    if (heartbeatMs) {
      player.heartbeat = setInterval(() => {
        if (player.ws.readyState === WebSocket.OPEN) player.ws.send(PING);
      }, heartbeatMs);
      player.closed.then(() => clearInterval(player.heartbeat));
    }
    return player;
  }

  /** How many pongs arrived (answers to heartbeats). */
  pongs() {
    return this.frames.filter((f) => f.type === 'pong').length;
  }

  /** The resume token from the first `hi`. */
  get token() {
    return this.frames.find((f) => f.type === 'hi')?.resume;
  }

  constructor(ws) {
    this.ws = ws;
    everyone.add(this);
    this.frames = []; // every frame received, parsed, in order
    this.raw = []; // the same frames as text
    this.cursor = 0; // frames before this index were consumed by next()
    this.waiters = [];
    this.opened = new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', () => reject(new Error('socket error before open')), { once: true });
    });
    this.closed = new Promise((resolve) => {
      ws.addEventListener('close', (e) => resolve({ code: e.code, reason: e.reason }), { once: true });
    });
    ws.addEventListener('message', (e) => {
      const text = typeof e.data === 'string' ? e.data : '';
      this.raw.push(text);
      let frame;
      try { frame = JSON.parse(text); } catch { frame = { type: '<non-json>', text }; }
      this.frames.push(frame);
      this.waiters.forEach((w) => w());
    });
    ws.addEventListener('close', () => this.waiters.forEach((w) => w()));
  }

  send(frame) { this.ws.send(JSON.stringify(frame)); }
  sendRaw(data) { this.ws.send(data); }

  /**
   * The next frame of `type` after the cursor (frames of other types are skipped and
   * stay in `frames`). Rejects after `timeout` ms or when the socket closes first.
   */
  next(type, timeout = 15_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        for (let i = this.cursor; i < this.frames.length; i++) {
          if (this.frames[i].type === type) {
            this.cursor = i + 1;
            done();
            resolve(this.frames[i]);
            return;
          }
        }
        if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`socket closed while waiting for ${type}; got ${JSON.stringify(this.frames.slice(this.cursor))}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${type} within ${timeout} ms; got ${JSON.stringify(this.frames.slice(this.cursor))}`));
      }, timeout);
      const done = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
      };
      this.waiters.push(check);
      check();
    });
  }

  /** Gives up the seat cleanly (`leave`), so the next test finds no half-full room. */
  async leave() {
    everyone.delete(this);
    if (this.ws.readyState === WebSocket.OPEN) {
      this.send({ type: 'leave' });
      const timer = new Promise((r) => setTimeout(r, 3000));
      await Promise.race([this.closed, timer]);
    }
    return this.close();
  }

  /**
   * Closes from this side and waits for the closing handshake, at most 5 s (a peer that
   * already sent its close frame may be slow to drop the TCP connection).
   */
  close(code = 1000) {
    everyone.delete(this);
    clearInterval(this.heartbeat);
    if (this.ws.readyState <= WebSocket.OPEN) this.ws.close(code, 'done');
    return Promise.race([this.closed, new Promise((r) => setTimeout(r, 5000))]);
  }
}

/** The seed article's rule, written independently of the Rust code, as the oracle. */
export function expectedResult(choices, before) {
  const beats = { rock: 'scissors', scissors: 'paper', paper: 'rock' };
  const duel = (a, b) => {
    if (a && b) return beats[a] === b ? 1 : beats[b] === a ? -1 : 0;
    if (a && !b) return 1;
    if (!a && b) return -1;
    return 0;
  };
  return choices.map((mine, i) => {
    const base = choices.reduce((sum, theirs, j) => (j === i ? sum : sum + duel(mine, theirs)), 0);
    const streak = base > 0 ? before[i].streak + 1 : 0;
    const score = base > 0 ? base * streak : 0;
    return { base, score, total: before[i].total + score, streak };
  });
}
