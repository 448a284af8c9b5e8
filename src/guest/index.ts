// OpenBSD guest understanding: pure functions over console bytes (no I/O).
export * from './types.ts';
export { GuestParser, scanBytes } from './parser.ts';
export { extractDmesg, dmesgRange, stripCrlf } from './dmesg.ts';
export { fold } from './crash.ts';
export { DdbCollector, formatDdb, type DdbEvidence, type DdbStep, type DdbCollectorOptions } from './ddb.ts';
export { sendbugReport, reportLines, deviceFindings, type ReportInput } from './report.ts';
export { redactPasswords } from './redact.ts';
