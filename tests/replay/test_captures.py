#!/usr/bin/env python3
"""Replays every capture of ../shared/captures through `sipxdp replay --json` and
compares it with tshark's figures in expected.json (the per_packet view: one frame
at a time, as an XDP program sees them):

  - per-source 2xx and 3xx counts, and per-code counts;
  - request counts by method;
  - ACK matching (invite_2xx, retransmissions, matched, missing);
  - 3xx Contact targets, as (code, target, source) -> count;
  - no media verdict and no stream figures: a replay measures no RTP.

Tunnelled captures (IP-in-IP, GRE/ERSPAN, PPPoE), SIP over SCTP and over WebSocket
are outside what sipxdp parses (it reads Ethernet/VLAN/IP/UDP|TCP): for those the
test asserts only that nothing is counted from the traffic it cannot see, as said
per file below.

Usage: test_captures.py SIPXDP_BINARY [CAPTURES_DIR]
"""
import collections
import json
import os
import subprocess
import sys

from tally import check, summary

# What sipxdp cannot read in each file, and what it must count all the same.
OUTSIDE = {
    "heplify_erspan_sip_ipv4_udp.pcapng": "all SIP inside GRE/ERSPAN: no response counted",
    "ndpi_gre.pcapng": "the SIP is inside VLAN+GRE+PPP: no response counted",
    "heplify_sip_sctp.pcap": "SIP over SCTP: no response counted",
    "sngrep_ipip.pcap": "responses inside IP-in-IP: only the 2 plain TCP requests count",
    "ppp_sip_reqs.pcap": "CANCEL and ACK inside PPPoE: only INVITE and BYE count",
    "heplify_sip_tcp_websocket.pcap": "the WebSocket leg is not SIP to sipxdp: only UDP counts",
}

# Where ACK matching per packet, on the capture's clock, must differ from tshark's
# (which reassembles TCP and ignores time, and keys a 2xx transaction by Call-ID
# and CSeq only, where sipxdp adds the To-tag and the hop: the two addresses the
# 2xx went between), and why.
ACK_DIFFERENCES = {
    "heplify_sip_ipv6_udp.pcap": (
        {"matched": 0, "missing": 1},
        "the ACK is stamped 4.7 years after its 200 OK: past any ACK timeout"),
    "heplify_sip_ipv4_tcp_fragmented.pcap": (
        {"matched": 31, "missing": 2},
        "2 ACKs (frames 542, 1050) have their Call-ID cut by the end of a 248-byte "
        "TCP segment; read one segment at a time they cannot be matched"),
    # A proxy's 2xx is one transaction on each hop it crosses, never a retransmission.
    "local_kamailio_sipp_lo.pcapng": (
        {"invite_2xx": 11, "retransmissions": 0, "matched": 11},
        "Kamailio (127.0.0.1) proxies 2 of the 11 calls to 127.0.0.3: their 200 OK and "
        "ACK cross two hops (127.0.0.2-127.0.0.1, 127.0.0.1-127.0.0.3), two transactions "
        "each, both ACKed; tshark's Call-ID/CSeq key takes the second copy for a "
        "retransmission"),
    "derived_vlan100_local_kamailio_sipp_lo.pcap": (
        {"invite_2xx": 11, "retransmissions": 0, "matched": 11},
        "local_kamailio_sipp_lo.pcapng in a VLAN: the same 2 proxied calls on two hops"),
    "ndpi_fax_t38_sip.pcap": (
        {"invite_2xx": 9, "retransmissions": 3, "matched": 9},
        "one Call-ID crosses two hops (10.35.60.72-10.35.60.100 and "
        "10.35.40.25-10.35.40.200) for its 3 INVITEs: 3 transactions more than "
        "tshark's, all ACKed on their hop; what remains retransmitted is the second "
        "copy of each 200 the capture holds twice on the 10.35.40.x hop"),
    "sngrep_ipv6frag.pcap": (
        {"invite_2xx": 2, "retransmissions": 1, "matched": 1, "missing": 1},
        "the proxy fd17:...:3519 relays the 200 OK of To-tag ...027184 (sent twice by "
        "...:4222) as a 200 of To-tag ...017184 towards ...:1521, and forwards the "
        "ACK to ...:4222 with To-tag ...017184 too: on the inner hop that ACK is not "
        "the 200's (RFC 3261 13.2.2.4), so that transaction is missing"),
}



