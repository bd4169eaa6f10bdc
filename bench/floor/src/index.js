// The floor: a minimal Worker + Durable Objects in plain JavaScript that speaks the
// subset of the Edge Arena protocol the load generator uses, so both can be measured
// with the same load. What it has: guest tokens (HS256 JWT, verified with WebCrypto on
// every connect, as the Rust server does), a matchmaker object that fills rooms of two,
// hibernatable sockets (acceptWebSocket), the ping/pong heartbeat answered by the
// platform (setWebSocketAutoResponse), rounds ended by the object's alarm, pairwise
// streak scoring, and a per-connection rate limit (20-frame burst, 10/s).
// Spectators (`/ws?watch=<room>`) hear every broadcast. What it leaves out: bots,
// heartbeat timeouts, away seats and resume, `hello`.
import { DurableObject } from 'cloudflare:workers';

const PING = '{"type":"ping"}';
const PONG = '{"type":"pong"}';
const SIZE = 2;
const HANDS = ['rock', 'paper', 'scissors'];
const FACES = ['laugh', 'cry', 'angry', 'smirk'];
const JWT_HEADER = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'; // {"alg":"HS256","typ":"JWT"}
const TOKEN_TTL_S = 7 * 24 * 3600;

const json = (body, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

// ---- tokens -------------------------------------------------------------------------

const enc = new TextEncoder();
let keyFor = null; // [secret, Promise<CryptoKey>], one import per isolate

function hmacKey(secret) {
  if (!keyFor || keyFor[0] !== secret) {
    const key = crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' },
      false, ['sign', 'verify']);
    keyFor = [secret, key];
  }
  return keyFor[1];
}

function b64url(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function unb64url(text) {
  const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

async function issue(secret, sub) {
  const iat = Math.floor(Date.now() / 1000);
  const claims = { sub, kind: 'guest', iat, exp: iat + TOKEN_TTL_S };
  const body = `${JWT_HEADER}.${b64url(enc.encode(JSON.stringify(claims)))}`;
  const sig = await crypto.subtle.sign('HMAC', await hmacKey(secret), enc.encode(body));
  return { token: `${body}.${b64url(new Uint8Array(sig))}`, claims };
}

/** The token's claims, or null when it is not a valid, unexpired token of ours. */
async function verify(secret, token) {
  if (token.length > 1024) return null;
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== JWT_HEADER) return null;
  try {
    const ok = await crypto.subtle.verify('HMAC', await hmacKey(secret), unb64url(parts[2]),
      enc.encode(`${parts[0]}.${parts[1]}`));
    if (!ok) return null;
    const claims = JSON.parse(new TextDecoder().decode(unb64url(parts[1])));
    return typeof claims.sub === 'string' && claims.exp * 1000 > Date.now() ? claims : null;
  } catch {
    return null;
  }
}

/** A socket that only says why it is refused, then closes. */
function refuse(code, message, closeCode) {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].send(JSON.stringify({ type: 'error', code, message }));
  pair[1].close(closeCode, code);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

// ---- the Worker ---------------------------------------------------------------------

export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === '/health') return json({ ok: true, service: 'edge-arena-floor' });
    if (url.pathname === '/api/guest' && req.method === 'POST') {
      const id = [...crypto.getRandomValues(new Uint8Array(8))]
        .map((b) => b.toString(16).padStart(2, '0')).join('');
      const { token, claims } = await issue(env.TOKEN_SECRET, `guest:${id}`);
      return json({ token, player: claims.sub, expires_at: claims.exp * 1000 });
    }
    if (url.pathname !== '/ws') return new Response('Not Found', { status: 404 });
    if ((req.headers.get('upgrade') || '').toLowerCase() !== 'websocket') {
      return new Response('WebSocket endpoint', { status: 426 });
    }
    const token = url.searchParams.get('token');
    if (token !== null && !(await verify(env.TOKEN_SECRET, token))) {
      return refuse('unauthorized', 'bad or expired token', 4003);
    }
    const watch = url.searchParams.get('watch');
    if (watch) {
      // A spectator: straight to the room, read-only.
      const stub = env.ROOMS.get(env.ROOMS.idFromName(watch));
      return stub.fetch(`https://room/watch?room=${encodeURIComponent(watch)}`, { headers: { upgrade: 'websocket' } });
    }
    const name = url.searchParams.get('name') || 'Player';
    if ([...name].length > 32) return new Response('name too long', { status: 400 });

    const mm = env.MATCHMAKER.get(env.MATCHMAKER.idFromName('global'));
    let refused = null;
    for (let attempt = 0; attempt < 4; attempt++) {
      const room = await mm.assign(refused);
      const stub = env.ROOMS.get(env.ROOMS.idFromName(room));
      const target = `https://room/connect?room=${encodeURIComponent(room)}&name=${encodeURIComponent(name)}`;
      const resp = await stub.fetch(target, { headers: { upgrade: 'websocket' } });
      if (resp.status !== 409) return resp;
      refused = room;
    }
    return new Response('rooms full', { status: 503 });
  },
};

