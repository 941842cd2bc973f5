"""server/actions/windows.py: until when a private reply or a message is still possible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from channels.base import Capabilities
from server.actions.windows import aware, closed_window_template, windows
from server.errors import Conflict

META = Capabilities(public_reply=True, private_reply_to_public=True, direct_messages=True,
                    message_window_hours=24, private_reply_window_days=7)
X = Capabilities(public_reply=True, private_reply_to_public=True, direct_messages=True)
LAST = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_meta_gives_a_week_for_a_private_reply_and_a_day_for_messages() -> None:
    public = windows(META, "public", None, LAST)
    assert public.private_reply_until == LAST + timedelta(days=7)
    assert public.message_window_until is None
    assert windows(META, "private", None, LAST).message_window_until == LAST + timedelta(hours=24)
    # Taken private already: no private reply offered any more.
    assert windows(META, "public", 5, LAST).private_reply_until is None


def test_no_window_where_the_network_has_none_or_the_customer_never_wrote() -> None:
    assert windows(X, "public", None, LAST).as_card_fields() == {
        "private_reply_until": None, "message_window_until": None}
    assert windows(META, "public", None, None).private_reply_until is None
    assert windows(None, "private", None, LAST).message_window_until is None


def test_naive_database_times_are_utc() -> None:
    assert aware(datetime(2026, 1, 1)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert aware(LAST) is LAST


def test_a_closed_window_needs_a_template_only_where_the_network_takes_one() -> None:
    assert closed_window_template("webhook", {}, 24) is None
    assert closed_window_template("whatsapp", {"template_name": "follow_up"}, 24) == "follow_up"
    with pytest.raises(Conflict) as refused:
        closed_window_template("whatsapp", {}, 24)
    assert refused.value.params == {"hours": 24}
