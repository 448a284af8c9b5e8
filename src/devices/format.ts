// Plain-text renderings of the net and screen reports for the CLI (the panels draw
// their own). Every witness gets a line, and a missing one says so.
import type { NetReport } from './net.ts';
import type { ScreenReport } from './screen.ts';

const NA = 'not available with this backend';

export function formatNetReport(name: string, r: NetReport): string {
	const out: string[] = [`${name}: ${r.verdict.text}`];
	const h = r.host;
	if (h) {
		const acc = h.accepted === undefined ? 'not yet negotiated' : h.accepted ? 'accepted' : 'not accepted';
		out.push(`  host   ${h.device}: host_mtu ${h.hostMtu || 'unset'}, F_MTU ${h.offered ? 'offered' : 'not offered'}, ${acc}`);
		out.push(`         status ${h.statuses.join(',') || '0'}; ${h.negotiations} negotiation(s), ${h.resets} reset(s)`);
		for (const c of h.changes.slice(-3)) out.push(`         ${new Date(c.at).toISOString().slice(11, 19)} ${c.kind} ${c.detail}`);
	} else out.push(`  host   ${NA}`);
	const g = r.guest;
	if (g) {
		const parts = [g.name];
		if (g.negotiationFailed) parts.push('Feature negotiation failed');
		if (g.mtuNotSupported) parts.push(`mtu ${g.mtuNotSupported} not supported`);
		if (g.address) parts.push(`address ${g.address}`);
		parts.push(g.mtu ? `mtu ${g.mtu}` : 'no device mtu');
		out.push(`  guest  ${parts.join(', ')}`);
	} else out.push('  guest  no vio attach line seen');
	const w = r.wire;
	if (w) {
		out.push(`  wire   ${w.framesIn} frames in, largest ${w.largestIn}; ${w.framesOut} out, largest ${w.largestOut}; guest ${w.guestIp ?? '?'} (${w.guestMac ?? '?'})`);
		const hist = w.histogram.filter(([, n]) => n > 0).map(([max, n]) => `<=${max}:${n}`);
		if (hist.length) out.push(`         sizes ${hist.join(' ')}`);
		if (w.fragments) out.push(`         ${w.fragments} IP fragments from the guest`);
		const p = w.probe;
		if (p.state === 'done') out.push(`  probe  largest answered IP packet ${p.mtu} (frame ${p.mtu + 14}) after ${p.tries} tries`);
		else if (p.state === 'running') out.push(`  probe  running (${p.tries} tries so far)`);
		else if (p.state === 'failed') out.push(`  probe  failed: ${p.error}`);
		if (w.pcap) out.push(`  pcap   ${w.pcap}`);
	} else out.push(`  wire   ${NA} (use --net observe,mtu=N)`);
	const i = r.ifconfig;
	if (i && 'error' in i) out.push(`  ifconfig ${i.name}: ${i.error}`);
	else if (i) out.push(`  ifconfig ${i.name}: mtu ${i.mtu ?? '?'}, hardmtu ${i.hardmtu ?? 'not shown'}${i.hwfeatures?.length ? `, ${i.hwfeatures.join(',')}` : ''}`);
	return out.join('\n') + '\n';
}

export function formatAge(ms: number | undefined): string {
	if (ms === undefined) return '?';
	if (ms < 1000) return 'now';
	if (ms < 60_000) return `${Math.round(ms / 1000)} s ago`;
	if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min ago`;
	return `${Math.round(ms / 3_600_000)} h ago`;
}

export function formatScreenReport(name: string, r: ScreenReport): string {
	const out: string[] = [`${name}: ${r.verdict.text}`];
	const h = r.host;
	if (h && h.device && h.width) {
		out.push(`  host   ${h.width}x${h.height}, ${(100 * (h.nonBlack ?? 0)).toFixed(1)}% lit, last change ${formatAge(h.sinceChangeMs)}, ${h.samples} samples`);
		if (h.driverOk !== undefined) out.push(`         virtio-gpu ${h.driverOk ? 'driver ok' : 'no driver'}${h.queueMoved ? ', guest drawing' : ''}`);
	} else if (!h) out.push(`  host   ${NA}`);
	const g = r.guest;
	if (g) {
		out.push(`  guest  ${g.name}${g.width ? ` ${g.width}x${g.height}` : ''}`);
		for (const f of g.failures ?? []) out.push(`         ${f.message} x${f.count}`);
		if (g.failureRate !== undefined) out.push(`         ${g.failureRate} failures/min`);
	} else out.push('  guest  no viogpu attach line seen');
	return out.join('\n') + '\n';
}
