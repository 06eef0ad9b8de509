#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for the SMTP connector's integration tests.

Listens on 127.0.0.1 on a free port and prints one JSON line {"port": N} once it accepts
connections. Every accepted message is written to OUTDIR as NNN.eml (the bytes as received)
with NNN.json beside it ({"mail_from": ..., "rcpt_tos": [...]}); every connection appends a
line to OUTDIR/connections.log. Runs until killed.

  --tls starttls|implicit|none   --cert FILE --key FILE
  --user NAME --password PW      AUTH required (PLAIN and LOGIN; --no-plain leaves only LOGIN)
  --refuse ADDR                  RCPT TO this address gets 550 (repeatable)
  --size N                       SIZE limit advertised and enforced
"""
import argparse
import asyncio
import json
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, outdir, refuse):
        self.outdir = outdir
        self.refuse = {a.lower() for a in refuse}
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.outdir, "%03d" % self.count)
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}, f)
        return "250 2.0.0 Ok: queued as %03d" % self.count


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--outdir", required=True)
    p.add_argument("--tls", default="none", choices=["starttls", "implicit", "none"])
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--no-plain", action="store_true")
    p.add_argument("--refuse", action="append", default=[])
    p.add_argument("--size", type=int, default=33554432)
    args = p.parse_args()

    context = None
    if args.tls != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == args.user \
            and auth_data.password.decode() == args.password
        return AuthResult(success=ok, handled=False)

    handler = Recorder(args.outdir, args.refuse)
    log = os.path.join(args.outdir, "connections.log")

    class CountingSMTP(SMTP):
        def connection_made(self, transport):
            with open(log, "a") as f:
                f.write("connection\n")
            super().connection_made(transport)

    def factory():
        return CountingSMTP(
            handler,
            hostname="mx.test",
            data_size_limit=args.size,
            tls_context=context if args.tls == "starttls" else None,
            require_starttls=args.tls == "starttls",
            auth_required=args.user is not None,
            # With implicit TLS aiosmtpd does not see the TLS (it is below the protocol), so it is not asked for.
            auth_require_tls=args.tls == "starttls",
            authenticator=authenticator if args.user is not None else None,
            auth_exclude_mechanism=["PLAIN"] if args.no_plain else None,
        )

    async def serve():
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            factory, host="127.0.0.1", port=0, ssl=context if args.tls == "implicit" else None)
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(json.dumps({"port": port}) + "\n")
        sys.stdout.flush()
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


if __name__ == "__main__":
    main()
