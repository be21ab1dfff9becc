import importlib
import subprocess
import sys

import pytest

import hoinghe

PUBLIC_PACKAGES = [
    "hoinghe",
    "hoinghe.definitions",
    "hoinghe.org",
    "hoinghe.loading",
    "hoinghe.rules",
    "hoinghe.engine",
    "hoinghe.fund",
    "hoinghe.outreach",
    "hoinghe.audit",
    "hoinghe.reports",
    "hoinghe.sim",
]


@pytest.mark.parametrize("name", PUBLIC_PACKAGES)
def test_all_is_sorted_and_every_name_resolves(name):
    module = importlib.import_module(name)
    exported = [n for n in module.__all__ if n != "__version__"]
    # isort-style, as ruff's RUF022 keeps it: CONSTANTS, then Classes, then functions.
    assert exported == sorted(exported, key=lambda n: (0 if n.isupper() else 1 if n[0].isupper() else 2, n))
    for attr in module.__all__:
        assert getattr(module, attr) is not None


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = hoinghe.Nope


def test_importing_hoinghe_is_lazy():
    code = "import sys, hoinghe; print(any(m.startswith(('hoinghe.loading', 'yaml', 'cattrs')) for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
