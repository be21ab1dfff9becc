"""The ``hoinghe`` command.

Imports of the library happen inside each command, so ``hoinghe --help`` starts fast.  Errors print one clear line
per problem and exit non-zero; ``--json`` gives machine-readable output where a program reads it, with English keys
and every message in both languages (``"message"`` in the language in force, ``"messages": {"vi": ..., "en": ...}``).

Everything printed, the help included, is in Vietnamese unless ``hoinghe --lang en`` (or ``HOINGHE_LANG=en``) asks
for English; a command's own ``--lang`` wins for that command.

Exit codes of the commands on a database (``db``, ``org``, ``case``, ``replay``): 0 done; 1 not found, a storage
failure, an invalid definition, or (``replay``) differences found; 2 bad input (JSON, options, an organisation
file); 3 refused (every blocker is printed); 4 conflict (the case moved on, or an idempotency key was reused).
"""

from hoinghe.cli import _audit, _cases, _definitions, _fund, _outreach, _relay, _sim  # noqa: F401 - each registers its commands
from hoinghe.cli._app import app, main

__all__ = ["app", "main"]
