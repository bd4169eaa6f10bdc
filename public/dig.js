// Dig gold: draws the board the server shows (never more: undug cells are unknown
// here too), sends `dig` on your turn.
import { waitingText } from './vendor/arena.js';
import { $, mountLeaderboard, startClient } from './common.js';

const { client, room, auth } = startClient('dig');
const leaderboard = mountLeaderboard('dig', auth);
const view = { mySeat: null, seats: [], rows: [], turn: null, timer: null, scores: {}, over: false };

/** Between games: say what the room waits for (a friend, a player, someone's Play again). */
function drawWaiting() {
  if (view.turn !== null || view.over) return;
  $('turn').dataset.mine = false;
  $('turn').textContent = waitingText({ seats: view.seats, mySeat: view.mySeat, room, between: 'game' });
}

function drawSeats() {
  $('seats').replaceChildren(...view.seats.map((s) => {
    const el = document.createElement('div');
    el.className = `seat${s.seat === view.mySeat ? ' me' : ''}${s.away ? ' away' : ''}`;
    el.dataset.seat = s.seat;
    el.innerHTML = '<div class="avatar"></div><div class="name"></div><div class="score"></div>';
    el.querySelector('.avatar').textContent = s.avatar || '⛏️';
    el.querySelector('.name').textContent = `${s.name}${s.seat === view.mySeat ? '（我 me）' : ''}${view.turn === s.seat ? ' ⏳' : ''}`;
    el.querySelector('.score').textContent = `💰 ${view.scores[s.seat] ?? 0}`;
    return el;
  }));
}

function drawBoard() {
  const width = view.rows[0]?.length ?? 0;
  $('board').style.gridTemplateColumns = `repeat(${width}, 34px)`;
  $('board').replaceChildren(...view.rows.flatMap((row, y) => [...row].map((c, x) => {
    const b = document.createElement('button');
    b.className = `cell${c === '.' ? '' : ' dug'}${c === '$' ? ' gold' : ''}`;
    b.dataset.x = x;
    b.dataset.y = y;
    if (c !== '.') b.dataset.n = c;
    b.textContent = c === '.' ? '' : c === '$' ? '💰' : c === '0' ? '' : c;
    b.onclick = () => { if (c === '.' && view.turn === view.mySeat) client.send({ type: 'dig', x, y }); };
    return b;
  })));
}

function showTurn(seat, endsInMs) {
  view.turn = seat;
  view.over = false;
  clearInterval(view.timer);
  const end = Date.now() + endsInMs;
  const name = view.seats.find((s) => s.seat === seat)?.name ?? `#${seat}`;
  const claiming = !room.watching && view.seats.find((s) => s.seat === view.mySeat)?.bot;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    $('turn').dataset.mine = seat === view.mySeat && !claiming;
    $('turn').textContent = seat === view.mySeat && !claiming
      ? `轮到你了！Your turn — ${left}s`
      : `${name} 正在挖… · ${name} is digging — ${left}s${claiming ? ' · 本局结束后你将接替机器人的座位 · you take a bot\'s seat when this game ends' : ''}`;
  };
  tick();
  view.timer = setInterval(tick, 250);
  drawSeats();
}

const setScores = (scores) => { view.scores = Object.fromEntries(scores.map((s) => [s.seat, s.gold])); };

client.on('hi', (f) => { view.mySeat = f.seat; drawWaiting(); });
client.on('watching', () => drawWaiting());
client.on('room', (f) => { view.seats = f.seats; drawSeats(); drawWaiting(); });
client.on('board', (f) => {
  view.rows = f.rows;
  setScores(f.scores);
  $('result').hidden = true;
  drawBoard();
  if (f.turn !== null) showTurn(f.turn, f.turn_ends_in_ms ?? 0);
});
client.on('dug', (f) => {
  for (const c of f.revealed) {
    const row = [...view.rows[c.y]];
    row[c.x] = c.gold ? '$' : String(c.n);
    view.rows[c.y] = row.join('');
  }
  setScores(f.scores);
  drawBoard();
  drawSeats();
});
client.on('turn', (f) => showTurn(f.seat, f.ends_in_ms));
client.on('game_over', (f) => {
  clearInterval(view.timer);
  view.turn = null;
  view.over = true;
  leaderboard.refresh();
  setScores(f.scores);
  drawSeats();
  // A person who watched this game from a bot's seat did not play it.
  const claiming = !room.watching && view.seats.find((s) => s.seat === view.mySeat)?.bot;
  const won = view.mySeat !== null && !claiming && f.winners.includes(view.mySeat);
  $('outcome').textContent = won ? '你赢了！You win! 🏆' : `赢家 Winner: ${f.winners.map((w) => view.seats.find((s) => s.seat === w)?.name).join(', ')}`;
  $('result').dataset.outcome = won ? 'win' : 'lose';
  $('result').hidden = false;
  $('turn').textContent = '游戏结束 · Game over';
});
$('again').onclick = () => {
  client.send({ type: 'join' });
  $('result').hidden = true;
  view.over = false;
  drawWaiting();
};
