"""The pytest plugin: fixtures for testing code built on hoinghe, named ``hoinghe_*`` so they never clash.

Installed with hoinghe as the pytest plugin ``hoinghe`` (``-p no:hoinghe`` switches it off).  Where hoinghe is on
the path without its entry point, load it with ``-p hoinghe.testing.plugin``; where the entry point is installed,
that option makes pytest stop with "Plugin already registered under a different name".

==========================  ==========================================================================================
fixture                     what it gives
==========================  ==========================================================================================
``hoinghe_profile``         the :class:`~hoinghe.definitions.Profile` the engine runs: ``vn-2025``, or the ini option
                            ``hoinghe_profile``, or the marker ``@pytest.mark.hoinghe_profile("vn-2019")``; redefine
                            the fixture to build one yourself
``hoinghe_clock``           a :class:`~hoinghe.engine.ManualClock` at :data:`START`; ``.advance(timedelta(days=1))``
``hoinghe_store``           a new, empty :class:`~hoinghe.storage.MemoryStore`
``hoinghe_sqlite_store``    a new :class:`~hoinghe.storage.SqlStore` on a SQLite file in ``tmp_path``, closed after
``hoinghe_store_factory``   makes more stores: ``()`` memory, ``("sqlite")`` a new SQLite file, or any store URL
``hoinghe_listener``        a :class:`RecordingListener` that keeps every event the engine commits
``hoinghe_engine``          an :class:`~hoinghe.engine.Engine` on the profile, store and clock above, with sequential
                            ids and the recording listener called before ``fire`` returns
``hoinghe_simulate``        plays a rollout through the real engine: ``hoinghe_simulate("Tuyên Quang", "Na Hang",
                            until=date(2021, 12, 31))`` returns a :class:`~hoinghe.sim.Rollout`
==========================  ==========================================================================================

The ini option ``hoinghe_paths`` lists folders of the project's own YAML (a province's profile, workflows, rule
packs and plans), read beside the shipped documents by ``hoinghe_profile`` and ``hoinghe_simulate``.

Importing this module imports neither Hypothesis nor the engine: a project's every pytest run loads it.  Once the
tests are collected, if any of them imported Hypothesis, the plugin registers hoinghe's strategies so
``st.from_type(Unit)`` builds valid units (see :func:`hoinghe.testing.register_strategies`).
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

import pytest

from hoinghe.i18n import Text

if TYPE_CHECKING:
    from hoinghe.definitions.plan import PlanDef
    from hoinghe.definitions.profile import Profile
    from hoinghe.engine.clock import ManualClock
    from hoinghe.engine.engine import Engine
    from hoinghe.records import Case, Event, EventKind
    from hoinghe.sim.behaviour import Behaviour
    from hoinghe.sim.runner import Rollout
    from hoinghe.sim.world import World
    from hoinghe.storage.base import Store
    from hoinghe.storage.sql import SqlStore

__all__ = [
    "DEFAULT_PROFILE",
    "SMALL_WORLD",
    "START",
    "RecordingListener",
    "Simulate",
    "StoreFactory",
]

#: The profile the fixtures run when neither the ini option nor a marker names one.
DEFAULT_PROFILE = "vn-2025"
#: Where ``hoinghe_clock`` starts: Monday 2 March 2026, 9 in the morning in Vietnam.
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
#: The geography ``hoinghe_simulate`` plays over when given none: 1 province, 2 districts of 5 communes, made up.
SMALL_WORLD = (1, 2, 5)

_PROFILE_INI = "hoinghe_profile"
_PATHS_INI = "hoinghe_paths"
_MARKER = "hoinghe_profile"


# ------------------------------------------------------------------------------------------------ the listener


class RecordingListener:
    """A listener that keeps what the engine tells it: each committed event, and the case as it stood after it.

    Pass it to an engine (``Engine(..., listeners=[listener])``); ``hoinghe_engine`` has one attached already,
    called before ``fire`` returns, so a test can assert on it at once.  Safe to share with a background engine.

    Attributes:
        events: every event, in the order the engine committed them.
        cases: the case after each event (``cases[i]`` goes with ``events[i]``).
    """

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.cases: list[Case] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event, case: Case, /) -> None:
        with self._lock:
            self.events.append(event)
            self.cases.append(case)

    def __len__(self) -> int:
        return len(self.events)

    def __repr__(self) -> str:
        return f"<RecordingListener {len(self.events)} events>"

    def of(self, case_id: str | None = None) -> list[Event]:
        """The events of one case (every event when ``case_id`` is ``None``), in order."""
        with self._lock:
            return [e for e in self.events if case_id is None or e.case_id == case_id]

    def kinds(self, case_id: str | None = None) -> list[EventKind]:
        """The kind of each event: ``["opened", "fired", "fired", "approved", ...]``."""
        return [e.kind for e in self.of(case_id)]

    def transitions(self, case_id: str | None = None) -> list[str]:
        """The transitions fired, in order: ``["survey", "start_outreach", ...]`` (approvals and reminders left out)."""
        return [e.transition for e in self.of(case_id) if e.kind == "fired" and e.transition is not None]

    def states(self, case_id: str | None = None) -> list[str]:
        """The state after each event: ``["proposed", "surveyed", ...]``."""
        return [e.state for e in self.of(case_id)]

    def last(self, case_id: str | None = None) -> Event:
        """The latest event (of one case).

        Raises:
            LookupError: no event was recorded (for that case).
        """
        events = self.of(case_id)
        if not events:
            msg = (
                Text(
                    f"trình lắng nghe chưa ghi nhận sự kiện nào của hồ sơ {case_id}",
                    f"the listener has recorded no event for case {case_id}",
                )
                if case_id is not None
                else Text("trình lắng nghe chưa ghi nhận sự kiện nào", "the listener has recorded no event")
            )
            raise LookupError(msg)
        return events[-1]

    def clear(self) -> None:
        """Forget everything recorded so far (after a test's set-up, say)."""
        with self._lock:
            self.events.clear()
            self.cases.clear()


# ------------------------------------------------------------------------------------------------ loading


@functools.cache
def _profile(profile_id: str, paths: tuple[str, ...]) -> Profile:
    from hoinghe.loading import load_profile  # noqa: PLC0415 - loaded when a test first asks

    return load_profile(profile_id, paths)


@functools.cache
def _plan(plan_id: str, paths: tuple[str, ...]) -> PlanDef:
    from hoinghe.loading import load_plan  # noqa: PLC0415 - loaded when a test first asks

    return load_plan(plan_id, paths)


def _paths(config: pytest.Config) -> tuple[str, ...]:
    value: Sequence[Path] = config.getini(_PATHS_INI)
    return tuple(str(p) for p in value)


def _profile_id(request: pytest.FixtureRequest) -> str:
    marker = request.node.get_closest_marker(_MARKER)
    if marker is not None:
        if len(marker.args) != 1 or not isinstance(marker.args[0], str):
            msg = Text(
                f"@pytest.mark.{_MARKER} nhận đúng một id hồ sơ cấu hình, ví dụ @pytest.mark.{_MARKER}('vn-2019')",
                f"@pytest.mark.{_MARKER} takes one profile id, e.g. @pytest.mark.{_MARKER}('vn-2019')",
            )
            raise pytest.UsageError(msg)
        return marker.args[0]
    chosen: str = request.config.getini(_PROFILE_INI)
    return chosen or DEFAULT_PROFILE


# ------------------------------------------------------------------------------------------------ hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        _PROFILE_INI,
        f"the hoinghe profile the hoinghe_* fixtures run (default {DEFAULT_PROFILE})",
        default=DEFAULT_PROFILE,
    )
    parser.addini(
        _PATHS_INI,
        "folders of the project's own hoinghe YAML (profiles, workflows, rule packs, plans), read beside the shipped ones",
        type="paths",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{_MARKER}(profile_id): run this test's hoinghe_* fixtures on another hoinghe profile"
    )


