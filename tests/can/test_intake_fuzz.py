"""Fuzzing the gateway endpoints: random dates, offsets, encodings and sizes, as form fields or JSON.

The rule: every message is either stored or answered 5xx (so the gateway retries), never 200
without a row. Here nothing may answer 5xx at all: each answer is 200 with an alert that reads
back from the database, or 413 for a body above the upload limit (nothing stored). Run it on
PostgreSQL too (``DATABASE_URL``): that is where offsets and NUL bytes bite.
"""

import datetime
import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as fuzz_settings
from hypothesis import strategies as st

from can.models import MAX_SMS_TEXT, Alert
from can.parsing import EARLIEST_SENT_AT, SENT_AT_LEEWAY, clean_text, read_sent_at
from tests.conftest import SignInClient as Client
from tests.factories import TOKEN

pytestmark = pytest.mark.django_db

UPLOAD_LIMIT = 60_000  # bytes; low, so that generated bodies cross it
FUZZ = fuzz_settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- what a gateway may send --------------------------------------------------------------------

offsets = st.one_of(
    st.just(""),
    st.sampled_from(["Z", "z", "+00:00", "-00:00"]),
    st.builds(
        lambda sign, h, m, colon: f"{sign}{h:02d}{colon}{m:02d}",
        st.sampled_from("+-"),
        st.integers(0, 30),
        st.integers(0, 99),
        st.sampled_from([":", ""]),
    ),
    st.builds(lambda sign, h: f"{sign}{h:02d}", st.sampled_from("+-"), st.integers(0, 25)),
)
# Dates built from parts, most of them plausible, many impossible (month 13, hour 24, offset +30:00).
built_dates = st.builds(
    lambda y, mo, d, h, mi, s, frac, sep, off: f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{frac}{off}",
    st.one_of(st.integers(1, 9999), st.integers(1995, 2035)),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 24),
    st.integers(0, 60),
    st.integers(0, 61),
    st.sampled_from(["", ".5", ".123456", ".1234567890", ",25"]),
    st.sampled_from(["T", " ", "t"]),
    offsets,
)
dates = st.one_of(
    built_dates,
    st.just(""),
    st.sampled_from(
        [
            "infinity",
            "-infinity",
            "NaN",
            "now",
            "epoch",
            "0000-00-00T00:00:00Z",
            "+275760-09-13T00:00:00Z",
            "2026-11-23",
            "20261123T081500Z",
            "2026-W48-1",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "2026-11-23T08:15:00-23:59",
            "2026-11-23T08:15:00+16:00",
        ]
    ),
    st.text(max_size=80),
)
# Texts: short ones of any character, and long runs around the limit and past the upload limit.
texts = st.one_of(
    st.text(max_size=200),
    st.builds(lambda head, char, n: head + char * n, st.text(max_size=30), st.characters(), st.integers(9_990, 30_000)),
)
senders = st.one_of(
    st.just(""), st.from_regex(r"\A\+?0{0,2}[0-9 ]{3,16}\Z"), st.text(max_size=40), st.integers(0, 10**30).map(str)
)
ids = st.one_of(st.just(""), st.text(max_size=60), st.integers(-(10**40), 10**40).map(str))
# With surrogates, which only JSON escapes (or CESU-style bytes) can carry.
any_chars = st.text(alphabet=st.characters(codec=None, exclude_categories=[]), max_size=100)


def form_body(fields: dict, encoding: str) -> bytes:
    def encode(value: str) -> bytes:
        return value.encode(encoding, errors="surrogatepass" if encoding == "utf-8" else "replace")

    return b"&".join(
        quote_from_bytes(key.encode()).encode() + b"=" + quote_from_bytes(encode(v)).encode()
        for key, v in fields.items()
    )


