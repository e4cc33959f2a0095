"""Drives the server generated from tests/golden/bodies: JSON, form with a JSON field, multipart with a file.

Run with that package first on the path; prints one JSON line with what it saw.
"""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from posthog_experiments_server import models, requests, responses
from posthog_experiments_server.app import create_app

seen: list[object] = []


class Notes:
    async def create_note(self, request: requests.CreateNoteRequest, identity: None) -> responses.CreateNoteResponse:
        seen.append(request.body.model_dump(mode="json"))
        return responses.CreateNote201(body=models.Note(id=1, text=request.body.text))

    async def upload_attachment(
        self, request: requests.UploadAttachmentRequest, identity: None
    ) -> responses.UploadAttachmentResponse:
        seen.append({"file": request.body.file.decode(), "caption": request.body.caption})
        return responses.UploadAttachment201(body=models.UploadAttachmentResponse201(id=len(request.body.file)))


client = TestClient(create_app(default=Notes()))
statuses = [
    client.post("/notes", json={"text": "hi", "tags": ["a"]}).status_code,
    client.post("/notes", data={"text": "form", "tags": '["x", "y"]'}).status_code,
    client.post("/attachments", files={"file": ("a.txt", b"hello"), "caption": (None, "greeting")}).status_code,
    client.post("/attachments", files={"caption": (None, "no file")}).status_code,  # the file is required
    client.post("/attachments", data={"caption": "not multipart"}).status_code,  # a form it does not accept
    # like Django's QueryDict: a repeated scalar keeps its last value, an array field is every value
    client.post("/notes", data={"text": ["first", "last"], "labels": ["p", "q"]}).status_code,
    client.post("/notes", data={"text": "one label", "labels": "p"}).status_code,
    client.post("/notes", content=b"", headers={"content-type": "application/x-www-form-urlencoded"}).status_code,
]
print(json.dumps({"statuses": statuses, "seen": seen}))
