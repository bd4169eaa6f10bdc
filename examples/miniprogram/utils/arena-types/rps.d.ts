/**
 * A `result` frame seen from `mySeat`: 'win' (base > 0), 'lose' (base < 0) or 'draw',
 * and the lines with names and icons, mine first.
 * @param {Extract<import('./protocol.js').ServerFrame, { type: 'result' }>} result
 * @param {number | null} mySeat (null: watching, or not seated yet)
 * @param {Array<{seat: number, name: string}>} seats the latest seat list, for names
 */
export function describeResult(result: Extract<import("./protocol.js").ServerFrame, {
    type: "result";
}>, mySeat: number | null, seats: Array<{
    seat: number;
    name: string;
}>): {
    round: number;
    outcome: "watch" | "win" | "lose" | "draw";
    lines: {
        name: string;
        icon: string;
        mine: boolean;
        seat: number;
        choice: import("./protocol.js").Choice | null;
        base: number;
        score: number;
        total: number;
        streak: number;
    }[];
};
/** The hands, with what to show for them (Chinese first, English beside it). */
export const HANDS: {
    id: string;
    icon: string;
    zh: string;
    en: string;
}[];
/** The faces a player can pull (the demo's expressions). */
export const FACES: {
    id: string;
    icon: string;
}[];
export function handIcon(id: string | null | undefined): string;
export function faceIcon(id: string | null | undefined): string;
export namespace OUTCOME_TEXT {
    let win: string;
    let lose: string;
    let draw: string;
    let watch: string;
}
