// A chat room: messages to everyone, who entered or left, the server's announcements.
const { makeClient, defaultName } = require('../../utils/session.js');

/** @typedef {import('../../utils/arena.js').ArenaClient} ArenaClient */
/** @typedef {{ kind: 'said' | 'presence' | 'announcement', name?: string, text: string, mine?: boolean }} Line */

Page({
  data: {
    connection: 'idle',
    /** @type {number | null} */
    mySeat: null,
    online: 0,
    /** @type {Array<Line & { id: number }>} */
    lines: [],
    draft: '',
  },

  /** @type {ArenaClient | null} */
  client: null,
  nextId: 0,

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    this.nextId = 0;
    const client = makeClient('chat', defaultName(query));
    this.client = client;
    client.on('connection', (connection) => this.setData({ connection }));
    client.on('hi', (f) => this.setData({ mySeat: f.seat }));
    client.on('history', (f) => {
      this.setData({ lines: f.messages.map((m) => { this.nextId += 1; return { id: this.nextId, ...this.said(m) }; }) });
    });
    client.on('said', (f) => this.add(this.said(f)));
    client.on('presence', (f) => {
      this.setData({ online: f.online });
      this.add({ kind: 'presence', text: `${f.name} ${f.event === 'entered' ? '进入了房间' : '离开了'}` });
    });
    client.on('announcement', (f) => this.add({ kind: 'announcement', text: f.text }));
    client.connect();
  },

  onUnload() {
    if (this.client) this.client.close();
  },

  /**
   * @param {{ seat: number, name: string, text: string }} m
   * @returns {Line}
   */
  said(m) {
    return { kind: 'said', name: m.name, text: m.text, mine: m.seat === this.data.mySeat };
  },

  /** @param {Line} line */
  add(line) {
    this.nextId += 1;
    this.setData({ lines: this.data.lines.concat([{ id: this.nextId, ...line }]).slice(-100) });
  },

  /** @param {WechatMiniprogram.Input} e */
  onInput(e) {
    this.setData({ draft: e.detail.value });
  },

  send() {
    const text = this.data.draft.trim();
    if (text && this.client) this.client.send({ type: 'say', text });
    this.setData({ draft: '' });
  },
});