// ---- matchmaker ---------------------------------------------------------------------

export class FloorMatchmaker extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.next = 0;
    this.free = new Map(); // room number → free seats (insertion order = oldest first)
    ctx.blockConcurrencyWhile(async () => {
      const saved = await ctx.storage.get('mm');
      if (saved) {
        this.next = saved.next;
        this.free = new Map(saved.free);
      }
    });
  }

  save() {
    // Not awaited: the output gate holds our answer until the write is durable.
    this.ctx.storage.put('mm', { next: this.next, free: [...this.free] });
  }

  /** The first room with a free seat, else a new one; reserves the seat. */
  assign(refused) {
    if (refused) this.free.set(Number(refused.slice(2)), 0);
    let pick = null;
    for (const [n, free] of this.free) {
      if (free > 0) { pick = n; break; }
    }
    if (pick === null) {
      pick = this.next++;
      this.free.set(pick, SIZE);
    }
    this.free.set(pick, this.free.get(pick) - 1);
    this.save();
    return `f-${pick}`;
  }

  /** A room says how many seats it has free; an empty room is forgotten. */
  report(room, free) {
    const n = Number(room.slice(2));
    if (free >= SIZE) this.free.delete(n);
    else this.free.set(n, free);
    this.save();
  }
}

// ---- room ---------------------------------------------------------------------------

function roundMs(env) {
  const v = Number(env.ROUND_MS);
  return Number.isInteger(v) && v >= 500 && v <= 120000 ? v : 5000;
}

function beats(a, b) {
  return (HANDS.indexOf(a) - HANDS.indexOf(b) + 3) % 3 === 1;
}

