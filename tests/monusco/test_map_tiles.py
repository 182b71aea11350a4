"""The map's background from the app's own storage: a real PMTiles archive (written with the
``pmtiles`` package) served in byte ranges to the map's roles only, and the page that loads its
reader only when an archive is set."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monusco.map_tiles import parse_range

# A vector tile with one empty layer: Tile{layers: [Layer{name: "earth", extent: 4096, version: 2}]}.
EMPTY_TILE = bytes([0x1A, 0x0C, 0x0A, 0x05, *b"earth", 0x28, 0x80, 0x20, 0x78, 0x02])


def write_archive(path) -> bytes:
    """A PMTiles v3 archive of South Kivu from zoom 0 to 2, every tile the empty one."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    with open(path, "wb") as handle:
        writer = Writer(handle)
        for z, x, y in sorted(
            ((z, x, y) for z in range(3) for x in range(2**z) for y in range(2**z)),
            key=lambda t: zxy_to_tileid(*t),
        ):
            writer.write_tile(zxy_to_tileid(z, x, y), EMPTY_TILE)
        writer.finalize(
            {
                "tile_type": TileType.MVT,
                "tile_compression": Compression.NONE,
                "min_lon_e7": 265000000,
                "min_lat_e7": -50000000,
                "max_lon_e7": 295000000,
                "max_lat_e7": -15000000,
                "center_zoom": 2,
                "center_lon_e7": 288000000,
                "center_lat_e7": -30000000,
            },
            {"name": "test extract"},
        )
    return path.read_bytes()


@pytest.fixture
def archive(tmp_path, settings):
    path = tmp_path / "south-kivu.pmtiles"
    data = write_archive(path)
    settings.MAP_PMTILES_FILE = str(path)
    return data


def _get(client, **headers):
    response = client.get(reverse("map-pmtiles"), headers=headers)
    body = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return response, body


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-126", (0, 126)),
        ("bytes=100-", (100, 999)),
        ("bytes=-10", (990, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=1000-", False),
        ("bytes=-0", False),
        ("bytes=5-1", None),
        ("bytes=0-1,5-6", None),
        ("bytes=-", None),
        ("items=0-1", None),
        ("bytes=99999999999999999999-", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_range(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.django_db
def test_the_reader_gets_exactly_the_bytes_it_asks_for(client, users, archive):
    client.force_login(users["manager"])
    response, body = _get(client, Range="bytes=0-126")
    assert response.status_code == 206
    assert body == archive[:127]
    assert body[:7] == b"PMTiles"
    assert response["Content-Range"] == f"bytes 0-126/{len(archive)}"
    assert response["Content-Length"] == "127"
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "application/vnd.pmtiles"
    assert response["Cache-Control"] == "private, max-age=86400"
    # Not gzipped on the way, even when the browser accepts it: the range is the stored bytes.
    response, body = _get(client, Range="bytes=-16", **{"Accept-Encoding": "gzip"})
    assert (response.status_code, body) == (206, archive[-16:])
    assert response["Content-Encoding"] == "identity"


@pytest.mark.django_db
def test_no_range_sends_the_whole_archive_and_a_range_past_the_end_is_416(client, users, archive):
    client.force_login(users["duty"])
    response, body = _get(client)
    assert (response.status_code, body) == (200, archive)
    response, body = _get(client, Range="bytes=0-1,4-5")
    assert (response.status_code, body) == (200, archive)
    response, body = _get(client, Range=f"bytes={len(archive)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(archive)}"
    assert body == b""


@pytest.mark.django_db
@pytest.mark.parametrize(("who", "status"), [("cla", 403), ("norole", 403), ("gender", 206), ("jpt", 206)])
def test_only_the_maps_roles_read_it(client, users, archive, who, status):
    client.force_login(users[who])
    assert _get(client, Range="bytes=0-6")[0].status_code == status


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in_and_no_archive_is_a_404(client, users, world, settings, tmp_path):
    settings.MAP_PMTILES_FILE = str(tmp_path / "missing.pmtiles")
    response, _ = _get(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(users["manager"])
    assert _get(client)[0].status_code == 404
    settings.MAP_PMTILES_FILE = ""
    assert _get(client)[0].status_code == 404


@pytest.mark.django_db
def test_the_page_loads_the_reader_only_when_an_archive_is_set(client, users, archive, settings):
    client.force_login(users["manager"])
    html = client.get(reverse("map")).content.decode()
    assert 'data-pmtiles="/map/background.pmtiles"' in html
    assert "vendor/protomaps-leaflet-5.1.0/protomaps-leaflet.js" in html
    assert "No background map is set" not in html
    settings.MAP_PMTILES_FILE = ""
    html = client.get(reverse("map")).content.decode()
    assert "data-pmtiles" not in html
    assert "protomaps" not in html
    assert "No background map is set" in html


@pytest.mark.django_db
def test_the_map_page_with_its_archive_reader_stays_under_100_kb_compressed(client, users, archive):
    from bench.page_weight import measure

    client.force_login(users["manager"])
    result = measure(client, reverse("map"))
    assert "/static/vendor/protomaps-leaflet-5.1.0/protomaps-leaflet.js" in result["assets"]
    assert result["first_load"] <= 100 * 1024
