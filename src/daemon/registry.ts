// The VM registry: every VM directory under the state dir, adopted on daemon start.
// A VM whose helper still answers is running; one whose helper is gone shows how its
// last boot ended. Starting a VM writes its spec, picks the next boot number and spawns
// a detached helper, which then outlives us.
import { EventEmitter } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from '../common/errors.ts';
import { makePrivateDir, vmDir, vmsDir } from '../common/paths.ts';
import { parseSpec, type VmSpec } from '../common/spec.ts';
import { listBoots, nextBoot } from '../helper/logfiles.ts';
import { applyRetention, reasonText, userQuotaBytes } from '../helper/retention.ts';
import { spawnHelper } from '../helper/spawn.ts';
import { execArgv } from '../helper/exec.ts';
import { serialArgv } from '../helper/serial.ts';
import { qemuArgv } from '../helper/qemu.ts';
import { appleArgv } from '../helper/apple.ts';
import { Vm } from './vm.ts';
import { AutoinstallServer, autoinstallSocketPath } from './autoinstall.ts';

async function helperArgv(spec: VmSpec, dir: string): Promise<string[]> {
	switch (spec.backend) {
		case 'exec':
			return execArgv(spec);
		case 'serial':
			return serialArgv(spec);
		case 'qemu':
			return qemuArgv(spec, dir);
		case 'apple':
			return appleArgv(spec, dir);
	}
}

export class Registry extends EventEmitter {
	readonly vms = new Map<string, Vm>();
	/** Response-file servers of VMs with an `autoinstall` spec, while they run. */
	readonly autoinstall = new Map<string, AutoinstallServer>();

	/** Serve the VM's response file (see autoinstall.ts) until it stops. */
	private async serveAutoinstall(spec: VmSpec, dir: string): Promise<void> {
		this.stopAutoinstall(spec.name);
		if (spec.autoinstall === undefined) return;
		const server = new AutoinstallServer(autoinstallSocketPath(dir), spec.autoinstall, (line) => this.vms.get(spec.name)?.audit(`autoinstall: ${line}`), spec.autoinstallSets);
		await server.listen();
		this.autoinstall.set(spec.name, server);
	}

	private stopAutoinstall(name: string): void {
		this.autoinstall.get(name)?.close();
		this.autoinstall.delete(name);
	}

	/** Adopt every VM found on disk. Never throws for one broken VM directory. */
	async load(): Promise<void> {
		makePrivateDir(vmsDir());
		for (const name of readdirSync(vmsDir())) {
			const dir = join(vmsDir(), name);
			const specPath = join(dir, 'spec.json');
			if (!existsSync(specPath)) continue;
			let spec: VmSpec;
			try {
				spec = parseSpec(JSON.parse(readFileSync(specPath, 'utf8')), name, specPath);
			} catch {
				continue;
			}
			const vm = this.track(new Vm(dir, spec, 0));
			if (existsSync(join(dir, 'helper.sock'))) {
				try {
					await vm.adopt(1500);
					// QEMU reconnects to the response-file socket of a new daemon.
					await this.serveAutoinstall(spec, dir).catch(() => {});
					continue;
				} catch {
					// Stale socket: the helper died (host reboot, SIGKILL); fall through.
				}
			}
			vm.loadFinished();
		}
	}

	private track(vm: Vm): Vm {
		const old = this.vms.get(vm.name);
		if (old && old !== vm) old.dispose();
		this.vms.set(vm.name, vm);
		vm.on('changed', () => {
			// Only this VM's own end: a replaced Vm object of the same name may still report.
			if ((vm.state === 'exited' || vm.state === 'lost') && this.vms.get(vm.name) === vm) this.stopAutoinstall(vm.name);
			this.emit('changed');
		});
		return vm;
	}

	/** VMs made on disk since load() (`obsdtui create`), never started: adopt them as created. */
	adoptCreated(): void {
		let names: string[];
		try {
			names = readdirSync(vmsDir());
		} catch {
			return;
		}
		for (const name of names) {
			if (this.vms.has(name)) continue;
			const dir = join(vmsDir(), name);
			const specPath = join(dir, 'spec.json');
			if (!existsSync(specPath) || listBoots(dir).length > 0) continue;
			try {
				const vm = this.track(new Vm(dir, parseSpec(JSON.parse(readFileSync(specPath, 'utf8')), name, specPath), 0));
				vm.loadFinished();
			} catch {
				// not a VM we can read; up NAME will say why
			}
		}
	}

