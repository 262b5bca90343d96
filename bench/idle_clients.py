#!/usr/bin/env python3
"""Opens COUNT idle TCP connections to 127.0.0.1:PORT and holds them (bench/protocols.sh's RSS-per-idle-connection step).

    python3 bench/idle_clients.py PORT COUNT [HOLD_SECONDS]

Prints "CONNECTED COUNT" once every connect has completed, then sends nothing and holds the sockets until it is killed
or HOLD_SECONDS (default 60) have passed: bounded either way. A refused or timed-out connect is retried for up to 60 s
in all (a full accept queue drops SYNs), then it prints "FAILED" and exits 1. Loopback only.
"""
import socket
import sys
import time

port, count = int(sys.argv[1]), int(sys.argv[2])
hold = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
deadline = time.monotonic() + 60
held = []
for i in range(count):
    while True:
        try:
            held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            break
        except OSError as error:
            if time.monotonic() > deadline:
                print(f"FAILED after {i} connections: {error}", flush=True)
                sys.exit(1)
            time.sleep(0.01)
print(f"CONNECTED {len(held)}", flush=True)
time.sleep(hold)
