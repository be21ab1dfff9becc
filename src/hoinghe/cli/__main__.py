"""``python -m hoinghe.cli``."""

from hoinghe.cli import main

main()
