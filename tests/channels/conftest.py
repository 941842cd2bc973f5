"""The channel tests share one desk wired to the fake networks (its own database); the
e-mail tests a Dovecot per module, with a new service mailbox and SMTP server per test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.fakes.desk import NetworkDesk, start_network_desk
from tests.fakes.meta_graph import FakeMeta
from tests.fakes.x_api import FakeX
from tests.support.dovecot import Dovecot, Mailbox
from tests.support.mail import SmtpRecorder

MAILBOX_PASSWORD = "desk mailbox password"


@pytest.fixture(scope="session")
def network_desk(tmp_path_factory: pytest.TempPathFactory, fake_meta: FakeMeta, fake_x: FakeX
                 ) -> Iterator[NetworkDesk]:
    desk = start_network_desk(tmp_path_factory.mktemp("network-desk"), fake_meta, fake_x)
    yield desk
    desk.stop()


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot([]).start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    return dovecot.add_user(
        Mailbox(f"service-{secrets.token_hex(4)}@shop.example", MAILBOX_PASSWORD))


@pytest.fixture
def smtp(mailbox: Mailbox) -> Iterator[SmtpRecorder]:
    server = SmtpRecorder({mailbox.address: MAILBOX_PASSWORD}).start()
    yield server
    server.stop()
