"""Shared test set-up: Hypothesis profiles (``dev`` by default, ``ci`` when CI is set) and paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import local_servers
import pg

settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Messages are Vietnamese unless the caller chooses; the suite reads them in English, set here for this process
# and every process it starts.  test_i18n.py checks the Vietnamese default with the variable removed.
os.environ["HOINGHE_LANG"] = "en"

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
EXAMPLES = ROOT / "examples"


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write a YAML text to a file in a temporary folder and return its path."""

    def write(text: str, name: str = "doc.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The SQLAlchemy URL of the PostgreSQL test server (``HOINGHE_TEST_POSTGRES_URL`` or a throwaway cluster)."""
    return pg.pg_url()


@pytest.fixture
def postgres_db() -> str:
    """The SQLAlchemy URL of a new, empty database of its own on the PostgreSQL test server."""
    return pg.fresh_database()


@pytest.fixture
def receiver():
    """An HTTP server on 127.0.0.1 recording what is posted to it (see ``local_servers``)."""
    with local_servers.http_receiver() as out:
        yield out


@pytest.fixture
def smtp():
    """An SMTP sink on 127.0.0.1 keeping every accepted message (see ``local_servers``)."""
    with local_servers.smtp_sink() as out:
        yield out
