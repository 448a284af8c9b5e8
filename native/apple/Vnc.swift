// The framework's private VNC server, started the way cirruslabs/tart does
// (Sources/tart/VNC/FullFledgedVNC.swift): the public API has no way to read a VM's
// framebuffer, and under VZ OpenBSD's kernel console is only there (viogpu(4)).
//
// UNVERIFIED (written on Linux, see README.md "To verify on a Mac"): _VZVNCServer and
// _VZVNCAuthenticationSecurityConfiguration are not in the SDK headers. They are reached
// through the Objective-C runtime by name and may change or vanish in any macOS release;
// every step checks that the class and selector exist and reports an error instead.
//
// The daemon gets {"event":"vnc","port":N,"password":"..."} over the helper connection
// only (helperConn.event, never bootLog.event: the index must not hold the password), on
// every new daemon connection too, or {"event":"vnc","error":"..."}.

import Darwin
import Foundation
import Virtualization

final class Vnc {
	private var server: NSObject?
	/// The event to give each daemon that connects (holds the password: never logged).
	private(set) var event: String?
	var send: (String) -> Void = { _ in }

	/// VNC authentication uses the first 8 bytes of the password only (RFC 6143 7.2.2):
	/// 8 random characters from 62, about 47 bits, new for every boot.
	private static func randomPassword() -> String {
		let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
		var out = ""
		for _ in 0..<8 { out.append(alphabet[Int(arc4random_uniform(UInt32(alphabet.count)))]) }
		return out
	}

	private func fail(_ why: String) {
		warn("vnc: \(why)")
		let e = json(["event": "vnc", "error": why])
		event = e
		send(e)
	}

	func start(_ vm: VZVirtualMachine) {
		let password = Vnc.randomPassword()
		guard let secClass = NSClassFromString("_VZVNCAuthenticationSecurityConfiguration") as? NSObject.Type,
		      let serverClass = NSClassFromString("_VZVNCServer") as? NSObject.Type else {
			fail("this macOS has no _VZVNCServer (a private Virtualization API)")
			return
		}
		let initPassword = NSSelectorFromString("initWithPassword:")
		let initServer = NSSelectorFromString("initWithPort:queue:securityConfiguration:")
		guard secClass.instancesRespond(to: initPassword), serverClass.instancesRespond(to: initServer) else {
			fail("_VZVNCServer's initialisers are not the ones tart uses")
			return
		}
		// Swift has no alloc(): ask the class object for an instance, then initialise it.
		let alloc = NSSelectorFromString("alloc")
		guard let secRaw = (secClass as AnyObject).perform(alloc)?.takeUnretainedValue() as? NSObject,
		      let sec = secRaw.perform(initPassword, with: password)?.takeUnretainedValue() as? NSObject else {
			fail("_VZVNCAuthenticationSecurityConfiguration(password:) failed")
			return
		}
		// Three arguments, one of them a scalar: call the method's implementation directly.
		// The port's type (unsigned short) is from tart's use; 0 lets the server pick one.
		typealias InitServer = @convention(c) (AnyObject, Selector, UInt16, DispatchQueue, AnyObject) -> Unmanaged<AnyObject>?
		guard let raw = (serverClass as AnyObject).perform(alloc)?.takeUnretainedValue() as? NSObject,
		      let s = unsafeBitCast(raw.method(for: initServer), to: InitServer.self)(raw, initServer, 0, DispatchQueue.main, sec)?.takeUnretainedValue() as? NSObject else {
			fail("_VZVNCServer(port:queue:securityConfiguration:) failed")
			return
		}
		server = s
		s.setValue(vm, forKey: "virtualMachine")
		_ = s.perform(NSSelectorFromString("start"))
		// The port is 0 right after start and set once the server listens (tart polls
		// every 50 ms); give up after 5 s.
		poll(password, tries: 100)
	}

	private func poll(_ password: String, tries: Int) {
		let port = (server?.value(forKey: "port") as? NSNumber)?.intValue ?? 0
		if port > 0 {
			let e = json(["event": "vnc", "port": port, "password": password])
			event = e
			send(e)
			return
		}
		if tries == 0 {
			fail("the VNC server did not listen within 5 s")
			return
		}
		DispatchQueue.main.asyncAfter(deadline: .now() + .milliseconds(50)) { [weak self] in
			self?.poll(password, tries: tries - 1)
		}
	}

	func stop() {
		if let s = server { _ = s.perform(NSSelectorFromString("stop")) }
		server = nil
	}
}