def pytest_collection_finish() -> None:
    # Tests that imported Hypothesis may use st.from_type(Unit); registering costs nothing more once it is loaded.
    if "hypothesis" in sys.modules:
        from hoinghe.testing.workflows import register_strategies  # noqa: PLC0415

        register_strategies()


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture
def hoinghe_profile(request: pytest.FixtureRequest) -> Profile:
    """The profile the engine runs: the marker ``hoinghe_profile``, else the ini option, else ``vn-2025``.

    Loaded once per session from the shipped documents and the ini option ``hoinghe_paths``.  Redefine the
    fixture in a ``conftest.py`` to choose or build one yourself.
    """
    return _profile(_profile_id(request), _paths(request.config))


@pytest.fixture
def hoinghe_clock() -> ManualClock:
    """A clock standing still at :data:`START` until the test moves it (``advance``, ``set``)."""
    from hoinghe.engine.clock import ManualClock  # noqa: PLC0415 - the engine loads when a test needs it

    return ManualClock(START)


@pytest.fixture
def hoinghe_store() -> Store:
    """A new, empty memory store; put the organisation in with ``put_org(units=..., members=..., actors=...)``."""
    from hoinghe.storage.memory import MemoryStore  # noqa: PLC0415

    return MemoryStore()


class StoreFactory(Protocol):
    """Makes a new store: ``()`` or ``("memory://")`` in memory, ``("sqlite")`` on a new SQLite file, or any URL."""

    def __call__(self, url: str | None = None, /) -> Store: ...


