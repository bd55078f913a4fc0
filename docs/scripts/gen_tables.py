#!/usr/bin/env python3
"""Generates the data tables of clientele's normalization module.

Facts only are taken from the packages' data files; no code of theirs is copied.

Usage, from the repository root:
    pip download --no-deps -d /tmp/pkgs pypinyin==0.55.0 opencc-python-reimplemented==0.1.7 phonenumbers==9.0.43
    (cd /tmp/pkgs && for f in *.whl; do unzip -q -o "$f" -d "${f%%-*}"; done)
    PYTHONPATH=/tmp/pkgs/phonenumbers python3 docs/scripts/gen_tables.py /tmp/pkgs

Writes, into src/normalize/data/:
    t2s.tsv          traditional -> simplified characters (OpenCC TSCharacters.txt)
    pinyin.tsv       toneless pinyin readings of U+4E00..U+9FFF (pypinyin pinyin_dict.json)
    phone_meta.rs    every region's (and non-geographic code's) numbering metadata: calling code,
                     international and national prefixes, parsing and transform rules, number
                     patterns and lengths per type, number formats (libphonenumber metadata, as
                     shipped in the phonenumbers package)
"""
import datetime
import json
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = ROOT / "src/normalize/data"
PKGS = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/pkgs")
TODAY = datetime.date.today().isoformat()
CMD = "python3 docs/scripts/gen_tables.py (see its docstring)"


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


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def opt_str(s):
    return f"Some({rust_str(s)})" if s else "None"


def lengths(xs):
    return "&[" + ", ".join(str(x) for x in (xs or ()) if x > 0) + "]"


def desc(d):
    if d is None or not d.national_number_pattern:
        return "None"
    return f"Some(Desc {{ pattern: {rust_str(d.national_number_pattern)}, lengths: {lengths(d.possible_length)} }})"


def formats(fs):
    out = []
    for f in fs or ():
        # Only the last leading-digits pattern is read (it is the most precise one).
        leading = f.leading_digits_pattern[-1] if f.leading_digits_pattern else None
        out.append(
            f"Format {{ pattern: {rust_str(f.pattern)}, format: {rust_str(f.format)}, "
            f"leading: {opt_str(leading)}, national_rule: {opt_str(f.national_prefix_formatting_rule)} }}"
        )
    return "&[" + ", ".join(out) + "]"


TYPES = [
    ("fixed_line", "fixed_line"), ("mobile", "mobile"), ("toll_free", "toll_free"),
    ("premium", "premium_rate"), ("shared_cost", "shared_cost"), ("voip", "voip"),
    ("personal", "personal_number"), ("pager", "pager"), ("uan", "uan"), ("voicemail", "voicemail"),
]


def region_meta(region, m, rank):
    general = m.general_desc
    fields = [
        f"region: {rust_str(region)}",
        f"country_code: {m.country_code}",
        f"rank: {rank}",
        f"international_prefix: {opt_str(m.international_prefix)}",
        f"national_prefix_for_parsing: {opt_str(m.national_prefix_for_parsing)}",
        f"national_prefix_transform: {opt_str(m.national_prefix_transform_rule)}",
        f"leading_digits: {opt_str(m.leading_digits)}",
        f"same_mobile_and_fixed_line: {'true' if m.same_mobile_and_fixed_line_pattern else 'false'}",
        f"extension_prefix: {opt_str(m.preferred_extn_prefix)}",
        f"general: {desc(general)}",
        f"local_lengths: {lengths(general.possible_length_local_only if general else ())}",
    ]
    fields += [f"{name}: {desc(getattr(m, attr))}" for name, attr in TYPES]
    fields += [f"formats: {formats(m.number_format)}", f"intl_formats: {formats(m.intl_number_format)}"]
    return "    RegionMeta { " + ", ".join(fields) + " },"


def phones():
    import phonenumbers
    from phonenumbers import PhoneMetadata
    version = phonenumbers.__version__
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    lines = [
        "// Phone numbering metadata of every region and non-geographic calling code: calling codes,",
        "// international and national prefixes with their parsing and transform rules, number patterns",
        "// and possible lengths of each number type, and the national and international formats.",
        f"// Source: libphonenumber's metadata as shipped in the PyPI package phonenumbers {version}",
        "// (Apache License 2.0, (c) The Libphonenumber Authors). Facts only; the patterns are regular",
        "// expressions over the national significant number, as in the metadata.",
        f"// Generated {TODAY} by {CMD}. Do not edit by hand.",
        "",
        "use super::{Desc, Format, RegionMeta};",
        "",
        "/// Every supported region with its numbering metadata, sorted by region code.",
        "pub(crate) static REGIONS: &[RegionMeta] = &[",
    ]
    codes = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    for r in regions:
        m = PhoneMetadata.metadata_for_region(r)
        # The place of the region in its calling code's list: 0 for the main region, and the order
        # in which a number of a shared code is tried against the regions.
        lines.append(region_meta(r, m, codes[m.country_code].index(r)))
    lines += [
        "];",
        "",
        "/// The non-geographic calling codes (+800, +808, +870, +878, +881, +882, +883, +888, +979),",
        "/// region `001`, sorted by code.",
        "pub(crate) static NON_GEOGRAPHIC: &[RegionMeta] = &[",
    ]
    nongeo = sorted(cc for cc, rs in codes.items() if "001" in rs)
    for cc in nongeo:
        lines.append(region_meta("001", PhoneMetadata.metadata_for_nongeo_region(cc), 0))
    lines.append("];")
    # Decimal digits of every script (Unicode category Nd) come in runs of ten, 0 to 9.
    zeros = []
    for cp in range(0x110000):
        c = chr(cp)
        if unicodedata.category(c) == "Nd" and unicodedata.decimal(c) == 0:
            assert all(unicodedata.decimal(chr(cp + i)) == i for i in range(10))
            zeros.append(cp)
    assert sum(unicodedata.category(chr(cp)) == "Nd" for cp in range(0x110000)) == 10 * len(zeros)
    lines += [
        "",
        f"/// The zero of every run of decimal digits (Unicode {unicodedata.unidata_version}, category Nd), sorted:",
        "/// a digit is one of the ten code points from a zero. From Python's unicodedata.",
        "pub(crate) static DIGIT_ZEROS: &[u32] = &[" + ", ".join(f"0x{z:X}" for z in zeros) + "];",
    ]
    (HERE / "phone_meta.rs").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(regions), len(nongeo)


if __name__ == "__main__":
    print("t2s entries:", t2s())
    print("pinyin characters:", pinyin())
    print("phone regions:", phones())
