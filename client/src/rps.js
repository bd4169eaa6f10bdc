// Rock-paper-scissors helpers shared by the example mini-program and the web page.

/** The hands, with what to show for them (Chinese first, English beside it). */
export const HANDS = [
  { id: 'rock', icon: '✊', zh: '石头', en: 'Rock' },
  { id: 'scissors', icon: '✌️', zh: '剪刀', en: 'Scissors' },
  { id: 'paper', icon: '✋', zh: '布', en: 'Paper' },
];

/** The faces a player can pull (the demo's expressions). */
export const FACES = [
  { id: 'laugh', icon: '😆' },
  { id: 'cry', icon: '😭' },
  { id: 'angry', icon: '😠' },
  { id: 'smirk', icon: '😏' },
];

/** @param {string | null | undefined} id */
export const handIcon = (id) => HANDS.find((h) => h.id === id)?.icon ?? '…';
/** @param {string | null | undefined} id */
export const faceIcon = (id) => FACES.find((f) => f.id === id)?.icon ?? '';

/**
 * A `result` frame seen from `mySeat`: 'win' (base > 0), 'lose' (base < 0) or 'draw',
 * and the lines with names and icons, mine first.
 * @param {Extract<import('./protocol.js').ServerFrame, { type: 'result' }>} result
 * @param {number | null} mySeat (null: watching, or not seated yet)
 * @param {Array<{seat: number, name: string}>} seats the latest seat list, for names
 */
export function describeResult(result, mySeat, seats) {
  const nameOf = (/** @type {number} */ seat) => seats.find((s) => s.seat === seat)?.name ?? `#${seat}`;
  const lines = result.seats
    .map((line) => ({ ...line, name: nameOf(line.seat), icon: handIcon(line.choice), mine: line.seat === mySeat }))
    .sort((a, b) => Number(b.mine) - Number(a.mine));
  const me = lines.find((l) => l.mine);
  /** @type {'win' | 'lose' | 'draw' | 'watch'} */
  const outcome = !me ? 'watch' : me.base > 0 ? 'win' : me.base < 0 ? 'lose' : 'draw';
  return { round: result.round, outcome, lines };
}

/** Texts for outcomes, both languages. */
export const OUTCOME_TEXT = {
  win: '你赢了 · You win',
  lose: '你输了 · You lose',
  draw: '平局 · Draw',
  watch: '本局结束 · Round over',
};
