// Dig gold: the board as the server shows it (undug cells are unknown here too); tap a
// cell on your turn to dig it. "和好友玩" opens a private room; its share card's path,
// /pages/dig/dig?room=<code>, brings the friend into it.
const { waitingText } = require('../../utils/arena.js');
const {
  makeClient, playFriend, codeOf, noEntryText, enableSharing, defaultName, NO_ENTRY_TEXT,
} = require('../../utils/session.js');

/** @typedef {import('../../utils/arena.js').ArenaClient} ArenaClient */
/** @typedef {import('../../utils/arena.js').ArenaEvents} ArenaEvents */
/** @typedef {import('../../utils/arena.js').FrameOf<'room'>['seats'][number]} Seat */
/** @typedef {import('../../utils/arena.js').FrameOf<'board'>['scores']} Scores */
/** @typedef {{ key: string, x: number, y: number, dug: boolean, gold: boolean, text: string }} Cell */
/** @typedef {{ y: number, cells: Cell[] }} Row */

/**
 * Rows of the board as strings ('.', '0'–'8', '$') → rows of cells for the view. Each
 * row is an object with its own key (`y`): a wx:for needs a wx:key, and an array has no
 * field to name.
 * @param {string[]} rows
 * @returns {Row[]}
 */
function cellsOf(rows) {
  return rows.map((row, y) => ({
    y,
    cells: row.split('').map((c, x) => ({
      key: `${x}-${y}`, x, y, dug: c !== '.', gold: c === '$', text: c === '.' || c === '0' ? '' : c === '$' ? '💰' : c,
    })),
  }));
}

Page({
  data: {
    connection: 'idle',
    /** @type {number | null} */
    mySeat: null,
    /** @type {Seat[]} */
    seats: [],
    /** @type {Record<number, number>} gold per seat */
    scores: {},
    /** @type {string[]} */
    rows: [],
    /** @type {Row[]} */
    cells: [],
    /** @type {number | null} */
    turn: null,
    myTurn: false,
    secondsLeft: 0,
    /** @type {{ text: string, won: boolean } | null} */
    over: null,
    /** the private room's code ('' in a matched room): what the share card carries */
    code: '',
    /** why the page is in no room (a code that opened nothing), '' otherwise */
    noEntry: '',
    opening: false,
    /** what the room waits for between games (a friend, a player away, the next game) */
    waiting: '',
  },

  /** @type {ArenaClient | null} */
  client: null,
  name: '',
  /** seats in the room, from `hi` */
  /** @type {number | null} */
  size: null,
  /** @type {number | undefined} the turn countdown */
  timer: undefined,

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    this.name = defaultName(query);
    enableSharing();
    const code = codeOf(query);
    if (code === false) {
      this.setData({ noEntry: NO_ENTRY_TEXT.unknown_code });
      return;
    }
    this.start(code);
  },

  /**
   * Connects: into the private room of `code`, or matched. Events of a client the page
   * has since replaced are ignored.
   * @param {string | null} code
   */
  start(code) {
    const client = makeClient('dig', this.name, code);
    this.client = client;
    this.setData({ code: code || '', noEntry: '' });
    /**
     * @template {keyof ArenaEvents} K
     * @param {K} type
     * @param {(value: ArenaEvents[K]) => void} fn
     */
    const on = (type, fn) => client.on(type, (value) => { if (this.client === client) fn(value); });
    on('connection', (connection) => this.setData({ connection }));
    on('close', (close) => {
      const noEntry = noEntryText(close);
      if (noEntry) this.setData({ noEntry, code: '' });
    });
    on('hi', (f) => {
      this.size = f.size;
      this.setData({ mySeat: f.seat });
      this.drawWaiting();
    });
    on('room', (f) => {
      this.setData({ seats: f.seats });
      this.drawWaiting();
    });
    on('board', (f) => {
      this.setScores(f.scores);
      this.setData({ rows: f.rows, cells: cellsOf(f.rows), over: null });
      if (f.turn !== null) this.showTurn(f.turn, f.turn_ends_in_ms || 0);
    });
    on('dug', (f) => {
      const rows = this.data.rows.slice();
      for (const c of f.revealed) {
        const row = rows[c.y].split('');
        row[c.x] = c.gold ? '$' : String(c.n);
        rows[c.y] = row.join('');
      }
      this.setScores(f.scores);
      this.setData({ rows, cells: cellsOf(rows) });
    });
    on('turn', (f) => this.showTurn(f.seat, f.ends_in_ms));
    on('game_over', (f) => {
      this.stopTimer();
      this.setScores(f.scores);
      const mySeat = this.data.mySeat;
      const won = mySeat !== null && f.winners.indexOf(mySeat) >= 0;
      const names = f.winners.map((w) => (this.data.seats.find((s) => s.seat === w) || { name: `#${w}` }).name).join(', ');
      this.setData({ turn: null, myTurn: false, over: { won, text: won ? '你赢了！You win! 🏆' : `赢家 Winner: ${names}` } });
    });
    client.connect();
  },

  onUnload() {
    this.stopTimer();
    if (this.client) this.client.close();
  },

  /** "和好友玩 · Play a friend": a private room for dig gold, and this page in it. */
  playFriend() {
    playFriend(this, 'dig', { seats: [], mySeat: null, rows: [], cells: [], turn: null, myTurn: false, over: null, scores: {} }, () => this.stopTimer());
  },

  /**
   * The share card: in a private room its path carries the code.
   * @returns {WechatMiniprogram.Page.ICustomShareContent}
   */
  onShareAppMessage() {
    const code = this.data.code;
    if (!code) return { title: '来挖金子 · Dig gold', path: '/pages/dig/dig' };
    return { title: '来和我挖金子 · Dig gold with me', path: `/pages/dig/dig?room=${code}` };
  },

  /** @param {Scores} scores */
  setScores(scores) {
    /** @type {Record<number, number>} */
    const map = {};
    scores.forEach((s) => { map[s.seat] = s.gold; });
    this.setData({ scores: map });
  },

  /**
   * @param {number} seat
   * @param {number} endsInMs
   */
  showTurn(seat, endsInMs) {
    this.stopTimer();
    const end = Date.now() + endsInMs;
    const tick = () => this.setData({ secondsLeft: Math.max(0, Math.ceil((end - Date.now()) / 1000)) });
    this.setData({ turn: seat, myTurn: seat === this.data.mySeat });
    tick();
    this.timer = setInterval(tick, 250);
  },

  stopTimer() {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  },

  /** @param {WechatMiniprogram.TouchEvent<{}, {}, { x: number, y: number }>} e */
  dig(e) {
    const { x, y } = e.currentTarget.dataset;
    if (!this.client || !this.data.myTurn || this.data.rows[y][x] !== '.') return;
    this.client.send({ type: 'dig', x, y });
  },

  playAgain() {
    if (this.client) this.client.send({ type: 'join' });
    this.setData({ over: null });
  },

  /** The banner between games: what the room waits for, from the seats it last sent. */
  drawWaiting() {
    const room = { size: this.size, private: !!this.data.code };
    this.setData({ waiting: waitingText({ seats: this.data.seats, mySeat: this.data.mySeat, room, between: 'game' }) });
  },
});
