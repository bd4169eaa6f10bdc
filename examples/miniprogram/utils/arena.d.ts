// Typings of arena.js (the bundled SDK), made by `npm run sdk`. Do not edit.
export * from './arena-types/index.js';