@pytest.fixture
def hoinghe_store_factory(tmp_path: Path) -> Iterator[StoreFactory]:
    """Makes as many new stores as a test needs (to compare two backends, say); SQL stores are closed after."""
    from hoinghe.storage.memory import MemoryStore  # noqa: PLC0415
    from hoinghe.storage.sql import SqlStore  # noqa: PLC0415

    opened: list[SqlStore] = []
    numbers = itertools.count(1)

    def make(url: str | None = None, /) -> Store:
        if url is None or url == "memory://":
            return MemoryStore()
        if url == "sqlite":
            url = f"sqlite:///{tmp_path / f'hoinghe-{next(numbers)}.db'}"
        store = SqlStore(url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def hoinghe_sqlite_store(hoinghe_store_factory: StoreFactory) -> Store:
    """A new SQL store on a SQLite file in the test's ``tmp_path``, closed after the test."""
    return hoinghe_store_factory("sqlite")


@pytest.fixture
def hoinghe_listener() -> RecordingListener:
    """A listener keeping every event (``.events``, ``.kinds()``, ``.transitions()``, ``.states()``, ``.of(case)``)."""
    return RecordingListener()


@pytest.fixture
def hoinghe_engine(
    hoinghe_profile: Profile,
    hoinghe_store: Store,
    hoinghe_clock: ManualClock,
    hoinghe_listener: RecordingListener,
) -> Iterator[Engine]:
    """An engine on ``hoinghe_profile``, ``hoinghe_store`` and ``hoinghe_clock``, with ids ``case-1``, ``case-2``
    ... and ``hoinghe_listener`` called inline, so what it recorded is there when ``fire`` returns."""
    from hoinghe.engine.engine import Engine, SequentialIds  # noqa: PLC0415

    engine = Engine(
        hoinghe_profile,
        hoinghe_store,
        listeners=[hoinghe_listener],
        clock=hoinghe_clock,
        ids=SequentialIds(),
        listeners_in_background=False,
    )
    yield engine
    engine.close()


class Simulate(Protocol):
    """The ``hoinghe_simulate`` fixture: plays a rollout and returns it."""

    def __call__(
        self,
        province: str | None = None,
        district: str | None = None,
        *,
        synthetic: tuple[int, int, int] | None = None,
        start: dt.date | None = None,
        until: dt.date | None = None,
        seed: int = 0,
        plan: str = "nq04-2019",
        profile: Profile | str | None = None,
        store: Store | None = None,
        **behaviour: Any,
    ) -> Rollout: ...


def _world(
    profile: Profile, province: str | None, district: str | None, made_up: tuple[int, int, int] | None
) -> World:
    from hoinghe.sim import build_world, geo, synthetic  # noqa: PLC0415

    if made_up is not None or (province is None and district is None):
        return build_world(profile, synthetic(*(made_up or SMALL_WORLD)))
    root = geo.country("vn-2019" if "district" in profile.hierarchy else "vn-2025")
    return build_world(profile, geo.select(root, province=province, district=district), within=root)


def _behaviour(overrides: dict[str, Any]) -> Behaviour:
    import attrs  # noqa: PLC0415

    from hoinghe.sim import DEFAULT, Behaviour  # noqa: PLC0415

    known = {a.name for a in attrs.fields(Behaviour)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        given, settings = ", ".join(unknown), ", ".join(sorted(known))
        msg = Text(
            f"hoinghe_simulate() nhận thiết lập hành vi không có: {given}; các thiết lập là {settings}",
            f"hoinghe_simulate() got unknown behaviour settings {given}; the settings are {settings}",
        )
        raise TypeError(msg)
    return attrs.evolve(DEFAULT, **overrides)


@pytest.fixture
def hoinghe_simulate(hoinghe_profile: Profile, request: pytest.FixtureRequest) -> Simulate:
    """Plays a rollout through the real engine, on ``hoinghe_profile`` unless told otherwise.

    ``hoinghe_simulate(province, district, *, synthetic=None, start=None, until=None, seed=0, plan="nq04-2019",
    profile=None, store=None, **behaviour)``:

    - ``province``, ``district``: a real province or district, by name or code (``"Tuyên Quang"``, ``"Na
      Hang"``), in the geography of the profile's hierarchy (2019 with districts, 2025 without);
    - ``synthetic``: (provinces, districts per province, communes per district) of a made-up geography instead;
      with no geography at all, :data:`SMALL_WORLD`;
    - ``start``, ``until``: the first and last simulated days (the plan's period by default);
    - ``seed``: the same seed plays the same rollout, event for event;
    - ``plan``: the plan whose period is played; ``profile``: another profile (an id or a ``Profile``);
    - ``store``: where the rollout is kept (``hoinghe_sqlite_store``, say); a new memory store by default;
    - any other keyword is a setting of :class:`~hoinghe.sim.Behaviour` (``group_rate=4.0``,
      ``faulty_dossier=0.0``).

    Returns the :class:`~hoinghe.sim.Rollout`: ``.counts`` (``groups_founded``, ``refusals`` ...), ``.store``,
    ``.engine``, ``.world``.
    """
    paths = _paths(request.config)

    def simulate(
        province: str | None = None,
        district: str | None = None,
        *,
        synthetic: tuple[int, int, int] | None = None,
        start: dt.date | None = None,
        until: dt.date | None = None,
        seed: int = 0,
        plan: str = "nq04-2019",
        profile: Profile | str | None = None,
        store: Store | None = None,
        **behaviour: Any,
    ) -> Rollout:
        from hoinghe.sim import play  # noqa: PLC0415

        if profile is None:
            chosen = hoinghe_profile
        elif isinstance(profile, str):
            chosen = _profile(profile, paths)
        else:
            chosen = profile
        return play(
            _world(chosen, province, district, synthetic),
            _plan(plan, paths),
            seed=seed,
            behaviour=_behaviour(behaviour),
            store=store,
            start=start,
            until=until,
        )

    return simulate
