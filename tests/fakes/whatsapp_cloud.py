"""A fake WhatsApp Cloud API (Meta's Graph API for WhatsApp) and its webhooks.

What the desk uses, as documented: POST /{phone-number-id}/messages with messaging_product
"whatsapp" and type text (only within 24 hours of the customer's last message, else error
131047) or type template (an approved template in its language, with exactly its body
parameters); Graph errors ({"error": {"message", "type", "code", "error_data":
{"messaging_product", "details"}, "fbtrace_id"}}); and webhooks signed with
X-Hub-Signature-256, carrying `messages` (the customer wrote) or `statuses` (what became of
a message we sent, failures with their errors[]).
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.meta_graph import sign
from tests.fakes.running import FakeNetwork

VERSION = "v21.0"
WINDOW = timedelta(hours=24)
_numbers = itertools.count(4915100000000 + secrets.randbelow(10**8) * 1000)
_ids = itertools.count(int(datetime.now(UTC).timestamp()) * 1000)
# The titles WhatsApp gives its errors, for the codes the fake raises.
TITLES = {
    100: "Invalid parameter",
    131026: "Message undeliverable",
    131047: "Re-engagement message",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    130429: "Rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132018: "There was an issue with the parameters in your template.",
    190: "Access token has expired",
}


def wamid() -> str:
    return "wamid." + secrets.token_urlsafe(24)


@dataclass
class Number:
    """A business phone number on the Cloud API, with its app's secrets."""

    id: str  # the phone number id
    display: str
    waba_id: str
    token: str
    app_secret: str
    verify_token: str


@dataclass
class Customer:
    name: str
    wa_id: str


@dataclass
class Sent:
    kind: str  # text | template
    to: str
    text: str  # the text, or the template's body parameter
    id: str
    body: dict[str, Any] = field(repr=False)


def cloud_error(code: int, details: str, status: int = 400) -> JSONResponse:
    error = {"message": f"(#{code}) {TITLES.get(code, 'Error')}", "type": "OAuthException",
             "code": code, "error_data": {"messaging_product": "whatsapp", "details": details},
             "fbtrace_id": secrets.token_urlsafe(8)}
    return JSONResponse({"error": error}, status_code=status)


