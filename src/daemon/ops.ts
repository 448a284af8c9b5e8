// Client-protocol operations beyond the core ones in server.ts: device evidence (net,
// screen), guest understanding (report, ddb). Each is a small function over a VM; keep
// the business logic in src/devices/ and src/guest/ and only glue it here.
import type { OpHandler } from './server.ts';

export const extraOps: Record<string, OpHandler> = {};
