#!/usr/bin/env python3
"""Write an overlay file (lib/core/overlay.h) for the integration tests,
independently of sinkhole's own writer: ovwrite.py OUT BASE_ID EDIT...
with EDIT one of
  block:NAME:CATEGORY_INDEX:LIST    allow:NAME:LIST
  exempt-add:IPV4/LEN:MASK          exempt-remove:IPV4/LEN
and --damage to flip one bit of the first edit after hashing."""
import hashlib
import ipaddress
import os
import struct
import sys


def wire(name):
    out = b''
    for label in name.strip('.').split('.'):
        out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def rec(flags, cat):
    # flags, category, list id, line, reserved (snapfmt.h)
    return struct.pack('<BHIIB', flags, cat, 0, 1, 0)


def text(t):
    b = t.encode()
    return bytes([len(b)]) + b


def subnet(spec):
    net = ipaddress.ip_network(spec)
    mapped = ipaddress.IPv6Address('::ffff:' + str(net.network_address))
    return mapped.packed + bytes([96 + net.prefixlen, 1])


def edit(spec):
    kind, *a = spec.split(':')
    if kind == 'block':
        w = wire(a[0])
        p = bytes([len(w)]) + w + rec(0, int(a[1])) + text(a[2])
        return bytes([1]) + struct.pack('<H', len(p)) + p
    if kind == 'allow':
        w = wire(a[0])
        p = bytes([len(w)]) + w + rec(1, 0) + text(a[1])
        return bytes([1]) + struct.pack('<H', len(p)) + p
    if kind == 'exempt-add':
        p = subnet(a[0]) + struct.pack('<Qq', int(a[1]), 4070908800) + \
            text('Test Approver') + text('overlay test')
        return bytes([2]) + struct.pack('<H', len(p)) + p
    if kind == 'exempt-remove':
        p = subnet(a[0])
        return bytes([3]) + struct.pack('<H', len(p)) + p
    sys.exit('unknown edit ' + spec)


def main():
    args = [a for a in sys.argv[1:] if a != '--damage']
    out, base, edits = args[0], args[1].encode(), [edit(e) for e in args[2:]]
    body = b'sinkhole overlay' + struct.pack('<II', 1, len(edits)) + base
    body += b''.join(edits)
    data = bytearray(body + hashlib.sha256(body).digest())
    if '--damage' in sys.argv:
        data[88 + 4] ^= 0x20
    tmp = out + '.tmp'
    with open(tmp, 'wb') as f:
        f.write(data)
    os.rename(tmp, out)


main()