export class FloorRoom extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
    this.roundMs = roundMs(env);
    this.buckets = new Map(); // seat → {tokens, at}; memory only, a wake-up refills
    this.s = null;
    ctx.blockConcurrencyWhile(async () => {
      this.s = (await ctx.storage.get('room')) ?? null;
    });
  }

  save() {
    this.ctx.storage.put('room', this.s);
  }

  send(seat, frame) {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets(String(seat))) {
      try { ws.send(text); } catch { /* closing */ }
    }
  }

  broadcast(frame, except = -1) {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      if (Number(this.ctx.getTags(ws)[0]) === except) continue;
      try { ws.send(text); } catch { /* closing */ }
    }
  }

  views() {
    return this.s.seats.flatMap((p, seat) => (p && !p.gone ? [{
      seat, name: p.name, avatar: '', bot: false, ready: p.ready, away: false,
      total: p.total, streak: p.streak,
    }] : []));
  }

  roomFrame() {
    this.broadcast({ type: 'room', phase: this.s.deadline ? 'playing' : 'waiting', seats: this.views() });
  }

  async fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === '/watch') return this.watch(url.searchParams.get('room'));
    if (url.pathname !== '/connect') return new Response('not found', { status: 404 });
    const room = url.searchParams.get('room');
    this.s ??= { name: room, round: 0, deadline: null, seats: Array(SIZE).fill(null) };
    const seat = this.s.seats.findIndex((p) => p === null);
    if (seat < 0) return new Response('room full', { status: 409 });
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [String(seat)]);
    this.s.seats[seat] = {
      name: url.searchParams.get('name'), total: 0, streak: 0,
      ready: true, inRound: false, choice: null, gone: false,
    };
    this.send(seat, {
      type: 'hi', room, seat, size: SIZE, online: 0, round_ms: this.roundMs, resume: '', resumed: false,
    });
    this.roomFrame();
    this.maybeStart();
    this.save();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** A spectator socket: it hears every broadcast (tag `spectator`, never a seat). */
  watch(room) {
    if (!this.s) return refuse('no_such_room', 'no such room', 1000);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], ['spectator']);
    pair[1].send(JSON.stringify({ type: 'watching', room, game: 'rps', size: SIZE }));
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  maybeStart() {
    const s = this.s;
    if (s.deadline || !s.seats.every((p) => p && p.ready)) return;
    s.round += 1;
    s.deadline = Date.now() + this.roundMs;
    for (const p of s.seats) Object.assign(p, { ready: false, inRound: true, choice: null });
    this.ctx.storage.setAlarm(s.deadline);
    this.broadcast({
      type: 'start', round: s.round, round_ms: this.roundMs, ends_in_ms: this.roundMs, seats: this.views(),
    });
  }

  /** One frame off the seat's bucket: a burst of 20, refilled at 10 per second. */
  allowed(seat) {
    const now = Date.now();
    const b = this.buckets.get(seat) ?? { tokens: 20, at: now };
    b.tokens = Math.min(20, b.tokens + ((now - b.at) * 10) / 1000);
    b.at = now;
    this.buckets.set(seat, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  async webSocketMessage(ws, text) {
    if (this.ctx.getTags(ws)[0] === 'spectator') {
      // Spectators only leave (their pings are answered by the platform).
      if (text.includes('"leave"')) ws.close(1000, 'left');
      return;
    }
    const seat = Number(this.ctx.getTags(ws)[0]);
    const p = this.s?.seats[seat];
    const error = (code, message) => ws.send(JSON.stringify({ type: 'error', code, message }));
    if (!p || p.gone) return error('not_seated', 'this connection holds no seat');
    if (!this.allowed(seat)) return error('rate_limited', 'slow down');
    let f;
    try { f = JSON.parse(text); } catch { return error('bad_frame', 'not JSON'); }
    switch (f?.type) {
      case 'choice':
        if (!HANDS.includes(f.choice)) return error('bad_frame', 'choice');
        if (!this.s.deadline || Date.now() >= this.s.deadline || !p.inRound) {
          return error('not_in_round', 'no round is running for this seat');
        }
        p.choice = f.choice;
        this.broadcast({ type: 'movement', seat, what: 'choice' }, seat);
        this.save();
        return;
      case 'face':
        if (!FACES.includes(f.face)) return error('bad_frame', 'face');
        this.broadcast({ type: 'movement', seat, what: 'face', face: f.face }, seat);
        return;
      case 'join':
        if (this.s.deadline) return error('round_in_progress', 'join after the result');
        p.ready = true;
        this.roomFrame();
        this.maybeStart();
        this.save();
        return;
      case 'leave':
        ws.close(1000, 'left');
        return this.release(seat);
      case 'ping':
        return ws.send(PONG);
      default:
        return error('unknown_type', 'unknown frame type');
    }
  }

  async webSocketClose(ws) {
    try { ws.close(1000, 'closed'); } catch { /* already closed */ }
    const seat = Number(this.ctx.getTags(ws)[0]);
    if (this.s?.seats[seat] && !this.s.seats[seat].gone) await this.release(seat);
  }

  async webSocketError(ws) {
    return this.webSocketClose(ws);
  }

  /** The seat's player is gone: a forfeit until a running round settles, else free. */
  async release(seat) {
    const s = this.s;
    const p = s.seats[seat];
    if (!p || p.gone) return;
    if (s.deadline && p.inRound) Object.assign(p, { gone: true, ready: false, choice: null });
    else s.seats[seat] = null;
    this.buckets.delete(seat);
    if (!s.seats.some((q) => q && !q.gone)) {
      s.seats.fill(null);
      s.deadline = null;
      this.ctx.storage.deleteAlarm();
    } else {
      this.roomFrame();
    }
    this.save();
    const free = s.seats.filter((q) => q === null).length;
    await this.env.MATCHMAKER.get(this.env.MATCHMAKER.idFromName('global')).report(s.name, free);
  }

  async alarm() {
    const s = this.s;
    if (!s?.deadline) return;
    const playing = s.seats.flatMap((p, seat) => (p && p.inRound ? [seat] : []));
    const seats = playing.map((seat) => {
      const mine = s.seats[seat].choice;
      let base = 0;
      for (const other of playing) {
        if (other === seat) continue;
        const theirs = s.seats[other].choice;
        if (mine && theirs) base += beats(mine, theirs) ? 1 : beats(theirs, mine) ? -1 : 0;
        else if (mine) base += 1;
        else if (theirs) base -= 1;
      }
      return { seat, choice: mine, base };
    });
    for (const line of seats) {
      const p = s.seats[line.seat];
      p.streak = line.base > 0 ? p.streak + 1 : 0;
      line.score = line.base > 0 ? line.base * p.streak : 0;
      p.total += line.score;
      Object.assign(line, { total: p.total, streak: p.streak });
      Object.assign(p, { inRound: false, choice: null, ready: false });
    }
    s.deadline = null;
    this.broadcast({ type: 'result', round: s.round, seats });
    let freed = false;
    s.seats.forEach((p, i) => {
      if (p?.gone) { s.seats[i] = null; freed = true; }
    });
    if (freed) this.roomFrame();
    this.save();
    if (freed) {
      const free = s.seats.filter((q) => q === null).length;
      await this.env.MATCHMAKER.get(this.env.MATCHMAKER.idFromName('global')).report(s.name, free);
    }
  }
}
