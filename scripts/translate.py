"""Fill Chinese msgstrs into a .po file from a YAML dictionary, then compile.

Usage: python scripts/translate.py onetrip/web zh.yaml
Only fills empty entries; reports msgids still untranslated. Developer tool
(polib); nothing at run time needs it.
"""

import sys
from pathlib import Path

import polib
import yaml


def main(app_dir: str, dictionary: str) -> int:
    po_path = Path(app_dir) / "locale/zh_Hans/LC_MESSAGES/django.po"
    words = yaml.safe_load(Path(dictionary).read_text(encoding="utf-8")) or {}
    po = polib.pofile(str(po_path))
    missing = []
    for entry in po:
        if entry.msgid in words:
            value = words[entry.msgid]
            if entry.msgid_plural:
                entry.msgstr_plural = {0: value}
            else:
                entry.msgstr = value
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not (entry.msgstr or any(entry.msgstr_plural.values())):
            missing.append(entry.msgid)
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    po.save()
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
