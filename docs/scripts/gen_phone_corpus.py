#!/usr/bin/env python3
"""Writes tests/data/phones.csv: phone numbers of 14 regions written as people type them, each
with the default region it is read in and libphonenumber's verdict, as the `phonenumbers`
package (its Python port) gives it. tests/normalize.rs checks clientele's reading against it.

Usage, from the repository root (the version is pinned: the same as gen_tables.py's metadata):
    pip download --no-deps -d /tmp/pkgs phonenumbers==9.0.43
    (cd /tmp/pkgs && unzip -q -o phonenumbers-9.0.43-py2.py3-none-any.whl -d phonenumbers)
    PYTHONPATH=/tmp/pkgs/phonenumbers python3 docs/scripts/gen_phone_corpus.py

Numbers are drawn (seeded) from the regions' real prefixes (the package's carrier and geocoding
prefix tables: mobile operators, area codes) filled to a possible length, and from the metadata's
example number of every type with digits changed; some are made a digit short or long; three in
four are drawn again until valid. Each is
written in a few of the forms below, mostly in its own region, international forms also from
another of the 14 regions. Columns:
    region          the region the number was drawn for
    default_region  the region it is read in
    input           the written number
    valid           libphonenumber's is_valid_number (false when it does not parse)
    e164            its E.164 form when it parses, else empty
    type            number_type's name (FIXED_LINE, MOBILE, ...) when it parses
    national        format_number(NATIONAL) when it parses
    international   format_number(INTERNATIONAL) when it parses
    error           the parse error's type (NOT_A_NUMBER, INVALID_COUNTRY_CODE, TOO_SHORT_NSN,
                    TOO_SHORT_AFTER_IDD, TOO_LONG) when it does not parse
"""
import csv
import random
from pathlib import Path

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType
from phonenumbers.carrierdata import CARRIER_DATA
from phonenumbers.geodata import GEOCODE_DATA

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests/data/phones.csv"
REGIONS = ["CN", "HK", "TW", "SG", "JP", "KR", "US", "GB", "DE", "FR", "AU", "IN", "BR", "AR"]
PER_REGION = 320
SEED = 20261202

TYPE_NAMES = {
    v: k
    for k, v in vars(PhoneNumberType).items()
    if k.isupper() and isinstance(v, int)
}
ERROR_NAMES = {
    v: k
    for k, v in vars(NumberParseException).items()
    if k.isupper() and isinstance(v, int)
}
FULL_WIDTH = str.maketrans("0123456789+", "０１２３４５６７８９＋")


def prefixes(table, cc):
    """The national parts of a prefix table's keys under calling code cc."""
    code = str(cc)
    return sorted({k[len(code):] for k in table if k.startswith(code) and len(k) > len(code) + 1})


def filled(rng, prefix, lengths):
    lengths = [n for n in lengths if n >= len(prefix)]
    if not lengths:
        return None
    n = rng.choice(lengths)
    return prefix + "".join(rng.choice("0123456789") for _ in range(n - len(prefix)))


def mutated(rng, nsn):
    """The number with one to three of its later digits changed, sometimes a digit short or long."""
    digits = list(nsn)
    for _ in range(rng.randint(1, 3)):
        at = rng.randrange(min(3, len(digits) - 1), len(digits))
        digits[at] = rng.choice("0123456789")
    roll = rng.random()
    if roll < 0.08:
        digits.pop()
    elif roll < 0.16:
        digits.append(rng.choice("0123456789"))
    return "".join(digits)


def draw(rng, region, pools):
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    lengths = list(meta.general_desc.possible_length)
    source = rng.random()
    if source < 0.35 and pools["mobile"]:
        nsn = filled(rng, rng.choice(pools["mobile"]), lengths)
    elif source < 0.7 and pools["geo"]:
        nsn = filled(rng, rng.choice(pools["geo"]), lengths)
    else:
        nsn = mutated(rng, rng.choice(pools["examples"]))
    if nsn and rng.random() < 0.06:
        nsn = nsn[:-1] if rng.random() < 0.5 else nsn + rng.choice("0123456789")
    return nsn


def idd_of(region):
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta.preferred_international_prefix:
        return meta.preferred_international_prefix.replace("~", "")
    prefix = meta.international_prefix or "00"
    return prefix if prefix.isdigit() else None


def separated(text, rng):
    return text.replace(" ", rng.choice(["-", ".", " ", "", "-"]))


