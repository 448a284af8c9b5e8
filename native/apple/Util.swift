// Limits and small helpers shared by the helper's parts. The limits are the C helper's
// (native/qemu/helper.h): both speak docs/helper-protocol.md.

import Foundation

let protocolVersion = 1
let outqMax = 4 * 1024 * 1024	// output queued for the daemon
let inqMax = 1024 * 1024		// input queued for the console
let frameMax = 1024 * 1024		// largest daemon frame
let readChunk = 65536
let tstampMs: Int64 = 100		// min gap between t records
let drainMs = 2000			// read the console after the VM stopped
let flushMs = 2000			// flush the daemon after the VM stopped
let stopMs = 5000			// requestStop, then stop (vfkit waits as long)
let netEventMs: Int64 = 1000		// at most one "net" event a second

func nowMs() -> Int64 {
	Int64(Date().timeIntervalSince1970 * 1000)
}

/// Messages go to stderr, which the daemon sends to VMDIR/helper.err.
func warn(_ msg: String) {
	FileHandle.standardError.write(Data("obsdtui-vz-helper: \(msg)\n".utf8))
}

func errnoText() -> String {
	String(cString: strerror(errno))
}

/// Write all of p to a blocking fd; false on a real error.
func writeAll(_ fd: Int32, _ p: UnsafeRawBufferPointer) -> Bool {
	var done = 0
	while done < p.count {
		let w = write(fd, p.baseAddress! + done, p.count - done)
		if w == -1 {
			if errno == EINTR { continue }
			return false
		}
		done += w
	}
	return true
}

/// One JSON object on one line, keys in no particular order (readers parse it).
func json(_ obj: [String: Any]) -> String {
	guard let d = try? JSONSerialization.data(withJSONObject: obj, options: [.withoutEscapingSlashes]),
	      let s = String(data: d, encoding: .utf8) else {
		return "{\"event\":\"error\",\"message\":\"unencodable event\"}"
	}
	return s
}
