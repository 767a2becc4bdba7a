"""`python -m audiotour`: the same as the `audiotour` command."""
from .cli import main

main()
