"""What an accepted handshake's request keeps for its socket's life."""

from __future__ import annotations

from flask import Flask, request

from web.ws_handshake import shed_request

UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    "Origin": "http://127.0.0.1:8000",
    "User-Agent": "probe/1",
    "Cookie": "a=1",
}


def test_the_request_sheds_headers_and_parsed_query_but_keeps_what_is_read_later() -> None:
    app = Flask(__name__)
    with app.test_request_context("/ws?ticket=t-1", headers=UPGRADE):
        environ = request.environ
        assert request.args["ticket"] == "t-1" and request.cookies["a"] == "1"
        shed_request()
        assert request.environ is environ  # the server's own dict, made smaller in place
        assert not {
            "HTTP_UPGRADE",
            "HTTP_CONNECTION",
            "HTTP_SEC_WEBSOCKET_KEY",
            "HTTP_ORIGIN",
            "HTTP_COOKIE",
        } & set(environ)
        assert environ["HTTP_USER_AGENT"] == "probe/1" and "HTTP_HOST" in environ
        assert environ["REQUEST_METHOD"] == "GET" and environ["QUERY_STRING"] == "ticket=t-1"
        assert "args" not in vars(request) and "cookies" not in vars(request)
        # What the access line reads was copied out of the environ when the request was made.
        assert (request.method, request.full_path) == ("GET", "/ws?ticket=t-1")
        assert request.args["ticket"] == "t-1"  # parsed again if anything asks
