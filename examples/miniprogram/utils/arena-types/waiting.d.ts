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
export function waitingText({ seats, mySeat, room, between }: {
    seats: SeatView[];
    mySeat: number | null;
    room: WaitingRoom;
    between?: "round" | "game";
}): string;
export type SeatView = import("./protocol.js").SeatView;
/**
 * what kind of room this is
 */
export type WaitingRoom = {
    /**
     * seats in the room (`hi.size`; `null` before `hi`)
     */
    size: number | null;
    /**
     * a friend's private room (joined or opened with a code)
     */
    private?: boolean | undefined;
    /**
     * this client only watches
     */
    watching?: boolean | undefined;
};
