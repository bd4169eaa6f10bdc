// Dig gold: the board as the server shows it (undug cells are unknown here too); tap a
// cell on your turn to dig it.
const { makeClient, defaultName } = require('../../utils/session.js');

/** Rows of the board as strings ('.', '0'–'8', '$') → cells for the view. */
function cellsOf(rows) {
  return rows.map((row, y) => row.split('').map((c, x) => ({
    key: `${x}-${y}`, x, y, dug: c !== '.', gold: c === '$', text: c === '.' || c === '0' ? '' : c === '$' ? '💰' : c,
  })));
}

Page({
  data: {
    connection: 'idle',
    mySeat: null,
    seats: [],
    scores: {},
    rows: [],
    cells: [],
    turn: null,
    myTurn: false,
    secondsLeft: 0,
    over: null, // {text, won}
  },

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
      clearInterval(this.timer);
      this.setScores(f.scores);
      const won = f.winners.indexOf(this.data.mySeat) >= 0;
      const names = f.winners.map((w) => (this.data.seats.find((s) => s.seat === w) || {}).name).join(', ');
      this.setData({ turn: null, myTurn: false, over: { won, text: won ? '你赢了！You win! 🏆' : `赢家 Winner: ${names}` } });
    });
    client.connect();
  },

  onUnload() {
    clearInterval(this.timer);
    this.client.close();
  },

  setScores(scores) {
    const map = {};
    scores.forEach((s) => { map[s.seat] = s.gold; });
    this.setData({ scores: map });
  },

  showTurn(seat, endsInMs) {
    clearInterval(this.timer);
    const end = Date.now() + endsInMs;
    const tick = () => this.setData({ secondsLeft: Math.max(0, Math.ceil((end - Date.now()) / 1000)) });
    this.setData({ turn: seat, myTurn: seat === this.data.mySeat });
    tick();
    this.timer = setInterval(tick, 250);
  },

  dig(e) {
    const { x, y } = e.currentTarget.dataset;
    if (!this.data.myTurn || this.data.rows[y][x] !== '.') return;
    this.client.send({ type: 'dig', x, y });
  },

  playAgain() {
    this.client.send({ type: 'join' });
    this.setData({ over: null });
  },
});
