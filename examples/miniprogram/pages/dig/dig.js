// Dig gold: the board as the server shows it (undug cells are unknown here too); tap a
// cell on your turn to dig it.
const { makeClient, defaultName } = require('../../utils/session.js');

/** @typedef {import('../../utils/arena.js').ArenaClient} ArenaClient */
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
  },

  /** @type {ArenaClient | null} */
  client: null,
  /** @type {number | undefined} the turn countdown */
  timer: undefined,

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    const client = makeClient('dig', defaultName(query));
    this.client = client;
    client.on('connection', (connection) => this.setData({ connection }));
    client.on('hi', (f) => this.setData({ mySeat: f.seat }));
    client.on('room', (f) => this.setData({ seats: f.seats }));
    client.on('board', (f) => {
      this.setScores(f.scores);
      this.setData({ rows: f.rows, cells: cellsOf(f.rows), over: null });
      if (f.turn !== null) this.showTurn(f.turn, f.turn_ends_in_ms || 0);
    });
    client.on('dug', (f) => {
      const rows = this.data.rows.slice();
      for (const c of f.revealed) {
        const row = rows[c.y].split('');
        row[c.x] = c.gold ? '$' : String(c.n);
        rows[c.y] = row.join('');
      }
      this.setScores(f.scores);
      this.setData({ rows, cells: cellsOf(rows) });
    });
    client.on('turn', (f) => this.showTurn(f.seat, f.ends_in_ms));
    client.on('game_over', (f) => {
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
});
