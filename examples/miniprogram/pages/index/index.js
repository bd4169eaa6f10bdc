// Rock-paper-scissors page. All networking is in the SDK (utils/arena.js, bundled from
// client/src by `npm run sdk`); this page only turns frames into data for the view.
// Going to the background and back needs no code: the SDK's wx transport listens to
// wx.onAppHide / wx.onAppShow and resumes the seat (see app.js).
const {
  HANDS, FACES, describeResult, faceIcon, OUTCOME_TEXT,
} = require('../../utils/arena.js');
const { makeClient, defaultName } = require('../../utils/session.js');

/** @typedef {import('../../utils/arena.js').ArenaClient} ArenaClient */
/** @typedef {import('../../utils/arena.js').FrameOf<'room'>['seats'][number]} SeatView */
/** @typedef {SeatView & { spinning: boolean, face: string }} Seat */
/** @typedef {ReturnType<typeof describeResult> & { outcomeText: string }} Result */
/** @typedef {'rock' | 'paper' | 'scissors'} Hand */

const SPIN_MS = 800;

Page({
  data: {
    connection: 'idle', // idle | connecting | open | reconnecting | closed
    /** @type {number | null} */
    mySeat: null,
    /** @type {Seat[]} */
    seats: [],
    phase: 'waiting', // waiting | playing | result
    round: 0,
    secondsLeft: 0,
    /** @type {Hand | null} */
    myChoice: null,
    /** @type {Result | null} */
    result: null,
    hands: HANDS,
    faces: FACES,
  },

  /** @type {ArenaClient | null} */
  client: null,
  /** @type {{ spin: Record<number, number>, countdown?: number }} */
  timers: { spin: {} },

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    this.timers = { spin: {} };
    const client = makeClient('rps', defaultName(query));
    this.client = client;
    client.on('connection', (connection) => this.setData({ connection }));
    client.on('hi', (f) => this.setData({ mySeat: f.seat }));
    client.on('room', (f) => this.showSeats(f.seats));
    client.on('start', (f) => {
      this.showSeats(f.seats);
      this.setData({ phase: 'playing', round: f.round, myChoice: null, result: null });
      this.countdown(f.ends_in_ms);
    });
    client.on('state', (f) => {
      // After a resume: the room as it is now.
      this.showSeats(f.seats);
      this.setData({ round: f.round, myChoice: f.choice, phase: f.phase === 'playing' ? 'playing' : this.data.phase });
      if (f.ends_in_ms != null) this.countdown(f.ends_in_ms);
    });
    client.on('movement', (f) => this.spin(f.seat, f.face));
    client.on('result', (f) => {
      const described = describeResult(f, this.data.mySeat, this.data.seats);
      /** @type {Result} */
      const result = { ...described, outcomeText: OUTCOME_TEXT[described.outcome] };
      this.stopCountdown();
      const seats = this.data.seats.map((s) => {
        const line = f.seats.find((l) => l.seat === s.seat);
        return line ? { ...s, total: line.total, streak: line.streak } : s;
      });
      this.setData({ phase: 'result', result, seats, secondsLeft: 0 });
    });
    client.connect();
  },

  onUnload() {
    this.stopCountdown();
    Object.values(this.timers.spin).forEach(clearTimeout);
    if (this.client) this.client.close();
  },

  /** @param {WechatMiniprogram.TouchEvent<{}, {}, { choice: Hand }>} e */
  choose(e) {
    const choice = e.currentTarget.dataset.choice;
    if (this.data.phase !== 'playing' || !this.client) return;
    this.client.send({ type: 'choice', choice });
    this.setData({ myChoice: choice });
  },

  /** @param {WechatMiniprogram.TouchEvent<{}, {}, { face: 'laugh' | 'cry' | 'angry' | 'smirk' }>} e */
  pullFace(e) {
    const face = e.currentTarget.dataset.face;
    if (!this.client || this.data.mySeat === null) return;
    this.client.send({ type: 'face', face });
    this.spin(this.data.mySeat, face);
  },

  /** @param {WechatMiniprogram.TouchEvent<{}, {}, { page: string }>} e */
  openGame(e) {
    wx.navigateTo({ url: `/pages/${e.currentTarget.dataset.page}/${e.currentTarget.dataset.page}` });
  },

  playAgain() {
    if (this.client) this.client.send({ type: 'join' });
    this.setData({ phase: 'waiting', result: null, myChoice: null });
  },

  /** @param {SeatView[]} seats */
  showSeats(seats) {
    const old = this.data.seats;
    this.setData({
      seats: seats.map((s) => {
        const before = old.find((o) => o.seat === s.seat);
        return { ...s, spinning: before ? before.spinning : false, face: before ? before.face : '' };
      }),
    });
  },

  /**
   * The other player chose or pulled a face: spin their avatar (the hand stays secret).
   * @param {number} seat
   * @param {string | null} [face]
   */
  spin(seat, face) {
    /** @param {boolean} spinning */
    const mark = (spinning) => this.setData({
      seats: this.data.seats.map((s) => (s.seat === seat
        ? { ...s, spinning, face: face ? faceIcon(face) : s.face } : s)),
    });
    mark(true);
    clearTimeout(this.timers.spin[seat]);
    this.timers.spin[seat] = setTimeout(() => mark(false), SPIN_MS);
  },

  /** @param {number} endsInMs */
  countdown(endsInMs) {
    this.stopCountdown();
    const end = Date.now() + endsInMs;
    const tick = () => this.setData({ secondsLeft: Math.max(0, Math.ceil((end - Date.now()) / 1000)) });
    tick();
    this.timers.countdown = setInterval(tick, 250);
  },

  stopCountdown() {
    if (this.timers.countdown !== undefined) clearInterval(this.timers.countdown);
    this.timers.countdown = undefined;
  },
});
