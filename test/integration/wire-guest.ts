// A fake guest for the wire tests, in python3: Node cannot open AF_UNIX SOCK_DGRAM sockets.
// A guest with MAC 52:54:00:12:34:56 and IP 10.0.2.15: ARPs for its gateway, pings it
// with 8000 data bytes (DF), then answers echo requests up to LIMIT bytes of IP packet
// in one frame and drops bigger ones, like a NIC with that MTU. One JSON line per fact.
export const GUEST = String.raw`
import socket, struct, sys, json, os
me, peer, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
MAC = bytes.fromhex('525400123456'); IP = socket.inet_aton('10.0.2.15'); GW = socket.inet_aton('10.0.2.2')
def cksum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
def ip_hdr(src, dst, plen, ident):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + plen, ident, 0x4000, 64, 1, 0, src, dst)
    return h[:10] + struct.pack('!H', cksum(h)) + h[12:]
def icmp(typ, ident, seq, data):
    h = struct.pack('!BBHHH', typ, 0, 0, ident, seq) + data
    return h[:2] + struct.pack('!H', cksum(h)) + h[4:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(me); s.settimeout(5)
def say(**kw): print(json.dumps(kw), flush=True)
arp = b'\xff'*6 + MAC + b'\x08\x06' + struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + MAC + IP + b'\0'*6 + GW
s.sendto(arp, peer)
r = s.recv(70000)
say(arp_type=r[12:14].hex(), arp_op=struct.unpack('!H', r[20:22])[0], gw_mac=r[22:28].hex(), gw_ip=socket.inet_ntoa(r[28:32]), to_mac=r[0:6].hex())
gw_mac = r[22:28]
data = os.urandom(8000)
req = gw_mac + MAC + b'\x08\x00' + ip_hdr(IP, GW, 8008, 7) + icmp(8, 0x1234, 1, data)
s.sendto(req, peer)
r = s.recv(70000)
ip = r[14:34]
say(reply_len=len(r), reply_type=r[34], same_data=(r[42:] == data), ip_ok=(cksum(ip) == 0), icmp_ok=(cksum(r[34:]) == 0), src=socket.inet_ntoa(ip[12:16]), dst=socket.inet_ntoa(ip[16:20]))
say(responding=True)
s.settimeout(None)
while True:
    r = s.recv(70000)
    if len(r) < 42 or r[12:14] != b'\x08\x00' or r[23] != 1 or r[34] != 8: continue
    tl = struct.unpack('!H', r[16:18])[0]
    if tl > limit: continue
    ident, seq = struct.unpack('!HH', r[38:42])
    reply = r[6:12] + MAC + b'\x08\x00' + ip_hdr(IP, r[26:30], tl - 20, seq) + icmp(0, ident, seq, r[42:14+tl])
    s.sendto(reply, peer)
`;
