"""The reading of a post: language and sentiment, German and English, as social media writes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from server.reading import read_message
from server.reading.language import by_little_words

ROOT = Path(__file__).resolve().parents[2]


def label(text: str) -> str:
    return read_message(text).label


@pytest.mark.parametrize(("text", "language"), [
    ("Wo bleibt mein Paket?", "de"),
    ("Where is my parcel?", "en"),
    ("kein Netz", "de"),
    ("no signal", "en"),
    ("Danke!", "de"),
    ("Why?", "en"),
    ("Seit drei Tagen kein Internet 😡", "de"),
    ("@Telekom thanks, all sorted 👍", "en"),
])
def test_short_posts_are_read_as_german_or_english(text: str, language: str) -> None:
    assert read_message(text).language == language


@pytest.mark.parametrize(("text", "language"), [
    ("Ich habe die Rechnung bekommen, aber der Betrag ist falsch. Ref a7", "de"),
    ("I got the invoice but my total is wrong and nobody answers. Danke", "en"),
])
def test_a_stray_word_of_the_other_language_does_not_make_a_post_mixed(
    text: str, language: str
) -> None:
    assert by_little_words(text) == language
    assert read_message(text).language == language


def test_a_post_without_words_has_no_language_but_a_sentiment() -> None:
    angry = read_message("😡😡")
    assert (angry.language, angry.label) == (None, "negative")
    assert label("👍") == "positive"
    assert read_message("12345").label == "neutral"


@pytest.mark.parametrize(("positive", "negated"), [
    ("gut", "nicht gut"),
    ("Das gefällt mir", "Das gefällt mir nicht"),
    ("Es klappt", "Es klappt nicht"),
    ("good", "not good"),
    ("I like it", "I don't like it"),
])
def test_negation_turns_praise_into_a_complaint(positive: str, negated: str) -> None:
    assert label(positive) == "positive"
    assert label(negated) == "negative"


@pytest.mark.parametrize("text", [
    "Seit drei Tagen kein Internet", "Das Paket ist nicht angekommen", "Null Empfang hier",
    "no signal since Monday", "The parcel never arrived",
])
def test_a_missing_service_is_a_complaint(text: str) -> None:
    assert label(text) == "negative"


@pytest.mark.parametrize(("plain", "stronger"), [
    ("gut", "sehr gut"), ("schlecht", "total schlecht"), ("schlecht", "SCHLECHT, echt"),
    ("Katastrophe", "Katastrophe!!!"), ("good", "very good"), ("bad", "bad!!!"),
    ("Das ist schlecht", "Das ist SCHLECHT"),
])
def test_intensifiers_capitals_and_exclamation_marks_make_it_stronger(plain: str,
                                                                      stronger: str) -> None:
    assert abs(read_message(stronger).score) > abs(read_message(plain).score)
    assert read_message(stronger).label == read_message(plain).label


@pytest.mark.parametrize(("text", "expected"), [
    ("Danke 🙏", "positive"), ("Super Service 😍", "positive"), ("Na toll 🙄🙄", "negative"),
    ("Paket da 👍🏽", "positive"), ("Warten seit Stunden 😡", "negative"),
    ("waiting for hours 🤬", "negative"), ("all good ❤️", "positive"),
])
def test_emojis_count_in_both_languages(text: str, expected: str) -> None:
    assert label(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Die Dame war nett, aber mein Problem ist immer noch nicht gelöst.", "negative"),
    ("The agent was nice, but my problem is still not solved.", "negative"),
    ("Danke für nichts", "negative"),
    ("thanks for nothing", "negative"),
    ("Hut ab, super gelöst", "positive"),
    ("Wann kommt der Techniker?", "neutral"),
    ("When does the engineer come?", "neutral"),
])
def test_what_follows_but_and_set_phrases_decide(text: str, expected: str) -> None:
    assert label(text) == expected


def test_scores_stay_within_minus_one_and_one() -> None:
    for text in ("😡" * 50, "SCHEISSE!!!!!!! " * 20, "❤️" * 50, "best best best!!! " * 30, ""):
        reading = read_message(text)
        assert -1.0 <= reading.score <= 1.0


def test_the_reading_needs_no_network() -> None:
    """Models and lexicons ship with the packages: with every socket refused, the first read
    (which loads them) still works."""
    script = (
        "import socket\n"
        "def refuse(*a, **k): raise AssertionError('network used')\n"
        "socket.socket.connect = refuse; socket.create_connection = refuse\n"
        "socket.getaddrinfo = refuse\n"
        "from server.reading import read_message\n"
        "print(read_message('Seit drei Tagen kein Internet!').label)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "negative"
