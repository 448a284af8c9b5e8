// The helper's side of an `observe` network (native/qemu/observe.c, in Swift). The wire
// itself is the C helper's native/qemu/wire.c, linked unchanged: it binds NET_SOCK and
// sends to VM_NET_SOCK, where our VZFileHandleNetworkDeviceAttachment's socket is bound
// (connected back to NET_SOCK). So the VM's frames reach the same code as QEMU's.

import Darwin
import Foundation

final class Observe {
	private let wire: OpaquePointer
	/// The VM's end, for VZFileHandleNetworkDeviceAttachment.
	let vmHandle: FileHandle
	private var reader: DispatchSourceRead?
	private let timer: DispatchSourceTimer
	private var lastSent: Int64 = 0
	private var dirty = false
	/// Sends an event to the daemon (net events are not indexed).
	var send: (String) -> Void = { _ in }

	init(sock: String, remote: String) throws {
		guard let w = wire_open(sock, remote) else { throw HelperError("observe network \(sock): \(errnoText())") }
		let fd = dgram_connect(remote, sock)
		if fd == -1 { throw HelperError("observe network \(remote): \(errnoText())") }
		wire = w
		vmHandle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
		timer = DispatchSource.makeTimerSource(queue: .main)
		timer.setEventHandler { [weak self] in self?.step() }
		timer.schedule(deadline: .distantFuture)
		timer.resume()
		let r = DispatchSource.makeReadSource(fileDescriptor: wire_fd(w), queue: .main)
		r.setEventHandler { [weak self] in
			guard let self = self else { return }
			wire_readable(self.wire)
			self.step()
		}
		reader = r
		r.resume()
	}

	/// observe_poll: tick the probe, send stats at most once a second when they changed.
	private func step() {
		wire_tick(wire)
		if wire_changed(wire) != 0 { dirty = true }
		if dirty && nowMs() - lastSent >= netEventMs { sendStats() }
		var t = Int(wire_timeout(wire))
		if dirty {
			let left = max(0, Int(lastSent + netEventMs - nowMs()))
			if t < 0 || left < t { t = left }
		}
		let when: DispatchTime = t < 0 ? DispatchTime.distantFuture : DispatchTime.now() + .milliseconds(t)
		timer.schedule(deadline: when)
	}

	private func sendStats() {
		var buf = [CChar](repeating: 0, count: 8192)
		_ = wire_stats_json(wire, &buf, buf.count)
		let stats = String(cString: buf)
		// {"framesIn":...} becomes {"event":"net","framesIn":...}
		send("{\"event\":\"net\"," + stats.dropFirst())
		lastSent = nowMs()
		dirty = false
	}

	func stats(_ req: [String: Any]) {
		sendStats()
	}

	func probe(_ req: [String: Any]) {
		let max = (req["max"] as? Int) ?? 65535
		wire_probe_start(wire, Int32(clamping: max))
		sendStats()
		step()
	}

	func pcap(_ req: [String: Any]) {
		// null or absent: stop recording
		let path = (req["path"] as? String) ?? ""
		if wire_pcap(wire, path) == -1 {
			send(json(["event": "error", "message": "pcap", "error": errnoText()]))
			return
		}
		sendStats()
	}
}
