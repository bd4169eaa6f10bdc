// A chat room: messages to everyone, who entered or left, the server's announcements.
const { makeClient, defaultName } = require('../../utils/session.js');

Page({
  data: {
    connection: 'idle',
    mySeat: null,
    online: 0,
    lines: [], // {id, kind: 'said' | 'presence' | 'announcement', name?, text, mine?}
    draft: '',
  },

  onLoad(query) {
    this.nextId = 0;
    const client = makeClient('chat', defaultName(query));
    this.client = client;
    client.on('connection', (connection) => this.setData({ connection }));
    client.on('hi', (f) => this.setData({ mySeat: f.seat }));
    client.on('history', (f) => this.setData({ lines: f.messages.map((m) => this.said(m)) }));
    client.on('said', (f) => this.add(this.said(f)));
    client.on('presence', (f) => {
      this.setData({ online: f.online });
      this.add({ kind: 'presence', text: `${f.name} ${f.event === 'entered' ? '进入了房间' : '离开了'}` });
    });
    client.on('announcement', (f) => this.add({ kind: 'announcement', text: f.text }));
    client.connect();
  },

  onUnload() {
    this.client.close();
  },

  said(m) {
    return { kind: 'said', name: m.name, text: m.text, mine: m.seat === this.data.mySeat };
  },

  add(line) {
    this.nextId += 1;
    this.setData({ lines: this.data.lines.concat([{ id: this.nextId, ...line }]).slice(-100) });
  },

  onInput(e) {
    this.setData({ draft: e.detail.value });
  },

  send() {
    const text = this.data.draft.trim();
    if (text) this.client.send({ type: 'say', text });
    this.setData({ draft: '' });
  },
});
