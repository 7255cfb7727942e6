"""``python -m sovbom``."""

from sovbom.cli import main

if __name__ == "__main__":
    main()