def written_forms(rng, region, number):
    """(default region, written number) pairs for one parsed number."""
    cc = number.country_code
    nsn = phonenumbers.national_significant_number(number)
    national = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    grouped = intl.split(" ", 1)[1] if " " in intl else nsn
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    np = meta.national_prefix or ""
    other = rng.choice([r for r in REGIONS if r != region])
    own_idd = idd_of(region)
    other_idd = idd_of(other)
    forms = [
        (region, national),
        (region, separated(national, rng)),
        (region, "".join(c for c in national if c.isdigit())),
        (region, intl),
        (region, e164),
        (region, separated(intl, rng)),
        (other, intl),
        (other, e164),
        (region, f"(+{cc}) {grouped}"),
        (region, f"{cc} {grouped}"),
        (region, f"{cc}{nsn}"),
        (region, national.translate(FULL_WIDTH)),
        (other, intl.translate(FULL_WIDTH)),
        (region, f"00{cc}{nsn}"),
        (region, f"00 {cc} {grouped}"),
        (region, f"{np}{nsn}"),
        (region, f"+{cc} ({np}){grouped}" if np else intl),
        (region, f"+{cc} {np}{grouped}" if np else e164),
        (region, national + rng.choice([" ext. ", " x", " #", ",,", " ext ", " extension "]) + str(rng.randint(1, 9999))),
        (region, f"tel: {intl}"),
        (region, f"Tel: {national}"),
        (region, f"电话：{national}"),
        (region, f"{national} (office)"),
        (region, f"+{cc}-{separated(grouped, rng)}"),
    ]
    if own_idd:
        forms.append((region, f"{own_idd} {cc} {grouped}"))
        forms.append((region, f"{own_idd}{cc}{nsn}"))
    if other_idd:
        forms.append((other, f"{other_idd} {cc} {grouped}"))
        forms.append((other, f"{other_idd}-{cc}-{separated(grouped, rng)}"))
    return forms


def verdict(text, default):
    try:
        n = phonenumbers.parse(text, default)
    except NumberParseException as e:
        return {"valid": "false", "e164": "", "type": "", "national": "", "international": "",
                "error": ERROR_NAMES.get(e.error_type, str(e.error_type))}
    return {
        "valid": "true" if phonenumbers.is_valid_number(n) else "false",
        "e164": phonenumbers.format_number(n, PhoneNumberFormat.E164),
        "type": TYPE_NAMES[phonenumbers.number_type(n)],
        "national": phonenumbers.format_number(n, PhoneNumberFormat.NATIONAL),
        "international": phonenumbers.format_number(n, PhoneNumberFormat.INTERNATIONAL),
        "error": "",
    }


def main():
    rng = random.Random(SEED)
    rows = []
    for region in REGIONS:
        cc = phonenumbers.country_code_for_region(region)
        examples = []
        for t in TYPE_NAMES:
            ex = phonenumbers.example_number_for_type(region, t)
            if ex is not None:
                examples.append(phonenumbers.national_significant_number(ex))
        pools = {
            "mobile": prefixes(CARRIER_DATA, cc),
            "geo": prefixes(GEOCODE_DATA, cc),
            "examples": sorted(set(examples)),
        }
        seen = set()
        region_rows = []
        while len(region_rows) < PER_REGION:
            # Three numbers in four valid: drawn again (a few times) until they are.
            want_valid = rng.random() < 0.75
            for _ in range(40):
                nsn = draw(rng, region, pools)
                try:
                    number = phonenumbers.parse(f"+{cc}{nsn}", None) if nsn else None
                except NumberParseException:
                    number = None
                if number is not None and phonenumbers.is_valid_number(number) == want_valid:
                    break
            if number is None:
                continue
            forms = written_forms(rng, region, number)
            for default, text in rng.sample(forms, 3):
                if (default, text) in seen or len(region_rows) >= PER_REGION:
                    continue
                seen.add((default, text))
                region_rows.append({"region": region, "default_region": default, "input": text,
                                    **verdict(text, default)})
        rows += region_rows
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        fields = ["region", "default_region", "input", "valid", "e164", "type", "national",
                  "international", "error"]
        w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    valid = sum(r["valid"] == "true" for r in rows)
    print(f"{len(rows)} rows ({valid} valid) written to {OUT.relative_to(ROOT)} "
          f"by phonenumbers {phonenumbers.__version__}")


if __name__ == "__main__":
    main()