	get(name: string): Vm {
		if (!this.vms.has(name)) this.adoptCreated();
		const vm = this.vms.get(name);
		if (!vm) throw new UserError(`no VM named '${name}' (see 'obsdtui ls')`);
		return vm;
	}

	async up(spec: VmSpec): Promise<Vm> {
		const existing = this.vms.get(spec.name);
		if (existing && (existing.state === 'running' || existing.state === 'starting' || existing.state === 'stopping')) {
			throw new UserError(`${spec.name} is already ${existing.state}`);
		}
		const dir = vmDir(spec.name);
		makePrivateDir(dir);
		const argv = await helperArgv(spec, dir);
		writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec, null, 2) + '\n', { mode: 0o600 });
		const boot = nextBoot(dir);
		// Log retention, before the new boot exists: only finished boots can go.
		const pruned = applyRetention({
			vmsDir: dirname(dir),
			vm: spec.name,
			boot,
			keep: spec.logKeep,
			vmQuotaBytes: spec.logQuota * 1024 * 1024,
			userQuotaBytes: userQuotaBytes(),
			running: (name, b) => this.isRunningBoot(name, b),
		});
		for (const p of pruned) process.stderr.write(`obsdtui daemon: log retention removed ${p.vm} boot ${p.boot} (${p.bytes} bytes, ${reasonText(p.reason)})\n`);
		// Listening before QEMU starts, so the guest's first request finds it.
		await this.serveAutoinstall(spec, dir);
		try {
			await spawnHelper({ vmDir: dir, boot, argv });
		} catch (err) {
			this.stopAutoinstall(spec.name);
			throw err;
		}
		const vm = this.track(new Vm(dir, spec, boot));
		try {
			await vm.adopt(5000);
		} catch (err) {
			// A console source that ran to its end at once (`--exec 'echo hi'`) leaves
			// a finished boot, not a running one.
			if (existsSync(join(dir, 'helper.sock'))) throw err;
			vm.loadFinished();
		}
		this.emit('changed');
		return vm;
	}

	/** A boot whose helper may still write its log: its VM is not known to have stopped. */
	private isRunningBoot(name: string, boot: number): boolean {
		const vm = this.vms.get(name);
		if (vm) return vm.boot === boot && vm.state !== 'exited';
		// Not adopted (yet): a helper pid file means its newest boot may be running.
		const dir = vmDir(name);
		return existsSync(join(dir, 'helper.pid')) && boot === nextBoot(dir) - 1;
	}

	/** Remove a stopped VM: its registry entry and its directory (spec, logs, evidence). */
	/**
	 * Forget a stopped VM. With `keepLogs` its console logs (and glass streams, indexes,
	 * ddb evidence, the retention record) stay in its directory for `log`, `dmesg` and
	 * `report`; the spec, disks and sockets go, so it is no longer a VM.
	 */
	remove(name: string, keepLogs = false): string {
		const vm = this.get(name);
		if (vm.state !== 'exited' && vm.state !== 'lost' && vm.state !== 'created') throw new UserError(`${name} is ${vm.state}: 'obsdtui down ${name}' first`);
		vm.dispose();
		this.vms.delete(name);
		if (keepLogs) {
			for (const f of readdirSync(vm.dir)) if (!/^boot\.\d+\./.test(f) && f !== 'retention.log') rmSync(join(vm.dir, f), { recursive: true, force: true });
		} else rmSync(vm.dir, { recursive: true, force: true });
		this.emit('changed');
		return vm.dir;
	}

	tick(now: number): void {
		for (const vm of this.vms.values()) vm.tick(now);
	}

	dispose(): void {
		for (const name of [...this.autoinstall.keys()]) this.stopAutoinstall(name);
		for (const vm of this.vms.values()) vm.dispose();
	}
}