class FakeWhatsApp(FakeNetwork):
    def __init__(self) -> None:
        self.numbers: dict[str, Number] = {}
        # (name, language) -> how many body parameters the approved template takes
        self.templates: dict[tuple[str, str], int] = {}
        self.last_inbound: dict[tuple[str, str], datetime] = {}
        self.sent: list[Sent] = []
        self.failures: deque[JSONResponse] = deque()
        super().__init__(Starlette(routes=[
            Route(f"/{VERSION}/{{number_id}}/messages", self._messages, methods=["POST"]),
        ]))

    @property
    def url(self) -> str:
        return f"{self.address}/{VERSION}"

    # -- the network's side ------------------------------------------------------------

    def number(self) -> Number:
        display = str(next(_numbers))
        made = Number(str(next(_ids)), display, str(next(_ids)), "EAAG" + secrets.token_urlsafe(24),
                      secrets.token_hex(16), secrets.token_urlsafe(12))
        self.numbers[made.id] = made
        return made

    def customer(self, name: str) -> Customer:
        return Customer(name, str(next(_numbers)))

    def approve_template(self, name: str, language: str, parameters: int = 1) -> None:
        self.templates[(name, language)] = parameters

    def forget_window(self, number: Number, customer: Customer) -> None:
        """WhatsApp's clock says the window closed, whatever the desk believes."""
        self.last_inbound.pop((number.id, customer.wa_id), None)

    def fail_next(self, code: int, details: str, status: int = 400) -> None:
        self.failures.append(cloud_error(code, details, status))

    def sent_to(self, customer: Customer) -> list[Sent]:
        return [s for s in self.sent if s.to == customer.wa_id]

    # -- webhooks ----------------------------------------------------------------------

    @staticmethod
    def _payload(number: Number, value: dict[str, Any]) -> dict[str, Any]:
        value = {"messaging_product": "whatsapp",
                 "metadata": {"display_phone_number": number.display,
                              "phone_number_id": number.id}, **value}
        return {"object": "whatsapp_business_account",
                "entry": [{"id": number.waba_id,
                           "changes": [{"value": value, "field": "messages"}]}]}

    def message_webhook(self, number: Number, customer: Customer, text: str, *,
                        age: timedelta = timedelta(0), reply_to: str | None = None
                        ) -> tuple[dict[str, Any], str]:
        """The customer writes a text message: its webhook, and the message's id."""
        moment = datetime.now(UTC) - age
        self.last_inbound[(number.id, customer.wa_id)] = moment
        made = wamid()
        message: dict[str, Any] = {"from": customer.wa_id, "id": made,
                                   "timestamp": str(int(moment.timestamp())),
                                   "text": {"body": text}, "type": "text"}
        if reply_to:
            message["context"] = {"from": number.display, "id": reply_to}
        return self._payload(number, {
            "contacts": [{"profile": {"name": customer.name}, "wa_id": customer.wa_id}],
            "messages": [message],
        }), made

    def status_webhook(self, number: Number, sent: Sent, status: str,
                       error: int | None = None) -> dict[str, Any]:
        """What became of a message we sent: sent, delivered, read or failed (with a code)."""
        report: dict[str, Any] = {"id": sent.id, "status": status,
                                  "timestamp": str(int(datetime.now(UTC).timestamp())),
                                  "recipient_id": sent.to}
        if status != "failed":
            report["conversation"] = {"id": secrets.token_hex(16),
                                      "origin": {"type": "service"}}
            report["pricing"] = {"billable": True, "pricing_model": "CBP",
                                 "category": "service"}
        if error is not None:
            report["errors"] = [{"code": error, "title": TITLES.get(error, "Error"),
                                 "message": TITLES.get(error, "Error"),
                                 "error_data": {"details": TITLES.get(error, "Error")}}]
        return self._payload(number, {"statuses": [report]})

    @staticmethod
    def signed(payload: dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(payload).encode()
        return body, {"Content-Type": "application/json",
                      "X-Hub-Signature-256": sign(app_secret, body)}

    # -- the Cloud API -----------------------------------------------------------------

    async def _messages(self, request: Request) -> JSONResponse:
        body = json.loads(await request.body() or b"{}")
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        number = self.numbers.get(request.path_params["number_id"])
        if self.failures:
            return self.failures.popleft()
        if number is None or number.token != token:
            return cloud_error(190, "Error validating access token", status=401)
        if body.get("messaging_product") != "whatsapp":
            return cloud_error(100, "The parameter messaging_product is required.")
        to = str(body.get("to") or "")
        if not to:
            return cloud_error(100, "The parameter to is required.")
        if body.get("type") == "text":
            return self._text(number, to, body)
        if body.get("type") == "template":
            return self._template(to, body)
        return cloud_error(100, "Unsupported message type.")

    def _text(self, number: Number, to: str, body: dict[str, Any]) -> JSONResponse:
        text = str((body.get("text") or {}).get("body") or "")
        if not text.strip() or len(text) > 4096:
            return cloud_error(100, "The parameter text['body'] must be 1 to 4096 characters.")
        last = self.last_inbound.get((number.id, to))
        if last is None or datetime.now(UTC) - last > WINDOW:
            return cloud_error(131047, "Message failed to send because more than 24 hours "
                                       "have passed since the customer last replied to this "
                                       "number.")
        return self._accepted("text", to, text, body)

    def _template(self, to: str, body: dict[str, Any]) -> JSONResponse:
        template = body.get("template") or {}
        name = template.get("name")
        language = (template.get("language") or {}).get("code")
        wanted = self.templates.get((name, language))
        if wanted is None:
            return cloud_error(132001, f"template name ({name}) does not exist in {language}",
                               status=404)
        parameters = [p for c in template.get("components") or [] if c.get("type") == "body"
                      for p in c.get("parameters") or []]
        if len(parameters) != wanted:
            return cloud_error(132000, f"body: number of localizable_params ({len(parameters)})"
                                       f" does not match the expected number of params "
                                       f"({wanted})")
        texts = [str(p.get("text") or "") for p in parameters]
        if any("\n" in t or "\t" in t or "    " in t for t in texts):
            return cloud_error(132018, "Param text cannot have new-line/tab characters or "
                                       "more than 4 consecutive spaces")
        return self._accepted("template", to, " ".join(texts), body)

    def _accepted(self, kind: str, to: str, text: str, body: dict[str, Any]) -> JSONResponse:
        made = Sent(kind, to, text, wamid(), body)
        self.sent.append(made)
        answer: dict[str, Any] = {"id": made.id}
        if kind == "template":
            answer["message_status"] = "accepted"
        return JSONResponse({"messaging_product": "whatsapp",
                             "contacts": [{"input": to, "wa_id": to}], "messages": [answer]})
