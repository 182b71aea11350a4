"""Every user-visible string is translated in French and Swahili, and the catalogues are current."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIRS = ["locale", "cla/locale", "can/locale", "jpt/locale", "gender/locale"]
LANGUAGES = ["fr", "sw"]


def _catalogues():
    for directory in CATALOGUE_DIRS:
        for language in LANGUAGES:
            yield pytest.param(ROOT / directory / language / "LC_MESSAGES" / "django.po", id=f"{directory}-{language}")


@pytest.mark.parametrize("po_path", list(_catalogues()))
def test_catalogue_is_complete_with_no_fuzzy_entry(po_path):
    assert po_path.exists(), f"missing catalogue {po_path.relative_to(ROOT)}"
    catalogue = polib.pofile(str(po_path))
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert [e.msgid for e in catalogue if e.msgid_plural and not all(e.msgstr_plural.values())] == []


@pytest.mark.parametrize("po_path", list(_catalogues()))
def test_placeholders_survive_translation(po_path):
    catalogue = polib.pofile(str(po_path))
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]|\{\w*\}")
    broken = [
        e.msgid
        for e in catalogue.translated_entries()
        if not e.msgid_plural and sorted(placeholder.findall(e.msgid)) != sorted(placeholder.findall(e.msgstr))
    ]
    assert broken == []


def _extract(sources: list[Path], tmp_path: Path) -> set[str]:
    """Run makemessages over a copy of ``sources`` (so the real catalogues are never touched)."""
    copy = tmp_path / "extract"
    for source in sources:
        shutil.copytree(
            source, copy / source.name, ignore=shutil.ignore_patterns("locale", "__pycache__", "migrations")
        )
    (copy / "locale").mkdir()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "makemessages", "-l", "fr", "--no-location", "-v", "0"],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    return {e.msgid for e in polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")) if not e.obsolete}


@pytest.mark.parametrize("app", ["cla", "can", "jpt", "gender"])
def test_app_catalogue_holds_every_string_of_the_code(app, tmp_path):
    in_code = _extract([ROOT / app], tmp_path)
    in_catalogue = {
        e.msgid for e in polib.pofile(str(ROOT / app / "locale" / "fr" / "LC_MESSAGES" / "django.po")) if not e.obsolete
    }
    assert sorted(in_code - in_catalogue) == []


def test_shared_catalogue_holds_every_string_of_the_shared_pages_and_foundation(tmp_path):
    in_code = _extract([ROOT / "monusco", ROOT / "templates"], tmp_path)
    in_catalogue = {
        e.msgid for e in polib.pofile(str(ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po")) if not e.obsolete
    }
    assert sorted(in_code - in_catalogue) == []
