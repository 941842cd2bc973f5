"""A real OpenID provider for the tests: oidc-provider-mock (from PyPI) in a process of its own.

Run as `python -m tests.support.oidc_provider PORT USERS_JSON`. The mock has no back-channel
logout of its own, so this adds one route a provider's logout would use:
POST /test/logout-token signs a logout token with the provider's own key (the one its JWKS
publishes), for the test to deliver to the desk as the provider would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import ROOT, free_port, stop_process

LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"


def serve(port: int, users: list[dict[str, Any]]) -> None:
    import flask
    import oidc_provider_mock
    import werkzeug.serving
    from joserfc import jwt
    from joserfc.jwk import RSAKey
    from oidc_provider_mock._storage import storage

    app = oidc_provider_mock.app(
        user_claims=[oidc_provider_mock.User(sub=u["sub"], claims=u) for u in users],
        require_nonce=True,
    )

    @app.post("/test/logout-token")
    def logout_token() -> Any:
        wanted = flask.request.get_json()
        key = RSAKey.import_key(storage.jwk.as_dict(is_private=True))
        claims = {
            "iss": flask.request.host_url.rstrip("/"), "iat": int(time.time()),
            "jti": str(uuid.uuid4()), "events": {LOGOUT_EVENT: {}}, **wanted,
        }
        header = {"alg": "RS256", "typ": "logout+jwt", "kid": key.kid}
        return {"logout_token": jwt.encode(header, claims, key)}

    # One process, no reloader: stopping it stops the provider.
    werkzeug.serving.make_server("localhost", port, app, threaded=True).serve_forever()


class Provider:
    """The provider's process, on a free port of localhost (its issuer)."""

    def __init__(self, users: list[dict[str, Any]], log_path: Path) -> None:
        self.port = free_port()
        self.issuer = f"http://localhost:{self.port}"
        self.users = users
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> Provider:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tests.support.oidc_provider", str(self.port),
                 json.dumps(self.users)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.issuer + "/.well-known/openid-configuration",
                             timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.1)
        stop_process(self.process)
        raise RuntimeError(f"the provider did not start:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process)

    def logout_token(self, **claims: Any) -> str:
        answer = httpx.post(self.issuer + "/test/logout-token", json=claims, timeout=10)
        answer.raise_for_status()
        return str(answer.json()["logout_token"])


if __name__ == "__main__":
    serve(int(sys.argv[1]), json.loads(sys.argv[2]))
