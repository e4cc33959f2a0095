"""The HTTP protocol the server runs: uvicorn's, with its own refusals in the API's error shape.

A request uvicorn cannot parse (an overlong or malformed request line, bad headers) never reaches
the application; uvicorn answers it with a plain-text 400. Clients of this API read errors as JSON,
so the same refusal is sent as the API's error body.
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.h11_impl import H11Protocol

from reference.errors import error_body

try:  # uvicorn's choice when it is installed ("auto")
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - httptools is a dependency; h11 is uvicorn's fallback
    _Base = H11Protocol  # type: ignore[assignment,misc]

_REFUSAL = json.dumps(error_body("invalid_request", "parse_error", "Invalid HTTP request received.")).encode()


class Protocol(_Base):
    def send_400_response(self, msg: str) -> None:
        head = (
            b"HTTP/1.1 400 Bad Request\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(_REFUSAL)).encode() + b"\r\n"
            b"connection: close\r\n\r\n"
        )
        self.transport.write(head + _REFUSAL)
        self.transport.close()
