// The chat room: messages, presence, history and the server's announcements.
import { $, startClient } from './common.js';

const { client } = startClient('chat');
let mySeat = null;

function line(className, parts) {
  const p = document.createElement('p');
  p.className = className;
  for (const [tag, text] of parts) {
    const el = document.createElement(tag);
    el.textContent = text;
    p.append(el);
  }
  $('log').append(p);
  $('log').scrollTop = $('log').scrollHeight;
}

const said = (m) => line(`said${m.seat === mySeat ? ' me' : ''}`, [['b', `${m.name}: `], ['span', m.text]]);

client.on('hi', (f) => { mySeat = f.seat; });
client.on('history', (f) => { $('log').replaceChildren(); f.messages.forEach(said); });
client.on('said', said);
client.on('presence', (f) => {
  line('presence', [['span', `${f.name} ${f.event === 'entered' ? '进入了房间 entered' : '离开了 left'}`]]);
  $('online').textContent = `在线 ${f.online} 人 · ${f.online} online`;
});
client.on('announcement', (f) => line('announcement', [['span', f.text]]));
$('say').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value.trim();
  if (text) client.send({ type: 'say', text });
  $('text').value = '';
};
