"""A real SMTP server on 127.0.0.1 for the alert e-mail tests (aiosmtpd, pinned in
scripts/reference-requirements.txt; see crates/dijkwacht/src/alerts/delivery/
mail_tests.rs). It takes every message and writes it into a folder as one JSON file —
envelope sender and recipients, the headers the tests look at, and the text body
decoded — so that the test reads what a mail client would show.

Recipients are refused by their local part, so that one server tests refusals too:
  unknown...@  → 550 5.1.1 <address>: no such user here   (permanent)
  busy...@     → 451 4.7.1 <address>: mailbox busy, try again later   (transient)

Usage: python smtp_receiver.py FOLDER [PORT]
Prints "listening 127.0.0.1 PORT" once bound (the system picks the port unless one is
given: a test that took a server down brings it back on the same port), then serves
until its standard input closes or it is ended.
"""
import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.smtp import SMTP


class SaveToFolder:
    def __init__(self, folder):
        self.folder = folder
        self.saved = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local_part = address.split("@", 1)[0]
        if local_part.startswith("unknown"):
            return f"550 5.1.1 <{address}>: no such user here"
        if local_part.startswith("busy"):
            return f"451 4.7.1 <{address}>: mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "message_id": str(message["message-id"]),
            "auto_submitted": message.get("auto-submitted"),
            "content_type": message.get_content_type(),
            "charset": message.get_content_charset(),
            # Lines end in CRLF on the wire; a mail client shows plain lines.
            "body": message.get_content().replace("\r\n", "\n"),
        }
        self.saved += 1
        path = os.path.join(self.folder, f"{self.saved:04}.json")
        with open(path + ".part", "w", encoding="utf-8") as file:
            json.dump(record, file, ensure_ascii=False)
        os.replace(path + ".part", path)
        return "250 2.0.0 Ok: queued"


async def main():
    folder = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    handler = SaveToFolder(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="receiver.test"), "127.0.0.1", port
    )
    port = server.sockets[0].getsockname()[1]
    print(f"listening 127.0.0.1 {port}", flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
