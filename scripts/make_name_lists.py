"""Write src/tripwire/privacy/data/{first,last}_names.txt from faker's person providers.

The lists tripwire ships are copied from faker's locale person providers (MIT licence), so
the package needs no download and no faker at run time. Re-run after a faker upgrade:
`python scripts/make_name_lists.py`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

LOCALES = ("en_US", "en_GB", "en_IN", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pt_BR", "sv_SE")
OUT = Path(__file__).resolve().parents[1] / "src" / "tripwire" / "privacy" / "data"


def main() -> None:
    """Collect each locale's first and last names, lower-cased, one a line, sorted."""
    import faker

    lists: dict[str, set[str]] = {"first_names": set(), "last_names": set()}
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attr, names in lists.items():
            names.update(n.lower() for n in getattr(provider, attr, ()) if n.isalpha() or "-" in n)
    for attr, names in lists.items():
        header = f"# {attr} from faker {faker.VERSION} person providers: {', '.join(LOCALES)}\n"
        (OUT / f"{attr}.txt").write_text(header + "\n".join(sorted(names)) + "\n", encoding="utf-8")
        print(f"{attr}: {len(names)}")


if __name__ == "__main__":
    main()
