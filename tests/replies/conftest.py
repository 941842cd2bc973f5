"""Fixtures for answering: a fake network that receives the desk's replies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fake_reply_endpoint import FakeReplyEndpoint


@pytest.fixture(scope="session")
def network() -> Iterator[FakeReplyEndpoint]:
    endpoint = FakeReplyEndpoint().start()
    yield endpoint
    endpoint.stop()
