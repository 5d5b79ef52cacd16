#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""RFC 4475's 49 torture messages through `sipxdp replay`: each, alone in a
UDP datagram of a capture of its own, through the kernel program and the
agent, must be counted as tests/unit/test_rfc4475.c's table says its start
line is (that table, written from the RFC's verdicts, is the one place the
expected outcomes live: this test reads its rows), once, with one record
whose parse agrees, and no crash. The same over TCP, where the message is
found by its start line and its Content-Length, and over UDP twice in one
capture (a retransmission counts twice, as packets do).

The messages are not part of the tree: the directory is SIPXDP_RFC4475_DIR,
or else a directory rfc4475 beside the checkout. Missing, the test fails.

Usage: test_rfc4475.py SIPXDP_BINARY
"""
import glob
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

from tally import check, summary

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "..", "unit", "test_rfc4475.c")
# What replay's JSON calls the kernel's results.
RESULT_OF_KIND = {"NOT_SIP": "not_sip", "MALFORMED": "malformed", "TRUNCATED": "truncated"}
# RFC 4475 3.1.2.x "dblreq": a REGISTER with Content-Length 0 then an
# INVITE in one datagram, where the INVITE must be discarded (RFC 3261
# 18.3). On a stream the bytes after a message are the next message: over
# TCP both count.
TCP_NEXT_MESSAGE = {"dblreq": "INVITE"}



def expected_rows():
    """(file, kind, method or status) of each row of the unit test's table."""
    text = open(TABLE).read()
    rows = re.findall(r'\{ "([a-z0-9]+)", "[0-9.]+", (REQ|RESP|KIND)\(([A-Z_0-9]+)\)', text)
    return {f: (k, v) for f, k, v in rows}


def messages_dir():
    env = os.environ.get("SIPXDP_RFC4475_DIR")
    if env:
        return env
    found = glob.glob(os.path.join(HERE, "..", "..", "..", "*", "rfc4475"))
    return found[0] if found else None


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def frame(proto, payload):
    """Ethernet, IPv4 and UDP or TCP (PSH|ACK) around payload."""
    if proto == "udp":
        l4 = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
        number = 17
    else:
        l4 = struct.pack("!HHIIBBHHH", 40000, 5060, 1, 1, 5 << 4, 0x18, 65535, 0, 0) + payload
        number = 6
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0, 64, number, 0,
                     bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2]))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + l4


def write_pcap(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, data in enumerate(frames):
            f.write(struct.pack("<IIII", 1000 + i, 0, len(data), len(data)))
            f.write(data)


def replay(binary, path):
    run = subprocess.run([binary, "replay", path, "--json", "--events"],
                         capture_output=True, timeout=120)
    events = [json.loads(line) for line in run.stderr.decode(errors="replace").splitlines()
              if line.startswith("{")]
    report = json.loads(run.stdout) if run.returncode == 0 and run.stdout else None
    return run.returncode, report, events


def counted(report):
    """What the kernel counted: {'requests': {...}, 'codes': {...}} without zeros."""
    return ({m: n for m, n in report["requests"].items() if n},
            {c: n for c, n in report["codes"].items() if n})


def check_message(name, binary, tmp, message, row, proto, copies):
    kind, value = row
    # A frame longer than BPF_PROG_TEST_RUN takes (longreq's) is cut by
    # replay: its start line still counts.
    frames = [frame(proto, message)] * copies
    path = os.path.join(tmp, f"{name}-{proto}.pcap")
    write_pcap(path, frames)
    rc, report, events = replay(binary, path)
    label = f"{name} ({proto}, {copies} cop{'y' if copies == 1 else 'ies'})"
    check(label, "replay's exit status", rc, 0)
    if report is None:
        return
    check(label, "packets seen", report["packets"]["seen"], copies)
    requests, codes = counted(report)
    extra = TCP_NEXT_MESSAGE.get(name) if proto == "tcp" else None
    if kind == "REQ":
        want = {value: copies, extra: copies} if extra else {value: copies}
        check(label, "counted as", (requests, codes), (want, {}))
        check(label, "packets sip", report["packets"]["sip"], copies)
    elif kind == "RESP":
        check(label, "counted as", (requests, codes), ({}, {value: copies}))
        check(label, "packets sip", report["packets"]["sip"], copies)
    else:
        check(label, "counted as", (requests, codes), ({}, {}))
        check(label, f"packets {RESULT_OF_KIND[value]}",
              report["packets"][RESULT_OF_KIND[value]], copies)
    # one record a message counted, read by the parser as the kernel counted it
    sip = kind in ("REQ", "RESP")
    check(label, "records", len(events), (copies * (2 if extra else 1)) if sip else 0)
    for i, ev in enumerate(events):
        if kind == "REQ":
            check(label, "record's parse", (ev.get("parse"), ev.get("method")),
                  ("request", extra if extra and i % 2 else value))
        else:
            check(label, "record's parse", (ev.get("parse"), ev.get("status")),
                  ("response", int(value)))


def main():
    binary = sys.argv[1]
    rows = expected_rows()
    directory = messages_dir()
    if not directory or not os.path.isdir(directory):
        print("FAIL: RFC 4475's messages not found: set SIPXDP_RFC4475_DIR, or put a "
              "directory rfc4475 beside the checkout")
        print("0 passed, 1 failed")
        return 1
    files = sorted(glob.glob(os.path.join(directory, "*.dat")))
    check("the messages", "files", len(files), 49)
    check("the unit test's table", "rows", len(rows), 49)
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            name = os.path.basename(path)[:-4]
            if name not in rows:
                check(name, "a row in the unit test's table", False, True)
                continue
            message = open(path, "rb").read()
            check_message(name, binary, tmp, message, rows[name], "udp", 1)
            check_message(name, binary, tmp, message, rows[name], "udp", 2)
            check_message(name, binary, tmp, message, rows[name], "tcp", 1)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
