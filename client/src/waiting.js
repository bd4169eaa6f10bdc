// What a room between rounds (or games) is waiting for, in words a player reads: the same
// line on the web page and in the example mini-program, from the `room`/`state` seats.
// Without it a page says "waiting for players" while the opponent sits there, about to
// press Play again.

/** @typedef {import('./protocol.js').SeatView} SeatView */

/**
 * @typedef {object} WaitingRoom what kind of room this is
 * @property {number | null} size seats in the room (`hi.size`; `null` before `hi`)
 * @property {boolean} [private] a friend's private room (joined or opened with a code)
 * @property {boolean} [watching] this client only watches
 */

/**
 * The line to show while no round runs.
 * @param {{ seats: SeatView[], mySeat: number | null, room: WaitingRoom, between?: 'round' | 'game' }} view
 *   `between`: what starts next (dig gold plays games, rock-paper-scissors rounds)
 * @returns {string}
 */
export function waitingText({ seats, mySeat, room, between = 'round' }) {
  const mine = seats.find((s) => s.seat === mySeat);
  if (room.watching) return `观战中 · watching: 等待下一局 · waiting for the next ${between}`;
  if (mine?.bot) {
    // A person who claimed a bot's seat watches until the boundary, then sits down.
    return `本局结束后你将接替机器人的座位 · You take a bot's seat when this ${between} ends`;
  }
  const free = room.size === null ? 0 : room.size - seats.length;
  if (free > 0) {
    return room.private
      ? '等待朋友加入… · Waiting for your friend to join'
      : '等待对手… · Waiting for players… (一个人？稍等会有机器人 · alone? a bot joins shortly)';
  }
  const others = seats.filter((s) => s.seat !== mySeat);
  const away = others.filter((s) => s.away);
  if (away.length) return `等待 ${names(away)} 回来 · Waiting for ${names(away)} to come back`;
  const notReady = others.filter((s) => !s.ready && !s.bot);
  if (notReady.length) return `等待 ${names(notReady)} 再来一局 · Waiting for ${names(notReady)} to play again`;
  if (mine && !mine.ready) return '点「再来一局」开始 · Press Play again to start';
  return '马上开始… · Starting…';
}

/** @param {SeatView[]} seats */
const names = (seats) => seats.map((s) => s.name).join(', ');
