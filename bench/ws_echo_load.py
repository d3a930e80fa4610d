#!/usr/bin/python3
"""WebSocket echo load: C connections, each a closed loop of send -> wait for the echo -> send.

    /usr/bin/python3 bench/ws_echo_load.py [-c 64] [-d 8] [--warmup 3] [--size 16] [--text]
                                           [--loop uvloop|asyncio] [ws://127.0.0.1:8390/]

wrk and hey do not speak WebSocket, so bench/run uses this for its ws-echo rows. It opens every
connection with an RFC 6455 handshake (checks the 101, Upgrade, Connection and
Sec-WebSocket-Accept; offers no extension, so no compression), then each connection sends one
masked frame (a fresh random masking key per frame; binary by default, --text for text frames)
carrying a 16-byte sequence number, waits for the server's frame with the same payload, and sends
the next. After --warmup seconds it counts for -d seconds: round-trips whose echo arrived in that
window, and each one's latency (send to echo). Then it closes every connection with a close frame
(1000), once the echo in flight is in (so the app never sends into a closed connection), and
prints one JSON object:

    {"rate": round-trips/s, "round_trips", "p50_ms", "p99_ms", "mean_ms", "max_ms",
     "errors": count, "error_kinds": {...}, "connections", "connected", "idle_connections", ...}

errors counts failed connects and handshakes, connections the server closed or dropped during
the run, wrong echoes and protocol errors (a masked server frame, a bad opcode). idle_connections
counts connections that completed no round-trip in the measured window. Server pings get pongs.
It is written on asyncio's low-level protocols (no streams, no coroutine per message) and runs on
uvloop when it can be imported, so one process drives tens of thousands of round-trips/s. Like
wrk it runs on the same machine and takes CPU from the server under test.
"""
import argparse
import asyncio
import base64
import hashlib
import json
import os
import random
import sys
import time
from urllib.parse import urlsplit

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Stats:
    def __init__(self):
        self.measuring = False
        self.latencies = []  # seconds, for round-trips whose echo arrived while measuring
        self.errors = {}

    def error(self, kind):
        self.errors[kind] = self.errors.get(kind, 0) + 1


