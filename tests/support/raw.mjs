// A WebSocket client at the byte level (RFC 6455 over a plain TCP socket), for the
// hostile suite: it can send what no well-behaved client library will (invalid UTF-8,
// unmasked or reserved-bit frames, bytes before the handshake is answered, bad close
// codes) and shows the handshake's HTTP status and headers as they are.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export const OP = { CONT: 0x0, TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8, PING: 0x9, PONG: 0xa };

/** Encodes one frame. Client frames are masked unless `mask` is false. */
export function frame({ opcode = OP.TEXT, payload = Buffer.alloc(0), fin = true, mask = true, rsv = 0 }) {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const len = data.length;
  const head = [((fin ? 0x80 : 0) | (rsv << 4) | opcode) & 0xff];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else {
    head.push(maskBit | 127);
    const big = Buffer.alloc(8);
    big.writeBigUInt64BE(BigInt(len));
    head.push(...big);
  }
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = randomBytes(4);
  const masked = Buffer.from(data);
  for (let i = 0; i < masked.length; i++) masked[i] ^= key[i % 4];
  return Buffer.concat([Buffer.from(head), key, masked]);
}

/**
 * Opens a TCP connection to 127.0.0.1:`port`, sends a WebSocket handshake for `path`
 * with `headers` (plus `early` bytes right behind it, before any answer), and resolves
 * once the HTTP answer's head has arrived.
 */
export function rawConnect(port, { path = '/ws', headers = {}, early } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const conn = new RawConnection(sock);
    sock.on('error', reject);
    sock.on('connect', () => {
      const lines = [
        `GET ${path} HTTP/1.1`,
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
        '', '',
      ];
      sock.write(lines.join('\r\n'));
      if (early) sock.write(early);
    });
    conn.headReady.then(() => resolve(conn), reject);
  });
}

class RawConnection {
  constructor(sock) {
    this.sock = sock;
    this.buffer = Buffer.alloc(0);
    this.status = null;
    this.headers = {};
    this.body = '';
    /** Frames from the server: {opcode, payload (Buffer), text, code (close frames)}. */
    this.frames = [];
    this.waiters = [];
    this.ended = false;
    let headDone;
    this.headReady = new Promise((resolve, reject) => {
      headDone = resolve;
      sock.on('close', () => (this.status === null ? reject(new Error('closed before an answer')) : null));
    });
    this.closed = new Promise((resolve) => sock.on('close', resolve));
    sock.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      if (this.status === null) {
        const end = this.buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = this.buffer.subarray(0, end).toString('latin1').split('\r\n');
        this.status = Number(head[0].split(' ')[1]);
        for (const line of head.slice(1)) {
          const i = line.indexOf(':');
          this.headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
        }
        this.buffer = this.buffer.subarray(end + 4);
        headDone();
      }
      if (this.status === 101) this.parseFrames();
      else this.body += this.buffer.toString('utf8'), (this.buffer = Buffer.alloc(0));
      this.wake();
    });
    sock.on('close', () => { this.ended = true; this.wake(); });
  }

  parseFrames() {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      let len = b[1] & 0x7f;
      let at = 2;
      if (len === 126) { if (b.length < 4) return; len = b.readUInt16BE(2); at = 4; }
      else if (len === 127) { if (b.length < 10) return; len = Number(b.readBigUInt64BE(2)); at = 10; }
      if (b.length < at + len) return;
      const opcode = b[0] & 0x0f;
      const payload = b.subarray(at, at + len);
      const f = { opcode, payload };
      if (opcode === OP.TEXT) f.text = payload.toString('utf8');
      if (opcode === OP.CLOSE) f.code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.frames.push(f);
      this.buffer = b.subarray(at + len);
    }
  }

  wake() { this.waiters.forEach((w) => w()); }

  send(opts) { this.sock.write(frame(opts)); }
  sendText(text) { this.send({ opcode: OP.TEXT, payload: text }); }
  write(bytes) { this.sock.write(bytes); }

  /** Text frames parsed as JSON (others as {type:'<non-json>'}). */
  json() {
    return this.frames.filter((f) => f.opcode === OP.TEXT).map((f) => {
      try { return JSON.parse(f.text); } catch { return { type: '<non-json>', text: f.text }; }
    });
  }

  /** Waits until `predicate(this)` holds or the connection ends; then returns this. */
  until(predicate, timeout = 10_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate(this) || this.ended) { done(); resolve(this); }
      };
      const timer = setTimeout(() => { done(); reject(new Error(`timed out; frames: ${JSON.stringify(this.json())}`)); }, timeout);
      const done = () => { clearTimeout(timer); this.waiters = this.waiters.filter((w) => w !== check); };
      this.waiters.push(check);
      check();
    });
  }

  /** Waits for a frame of JSON `type`. */
  async next(type, timeout) {
    await this.until((c) => c.json().some((f) => f.type === type), timeout);
    const found = this.json().find((f) => f.type === type);
    if (!found) throw new Error(`no ${type}: connection ended; frames ${JSON.stringify(this.json())}`);
    return found;
  }

  /** The close frame's code once one arrived (or the TCP connection ended: null). */
  async closeCode(timeout) {
    await this.until((c) => c.frames.some((f) => f.opcode === OP.CLOSE), timeout);
    return this.frames.find((f) => f.opcode === OP.CLOSE)?.code ?? null;
  }

  destroy() { this.sock.destroy(); }
}
