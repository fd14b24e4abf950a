#!/usr/bin/env python3
"""A UDP relay that delays every DNS query before passing it to a real
upstream (NSD): the "slow upstream" of the integration tests.

usage: slowproxy.py LISTEN_PORT UPSTREAM_PORT DELAY_SECONDS
Listens on 127.0.0.1 only and stops on SIGTERM."""
import socket
import sys
import threading
import time


def relay(listener, data, client, upstream_port, delay):
    time.sleep(delay)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as up:
        up.settimeout(5)
        up.sendto(data, ("127.0.0.1", upstream_port))
        try:
            answer, _ = up.recvfrom(65535)
        except socket.timeout:
            return
    listener.sendto(answer, client)


def main():
    listen_port, upstream_port = int(sys.argv[1]), int(sys.argv[2])
    delay = float(sys.argv[3])
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", listen_port))
    while True:
        data, client = listener.recvfrom(65535)
        threading.Thread(target=relay, daemon=True,
                         args=(listener, data, client, upstream_port,
                               delay)).start()


if __name__ == "__main__":
    main()
