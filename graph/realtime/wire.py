"""Writing websocket frames to daphne's Twisted transport directly, and measuring what is pending.

daphne's ``websocket.send`` hands each frame to Twisted's write buffer at once and never waits:
a client that stops reading makes that buffer grow without bound, and the ASGI app cannot see it.
Under daphne the consumer reaches the connection's autobahn protocol (daphne binds it as the first
argument of the ASGI ``send`` callable, under Channels' session wrapper), so it can

* measure the bytes the transport has not yet flushed to the kernel (``pending``), and hold
  further frames in its own bounded queue while that is above ``HIGH_WATER``;
* write a prebuilt server frame (unmasked, so the same bytes serve every client) with one
  socket send instead of daphne → autobahn framing and logging and a Twisted write-callback per
  client and frame;
* close with a code *and* a reason (daphne's ``websocket.close`` drops the reason).

Anything else (another server, TLS terminated by daphne itself) gets ``None`` from ``attach`` and
the consumer falls back to plain ASGI sends.
"""

from __future__ import annotations

import functools
import logging
import struct

logger = logging.getLogger("nexus.realtime")

HIGH_WATER = 256 * 1024  # bytes in Twisted's buffer before frames wait in the consumer's queue
CHUNK = 64 * 1024  # frames for one client are joined into writes of about this size
CLOSE_GRACE_SECONDS = 10.0  # a client closed for being too slow has this long to read to the close


def text_frame(payload: str) -> bytes:
    """One unfragmented, unmasked text frame (what a server sends)."""
    data = payload.encode()
    n = len(data)
    if n <= 125:
        header = bytes((0x81, n))
    elif n <= 0xFFFF:
        header = struct.pack("!BBH", 0x81, 126, n)
    else:
        header = struct.pack("!BBQ", 0x81, 127, n)
    return header + data


class DirectWriter:
    def __init__(self, protocol, transport):
        self.protocol = protocol
        self.transport = transport

    @classmethod
    def attach(cls, send) -> DirectWriter | None:
        """The writer for this ASGI ``send`` when it is daphne's, over plain TCP; else None."""
        for _ in range(4):  # Channels' session middleware wraps send; websocket frames pass straight through it
            inner = getattr(getattr(send, "__self__", None), "real_send", None)
            if isinstance(send, functools.partial) or inner is None:
                break
            send = inner
        protocol = send.args[0] if isinstance(send, functools.partial) and send.args else None
        transport = getattr(protocol, "transport", None)
        needed = (
            hasattr(protocol, "STATE_OPEN")
            and hasattr(protocol, "send_queue")
            and hasattr(protocol, "sendClose")
            and getattr(protocol, "_perMessageCompress", None) is None
            and not getattr(transport, "TLS", False)
            and hasattr(getattr(transport, "socket", None), "send")
            and all(hasattr(transport, a) for a in ("write", "dataBuffer", "offset", "_tempDataLen"))
        )
        return cls(protocol, transport) if needed else None

    def pending(self) -> int:
        """Bytes written to the transport and not yet handed to the kernel."""
        t = self.transport
        return len(t.dataBuffer) - t.offset + t._tempDataLen

    @property
    def gone(self) -> bool:
        return self.protocol.state not in (self.protocol.STATE_OPEN, self.protocol.STATE_CONNECTING)

    def try_write(self, frame: bytes) -> bool:
        """Write ``frame`` if the connection is open and has room (else False: queue it)."""
        p, t = self.protocol, self.transport
        if p.state != p.STATE_OPEN or p.send_queue:
            return False
        buffered = len(t.dataBuffer) - t.offset + t._tempDataLen
        if buffered == 0 and not t.disconnecting:
            # Nothing buffered ahead: try the (non-blocking) socket now. Twisted would register
            # the socket for writability and send on the next loop turn, two epoll changes and a
            # callback per client and frame; the rest, if the kernel takes only part, goes to it.
            try:
                sent = t.socket.send(frame)
            except OSError:  # would block, or a dead peer that Twisted's own write will report
                sent = 0
            if sent == len(frame):
                return True
            frame = frame[sent:]
        elif buffered >= HIGH_WATER:
            return False
        t.write(frame)
        return True

    def close(self, code: int, reason: str) -> None:
        if not self.gone:
            # The close frame queues behind what is still buffered. autobahn waits
            # closeHandshakeTimeout for the answer, then drops the TCP connection (freeing the
            # buffer): long enough for a slow reader to reach the frame and learn why.
            self.protocol.closeHandshakeTimeout = max(self.protocol.closeHandshakeTimeout or 0, CLOSE_GRACE_SECONDS)
            self.protocol.sendClose(code=code, reason=reason)