@st.composite
def deliveries(draw, with_text: bool = True):
    """(content type, body bytes, what the server should read, or None if the encoding mangles it)."""
    fields = {"from": draw(senders), "date": draw(dates), "id": draw(ids)}
    if with_text:
        fields["text"] = draw(st.one_of(texts, any_chars))
    fields = {key: value for key, value in fields.items() if draw(st.integers(0, 9)) or key == "text"}  # some left out
    kind = draw(
        st.sampled_from(
            ["form-utf8", "form-latin1", "form-bytes", "json", "json-ascii", "json-utf16", "json-typed", "multipart"]
        )
    )
    expected = dict(fields)
    if kind == "form-utf8":  # a surrogate's bytes are three invalid ones to a form reader
        clean = not any(clean_text(value) != value.replace("\x00", "\ufffd") for value in fields.values())
        return "application/x-www-form-urlencoded", form_body(fields, "utf-8"), expected if clean else None
    if kind == "form-latin1":  # the charset said: read as Latin-1, so every byte is a character
        return "application/x-www-form-urlencoded; charset=iso-8859-1", form_body(fields, "latin-1"), None
    if kind == "form-bytes":  # bytes that are no encoding at all
        raw = draw(st.binary(max_size=300))
        return (
            "application/x-www-form-urlencoded",
            form_body(fields, "utf-8") + b"&text=" + quote_from_bytes(raw).encode(),
            None,
        )
    if kind == "json":  # UTF-8, surrogates written as the bytes of a CESU encoder
        return (
            "application/json",
            json.dumps(fields, ensure_ascii=False).encode("utf-8", errors="surrogatepass"),
            expected,
        )
    if kind == "json-ascii":
        return "application/json", json.dumps(fields).encode(), expected
    if kind == "json-utf16":
        return "application/json", json.dumps(fields).encode("utf-16"), expected
    if kind == "json-typed":  # numbers, lists and null where strings are expected
        typed = {
            **fields,
            "id": draw(st.one_of(st.integers(), st.floats(allow_nan=False), st.none())),
            "date": draw(st.one_of(st.integers(), st.booleans(), st.lists(st.integers(), max_size=3))),
        }
        return "application/json", json.dumps(typed).encode(), None
    return "multipart", fields, None  # the test client encodes it (surrogates cannot be sent)


# --- the rule -------------------------------------------------------------------------------------


class Counter:
    n = 0


