"""DNS messages for the Python clients of the tests and benchmarks (they
ask from Python sockets where starting dig for each query would cost more
than the thing measured): a query, and the rcode and A addresses of a
response."""
import socket
import struct

QTYPES = {"A": 1, "AAAA": 28, "TXT": 16}


def query(qid, name, qtype=1):
    """The wire form of a recursive query for NAME, type QTYPE, id QID."""
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack(">HH", qtype, 1)


def skip_name(msg, pos):
    """The offset just after the (possibly compressed) name at POS."""
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += n + 1


def answer(msg):
    """(RCODE, the A addresses of the answer section) of a response."""
    flags, qd, an = struct.unpack(">HHH", msg[2:8])
    pos = 12
    for _ in range(qd):
        pos = skip_name(msg, pos) + 4
    addrs = []
    for _ in range(an):
        pos = skip_name(msg, pos)
        rtype, _, _, rdlen = struct.unpack(">HHIH", msg[pos:pos + 10])
        pos += 10
        if rtype == 1 and rdlen == 4:
            addrs.append(socket.inet_ntoa(msg[pos:pos + 4]))
        pos += rdlen
    return flags & 0x000F, addrs
