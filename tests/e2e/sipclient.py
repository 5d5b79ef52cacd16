#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""The SIP client of the end-to-end tests and of `make demo` (standard library only).

Over UDP (or one TCP connection with --tcp) to one server, per round:
  --registers N   REGISTERs, each answered 200
  --invites M     INVITEs to ordinary users, each answered 200; the first
                  --acks K of them are ACKed (same Call-ID and CSeq number,
                  RFC 3261 13.2.2.4), the others never are; with --byes the
                  ACKed calls are then hung up (with --reason VALUE, the
                  BYEs carry a Reason header of that value, RFC 3326)
  --redirects R   INVITEs to "moved", answered 301; each gets the hop-by-hop
                  ACK of a non-2xx final response (RFC 3261 17.1.1.3)
Every request waits for its final response (over UDP, retransmitted a few times
if none comes). At the end, a JSON summary on stdout of what crossed the wire:
requests sent and responses received (messages, retransmissions included) by
method, code and class, the Call-IDs of the ACKed and un-ACKed 200s, the
Contact URIs of the 301s, and the addresses and transport used. Exit status 1
if a request got no final response or an unexpected one.
"""

import argparse
import collections
import json
import secrets
import socket
import sys
import time

T1 = 0.5  # RFC 3261 retransmission timer, seconds
MAX_SENDS = 4  # first send and retransmissions per request
USER_AGENT = "sipxdp-e2e"


def new_token():
    return secrets.token_hex(6)


class Response:
    """A parsed SIP response: status, the headers we need, Contact URIs."""

    COMPACT = {"i": "call-id", "m": "contact", "t": "to", "f": "from", "v": "via"}

    def __init__(self, data):
        text = data.decode("utf-8", "replace")
        head = text.split("\r\n\r\n", 1)[0].split("\r\n")
        parts = head[0].split(" ", 2)
        if len(parts) < 2 or parts[0] != "SIP/2.0" or not parts[1].isdigit():
            raise ValueError("not a SIP response: %r" % head[0])
        self.code = int(parts[1])
        self.headers = collections.defaultdict(list)
        for line in head[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            name = name.strip().lower()
            self.headers[self.COMPACT.get(name, name)].append(value.strip())

    def header(self, name):
        values = self.headers.get(name)
        return values[0] if values else ""

    def cseq(self):
        number, _, method = self.header("cseq").partition(" ")
        return int(number) if number.isdigit() else -1, method.strip()

    def to_tag(self):
        for param in self.header("to").split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "tag":
                return value.strip()
        return ""

    def contact_uris(self):
        """Each Contact URI: inside <...>, or a bare URI cut at its first ';'."""
        uris = []
        for value in self.headers.get("contact", []):
            for item in split_contacts(value):
                if "<" in item and ">" in item:
                    uris.append(item[item.index("<") + 1:item.index(">")])
                elif item and item != "*":
                    uris.append(item.split(";", 1)[0].strip())
        return uris


def content_length(head):
    """The Content-Length (or l) of a message head, 0 if absent."""
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() in (b"content-length", b"l") and value.strip().isdigit():
            return int(value)
    return 0


def host_part(addr):
    """An address as the host of a SIP URI: IPv6 in brackets (RFC 3261 25.1)."""
    return "[%s]" % addr if ":" in addr else addr


def split_contacts(value):
    """Splits a Contact value at the commas outside <...> and quotes."""
    items, current, in_angle, in_quote = [], "", False, False
    for char in value:
        if char == '"' and not in_angle:
            in_quote = not in_quote
        elif char == "<" and not in_quote:
            in_angle = True
        elif char == ">" and not in_quote:
            in_angle = False
        elif char == "," and not in_angle and not in_quote:
            items.append(current.strip())
            current = ""
            continue
        current += char
    items.append(current.strip())
    return [item for item in items if item]


class Client:
    def __init__(self, server, port, local, tcp):
        family = socket.AF_INET6 if ":" in server else socket.AF_INET
        self.server = (server, port)
        self.host = host_part(server)
        self.tcp = tcp
        self.transport = "TCP" if tcp else "UDP"
        self.sock = socket.socket(family, socket.SOCK_STREAM if tcp else socket.SOCK_DGRAM)
        self.sock.bind((local, 0))
        if tcp:
            # One message per segment, as the tests' packet counts assume.
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.sock.connect(self.server)
        self.stream = b""  # TCP bytes received, not yet a whole message
        self.local = "%s:%d" % (host_part(local), self.sock.getsockname()[1])
        self.sent = collections.Counter({m: 0 for m in ("REGISTER", "INVITE", "ACK", "BYE")})
        self.received = collections.Counter()
        self.retransmissions = 0
        self.errors = []

    def message(self, method, uri, call_id, cseq, from_tag, to, to_tag="",
                branch=None, extra=()):
        via_branch = branch or "z9hG4bK" + new_token()
        lines = [
            "%s %s SIP/2.0" % (method, uri),
            "Via: SIP/2.0/%s %s;branch=%s;rport" % (self.transport, self.local, via_branch),
            "Max-Forwards: 70",
            "From: <sip:e2e@%s>;tag=%s" % (self.host, from_tag),
            "To: <%s>%s" % (to, ";tag=" + to_tag if to_tag else ""),
            "Call-ID: %s" % call_id,
            "CSeq: %d %s" % (cseq, method),
            *extra,
            "User-Agent: " + USER_AGENT,
            "Content-Length: 0",
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode(), via_branch

    def send(self, method, data):
        if self.tcp:
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, self.server)
        self.sent[method] += 1

    def read_message(self, timeout):
        """The next datagram, or the next message of the TCP stream (framed by
        Content-Length); None at the timeout."""
        self.sock.settimeout(timeout)
        if not self.tcp:
            return self.sock.recv(65535)
        while True:
            head_end = self.stream.find(b"\r\n\r\n")
            if head_end >= 0:
                end = head_end + 4 + content_length(self.stream[:head_end])
                if len(self.stream) >= end:
                    message, self.stream = self.stream[:end], self.stream[end:]
                    return message
            data = self.sock.recv(65535)
            if not data:
                raise ConnectionError("the server closed the TCP connection")
            self.stream += data

    def receive(self, timeout):
        """One response, or None at the timeout. Every one received is counted."""
        try:
            data = self.read_message(timeout)
        except socket.timeout:
            return None
        try:
            response = Response(data)
        except ValueError as err:
            self.errors.append(str(err))
            return None
        self.received[response.code] += 1
        return response

    def transaction(self, method, data, call_id, cseq):
        """Sends a request until its final response comes; returns it or None.
        Over TCP it is sent once (RFC 3261 17.1.1.2) and waited for as long."""
        for attempt in range(1 if self.tcp else MAX_SENDS):
            if attempt:
                self.retransmissions += 1
            self.send(method, data)
            deadline = time.monotonic() + T1 * (2 ** (MAX_SENDS if self.tcp else attempt))
            while (left := deadline - time.monotonic()) > 0:
                response = self.receive(left)
                if (response and response.code >= 200
                        and response.header("call-id") == call_id
                        and response.cseq() == (cseq, method)):
                    return response
        self.errors.append("%s %s: no final response" % (method, call_id))
        return None

    def expect(self, response, code, what):
        if response is not None and response.code != code:
            self.errors.append("%s: got %d, expected %d" % (what, response.code, code))
            return False
        return response is not None

    def register(self, user):
        aor = "sip:%s@%s" % (user, self.host)
        call_id = "reg-%s@e2e" % new_token()
        data, _ = self.message("REGISTER", "sip:" + self.host, call_id, 1, new_token(),
                               aor, extra=("Contact: <sip:%s@%s>" % (user, self.local),
                                           "Expires: 3600"))
        self.expect(self.transaction("REGISTER", data, call_id, 1), 200, "REGISTER " + call_id)

    def invite(self, user, kind):
        """INVITE to user; returns (response, call_id, from_tag, uri, branch)."""
        uri = "sip:%s@%s" % (user, self.host)
        call_id = "%s-%s@e2e" % (kind, new_token())
        from_tag = new_token()
        data, branch = self.message("INVITE", uri, call_id, 1, from_tag, uri,
                                    extra=("Contact: <sip:e2e@%s>" % self.local,))
        return self.transaction("INVITE", data, call_id, 1), call_id, from_tag, uri, branch

    def ack_2xx(self, response, call_id, from_tag, uri):
        """The ACK of a 2xx: a new transaction to the Contact of the 200."""
        contacts = response.contact_uris()
        data, _ = self.message("ACK", contacts[0] if contacts else uri, call_id, 1,
                               from_tag, uri, to_tag=response.to_tag())
        self.send("ACK", data)

    def ack_non_2xx(self, response, call_id, from_tag, uri, branch):
        """The ACK of a 3xx-6xx: same branch and Request-URI as the INVITE."""
        data, _ = self.message("ACK", uri, call_id, 1, from_tag, uri,
                               to_tag=response.to_tag(), branch=branch)
        self.send("ACK", data)

    def bye(self, response, call_id, from_tag, uri, reason):
        contacts = response.contact_uris()
        data, _ = self.message("BYE", contacts[0] if contacts else uri, call_id, 2,
                               from_tag, uri, to_tag=response.to_tag(),
                               extra=("Reason: " + reason,) if reason else ())
        self.expect(self.transaction("BYE", data, call_id, 2), 200, "BYE " + call_id)


def run_round(client, args, summary):
    for i in range(args.registers):
        client.register("user%d" % i)
    for i in range(args.invites):
        response, call_id, from_tag, uri, _ = client.invite("bob%d" % i, "call")
        if not client.expect(response, 200, "INVITE " + call_id):
            continue
        if i < args.acks:
            client.ack_2xx(response, call_id, from_tag, uri)
            summary["acked_call_ids"].append(call_id)
            if args.byes:
                client.bye(response, call_id, from_tag, uri, args.reason)
        else:
            summary["unacked_call_ids"].append(call_id)
    for _ in range(args.redirects):
        response, call_id, from_tag, uri, branch = client.invite("moved", "moved")
        if not client.expect(response, 301, "INVITE " + call_id):
            continue
        client.ack_non_2xx(response, call_id, from_tag, uri, branch)
        summary["redirected"] += 1
        for target in response.contact_uris():
            summary["redirect_targets"][target] += 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", required=True, help="SIP server address")
    parser.add_argument("--port", type=int, default=5060)
    parser.add_argument("--local", required=True, help="address to send from")
    parser.add_argument("--tcp", action="store_true", help="one TCP connection, not UDP")
    parser.add_argument("--registers", type=int, default=0)
    parser.add_argument("--invites", type=int, default=0)
    parser.add_argument("--acks", type=int, default=0, help="how many of the 200s to ACK")
    parser.add_argument("--byes", action="store_true", help="hang up the ACKed calls")
    parser.add_argument("--reason", help="the Reason header value of the BYEs")
    parser.add_argument("--redirects", type=int, default=0)
    parser.add_argument("--duration", type=float, default=0,
                        help="repeat rounds for this many seconds (default: one round)")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between rounds")
    args = parser.parse_args()
    if not 0 <= args.acks <= args.invites:
        parser.error("--acks must be between 0 and --invites")

    client = Client(args.server, args.port, args.local, args.tcp)
    summary = {"acked_call_ids": [], "unacked_call_ids": [],
               "redirect_targets": collections.Counter(), "redirected": 0}
    end = time.monotonic() + args.duration
    rounds = 0
    try:
        while True:
            run_round(client, args, summary)
            rounds += 1
            if time.monotonic() + args.interval >= end:
                break
            time.sleep(args.interval)
    except OSError as err:  # the server refused or closed the connection
        client.errors.append("round %d: %s" % (rounds + 1, err))

    classes = collections.Counter()
    for code, count in client.received.items():
        classes["%dxx" % (code // 100)] += count
    summary.update({
        "calls": {"invite_2xx": len(summary["acked_call_ids"]) + len(summary["unacked_call_ids"]),
                  "acked": len(summary["acked_call_ids"]),
                  "unacked": len(summary["unacked_call_ids"]),
                  "redirected": summary.pop("redirected")},
        "rounds": rounds,
        "server": args.server,
        "local": args.local,
        "transport": client.transport,
        "sent": dict(client.sent),
        "sent_total": sum(client.sent.values()),
        "received": {str(code): n for code, n in sorted(client.received.items())},
        "received_classes": dict(sorted(classes.items())),
        "received_total": sum(client.received.values()),
        "retransmissions": client.retransmissions,
        "redirect_targets": dict(summary["redirect_targets"]),
        "errors": client.errors,
    })
    json.dump(summary, sys.stdout, indent=1, sort_keys=True)
    print()
    return 1 if client.errors else 0


if __name__ == "__main__":
    sys.exit(main())
