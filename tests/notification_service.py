"""A stand-in for the outside services notifications go to (a WeCom group robot, an SMS
gateway), for tests: http.server in a thread on a free local port. Each path answers with the
replies it is given, in turn (the last one repeats), and every request is kept."""

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

OK = (200, {"errcode": 0, "errmsg": "ok"})


@dataclass
class Received:
    path: str
    query: str
    headers: dict
    payload: object
    status: int
    reply: object

    @property
    def succeeded(self) -> bool:
        return self.status < 300 and (
            not isinstance(self.reply, dict) or self.reply.get("errcode", 0) == 0
        )


class StandInService:
    def __init__(self):
        self.replies: dict[str, list] = {}
        self.received: list[Received] = []
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    payload = json.loads(raw.decode("utf-8"))
                except ValueError:
                    payload = raw
                parts = urlsplit(self.path)
                with service.lock:
                    queue = service.replies.get(parts.path) or [OK]
                    status, reply = queue.pop(0) if len(queue) > 1 else queue[0]
                    service.received.append(
                        Received(
                            parts.path, parts.query, dict(self.headers), payload, status, reply
                        )
                    )
                body = json.dumps(reply).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def answer(self, path: str, *replies) -> None:
        """Answer POSTs to ``path`` with these (status, JSON) replies in turn."""
        self.replies[path] = list(replies)

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def to(self, path: str) -> list[Received]:
        return [request for request in self.received if request.path == path]

    def __enter__(self) -> "StandInService":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
