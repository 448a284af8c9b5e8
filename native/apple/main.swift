// obsdtui-vz-helper: one per Apple Virtualization VM. The VM lives in this process. It
// logs every console byte first, serves the daemon over VMDIR/helper.sock exactly like
// the C helper (docs/helper-protocol.md), and outlives the helperConn.

import Darwin
import Foundation
import Virtualization

struct HelperError: Error, CustomStringConvertible {
	let description: String
	init(_ s: String) { description = s }
}

var ownedPaths: [String] = []

/// A helper that failed leaves no helper.sock or helper.pid behind.
func cleanup() {
	for p in ownedPaths { unlink(p) }
}

func fatal(_ msg: String) -> Never {
	warn(msg)
	cleanup()
	exit(1)
}

func usage() -> Never {
	FileHandle.standardError.write(Data(
	    "usage: obsdtui-vz-helper -d vmdir -b boot apple [-L bytes] -s spec.json [-n net.sock -r vm-net.sock]\n".utf8))
	exit(1)
}

struct Options {
	var dir = ""
	var boot = 0
	var spec = ""
	var logMax: Int64 = 0
	var netSock: String?
	var netRemote: String?
}

/// The C helper's shape, with the source "apple".
func parseOptions(_ args: [String]) -> Options {
	var o = Options()
	var i = 1
	while i + 1 < args.count && args[i].hasPrefix("-") {
		switch args[i] {
		case "-d": o.dir = args[i + 1]
		case "-b":
			guard let n = Int(args[i + 1]), n >= 1, n <= 999999 else { fatal("boot \(args[i + 1]): out of range") }
			o.boot = n
		default: usage()
		}
		i += 2
	}
	if o.dir.isEmpty || o.boot == 0 || i >= args.count || args[i] != "apple" { usage() }
	i += 1
	while i < args.count {
		if i + 1 >= args.count { usage() }
		switch args[i] {
		case "-s": o.spec = args[i + 1]
		case "-L":
			guard let n = Int64(args[i + 1]), n >= 1 else { fatal("log cap \(args[i + 1]): out of range") }
			o.logMax = n
		case "-n": o.netSock = args[i + 1]
		case "-r": o.netRemote = args[i + 1]
		default: usage()
		}
		i += 2
	}
	if o.spec.isEmpty || (o.netSock == nil) != (o.netRemote == nil) { usage() }
	return o
}

let opt = parseOptions(CommandLine.arguments)
let boot = opt.boot

// Outlive the daemon that started us, and its terminal.
if getsid(0) != getpid() { _ = setsid() }
_ = umask(0o077)
_ = signal(SIGPIPE, SIG_IGN)
_ = signal(SIGHUP, SIG_IGN)
// Handled on the main queue below, not in a signal handler.
_ = signal(SIGTERM, SIG_IGN)
_ = signal(SIGINT, SIG_IGN)

func absolute(_ dir: String) -> String {
	guard let p = realpath(dir, nil) else { fatal("\(dir): \(errnoText())") }
	defer { free(p) }
	return String(cString: p)
}

let vmdir = absolute(opt.dir)
let sockPath = "\(vmdir)/helper.sock"
let pidPath = "\(vmdir)/helper.pid"
let startedMs = nowMs()

// Claim VMDIR/helper.sock: a live socket means another helper owns this VM.
if sock_alive(sockPath) != 0 { fatal("another helper is running for \(vmdir)") }
let listenFd = sock_bind(sockPath)
if listenFd == -1 { fatal("\(sockPath): \(errnoText())") }
ownedPaths = [sockPath, pidPath]
do {
	try "\(getpid())\n".write(toFile: pidPath, atomically: false, encoding: .utf8)
} catch {
	fatal("\(pidPath): \(error.localizedDescription)")
}

let (bootLog, console, observe, machine) = { () -> (BootLog, Console, Observe?, Machine) in
	do {
		let log = try BootLog(vmdir: vmdir, boot: boot, cap: opt.logMax)
		// Before the VM exists, so its first byte is read and logged.
		let console = try Console(log: log)
		var observe: Observe?
		if let s = opt.netSock, let r = opt.netRemote { observe = try Observe(sock: s, remote: r) }
		if !VZVirtualMachine.isSupported { throw HelperError("this Mac does not support virtualization") }
		let spec = try Spec.load(opt.spec)
		let c = try configuration(spec, Attachments(vmdir: vmdir, console: console.vmHandle, net: observe?.vmHandle))
		return (log, console, observe, Machine(c))
	} catch {
		fatal("\(error)")
	}
}()

let helperConn = Daemon(listenFd: listenFd)
var running = false
// The VNC endpoint holds a password: it goes to the daemon only, never to the index.
let vnc = Vnc()
vnc.send = { helperConn.event($0) }
helperConn.onConnect = { if let e = vnc.event { helperConn.event(e) } }

