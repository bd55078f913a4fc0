#!/usr/bin/env python3
"""Generates codes.rs: ISO 3166-1 alpha-2 country codes and ISO 4217 currency codes.

Usage, from the repository root:
    pip download --no-deps -d /tmp/pkgs pycountry==26.2.16
    (cd /tmp/pkgs && unzip -q -o pycountry-26.2.16-py3-none-any.whl -d pycountry)
    python3 src/validate/data/gen_codes.py /tmp/pkgs/pycountry/pycountry/databases

The code lists come from pycountry's copy of Debian's iso-codes databases (LGPL-2.1); codes are
facts. Minor-unit exponents are those of the ISO 4217 list: 2 unless listed below.
"""
import datetime
import json
import sys
from pathlib import Path

DB = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/pkgs/pycountry/pycountry/databases")
HERE = Path(__file__).resolve().parent

EXPONENT = {
    **{c: 0 for c in "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split()},
    **{c: 3 for c in "BHD IQD JOD KWD LYD OMR TND".split()},
    **{c: 4 for c in "CLF UYW".split()},
}
# Funds, precious metals and testing codes have no minor unit.
NO_MINOR = set("XAG XAU XBA XBB XBC XBD XDR XPD XPT XSU XTS XUA XXX".split())

countries = sorted(c["alpha_2"] for c in json.loads((DB / "iso3166-1.json").read_text())["3166-1"])
currencies = sorted(c["alpha_3"] for c in json.loads((DB / "iso4217.json").read_text())["4217"])
lines = [
    "// ISO 3166-1 alpha-2 country codes and ISO 4217 currency codes with their minor units.",
    "// Source: pycountry 26.2.16's copy of Debian iso-codes (LGPL-2.1); codes are facts.",
    f"// Generated {datetime.date.today().isoformat()} by src/validate/data/gen_codes.py. Do not edit by hand.",
    "",
    f"/// The {len(countries)} officially assigned ISO 3166-1 alpha-2 codes, sorted.",
    "pub(crate) static COUNTRIES: &[&str] = &[",
]
for i in range(0, len(countries), 16):
    lines.append("    " + " ".join(f'"{c}",' for c in countries[i:i + 16]))
lines += ["];", "", f"/// The {len(currencies)} ISO 4217 currency codes with their minor-unit exponent, sorted.",
          "pub(crate) static CURRENCIES: &[(&str, Option<u8>)] = &["]
for c in currencies:
    e = None if c in NO_MINOR else EXPONENT.get(c, 2)
    lines.append(f'    ("{c}", {"None" if e is None else f"Some({e})"}),')
lines.append("];")
(HERE / "codes.rs").write_text("\n".join(lines) + "\n")
print(len(countries), "countries,", len(currencies), "currencies")
