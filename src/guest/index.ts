// OpenBSD guest understanding: pure functions over console bytes (no I/O).
export * from './types.ts';
export { GuestParser, scanBytes } from './parser.ts';
export { extractDmesg } from './dmesg.ts';
export { fold } from './crash.ts';
