#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The truth sipxdp's media figures are held against (tests/e2e/test_media.sh).

  rtp_truth.py CAPTURE      tshark's RTP stream analysis of a capture, as JSON:
                            {"streams": [{src, src_port, dst, dst_port, ssrc,
                              payload, packets, bytes, lost, expected, loss_pct,
                              mean_jitter_ms, max_jitter_ms, mos}]}
  rtp_truth.py mos LOSS_PCT JITTER_MS
                            the G.107 MOS of a G.711 stream with PLC

tshark is an implementation of RFC 3550's loss and jitter that owes nothing
to sipxdp's: it reads the packets a capture of the same interface holds and
times them by the capture's clock. Every UDP datagram is tried as RTP
(rtp.heuristic_rtp), so that a stream whose SDP the capture missed counts
too. "mos" is what user/track/mos.h writes down, computed here again from
tshark's loss and jitter, so that a wrong formula in the agent shows as a
difference rather than agreeing with itself.
"""
import json
import math
import re
import subprocess
import sys

NUM = r"(-?[\d.]+)"
# Start End SrcIP SrcPort DstIP DstPort SSRC Payload Pkts Lost (pct%)
# MinDelta MeanDelta MaxDelta MinJitter MeanJitter MaxJitter [Problems?]
ROW = re.compile(r"^\s*" + NUM + r"\s+" + NUM + r"\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+"
                 r"(0x[0-9A-Fa-f]+)\s+(.+?)\s+(\d+)\s+(-?\d+)\s+\((-?[\d.]+)%\)\s+" +
                 r"\s+".join([NUM] * 6) + r"\s*(.*)$")


def mos(loss_pct, jitter_ms, bpl=25.1, ie=0.0):
    """G.107: R = 93.2 - Idd(2 J) - Ie,eff (BurstR 1, no known delay), MOS of R."""
    ppl = min(max(loss_pct, 0.0), 100.0)
    ta = 2 * max(jitter_ms, 0.0)
    idd = 0.0
    if ta > 100:
        x = math.log2(ta / 100)
        idd = 25 * ((1 + x ** 6) ** (1 / 6) - 3 * (1 + (x / 3) ** 6) ** (1 / 6) + 2)
    r = 93.2 - idd - (ie + (95 - ie) * ppl / (ppl + bpl))
    if r <= 0:
        return 1.0
    if r >= 100:
        return 4.5
    return max(1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6, 1.0)


def tshark(*args):
    return subprocess.run(["tshark", *args], check=True, capture_output=True, text=True).stdout


def payload_bytes(capture):
    """UDP payload bytes per (src, src_port, dst, dst_port): what sipxdp counts."""
    total = {}
    for line in tshark("-r", capture, "-Y", "udp", "-T", "fields", "-e", "ip.src",
                       "-e", "ipv6.src", "-e", "udp.srcport", "-e", "ip.dst",
                       "-e", "ipv6.dst", "-e", "udp.dstport",
                       "-e", "udp.length").splitlines():
        src4, src6, sport, dst4, dst6, dport, length = line.split("\t")
        key = (src4 or src6, int(sport), dst4 or dst6, int(dport))
        total[key] = total.get(key, 0) + int(length) - 8
    return total


def streams(capture):
    out = tshark("-r", capture, "-q", "-o", "rtp.heuristic_rtp:TRUE", "-z", "rtp,streams")
    sizes = payload_bytes(capture)
    found = []
    for line in out.splitlines():
        m = ROW.match(line)
        if not m:
            continue
        g = m.groups()
        packets, lost = int(g[8]), int(g[9])
        expected = packets + lost
        loss_pct = 100.0 * lost / expected if expected > 0 and lost > 0 else 0.0
        jitter = float(g[15])
        ends = (g[2], int(g[3]), g[4], int(g[5]))
        found.append({"src": g[2], "src_port": ends[1], "dst": g[4], "dst_port": ends[3],
                      "ssrc": g[6].lower(), "payload": g[7], "packets": packets,
                      "bytes": sizes.get(ends, 0), "lost": lost,
                      "expected": expected, "loss_pct": loss_pct, "mean_jitter_ms": jitter,
                      "max_jitter_ms": float(g[16]), "mos": round(mos(loss_pct, jitter), 4),
                      "problems": g[17].strip()})
    return found


def main(argv):
    if len(argv) == 4 and argv[1] == "mos":
        print(round(mos(float(argv[2]), float(argv[3])), 4))
    elif len(argv) == 2:
        print(json.dumps({"streams": streams(argv[1])}, indent=1, sort_keys=True))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