func status() -> [String: Any] {
	[
		"protocol": protocolVersion, "helper_pid": Int(getpid()), "child_pid": NSNull(), "source": "apple",
		"boot": boot, "log": bootLog.logPath, "log_size": bootLog.offset, "started_ms": startedMs, "running": running,
	]
}

func noObserve() {
	helperConn.event(json(["event": "error", "message": "this VM has no observe network (--net observe)"]))
}

// Control commands by name, as in conn.c's table. Replies are not indexed.
let controls: [String: ([String: Any]) -> Void] = [
	"status": { _ in
		var s = status()
		s["event"] = "status"
		helperConn.event(json(s))
	},
	"net-stats": { req in if let o = observe { o.stats(req) } else { noObserve() } },
	"net-probe": { req in if let o = observe { o.probe(req) } else { noObserve() } },
	"net-pcap": { req in if let o = observe { o.pcap(req) } else { noObserve() } },
]

func control(_ p: ArraySlice<UInt8>) {
	guard let req = (try? JSONSerialization.jsonObject(with: Data(p))) as? [String: Any],
	      let cmd = req["cmd"] as? String else {
		helperConn.event(json(["event": "error", "message": "control frame without a \"cmd\" string"]))
		return
	}
	guard let fn = controls[cmd] else {
		helperConn.event(json(["event": "error", "message": "unknown control command", "cmd": cmd]))
		return
	}
	fn(req)
}

bootLog.onOutput = { off, p in helperConn.output(off, p) }
bootLog.onEvent = { helperConn.event($0) }
observe?.send = { helperConn.event($0) }
console.onDrained = { helperConn.resumeReading() }
helperConn.status = status
helperConn.canRead = { console.pending < inqMax }
helperConn.handle = { type, p in
	switch type {
	case UInt8(ascii: "I"):
		console.input(p)
	case UInt8(ascii: "B"):
		bootLog.event(["event": "break_unsupported", "message": "a virtio console has no BREAK (Apple Virtualization)"])
	case UInt8(ascii: "A"):
		bootLog.audit(p)
	case UInt8(ascii: "K"):
		if p.elementsEqual("TERM".utf8) {
			machine.terminate()
		} else if p.elementsEqual("KILL".utf8) {
			machine.kill()
		} else {
			return false
		}
	case UInt8(ascii: "C"):
		control(p)
	default:
		return false
	}
	return true
}
machine.onError = { msg in bootLog.event(["event": "error", "message": msg]) }

// The end: read what the console still holds (at most drainMs), record how the VM
// ended, give the daemon up to flushMs, remove our files, exit.
var finishing = false
func finish(_ code: Int32, _ status: Int?, _ signal: String?) {
	if finishing { return }
	finishing = true
	var ev: [String: Any] = ["event": "exited", "status": NSNull(), "signal": NSNull(), "log_size": bootLog.offset]
	if let s = status { ev["status"] = s }
	if let g = signal { ev["signal"] = g }
	// Like the C helper: give up helper.sock and helper.pid before announcing the exit,
	// so whoever sees `exited` can start the next helper; never touch them again.
	helperConn.stopListening()
	vnc.stop()
	cleanup()
	ownedPaths = []
	bootLog.event(ev)
	console.stop()
	helperConn.flushThenClose(within: flushMs) {
		exit(code)
	}
}

machine.onEnd = { status, signal, error in
	running = false
	if let e = error { bootLog.event(["event": "error", "message": e]) }
	console.releaseVMEnd()
	console.onEOF = { finish(0, status, signal) }
	if console.eof {
		finish(0, status, signal)
		return
	}
	DispatchQueue.main.asyncAfter(deadline: .now() + .milliseconds(drainMs)) { finish(0, status, signal) }
}

// SIGTERM or SIGINT: ask the guest to stop; a second one stops the VM now.
var terms = 0
var signalSources: [DispatchSourceSignal] = []
for sig in [SIGTERM, SIGINT] {
	let s = DispatchSource.makeSignalSource(signal: sig, queue: .main)
	s.setEventHandler {
		terms += 1
		if terms == 1 { machine.terminate() } else { machine.kill() }
	}
	s.resume()
	signalSources.append(s)
}

running = true
machine.start { error in
	if let e = error {
		// As when QEMU dies before its console: the index says why, exit 1.
		running = false
		warn("the VM did not start: \(e.localizedDescription)")
		bootLog.event(["event": "error", "message": "the VM did not start: \(e.localizedDescription)"])
		finish(1, nil, nil)
		return
	}
	bootLog.event(["event": "started", "source": "apple", "child_pid": NSNull()])
	if machine.hasGraphics { vnc.start(machine.vm) }
	// A restarted helper of a boot whose log is full logs no more.
	if bootLog.cap > 0 && bootLog.offset >= bootLog.cap { bootLog.markFull() }
	do {
		try helperConn.listen()
	} catch {
		fatal("\(error)")
	}
}

// The VM's callbacks and every dispatch source above run on the main queue.
RunLoop.main.run()
exit(0)
