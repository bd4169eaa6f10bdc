// waitingText: the line a page shows between rounds, for each thing a room can wait for.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { waitingText } from '../src/index.js';

const seat = (n, name, more = {}) => ({ seat: n, name, avatar: '', bot: false, ready: true, away: false, total: 0, streak: 0, ...more });

test('each thing a room waits for has its own line', () => {
  const me = seat(0, 'me');
  const cases = [
    [{ seats: [me], mySeat: 0, room: { size: 2 } }, /Waiting for players… .*a bot joins shortly/],
    [{ seats: [me], mySeat: 0, room: { size: 2, private: true } }, /Waiting for your friend to join/],
    [{ seats: [me, seat(1, 'Ann', { away: true })], mySeat: 0, room: { size: 2 } }, /Waiting for Ann to come back/],
    [{ seats: [me, seat(1, 'Ann', { ready: false })], mySeat: 0, room: { size: 2 } }, /Waiting for Ann to play again/],
    [{ seats: [seat(0, 'me', { ready: false }), seat(1, 'Ann')], mySeat: 0, room: { size: 2 } }, /Press Play again/],
    [{ seats: [me, seat(1, 'Ann')], mySeat: 0, room: { size: 2 } }, /Starting…/],
    [{ seats: [seat(0, 'Bot', { bot: true }), seat(1, 'Ann')], mySeat: 0, room: { size: 2 } }, /take a bot's seat when this round ends/],
    [{ seats: [seat(0, 'Bot', { bot: true }), seat(1, 'Ann')], mySeat: 0, room: { size: 2 }, between: 'game' }, /when this game ends/],
    [{ seats: [me, seat(1, 'Ann')], mySeat: null, room: { size: 2, watching: true } }, /watching: .*waiting for the next round/],
  ];
  for (const [view, want] of cases) assert.match(waitingText(view), want, JSON.stringify(view));
});

test('before hi (no size yet) a lone seat is not called a free one', () => {
  assert.match(waitingText({ seats: [seat(0, 'me', { ready: false })], mySeat: 0, room: { size: null } }), /Press Play again/);
});
