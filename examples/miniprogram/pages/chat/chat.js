// A chat room: messages to everyone, who entered or left, the server's announcements.
// "和好友聊" opens a private room; its share card's path, /pages/chat/chat?room=<code>,
// brings friends into it.
const {
  makeClient, playFriend, codeOf, noEntryText, enableSharing, defaultName, NO_ENTRY_TEXT,
} = require('../../utils/session.js');

/** @typedef {import('../../utils/arena.js').ArenaClient} ArenaClient */
/** @typedef {import('../../utils/arena.js').ArenaEvents} ArenaEvents */
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
    /** the private room's code ('' in a matched room): what the share card carries */
    code: '',
    /** why the page is in no room (a code that opened nothing), '' otherwise */
    noEntry: '',
    opening: false,
  },

  /** @type {ArenaClient | null} */
  client: null,
  name: '',
  nextId: 0,

  /** @param {Record<string, string | undefined>} query */
  onLoad(query) {
    this.nextId = 0;
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
    const client = makeClient('chat', this.name, code);
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
    on('hi', (f) => this.setData({ mySeat: f.seat }));
    on('history', (f) => {
      this.setData({ lines: f.messages.map((m) => { this.nextId += 1; return { id: this.nextId, ...this.said(m) }; }) });
    });
    on('said', (f) => this.add(this.said(f)));
    on('presence', (f) => {
      this.setData({ online: f.online });
      this.add({ kind: 'presence', text: `${f.name} ${f.event === 'entered' ? '进入了房间' : '离开了'}` });
    });
    on('announcement', (f) => this.add({ kind: 'announcement', text: f.text }));
    client.connect();
  },

  onUnload() {
    if (this.client) this.client.close();
  },

  /** "和好友聊 · Chat with friends": a private chat room, and this page in it. */
  playFriend() {
    playFriend(this, 'chat', { mySeat: null, online: 0, lines: [] });
  },

  /**
   * The share card: in a private room its path carries the code.
   * @returns {WechatMiniprogram.Page.ICustomShareContent}
   */
  onShareAppMessage() {
    const code = this.data.code;
    if (!code) return { title: '来聊天 · Chat', path: '/pages/chat/chat' };
    return { title: '来和我聊天 · Chat with me', path: `/pages/chat/chat?room=${code}` };
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