def check_answer(client, duty, url, content_type, body, expected, counter, *, missed_call=False):
    before = Alert.objects.count()
    if content_type == "multipart":
        body = {k: v.encode("utf-8", "replace").decode("utf-8") for k, v in body.items()}
        response = client.post(url, body, HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en")
        size = sum(len(v.encode()) for v in body.values())
    else:
        response = client.post(
            url, body, content_type=content_type, HTTP_X_GATEWAY_TOKEN=TOKEN, HTTP_ACCEPT_LANGUAGE="en"
        )
        size = len(body)
    assert response["Content-Type"] == "application/json", (response.status_code, response.content[:300])
    answer = response.json()
    if response.status_code == 413:
        assert size > UPLOAD_LIMIT * 0.9  # multipart counts field bytes only
        assert answer == {"error": f"The message is too large: a gateway may send at most {UPLOAD_LIMIT} bytes."}
        assert Alert.objects.count() == before
        return
    assert response.status_code == 200, (response.status_code, answer)
    alert = Alert.objects.get(uid=answer["alert"])  # a row, and every column reads back
    assert Alert.objects.count() == before + (1 if answer["created"] else 0)
    for value in (alert.raw_text, alert.description, alert.sent_at_as_received, alert.sender_number):
        assert "\x00" not in value  # storable anywhere,
        value.encode("utf-8")  # and no lone surrogate
    assert len(alert.raw_text) <= MAX_SMS_TEXT and len(alert.sent_at_as_received) <= 64
    if alert.sent_at is not None:
        assert alert.sent_at.utcoffset() == datetime.timedelta(0)
        assert EARLIEST_SENT_AT <= alert.sent_at <= alert.received_at + SENT_AT_LEEWAY
    assert (
        alert.sent_at_ignored
        == bool(alert.sent_at_as_received)
        == (alert.sent_at is None and bool(alert.sent_at_as_received))
    )
    if expected is not None and answer["created"]:
        date = clean_text(expected.get("date", "")).strip()
        assert alert.sent_at_ignored == (bool(date) and alert.sent_at is None)
        assert alert.sent_at_as_received == (date[:64] if alert.sent_at_ignored else "")
        assert alert.sent_at == _expected_instant(date, alert.received_at)
        if not missed_call:
            text = clean_text(expected.get("text", ""))
            assert (alert.raw_text, alert.text_truncated) == (text[:MAX_SMS_TEXT], len(text) > MAX_SMS_TEXT)
            assert ("The text is longer than" in " ".join(answer["warnings"])) == (len(text) > MAX_SMS_TEXT)
    counter.n += 1
    if counter.n % 30 == 0:  # the pages that list every alert still answer
        assert duty.get("/can/inbox/").status_code == 200
        assert duty.get("/api/v1/alerts/?page_size=500").status_code == 200
    assert duty.get(f"/can/alerts/{alert.uid}/").status_code == 200


def _expected_instant(date: str, received_at):
    """What the date means, worked out from its parts (an oracle apart from the parser), when it is
    one of the built dates; the parser's reading otherwise."""
    import re

    match = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,6}))?(Z|z|[+-]\d\d:?\d\d)?", date)
    if not match:
        return read_sent_at(date, now=received_at).value
    y, mo, d, h, mi, s, frac, off = match.groups()
    try:
        tz = datetime.UTC
        if off and off not in "Zz":
            sign = -1 if off[0] == "-" else 1
            tz = datetime.timezone(sign * datetime.timedelta(hours=int(off[1:3]), minutes=int(off[-2:])))
        local = datetime.datetime(
            int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac or "0").ljust(6, "0")), tzinfo=tz
        )
        instant = local.astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return None
    return instant if EARLIEST_SENT_AT <= instant <= received_at + SENT_AT_LEEWAY else None


@pytest.fixture
def gateway(settings, channel, users):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_LIMIT
    duty = Client(HTTP_ACCEPT_LANGUAGE="en")
    duty.force_login(users["duty"])
    return Client(), duty, channel, Counter()


@FUZZ
@given(delivery=deliveries())
def test_every_sms_is_stored_and_reads_back(gateway, delivery):
    client, duty, channel, counter = gateway
    check_answer(client, duty, f"/can/inbound/{channel.uid}/receive", *delivery, counter)


@FUZZ
@given(delivery=deliveries(with_text=False))
def test_every_missed_call_is_stored_and_reads_back(gateway, delivery):
    client, duty, channel, counter = gateway
    check_answer(client, duty, f"/can/inbound/{channel.uid}/missed-call", *delivery, counter, missed_call=True)


# --- the readers themselves -----------------------------------------------------------------------


@fuzz_settings(max_examples=400, deadline=None, database=None)
@given(raw=st.one_of(dates, any_chars))
def test_reading_a_date_never_raises_and_keeps_it_in_the_window(raw):
    now = datetime.datetime.now(datetime.UTC)
    sent = read_sent_at(raw, now=now)
    if sent.value is not None:
        assert (sent.value.utcoffset(), sent.ignored, sent.problem) == (datetime.timedelta(0), "", "")
        assert EARLIEST_SENT_AT <= sent.value <= now + SENT_AT_LEEWAY
    else:
        assert bool(sent.ignored) == bool(sent.problem) == bool(clean_text(raw).strip())
        assert len(sent.ignored) <= 64


@fuzz_settings(max_examples=300, deadline=None, database=None)
@given(text=any_chars)
def test_clean_text_is_storable_and_keeps_every_position(text):
    cleaned = clean_text(text)
    assert len(cleaned) == len(text)
    assert "\x00" not in cleaned
    cleaned.encode("utf-8")
    assert all(a == b or b == "\ufffd" for a, b in zip(text, cleaned, strict=True))