def frame(opcode, payload):
    """A final client frame: masked with a fresh random key (RFC 6455 section 5.3)."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    key = random.getrandbits(32).to_bytes(4, "big")
    if not n:
        return head + key
    repeated = (key * ((n + 3) // 4))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(n, "big")
    return head + key + masked


class EchoClient(asyncio.Protocol):
    def __init__(self, host, path, size, text, stats):
        self.host, self.path, self.size, self.stats = host, path, size, stats
        self.opcode = OP_TEXT if text else OP_BINARY
        self.ready = asyncio.get_running_loop().create_future()
        self.transport = None
        self.upgraded = False
        self.closing = False  # our close frame is sent (or the server's came)
        self.stopping = False  # send no more messages: close once the last echo is in
        self.failed = False
        self.buffer = bytearray()
        self.fragments = None  # (opcode, [payloads]) of a fragmented message
        self.seq = 0
        self.expected = None
        self.sent_at = 0.0
        self.measured = 0
        # the server's echo in one frame, unfragmented: header bytes, then the payload
        self.fast_head = bytes((0x80 | self.opcode, size)) if size < 126 else None
        self.key = base64.b64encode(os.urandom(16))

    # --- connection and handshake ---

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                        b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        b"Sec-WebSocket-Version: 13\r\n\r\n"
                        % (self.path.encode(), self.host.encode(), self.key))

    def connection_lost(self, exc):
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("connection closed during the handshake"))
        elif not (self.closing or self.stopping or self.failed):
            self.stats.error("connection lost")

    def fail(self, kind):
        if self.failed:
            return
        self.failed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(kind))
        else:
            self.stats.error(kind)
        self.transport.close()

    def handshake(self, data):
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > 65536:
                self.fail("handshake: no end of headers")
            return
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        del self.buffer[:end + 4]
        status = head[0].split(" ", 2)
        if len(status) < 2 or status[1] != "101":
            self.fail("handshake: %s" % head[0])
            return
        headers = {}
        for line in head[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        accept = base64.b64encode(hashlib.sha1(self.key + GUID).digest()).decode()
        if (headers.get("upgrade", "").lower() != "websocket"
                or "upgrade" not in [t.strip().lower() for t in
                                     headers.get("connection", "").split(",")]
                or headers.get("sec-websocket-accept") != accept
                or "sec-websocket-extensions" in headers):
            self.fail("handshake: bad 101 headers")
            return
        self.upgraded = True
        self.ready.set_result(None)
        self.send_next()
        if self.buffer:
            self.frames()

    # --- the echo loop ---

    def send_next(self):
        if self.stopping:
            self.expected = None
            self.send_close()
            return
        self.seq += 1
        self.expected = b"%0*d" % (self.size, self.seq % 10 ** self.size) if self.size else b""
        self.sent_at = time.perf_counter()
        self.transport.write(frame(self.opcode, self.expected))

    def echoed(self, opcode, payload):
        now = time.perf_counter()
        if opcode != self.opcode or payload != self.expected:
            self.fail("wrong echo")
            return
        if self.stats.measuring:
            self.stats.latencies.append(now - self.sent_at)
            self.measured += 1
        self.send_next()

    def data_received(self, data):
        if self.failed:
            return
        if not self.upgraded:
            self.handshake(data)
            return
        # the usual case: exactly one unfragmented, unmasked echo frame
        head = self.fast_head
        if not self.buffer and head and len(data) == 2 + self.size and data[:2] == head:
            self.echoed(self.opcode, data[2:])
            return
        self.buffer += data
        self.frames()

    def frames(self):
        buffer = self.buffer
        while len(buffer) >= 2 and not self.failed:
            b0, b1 = buffer[0], buffer[1]
            if b1 & 0x80:
                self.fail("masked server frame")
                return
            if b0 & 0x70:
                self.fail("reserved bits set")
                return
            n, at = b1 & 0x7F, 2
            if n == 126:
                if len(buffer) < 4:
                    return
                n, at = int.from_bytes(buffer[2:4], "big"), 4
            elif n == 127:
                if len(buffer) < 10:
                    return
                n, at = int.from_bytes(buffer[2:10], "big"), 10
            if len(buffer) < at + n:
                return
            payload = bytes(buffer[at:at + n])
            del buffer[:at + n]
            self.frame_received(b0 & 0x80, b0 & 0x0F, payload)

    def frame_received(self, fin, opcode, payload):
        if opcode in (OP_TEXT, OP_BINARY):
            if self.fragments is not None:
                self.fail("new message inside a fragmented one")
            elif fin:
                self.echoed(opcode, payload)
            else:
                self.fragments = (opcode, [payload])
        elif opcode == OP_CONT:
            if self.fragments is None:
                self.fail("continuation without a message")
                return
            self.fragments[1].append(payload)
            if fin:
                first, parts = self.fragments
                self.fragments = None
                self.echoed(first, b"".join(parts))
        elif opcode == OP_PING:
            self.transport.write(frame(OP_PONG, payload))
        elif opcode == OP_PONG:
            pass
        elif opcode == OP_CLOSE:
            if self.closing:
                self.transport.close()  # the server answered our close
            elif self.stopping:  # the server closed first while we were stopping: not an error
                self.closing = True
                self.transport.write(frame(OP_CLOSE, payload[:2]))
                self.transport.close()
            else:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                self.closing = True
                self.stats.error("closed by the server (%s)" % code)
                self.transport.write(frame(OP_CLOSE, payload[:2]))
                self.transport.close()
        else:
            self.fail("unknown opcode %d" % opcode)

    def close(self):
        """Sends a close frame (1000) once the echo in flight is in, so the app never sends into
        a closed connection."""
        self.stopping = True
        if self.expected is None:
            self.send_close()

    def send_close(self):
        if self.closing or self.failed or self.transport.is_closing():
            return
        self.closing = True
        self.transport.write(frame(OP_CLOSE, (1000).to_bytes(2, "big")))


async def run(args):
    url = urlsplit(args.url)
    if url.scheme != "ws":
        raise SystemExit("ws_echo_load: only ws:// URLs")
    host, port = url.hostname, url.port or 80
    host_header = url.netloc
    path = (url.path or "/") + ("?" + url.query if url.query else "")
    loop = asyncio.get_running_loop()
    stats = Stats()
    clients = []

    async def connect():
        try:
            _, client = await asyncio.wait_for(loop.create_connection(
                lambda: EchoClient(host_header, path, args.size, args.text, stats), host, port),
                args.timeout)
            await asyncio.wait_for(client.ready, args.timeout)
            clients.append(client)
        except (OSError, asyncio.TimeoutError) as e:
            stats.error("connect: %s" % (str(e) or type(e).__name__))

    await asyncio.gather(*(connect() for _ in range(args.connections)))
    if clients:
        await asyncio.sleep(args.warmup)
        stats.measuring = True
        started = time.perf_counter()
        await asyncio.sleep(args.duration)
        stats.measuring = False
        elapsed = time.perf_counter() - started
        for client in clients:
            client.close()
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(not c.transport.is_closing() for c in clients):
            await asyncio.sleep(0.05)
        for client in clients:
            client.transport.close()
    else:
        elapsed = args.duration

    latencies = sorted(stats.latencies)

    def pct(p):
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000, 3)

    return dict(
        url=args.url, connections=args.connections, connected=len(clients),
        message_bytes=args.size, frames="text" if args.text else "binary",
        loop=type(loop).__module__.split(".")[0], warmup_s=args.warmup,
        duration_s=round(elapsed, 3), round_trips=len(latencies),
        rate=round(len(latencies) / elapsed, 1),
        p50_ms=pct(50), p99_ms=pct(99),
        mean_ms=round(sum(latencies) / len(latencies) * 1000, 3) if latencies else None,
        max_ms=round(latencies[-1] * 1000, 3) if latencies else None,
        idle_connections=sum(1 for c in clients if not c.measured),
        errors=sum(stats.errors.values()), error_kinds=stats.errors)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", default="ws://127.0.0.1:8390/")
    parser.add_argument("-c", "--connections", type=int, default=64)
    parser.add_argument("-d", "--duration", type=float, default=8, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before measuring")
    parser.add_argument("--size", type=int, default=16, help="message bytes (default 16)")
    parser.add_argument("--text", action="store_true", help="text frames (default: binary)")
    parser.add_argument("--timeout", type=float, default=10, help="connect + handshake seconds")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop",
                        help="uvloop (the default) falls back to asyncio when not importable")
    args = parser.parse_args()
    if args.loop == "uvloop":
        try:
            import uvloop
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
        except ImportError:
            pass
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