def replay(binary, path):
    out = subprocess.run([binary, "replay", "--json", path], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, timeout=120)
    if out.returncode != 0:
        raise RuntimeError(f"sipxdp replay {path} exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)


def per_source_2xx_3xx(report):
    got = {}
    for s in report["sources"]:
        r = s["responses"]
        if r["2xx"] or r["3xx"]:
            got[s["addr"]] = {"2xx": r["2xx"], "3xx": r["3xx"]}
    return got


def sipxdp_redirects(report):
    """(code, target, source) -> count, from sipxdp's aggregated table."""
    return {(e["code"], e["target"], e["source"]): e["count"] for e in report["redirects"]}


def expected_redirects(exp):
    """The same from expected.json's one-entry-per-3xx-packet list."""
    counts = collections.Counter()
    for e in exp["redirects"]:
        for uri in e["contacts"]:
            counts[(e["code"], uri, e["src_ip"])] += 1
    return dict(counts)


def compare(name, report, exp):
    pp = exp["per_packet"]
    want_src = {ip: v for ip, v in pp["responses_2xx_3xx_by_src_ip"].items()
                if v["2xx"] or v["3xx"]}
    check(name, "per-source 2xx/3xx", per_source_2xx_3xx(report), want_src)
    check(name, "codes", report["codes"], pp["status_codes"])
    check(name, "requests", report["requests"], pp["request_methods"])
    got_acks = {k: report["acks"][k] for k in ("invite_2xx", "retransmissions",
                                                 "matched", "missing")}
    want_acks = dict(exp["acks"])
    if name in ACK_DIFFERENCES:
        difference, why = ACK_DIFFERENCES[name]
        print(f"note {name}: acks differ from tshark's: {why}")
        want_acks.update(difference)
    check(name, "acks", got_acks, want_acks)
    check(name, "redirects", sipxdp_redirects(report), expected_redirects(exp))


def compare_outside(name, report):
    codes = sum(report["codes"].values())
    reqs = sum(report["requests"].values())
    if name in ("heplify_erspan_sip_ipv4_udp.pcapng", "ndpi_gre.pcapng",
                "heplify_sip_sctp.pcap"):
        check(name, "responses counted", codes, 0)
        check(name, "requests counted", reqs, 0)
    elif name == "sngrep_ipip.pcap":
        check(name, "responses counted", codes, 0)
        check(name, "requests", report["requests"], {"INVITE": 1, "BYE": 1})
    elif name == "ppp_sip_reqs.pcap":
        check(name, "requests", report["requests"], {"INVITE": 1, "BYE": 1})
    elif name == "heplify_sip_tcp_websocket.pcap":
        # the UDP legs are ordinary SIP: every response counted is a real one
        check(name, "no 3xx", report["responses"]["3xx"], 0)
        check(name, "responses within tshark's", codes <= 24 and codes > 0, True)


def check_media_unjudged(name, report):
    """A replay learns the calls' streams from SDP but measures none (the kernel
    would time the capture's RTP by the replay's clock): no call gets a media
    verdict, and no stream has figures, whatever RTP the capture holds."""
    verdicts = collections.Counter(m["call_media"] for m in report["media"])
    check(name, "media verdicts", dict(verdicts),
          {"undecided": len(report["media"])} if report["media"] else {})
    check(name, "streams with figures",
          sum(1 for m in report["media"] if m["packets"] or m["lost"]), 0)
    check(name, "calls judged",
          sum(sum(c["media"].values()) for c in report["calls"]), 0)


def main():
    binary = sys.argv[1]
    root = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "captures")
    expected_path = os.path.join(root, "expected.json")
    if not os.path.exists(expected_path):
        print(f"FAIL: the shared captures are missing: {expected_path} not found "
              "(they live in ../shared/captures beside the project)")
        print("0 passed, 1 failed")
        return 1
    expected = json.load(open(expected_path))["files"]
    for name, exp in sorted(expected.items()):
        path = os.path.join(root, "pcaps", name)
        report = replay(binary, path)
        check(name, "packets seen", report["packets"]["seen"], exp["packets"])
        if name in OUTSIDE:
            print(f"note {name}: {OUTSIDE[name]}")
            compare_outside(name, report)
        else:
            compare(name, report, exp)
        check_media_unjudged(name, report)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
