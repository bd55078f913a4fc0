#!/usr/bin/env python3
"""Error profile of duplicates: FEBRL3 against generated data (for docs/DATA.md).

Usage, from the repository root:
    cargo run --release --example cli -- generate --customers 20000 --out /tmp/g.csv --truth /tmp/gt.csv
    python3 docs/error_profile.py /tmp/g.csv /tmp/gt.csv

For each field, over all true duplicate pairs: how often both sides have a value and it
differs (after NFKC and lower-casing), and how often a side is empty.
"""
import collections
import csv
import itertools
import sys
import unicodedata


def norm(s):
    return unicodedata.normalize("NFKC", s).lower().strip()


def profile(rows, pairs, fields):
    out = {}
    for name, cols in fields.items():
        both = diff = miss = 0
        for a, b in pairs:
            va = norm(" ".join(rows[a][c] for c in cols))
            vb = norm(" ".join(rows[b][c] for c in cols))
            if not va.strip() or not vb.strip():
                miss += 1
                continue
            both += 1
            diff += va != vb
        out[name] = (diff / max(both, 1), miss / max(len(pairs), 1))
    return out


gen_csv, gen_truth = sys.argv[1], sys.argv[2]
febrl = {r["rec_id"]: r for r in csv.DictReader(open("../shared/data/febrl/febrl3.csv"))}
febrl_pairs = [(r["rec_id_1"], r["rec_id_2"]) for r in csv.DictReader(open("../shared/data/febrl/febrl3_true_pairs.csv"))]
gen = {r["id"]: r for r in csv.DictReader(open(gen_csv))}
entities = collections.defaultdict(list)
for r in csv.DictReader(open(gen_truth)):
    entities[r["entity_id"]].append(r["id"])
gen_pairs = [p for ids in entities.values() if len(ids) > 1 for p in itertools.combinations(ids, 2)]
F = profile(febrl, febrl_pairs, {"given name": ["given_name"], "family name": ["surname"], "birth date": ["date_of_birth"], "identifier": ["soc_sec_id"], "street": ["street_number", "address_1"], "postcode": ["postcode"]})
G = profile(gen, gen_pairs, {"given name": ["given_name"], "family name": ["family_name"], "birth date": ["birth_date"], "identifier": ["national_id"], "street": ["house_number", "street"], "postcode": ["postcode"]})
print("| field | FEBRL3: differs | FEBRL3: empty on a side | generated: differs | generated: empty on a side |")
print("|---|---:|---:|---:|---:|")
for k in F:
    print(f"| {k} | {F[k][0]:.1%} | {F[k][1]:.1%} | {G[k][0]:.1%} | {G[k][1]:.1%} |")
for k, (d, m) in profile(gen, gen_pairs, {"phone (as written)": ["phone"], "email (as written)": ["email"]}).items():
    print(f"| {k} | n/a | n/a | {d:.1%} | {m:.1%} |")
print(f"\nFEBRL3: {len(febrl_pairs)} true pairs; generated: {len(gen_pairs)} true pairs.\n")
cols = ["id", "kind", "full_name", "company_name", "phone", "email", "street", "locality", "postcode", "birth_date", "national_id"]
shown = 0
for e, ids in entities.items():
    if len(ids) < 2 or shown >= 10:
        continue
    print(f"**{e}** ({len(ids)} records)\n")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for i in ids:
        print("| " + " | ".join(gen[i][c].replace("|", "/") for c in cols) + " |")
    print()
    shown += 1
