// The playable page: the SDK (vendor/arena.js, bundled from client/src) does the
// networking; this file only draws what the frames say.
import { HANDS, FACES, describeResult, faceIcon, OUTCOME_TEXT, waitingText } from './vendor/arena.js';
import { $, mountLeaderboard, startClient } from './common.js';

const { client, room, auth } = startClient('rps');
const leaderboard = mountLeaderboard('rps', auth);
const view = { mySeat: null, seats: [], phase: 'waiting', countdown: null, myChoice: null };
/** How long a pulled face stays under the avatar (it fades out over the last part). */
const FACE_MS = 4000;

/** Waiting for a bot's seat: welcomed to it, but the bot plays it until the round ends. */
const claiming = () => !room.watching && !!view.seats.find((s) => s.seat === view.mySeat)?.bot;

function drawSeats() {
  $('seats').replaceChildren(...view.seats.map((s) => {
    const el = document.createElement('div');
    el.className = `seat${s.seat === view.mySeat ? ' me' : ''}${s.away ? ' away' : ''}`;
    el.dataset.seat = s.seat;
    el.innerHTML = `<div class="avatar${s.spinning ? ' spin' : ''}"></div><div class="face"></div>
      <div class="name"></div><div class="score"></div>`;
    el.querySelector('.avatar').textContent = s.avatar || (s.bot ? '🤖' : '🙂');
    const face = el.querySelector('.face');
    if (s.face) {
      face.textContent = s.face;
      face.classList.add('shown');
      // The seats are redrawn often: the fade goes on from where it was.
      face.style.animationDelay = `${-(Date.now() - s.faceAt)}ms`;
    }
    el.querySelector('.name').textContent = `${s.name}${s.seat === view.mySeat ? '（我 me）' : ''}${s.away ? ' · 掉线 away' : ''}`;
    el.querySelector('.score').textContent = `${s.total} 分 pts · 连胜 streak ${s.streak}`;
    return el;
  }));
  document.body.dataset.claiming = claiming();
  drawWaiting();
}

/** What the room waits for (only shown between rounds), and the note above the hands. */
function drawWaiting() {
  $('waiting').textContent = waitingText({ seats: view.seats, mySeat: view.mySeat, room });
  const note = room.watching ? '观战中 · watching'
    : claiming() ? '本局结束后你将接替机器人的座位 · You take a bot\'s seat when this round ends' : '';
  $('note').textContent = note;
  $('note').hidden = !note;
}

function setSeats(seats) {
  view.seats = seats.map((s) => ({ ...(view.seats.find((o) => o.seat === s.seat) ?? {}), ...s }));
  drawSeats();
}

function setPhase(phase) {
  view.phase = phase;
  $('waiting').hidden = phase !== 'waiting';
  $('round').hidden = phase !== 'playing';
  $('result').hidden = phase !== 'result';
  document.body.dataset.phase = phase;
  drawWaiting();
}

function countdown(ms) {
  clearInterval(view.countdown);
  const end = Date.now() + ms;
  const tick = () => { $('countdown').textContent = Math.max(0, Math.ceil((end - Date.now()) / 1000)); };
  tick();
  view.countdown = setInterval(tick, 250);
}

function spin(seat, face) {
  const s = view.seats.find((x) => x.seat === seat);
  if (!s) return;
  s.spinning = true;
  if (face) {
    s.face = faceIcon(face);
    s.faceAt = Date.now();
    clearTimeout(s.faceTimer);
    s.faceTimer = setTimeout(() => { s.face = ''; drawSeats(); }, FACE_MS);
  }
  drawSeats();
  clearTimeout(s.timer);
  s.timer = setTimeout(() => { s.spinning = false; drawSeats(); }, 800);
}

function drawHands() {
  $('hands').replaceChildren(...HANDS.map((h) => {
    const b = document.createElement('button');
    b.className = `hand${view.myChoice === h.id ? ' picked' : ''}`;
    b.dataset.choice = h.id;
    b.innerHTML = `<span class="icon">${h.icon}</span><span>${h.zh} ${h.en}</span>`;
    b.onclick = () => { client.send({ type: 'choice', choice: h.id }); view.myChoice = h.id; drawHands(); };
    return b;
  }));
  $('faces').replaceChildren(...FACES.map((f) => {
    const b = document.createElement('button');
    b.className = 'face-btn';
    b.dataset.face = f.id;
    b.textContent = f.icon;
    b.onclick = () => { client.send({ type: 'face', face: f.id }); spin(view.mySeat, f.id); };
    return b;
  }));
}

client.on('hi', (f) => { view.mySeat = f.seat; document.body.dataset.resumed = f.resumed; drawWaiting(); });
client.on('watching', () => drawWaiting());
client.on('room', (f) => setSeats(f.seats));
client.on('start', (f) => {
  setSeats(f.seats);
  view.myChoice = null;
  $('round-no').textContent = f.round;
  $('round-no-en').textContent = f.round;
  drawHands();
  setPhase('playing');
  countdown(f.ends_in_ms);
});
client.on('state', (f) => {
  setSeats(f.seats);
  view.myChoice = f.choice;
  if (f.phase === 'playing') { drawHands(); setPhase('playing'); countdown(f.ends_in_ms ?? 0); }
  // The round on screen is gone: the server restarted, and it keeps only settled rounds
  // (DURABILITY = "settled-rounds"). Ask for the next one, as Play again does.
  else if (view.phase === 'playing') { clearInterval(view.countdown); client.send({ type: 'join' }); setPhase('waiting'); }
});
client.on('movement', (f) => spin(f.seat, f.face));
client.on('result', (f) => {
  clearInterval(view.countdown);
  const r = describeResult(f, view.mySeat, view.seats);
  for (const line of f.seats) Object.assign(view.seats.find((s) => s.seat === line.seat) ?? {}, { total: line.total, streak: line.streak });
  drawSeats();
  // A person who watched this round from a bot's seat did not play it.
  const outcome = claiming() ? 'watch' : r.outcome;
  $('outcome').textContent = OUTCOME_TEXT[outcome];
  $('result').dataset.outcome = outcome;
  $('result').dataset.round = r.round;
  $('lines').replaceChildren(...r.lines.map((l) => {
    const tr = document.createElement('tr');
    tr.dataset.seat = l.seat;
    for (const text of [l.name, l.icon, `+${l.score}`, `总 total ${l.total}`, `连胜 streak ${l.streak}`]) {
      const td = document.createElement('td');
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  }));
  setPhase('result');
  leaderboard.refresh();
});
$('again').onclick = () => { client.send({ type: 'join' }); setPhase('waiting'); };

setPhase('waiting');
