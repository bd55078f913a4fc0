#!/usr/bin/env python3
"""Generates the data tables of clientele's normalization module.

Facts only are taken from the packages' data files; no code of theirs is copied.

Usage, from the repository root:
    pip download --no-deps -d /tmp/pkgs pypinyin==0.55.0 opencc-python-reimplemented==0.1.7 phonenumbers==9.0.43
    (cd /tmp/pkgs && for f in *.whl; do unzip -q -o "$f" -d "${f%%-*}"; done)
    PYTHONPATH=/tmp/pkgs/phonenumbers python3 src/normalize/data/gen_tables.py /tmp/pkgs

Writes, beside this script:
    t2s.tsv          traditional -> simplified characters (OpenCC TSCharacters.txt)
    pinyin.tsv       toneless pinyin readings of U+4E00..U+9FFF (pypinyin pinyin_dict.json)
    phone_meta.rs    country calling codes and national number patterns (libphonenumber metadata,
                     as shipped in the phonenumbers package)
"""
import datetime
import json
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
PKGS = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/pkgs")
TODAY = datetime.date.today().isoformat()
CMD = "python3 src/normalize/data/gen_tables.py (see its docstring)"


def t2s():
    src = PKGS / "opencc_python_reimplemented/opencc/dictionary/TSCharacters.txt"
    raw = {}
    for line in src.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        trad, simps = line.split("\t", 1)
        simp = simps.split()[0]
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            raw[trad] = simp
    # Resolve chains so that no output is itself a key: the mapping is then idempotent.
    final = {}
    for t in raw:
        seen, s = {t}, raw[t]
        while s in raw and s not in seen:
            seen.add(s)
            s = raw[s]
        if s in raw or s == t:
            continue  # a cycle: leave the character alone
        final[t] = s
    assert not any(s in final for s in final.values()), "t2s is not idempotent"
    out = [
        "# Traditional -> simplified Chinese characters, one per line: TRAD<TAB>SIMP.",
        "# Source: OpenCC TSCharacters.txt as shipped in the PyPI package opencc-python-reimplemented 0.1.7",
        "# (OpenCC dictionaries: Apache License 2.0, (c) Carbo Kuo and contributors).",
        "# First candidate taken; chains resolved so that no output is a key (idempotent).",
        f"# Generated {TODAY} by {CMD}. {len(final)} entries.",
    ]
    out += [f"{t}\t{s}" for t, s in sorted(final.items())]
    (HERE / "t2s.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(final)


def toneless(r):
    r = r.replace("ü", "v").replace("ǖ", "v").replace("ǘ", "v").replace("ǚ", "v").replace("ǜ", "v")
    r = "".join(c for c in unicodedata.normalize("NFD", r) if not unicodedata.combining(c))
    return r.lower()


def pinyin():
    src = PKGS / "pypinyin/pypinyin/pinyin_dict.json"
    data = json.loads(src.read_text(encoding="utf-8"))
    rows = []
    for cp_s, readings in data.items():
        cp = int(cp_s)
        if not 0x4E00 <= cp <= 0x9FFF:
            continue
        seen = []
        for r in readings.split(","):
            t = toneless(r.strip())
            if t and t.isascii() and t.isalpha() and t not in seen:
                seen.append(t)
        if seen:
            rows.append((cp, seen))
    rows.sort()
    out = [
        "# Toneless pinyin readings (ü written v), most common first: CHAR<TAB>r1,r2,...",
        "# Source: pypinyin 0.55.0 pinyin_dict.json (MIT licence, (c) mozillazg), restricted to the",
        f"# CJK Unified Ideographs block U+4E00..U+9FFF: {len(rows)} characters. The commonly used",
        "# characters (GB 2312's 6,763; the 7,000 of 现代汉语通用字表, 1988) all lie in this block.",
        f"# Generated {TODAY} by {CMD}.",
    ]
    out += [f"{chr(cp)}\t{','.join(rs)}" for cp, rs in rows]
    (HERE / "pinyin.tsv").write_text("\n".join(out) + "\n", encoding="utf-8")
    return len(rows)


FULL_REGIONS = ["CN", "HK", "MO", "TW", "SG", "JP", "KR", "US", "CA", "GB", "DE", "FR", "AU", "IN"]


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def desc(d):
    if d is None or d.national_number_pattern is None:
        return "None"
    lengths = [x for x in (d.possible_length or []) if x > 0]
    return f"Some(Desc {{ pattern: {rust_str(d.national_number_pattern)}, lengths: &{lengths} }})"


def phones():
    import phonenumbers
    from phonenumbers import PhoneMetadata
    version = phonenumbers.__version__
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    lines = [
        "// Phone numbering metadata: country calling codes and national number patterns.",
        f"// Source: libphonenumber's metadata as shipped in the PyPI package phonenumbers {version}",
        "// (Apache License 2.0, (c) The Libphonenumber Authors). Facts only; the patterns are",
        "// full-match regular expressions over the national significant number.",
        f"// Generated {TODAY} by {CMD}. Do not edit by hand.",
        "",
        "use super::{Desc, RegionMeta};",
        "",
        "/// Every supported region with its numbering metadata, sorted by region code.",
        "pub(crate) static REGIONS: &[RegionMeta] = &[",
    ]
    for r in regions:
        m = PhoneMetadata.metadata_for_region(r)
        full = r in FULL_REGIONS
        np = m.national_prefix_for_parsing if m.national_prefix_for_parsing and full and m.national_prefix_for_parsing.isdigit() else m.national_prefix
        np = np if np and np.isdigit() else None
        lines.append(
            f"    RegionMeta {{ region: {rust_str(r)}, country_code: {m.country_code}, "
            f"national_prefix: {('Some(' + rust_str(np) + ')') if np else 'None'}, "
            f"main: {'true' if m.main_country_for_code or len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(m.country_code, ())) == 1 else 'false'}, "
            f"general: {desc(m.general_desc)}, "
            f"fixed_line: {desc(m.fixed_line)}, mobile: {desc(m.mobile)}, "
            f"toll_free: {desc(m.toll_free) if full else 'None'}, premium: {desc(m.premium_rate) if full else 'None'}, "
            f"shared_cost: {desc(m.shared_cost) if full else 'None'}, voip: {desc(m.voip) if full else 'None'}, "
            f"personal: {desc(m.personal_number) if full else 'None'}, uan: {desc(m.uan) if full else 'None'} }},"
        )
    lines.append("];")
    (HERE / "phone_meta.rs").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(regions)


if __name__ == "__main__":
    print("t2s entries:", t2s())
    print("pinyin characters:", pinyin())
    print("phone regions:", phones())
