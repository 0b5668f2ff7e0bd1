"""`flask send-outbox` speaks SMTP to a real socket: a minimal server records what arrives."""
import socketserver
import threading
from email import message_from_bytes

from sqlalchemy import select

from blueprints.accounts.models import User
from blueprints.notifications.models import EmailStatus, Kind, OutboxEmail
from blueprints.notifications.services import notify, set_preference
from extensions import db


class RecordingSMTPHandler(socketserver.StreamRequestHandler):
    received: list[bytes] = []

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 test")
            elif command.startswith(("MAIL FROM", "RCPT TO", "RSET", "NOOP")):
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 go ahead")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.received.append(data)
                self.reply("250 queued")
            elif command == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


def test_send_outbox_delivers_over_smtp_once(app, make_user):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), RecordingSMTPHandler)
    RecordingSMTPHandler.received = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    reader = make_user()
    with app.app_context():
        set_preference(db.session.get(User, reader.id), Kind.KEYWORD_MATCHES, in_site=False, email=True)
        notify({reader.id}, Kind.KEYWORD_MATCHES, event="keyword_product", subject="Linen apron", link="/p/apron")
        db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.server_address[1], MAIL_USE_TLS=False)
    try:
        first = app.test_cli_runner().invoke(args=["send-outbox"])
        second = app.test_cli_runner().invoke(args=["send-outbox"])
    finally:
        server.shutdown()
        server.server_close()
    assert "Sent 1" in first.output and "Sent 0" in second.output
    assert len(RecordingSMTPHandler.received) == 1
    message = message_from_bytes(RecordingSMTPHandler.received[0])
    assert message["To"] == reader.email and "Linen apron" in message["Subject"]
    assert message["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    with app.app_context():
        assert db.session.scalar(select(OutboxEmail.status)) == EmailStatus.SENT
