// Rock-paper-scissors page. All networking is in the SDK (utils/arena.js, bundled from
// client/src by `npm run sdk`); this page only turns frames into data for the view.
// Going to the background and back needs no code: the SDK's wx transport listens to
// wx.onAppHide / wx.onAppShow and resumes the seat (see app.js).
//
// Playing a friend: "和好友玩" opens a private room and moves this page into it; the
// share card (the 转发 menu, or the invite button) carries its code in the path,
// /pages/index/index?room=<code>, and the friend's onLoad(query) joins that room.
const {
  HANDS, FACES, describeResult, faceIcon, OUTCOME_TEXT, waitingText,
} = require('../../utils/arena.js');
const {
  makeClient, playFriend, codeOf, noEntryText, enableSharing, defaultName, NO_ENTRY_TEXT,
} = require('../../utils/session.js');

/** @typedef {import('../../utils/arena.js').ArenaClient} ArenaClient */
/** @typedef {import('../../utils/arena.js').ArenaEvents} ArenaEvents */
/** @typedef {import('../../utils/arena.js').FrameOf<'room'>['seats'][number]} SeatView */
/** @typedef {SeatView & { spinning: boolean, face: string }} Seat */
/** @typedef {ReturnType<typeof describeResult> & { outcomeText: string }} Result */
/** @typedef {'rock' | 'paper' | 'scissors'} Hand */

const SPIN_MS = 800;
/** How long a pulled face stays under the avatar. */
const FACE_MS = 4000;

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
    /** the private room's code ('' in a matched room): what the share card carries */
    code: '',
    /** why the page is in no room (a code that opened nothing), '' otherwise */
    noEntry: '',
    /** a private room is being opened */
    opening: false,
    /** what the room waits for between rounds (a friend, a player away, Play again) */
    waiting: '',
  },

  /** @type {ArenaClient | null} */
  client: null,
  name: '',
  /** seats in the room, from `hi` */
  /** @type {number | null} */
  size: null,
  /** @type {{ spin: Record<number, number>, face: Record<number, number>, countdown?: number }} */
  timers: { spin: {}, face: {} },

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    this.timers = { spin: {}, face: {} };
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
   * has since replaced (after "Play a friend") are ignored.
   * @param {string | null} code
   */
  start(code) {
    const client = makeClient('rps', this.name, code);
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
    on('room', (f) => this.showSeats(f.seats));
    on('start', (f) => {
      this.showSeats(f.seats);
      this.setData({ phase: 'playing', round: f.round, myChoice: null, result: null });
      this.countdown(f.ends_in_ms);
    });
    on('state', (f) => {
      // After a resume: the room as it is now.
      this.showSeats(f.seats);
      if (f.phase !== 'playing' && this.data.phase === 'playing') {
        // The round on screen is gone: the server restarted, and it keeps only settled
        // rounds (DURABILITY = "settled-rounds"). Ask for the next one, as Play again does.
        this.stopCountdown();
        this.playAgain();
        return;
      }
      this.setData({ round: f.round, myChoice: f.choice, phase: f.phase === 'playing' ? 'playing' : this.data.phase });
      if (f.ends_in_ms != null) this.countdown(f.ends_in_ms);
    });
    on('movement', (f) => this.spin(f.seat, f.face));
    on('result', (f) => {
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
    Object.values(this.timers.face).forEach(clearTimeout);
    if (this.client) this.client.close();
  },

  /**
   * "和好友玩 · Play a friend": opens a private room, gives up the matched seat (so that
   * room does not hold it for the resume window), and moves this page into the new
   * room. Then the invite button (open-type="share") or the 转发 menu sends its code.
   */
  playFriend() {
    playFriend(this, 'rps', { seats: [], mySeat: null, phase: 'waiting', result: null, myChoice: null, round: 0 }, () => this.stopCountdown());
  },

  /**
   * The share card: in a private room its path carries the code, so the friend who taps
   * it lands in this room (onLoad(query) joins it).
   * https://developers.weixin.qq.com/miniprogram/dev/reference/api/Page.html#onShareAppMessage-Object-object
   * @returns {WechatMiniprogram.Page.ICustomShareContent}
   */
  onShareAppMessage() {
    const code = this.data.code;
    if (!code) return { title: '来玩石头剪刀布 · Rock-paper-scissors', path: '/pages/index/index' };
    return { title: '来和我玩石头剪刀布 · Play me at rock-paper-scissors', path: `/pages/index/index?room=${code}` };
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
    this.drawWaiting();
  },

  /** The banner between rounds: what the room waits for, from the seats it last sent. */
  drawWaiting() {
    const room = { size: this.size, private: !!this.data.code };
    this.setData({ waiting: waitingText({ seats: this.data.seats, mySeat: this.data.mySeat, room }) });
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
    this.drawWaiting();
  },

  /**
   * The other player chose or pulled a face: spin their avatar (the hand stays secret).
   * A face stays FACE_MS, then goes.
   * @param {number} seat
   * @param {string | null} [face]
   */
  spin(seat, face) {
    /** @param {Partial<Seat>} change */
    const mark = (change) => this.setData({
      seats: this.data.seats.map((s) => (s.seat === seat ? { ...s, ...change } : s)),
    });
    mark(face ? { spinning: true, face: faceIcon(face) } : { spinning: true });
    clearTimeout(this.timers.spin[seat]);
    this.timers.spin[seat] = setTimeout(() => mark({ spinning: false }), SPIN_MS);
    if (face) {
      clearTimeout(this.timers.face[seat]);
      this.timers.face[seat] = setTimeout(() => mark({ face: '' }), FACE_MS);
    }
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
