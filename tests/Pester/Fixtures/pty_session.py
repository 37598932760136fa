#!/usr/bin/env python3
"""Drives an interactive program in a pseudo-terminal, as a user at a keyboard would.

    pty_session.py TIMEOUT PROGRAM [ARGS...] < steps

Each line of stdin is a step: "expect TEXT" waits until TEXT has appeared in the terminal's output (escape
sequences removed) since the last expectation, "send TEXT" types TEXT followed by Enter (a carriage return, as a
terminal sends it), "ctrl X" types Ctrl+X (one control character, no Enter), "wait SECONDS" lets that much time pass. The terminal is 200x50, and answers the cursor-position queries PSReadLine makes. Prints the
transcript (without escape sequences) and exits 0 when every step was met, 1 when one timed out (TIMEOUT seconds
per step), with the step named on stderr.
"""
import fcntl
import os
import pty
import re
import select
import struct
import sys
import termios
import time

ESCAPES = re.compile(rb"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[=>()][0-9A-Za-z]?)")


def main():
    timeout = float(sys.argv[1])
    argv = sys.argv[2:]
    steps = [line.rstrip("\n") for line in sys.stdin if line.strip()]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
    raw = b""
    seen = 0  # where the next expectation starts looking, in the cleaned transcript

    def clean():
        return ESCAPES.sub(b"", raw).replace(b"\r", b"").decode("utf-8", "replace")

    def read(seconds):
        nonlocal raw
        ready, _, _ = select.select([fd], [], [], seconds)
        if not ready:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False  # the program has ended
        raw += chunk
        for _ in range(chunk.count(b"\x1b[6n")):
            os.write(fd, b"\x1b[1;1R")
        return True

    ok = True
    for step in steps:
        verb, _, text = step.partition(" ")
        if verb == "send":
            os.write(fd, text.encode() + b"\r")
            continue
        if verb == "wait":
            end = time.time() + float(text)
            while time.time() < end and read(0.05):
                pass
            continue
        if verb == "ctrl":
            os.write(fd, bytes([ord(text[0].upper()) & 0x1F]))
            continue
        deadline = time.time() + timeout
        while True:
            transcript = clean()
            found = transcript.find(text, seen)
            if found >= 0:
                seen = found + len(text)
                break
            if time.time() > deadline or not read(0.1):
                print(f"pty_session: timed out at: {step}", file=sys.stderr)
                ok = False
                break
        if not ok:
            break

    end = time.time() + 2
    while time.time() < end and read(0.1):
        pass
    try:
        os.kill(pid, 9)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    sys.stdout.write(clean())
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
