#!/usr/bin/env python3
"""Generates examples/data/customers.csv, expected_issues.csv and truth.csv deterministically.

Usage (from the repository root): python3 examples/data/make_sample.py
Standard library only. If the `phonenumbers` package is installed, every clean phone is also
checked for validity against libphonenumber's metadata.

Every name, phone, email, identifier and company here is invented; check characters are computed
so that identifiers are well-formed, not taken from anyone.
"""
import csv
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent
rng = random.Random(20261122)

HEADER = ["id", "kind", "full_name", "given_name", "middle_name", "family_name", "company_name",
          "phone", "email", "house_number", "street", "street2", "locality", "region", "postcode",
          "country", "birth_date", "national_id", "national_id_kind", "tags", "source",
          "loyalty_points"]

# ---------------------------------------------------------------- check characters
def cn_id_check(body17):
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c) * k for c, k in zip(body17, w))
    return "10X98765432"[s % 11]

USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
def org_check(body8):
    # GB 11714 values: digits as themselves, letters A=10 .. Z=35.
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    val = lambda c: int(c) if c.isdigit() else ord(c) - ord("A") + 10
    s = sum(val(c) * k for c, k in zip(body8, w))
    c = 11 - s % 11
    return "X" if c == 10 else ("0" if c == 11 else str(c))

def uscc_check(body17):
    w = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    s = sum(USCC_ALPHA.index(c) * k for c, k in zip(body17, w))
    c = (31 - s % 31) % 31
    return USCC_ALPHA[c]

def make_uscc(division):
    org8 = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    body = "91" + division + org8 + org_check(org8)
    return body + uscc_check(body)

def make_cn_id(division, birth):
    body = division + birth.replace("-", "") + f"{rng.randrange(1, 999):03d}"
    return body + cn_id_check(body)

# ---------------------------------------------------------------- reference lists
SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("罗", "luo"), ("高", "gao"), ("梁", "liang"), ("宋", "song"), ("欧阳", "ouyang"),
            ("司马", "sima"), ("诸葛", "zhuge"), ("上官", "shangguan")]
SURNAME_WEIGHTS = [12, 12, 11, 8, 7, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1]
GIVEN = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
         ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
         ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
         ("秀英", "xiuying"), ("晓明", "xiaoming"), ("建华", "jianhua"), ("娜娜", "nana"),
         ("志强", "zhiqiang"), ("海燕", "haiyan"), ("俊杰", "junjie"), ("雨涵", "yuhan"),
         ("子轩", "zixuan"), ("思琪", "siqi"), ("浩然", "haoran")]
# (city, province, postcode, district division code, district, streets)
CN_PLACES = [
    ("北京市", "北京市", "100020", "110105", "朝阳区", ["建国路", "朝阳北路", "望京街"]),
    ("北京市", "北京市", "100080", "110108", "海淀区", ["中关村大街", "学院路"]),
    ("上海市", "上海市", "200120", "310115", "浦东新区", ["世纪大道", "张杨路"]),
    ("深圳市", "广东省", "518057", "440305", "南山区", ["科技园路", "深南大道"]),
    ("广州市", "广东省", "510620", "440106", "天河区", ["天河路", "体育西路"]),
    ("杭州市", "浙江省", "310013", "330106", "西湖区", ["文三路", "天目山路"]),
    ("成都市", "四川省", "610041", "510107", "武侯区", ["人民南路", "科华北路"]),
    ("南京市", "江苏省", "210018", "320102", "玄武区", ["中山路", "珠江路"]),
]
CN_AREA = {"北京市": "010", "上海市": "021", "深圳市": "0755", "广州市": "020", "杭州市": "0571",
           "成都市": "028", "南京市": "025"}
MOBILE_PREFIX = ["138", "139", "135", "136", "150", "151", "186", "187", "177", "188", "199", "158"]

LATIN = {
    "US": (["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Emily"],
           ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"],
           [("New York", "NY", "10001", "+1 212"), ("San Francisco", "CA", "94103", "+1 415"),
            ("Chicago", "IL", "60601", "+1 312")],
           ["Main Street", "Oak Avenue", "Park Road", "Maple Drive"]),
    "GB": (["Oliver", "Amelia", "Harry", "Isla", "George", "Ava"],
           ["Taylor", "Wilson", "Evans", "Thomas", "Roberts", "Smith"],
           [("London", "", "SW1A 1AA", "+44 20"), ("Manchester", "", "M1 1AE", "+44 161")],
           ["High Street", "Church Road", "Station Road"]),
    "DE": (["Lukas", "Anna", "Jonas", "Lea", "Jürgen", "Sophie"],
           ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Schäfer"],
           [("Berlin", "BE", "10115", "+49 30"), ("München", "BY", "80331", "+49 89")],
           ["Hauptstraße", "Schillerstraße", "Gartenweg"]),
    "FR": (["José", "Chloé", "Léa", "Hugo", "Louis", "Camille"],
           ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau"],
           [("Paris", "", "75008", "+33 1"), ("Lyon", "", "69002", "+33 4")],
           ["rue de Rivoli", "avenue Victor Hugo", "boulevard Voltaire"]),
    "AU": (["Jack", "Charlotte", "William", "Mia", "Noah"],
           ["Nguyen", "Kelly", "Ryan", "Walker", "White"],
           [("Sydney", "NSW", "2000", "+61 2"), ("Melbourne", "VIC", "3000", "+61 3")],
           ["George Street", "Collins Street", "Wallaby Place"]),
    "CA": (["Liam", "Olivia", "Ethan", "Emma"],
           ["Tremblay", "Roy", "Gagnon", "Côté"],
           [("Toronto", "ON", "M5V 2T6", "+1 416"), ("Vancouver", "BC", "V6B 1A1", "+1 604")],
           ["King Street", "Granville Street"]),
}
SOURCES = ["crm", "webshop", "import_2024", "store_pos"]

try:
    import phonenumbers  # only to check the generated numbers
except ImportError:  # pragma: no cover
    phonenumbers = None

def valid_phone(number, region):
    if phonenumbers is None:
        return True
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False

def gen_phone(make, region):
    for _ in range(200):
        p = make()
        if valid_phone(p, region):
            return p
    raise SystemExit(f"could not make a valid {region} phone")

def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))

def cn_mobile():
    return rng.choice(MOBILE_PREFIX) + digits(8)

def birth():
    return f"{rng.randrange(1945, 2004)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"

# ---------------------------------------------------------------- rows
rows = []      # dicts
entity = {}    # id -> entity id
issues = []    # (id, field, code, severity)
notes = {"clusters": [], "non_duplicates": [], "bad": []}

def new_row(**kw):
    r = {h: "" for h in HEADER}
    r.update(kw)
    r["id"] = f"C{len(rows) + 1:04d}"
    r.setdefault("source", rng.choice(SOURCES))
    if not r["source"]:
        r["source"] = rng.choice(SOURCES)
    if rng.random() < 0.3:
        r["loyalty_points"] = str(rng.randrange(0, 5000))
    rows.append(r)
    entity[r["id"]] = r["id"]
    return r

def cn_person(sur=None, given=None, place=None):
    s, sp = sur or rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    g, gp = given or rng.choice(GIVEN)
    city, prov, post, div, dist, streets = place or rng.choice(CN_PLACES)
    b = birth()
    mobile = gen_phone(cn_mobile, "CN")
    phone = rng.choice([mobile, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"])
    email = rng.choice([f"{sp}{gp}{rng.randrange(1, 99)}@163.com", f"{rng.randrange(10000, 999999999)}@qq.com",
                        f"{gp}.{sp}@{rng.choice(['gmail.com', 'outlook.com', 'sina.com', '126.com'])}", ""])
    if not email and rng.random() < 0.5:
        email = f"{sp}.{gp}@foxmail.com"
    r = new_row(kind="person", full_name=s + g, given_name=g, family_name=s, phone=phone, email=email,
                house_number=str(rng.randrange(1, 300)), street=rng.choice(streets) + f"{rng.randrange(1, 200)}号",
                locality=city, region=prov if prov != city else city, postcode=post, country="CN",
                birth_date=b, national_id=make_cn_id(div, b), national_id_kind="cn_resident_id",
                tags=rng.choice(["", "vip", "newsletter", "vip;newsletter", "wholesale"]))
    r["_pinyin"] = (sp, gp)
    return r

def latin_phone(prefix, country):
    def make():
        if country in ("US", "CA"):
            return f"{prefix} {rng.randrange(200, 999)} {digits(4)}"
        if country == "GB":
            return f"{prefix} {digits(4)} {digits(4)}" if prefix == "+44 20" else f"{prefix} {digits(3)} {digits(4)}"
        if country == "DE":
            return f"{prefix} {digits(8)}" if prefix == "+49 30" else f"{prefix} {digits(7)}"
        if country == "FR":
            return f"{prefix} {digits(2)} {digits(2)} {digits(2)} {digits(2)}"
        return f"{prefix} {digits(4)} {digits(4)}"
    return gen_phone(make, country)

def latin_person(country=None, given=None, family=None):
    country = country or rng.choice(list(LATIN))
    givens, families, places, streets = LATIN[country]
    g = given or rng.choice(givens)
    f = family or rng.choice(families)
    city, region, post, prefix = rng.choice(places)
    ascii_ = lambda s: (s.lower().replace("ü", "ue").replace("ä", "ae").replace("ö", "oe").replace("é", "e")
                        .replace("è", "e").replace("ô", "o"))
    return new_row(kind="person", full_name=f"{g} {f}", given_name=g, family_name=f,
                   phone=latin_phone(prefix, country),
                   email=f"{ascii_(g)}.{ascii_(f)}{rng.choice(['', str(rng.randrange(1, 99))])}@{rng.choice(['gmail.com', 'yahoo.com', 'outlook.com', 'example.org'])}",
                   house_number=str(rng.randrange(1, 250)), street=rng.choice(streets), locality=city,
                   region=region, postcode=post, country=country, birth_date=birth(),
                   tags=rng.choice(["", "newsletter", "vip"]))

CN_CO_CORE = ["星辰科技", "华达电子", "瑞丰贸易", "恒信物流", "金盛食品", "博远软件", "天合医疗器械", "东方明珠文化传媒",
              "鸿运餐饮管理", "锦程国际旅行社", "新锐教育咨询", "安泰建筑工程", "绿源环保科技", "云帆网络技术", "长青农业发展",
              "华夏纺织", "海川机械制造", "盛世印务", "嘉禾置业", "智联信息服务", "悦动体育用品", "宏图广告", "铭泰电器",
              "康宁药业", "永兴五金", "佳美家具", "融通投资管理", "卓越汽车服务", "蓝海数据", "晨光文具"]
CN_FORMS = ["有限公司", "股份有限公司", "有限责任公司"]

def cn_company(core=None, form=None, place=None):
    city, prov, post, div, dist, streets = place or rng.choice(CN_PLACES)
    core = core or CN_CO_CORE.pop(rng.randrange(len(CN_CO_CORE)))
    form = form or rng.choice(CN_FORMS)
    prefix = city.rstrip("市")
    name = rng.choice([f"{prefix}{core}{form}", f"{city}{core}{form}", f"{prefix}市{core}{form}".replace("市市", "市")])
    area = CN_AREA[city]
    phone = gen_phone(lambda: f"{area}-{digits(8 if len(area) == 3 else 8)}", "CN")
    r = new_row(kind="company", company_name=name, phone=phone,
                email=f"service@{rng.choice(['xc', 'hd', 'rf', 'hx', 'js', 'by', 'th'])}{rng.randrange(100, 999)}.com.cn",
                house_number=str(rng.randrange(1, 500)), street=rng.choice(streets), street2=f"{rng.randrange(2, 30)}层",
                locality=city, region=prov, postcode=post, country="CN",
                national_id=make_uscc(div), national_id_kind="cn_uscc", tags=rng.choice(["b2b", "supplier", "b2b;key_account"]))
    r["_core"] = (core, form, city, div)
    return r

LATIN_CO = [("Acme Widgets", "Ltd.", "GB"), ("Northwind Traders", "Inc.", "US"), ("Müller Maschinenbau", "GmbH", "DE"),
            ("Dupont Conseil", "S.A.", "FR"), ("Smith & Sons", "Inc.", "US"), ("Harbour Bridge Imports", "Pty Ltd", "AU"),
            ("Maple Leaf Logistics", "Inc.", "CA"), ("Bluewater Analytics", "LLC", "US"), ("Kensington Foods", "PLC", "GB"),
            ("Schneider Elektronik", "AG", "DE"), ("Lumière Design", "SARL", "FR"), ("Pacific Rim Trading", "Co., Ltd.", "US"),
            ("Redwood Software", "Corp.", "US"), ("Thames Valley Motors", "Limited", "GB"), ("Bäckerei Weber", "KG", "DE"),
            ("Outback Outfitters", "Pty Ltd", "AU"), ("Great Lakes Supply", "Co.", "US"), ("Orchard Health", "LLP", "GB"),
            ("Rhein Logistik", "GmbH", "DE"), ("Bordeaux Vins", "SAS", "FR"), ("Granite Peak Holdings", "Inc.", "US"),
            ("Silver Fern Consulting", "Ltd", "GB"), ("Yukon Timber", "Ltd.", "CA"), ("Coral Coast Travel", "Pty Ltd", "AU"),
            ("Atlas Freight", "LLC", "US"), ("Hanse Versand", "GmbH", "DE"), ("Riviera Hotels", "S.A.", "FR"),
            ("Cambridge Instruments", "Ltd.", "GB")]

def latin_company(entry=None):
    core, form, country = entry or LATIN_CO.pop(rng.randrange(len(LATIN_CO)))
    givens, families, places, streets = LATIN[country]
    city, region, post, prefix = rng.choice(places)
    dom = "".join(ch for ch in core.lower() if ch.isalnum())[:14]
    dom = dom.replace("ü", "ue").replace("ä", "ae").replace("è", "e")
    r = new_row(kind="company", company_name=f"{core} {form}", phone=latin_phone(prefix, country),
                email=f"info@{dom}.com", house_number=str(rng.randrange(1, 400)), street=rng.choice(streets),
                locality=city, region=region, postcode=post, country=country, tags=rng.choice(["b2b", "supplier"]))
    r["_core"] = (core, form, country)
    return r

# ---- base population
base_cn = [cn_person() for _ in range(110)]
base_latin = [latin_person() for _ in range(62)]
base_cn_co = [cn_company() for _ in range(24)]
base_latin_co = [latin_company() for _ in range(22)]
# A few HK / SG / TW / JP persons.
for region, make, country in [
    ("HK", lambda: f"+852 {rng.choice('569')}{digits(3)} {digits(4)}", "HK"),
    ("SG", lambda: f"+65 {rng.choice('89')}{digits(3)} {digits(4)}", "SG"),
    ("TW", lambda: f"+886 9{digits(2)} {digits(3)} {digits(3)}", "TW"),
    ("JP", lambda: f"+81 90-{digits(4)}-{digits(4)}", "JP"),
] * 2:
    (s, sp), (g, gp) = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0], rng.choice(GIVEN)
    post = {"HK": "", "SG": f"{rng.randrange(10, 82):02d}{digits(4)}", "TW": "", "JP": f"{rng.randrange(100, 999)}-{digits(4)}"}[region]
    city = {"HK": "香港", "SG": "Singapore", "TW": "台北市", "JP": "東京都"}[region]
    name = s + g
    if region == "TW":
        name = name.translate(str.maketrans("张陈杨黄赵吴马郭罗梁伟丽强军艳杰娟涛静", "張陳楊黃趙吳馬郭羅梁偉麗強軍艷傑娟濤靜"))
    new_row(kind="person", full_name=name, phone=gen_phone(make, region), email=f"{gp}.{sp}@gmail.com",
            locality=city, postcode=post, country=country, birth_date=birth(), tags="")

def dup(base, **changes):
    """A duplicate row of `base` with some fields changed; same entity."""
    r = {h: base[h] for h in HEADER}
    r.update(changes)
    r["id"] = f"C{len(rows) + 1:04d}"
    rows.append(r)
    entity[r["id"]] = entity[base["id"]]
    return r

def fw(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)

T2S_SAMPLE = str.maketrans("张陈杨黄赵吴马郭罗伟丽强军艳杰涛静华达电子贸易物流信恒东红书云网络术长农业发纺织机械制造门广间条盛世印务远软件医疗器传媒饮管理际旅行社锐教育咨询泰建筑工程绿环环保飞汇宏图龙凤欧阳诸葛",
                           "張陳楊黃趙吳馬郭羅偉麗強軍艷傑濤靜華達電子貿易物流信恆東紅書雲網絡術長農業發紡織機械製造門廣間條盛世印務遠軟件醫療器傳媒飲管理際旅行社銳教育諮詢泰建築工程綠環環保飛匯宏圖龍鳳歐陽諸葛")

def cluster(members, what):
    notes["clusters"].append((", ".join(m["id"] for m in members), what))

# ---- planted duplicates (each cluster notes what differs)
def phone_variant(p):
    d = "".join(c for c in p if c.isdigit())
    if d.startswith("86") and len(d) == 13:
        d = d[2:]
    if len(d) == 11 and d.startswith("1"):
        return rng.choice([f"0086 {d}", f"+86-{d[:3]}-{d[3:7]}-{d[7:]}", f"({d[:3]}) {d[3:7]} {d[7:]}", d])
    return p

for i, b in enumerate(base_cn[:26]):
    kind = i % 8
    sp, gp = b["_pinyin"]
    if kind == 0:
        d = dup(b, full_name=b["full_name"].translate(T2S_SAMPLE), family_name=b["family_name"].translate(T2S_SAMPLE),
                given_name=b["given_name"].translate(T2S_SAMPLE), phone=phone_variant(b["phone"]), source="import_2024")
        what = "traditional-script name, phone written with another prefix"
    elif kind == 1:
        d = dup(b, phone=fw("".join(c for c in b["phone"] if c.isdigit())[-11:]), email=b["email"].upper(), tags="")
        what = "full-width phone digits, email upper-cased, no tags"
    elif kind == 2:
        d = dup(b, full_name=f"{gp.capitalize()} {sp.capitalize()}", given_name=gp.capitalize(), family_name=sp.capitalize(),
                email="", national_id="", national_id_kind="")
        what = "romanized (pinyin) name, given name first; no email or ID; same phone and birth date"
    elif kind == 3:
        d = dup(b, street="", house_number="", locality="", region="", postcode="", birth_date="")
        what = "address and birth date missing"
    elif kind == 4:
        other = rng.choice(CN_PLACES)
        d = dup(b, street=rng.choice(other[5]) + f"{rng.randrange(1, 200)}号", house_number=str(rng.randrange(1, 300)),
                locality=other[0], region=other[1], postcode=other[2], phone=phone_variant(b["phone"]))
        what = "moved to another city; same name, phone, ID and birth date"
    elif kind == 5:
        d = dup(b, full_name=f"{b['full_name']}{rng.choice(['先生', '女士'])}", email="", birth_date=b["birth_date"].replace("-", ""))
        what = "honorific after the name, birth date written YYYYMMDD, no email"
    elif kind == 6:
        d = dup(b, full_name=" ".join(b["full_name"]), phone=phone_variant(b["phone"]), tags="newsletter")
        what = "name written with spaces between characters"
    else:
        d1 = dup(b, phone=phone_variant(b["phone"]), email="", source="store_pos")
        d = dup(b, full_name=b["full_name"].translate(T2S_SAMPLE), email=b["email"], street="", house_number="", source="webshop")
        cluster([b, d1, d], "three records: phone format, missing email; traditional-script name, missing street")
        continue
    cluster([b, d], what)

def gmail_variant(e):
    local, dom = e.split("@")
    if dom == "gmail.com":
        return rng.choice([local.replace(".", "") + "@gmail.com", local + "+shop@gmail.com", local + "@googlemail.com"])
    return e.upper()

for i, b in enumerate(base_latin[:12]):
    kind = i % 4
    if kind == 0:
        d = dup(b, full_name=f"{b['family_name']}, {b['given_name']}", email=gmail_variant(b["email"]))
        what = "name written 'Family, Given'; email variant (gmail dots/plus-tag/googlemail or case)"
    elif kind == 1:
        g = b["given_name"]
        typo = g[:-2] + g[-1] + g[-2] if len(g) > 3 else g + g[-1]
        d = dup(b, full_name=f"{typo} {b['family_name']}", given_name=typo, phone=b["phone"].replace(" ", "-"))
        what = "typo in the given name (transposed letters); phone with dashes"
    elif kind == 2:
        d = dup(b, full_name=f"Dr. {b['given_name']} {b['family_name']}".upper(), given_name=b["given_name"].upper(),
                family_name=b["family_name"].upper(), phone="", birth_date="")
        what = "upper case with a title; no phone, no birth date"
    else:
        d1 = dup(b, email="", street="", house_number="")
        d = dup(b, email=gmail_variant(b["email"]), phone="", tags="vip")
        cluster([b, d1, d], "three records: missing email and street; email variant and missing phone")
        continue
    cluster([b, d], what)

ALT_FORM = {"有限公司": "有限责任公司", "有限责任公司": "有限公司", "股份有限公司": "股份有限公司"}
for i, b in enumerate(base_cn_co[:8]):
    core, form, city, div = b["_core"]
    kind = i % 4
    if kind == 0:
        d = dup(b, company_name=f"{city}{core}{ALT_FORM[form]}" if form != "股份有限公司" else f"{core}股份公司（{city.rstrip('市')}）",
                phone=phone_variant(b["phone"]))
        what = "legal form / region written differently, same credit code"
    elif kind == 1:
        d = dup(b, company_name=fw(b["company_name"]).replace("（", "(").replace("）", ")"), national_id="", national_id_kind="")
        what = "full-width company name, no credit code; same phone"
    elif kind == 2:
        d = dup(b, company_name=b["company_name"].translate(T2S_SAMPLE), email="")
        what = "traditional-script company name"
    else:
        d = dup(b, company_name=f"（{city.rstrip('市')}）{core}{form}", street2="")
        what = "region in brackets before the name"
    cluster([b, d], what)

for i, b in enumerate(base_latin_co[:6]):
    core, form, country = b["_core"]
    alt = {"Ltd.": "Limited", "Limited": "Ltd", "Ltd": "Limited", "Inc.": "Incorporated", "GmbH": "G.m.b.H.",
           "S.A.": "SA", "Pty Ltd": "Pty. Limited", "LLC": "L.L.C.", "PLC": "plc", "AG": "Aktiengesellschaft",
           "SARL": "S.A.R.L.", "Co., Ltd.": "Co Ltd", "Corp.": "Corporation", "KG": "K.G.", "Co.": "Company",
           "LLP": "L.L.P.", "SAS": "S.A.S."}[form]
    name = core.replace("&", "and") if "&" in core else core
    d = dup(b, company_name=f"{'The ' if i % 2 else ''}{name} {alt}".upper() if i % 3 == 0 else f"{'The ' if i % 2 else ''}{name} {alt}",
            email=b["email"].upper() if i % 2 else b["email"], phone=b["phone"].replace(" ", ""))
    cluster([b, d], f"legal form '{form}' written '{alt}', case / leading 'The' / '&'-'and' variants")

# ---- hard non-duplicates: same name, different people / entities
for _ in range(3):
    a = cn_person(sur=("张", "zhang"), given=("伟", "wei"))
    notes["non_duplicates"].append((a["id"], "another 张伟: different phone, birth date and ID"))
for _ in range(2):
    a = cn_person(sur=("王", "wang"), given=("芳", "fang"))
    notes["non_duplicates"].append((a["id"], "another 王芳: different phone, birth date and ID"))
for _ in range(2):
    a = latin_person(country="US", given="John", family="Smith")
    notes["non_duplicates"].append((a["id"], "another John Smith: different phone, email and birth date"))
head = cn_company(core="瑞达精密仪器", form="有限公司", place=CN_PLACES[3])
branch = cn_company(core="瑞达精密仪器", form="有限公司广州分公司", place=CN_PLACES[4])
holding = cn_company(core="瑞达精密仪器控股", form="有限公司", place=CN_PLACES[3])
notes["non_duplicates"].append((f"{head['id']}, {branch['id']}, {holding['id']}",
                                "head office, its Guangzhou branch (分公司) and its holding company (控股): three entities, three credit codes"))

# ---- planted bad values: one per row, everything else clean
def bad(base_row, field, value, code, severity, what, shown=None):
    base_row[field] = value
    issues.append((base_row["id"], field, code, severity))
    notes["bad"].append((base_row["id"], field, shown if shown is not None else value, what, code, severity))

bad(cn_person(), "email", "zhangwei163.com", "email.missing_at", "error", "no @")
bad(cn_person(), "email", "li..na@qq.com", "email.dot_position", "error", "two dots in a row", "l***@qq.com")
bad(latin_person(country="US"), "email", "mary smith@gmail.com", "email.bad_local_char", "error", "space in the local part", "m***@gmail.com")
bad(latin_person(country="GB"), "email", "oliver.taylor@example.org.", "email.dot_position", "error", "trailing dot", "o***@example.org.")
r = cn_person(); bad(r, "phone", r["phone"].replace(" ", "").replace("-", "")[-11:-1], "phone.invalid_for_region", "error", "CN mobile missing a digit: 10 digits, a possible length in CN but no valid number", "138****567")
r = latin_person(country="DE"); bad(r, "phone", "+49 30", "phone.invalid_length", "error", "too short for any German number", "+49 30")
r = cn_person(); wrong = r["national_id"][:-1] + ("0" if r["national_id"][-1] != "0" else "1")
bad(r, "national_id", wrong, "cn_id.bad_check_digit", "error", "check digit does not match", wrong[:1] + "*" * 16 + wrong[-1:])
r = cn_person(); body = r["national_id"][:6] + "19990230" + "123"
r["birth_date"] = "1999-02-28"
bad(r, "national_id", body + cn_id_check(body), "cn_id.bad_birth_date", "error", "birth date 1999-02-30 does not exist (check digit correct)", body[:1] + "*" * 16 + cn_id_check(body))
r = cn_person(); b15 = r["national_id"][:6] + r["national_id"][8:14] + r["national_id"][14:17]
bad(r, "national_id", b15, "cn_id.first_generation", "warning", "15-digit first-generation ID (valid, convertible)", b15[:1] + "*" * 13 + b15[-1:])
r = cn_company(); wrong = r["national_id"][:-1] + ("0" if r["national_id"][-1] != "0" else "1")
bad(r, "national_id", wrong, "uscc.bad_check_char", "error", "final check character does not match", wrong[:1] + "*" * 16 + wrong[-1:])
r = cn_company(); wrong = r["national_id"][:10] + "O" + r["national_id"][11:]
bad(r, "national_id", wrong, "uscc.bad_char", "error", "letter O is not in the code alphabet", wrong[:1] + "*" * 16 + wrong[-1:])
r = cn_person(); r["national_id"] = ""; r["national_id_kind"] = ""
bad(r, "birth_date", "2031-05-01", "date.future_birth_date", "error", "birth date in the future (no ID on this row)")
r = latin_person(country="FR"); r["birth_date"] = "31/02/1990"
issues.append((r["id"], "birth_date", "date.unparseable", "error"))
notes["bad"].append((r["id"], "birth_date", "31/02/1990", "not a date form the loader reads (raw value kept as a custom field)", "date.unparseable", "error"))
bad(cn_person(), "postcode", "10020", "postcode.bad_format", "error", "5 digits on a CN address")
bad(latin_person(country="AU"), "country", "XX", "country.unknown", "error", "not an assigned ISO 3166 code")
r = latin_person(country="GB"); r["phone"] = ""
bad(r, "email", "", "required.missing_contact", "error", "a person with neither phone nor email", "(empty)")
issues[-1] = (r["id"], "phone|email", "required.missing_contact", "error")
r = latin_company(); bad(r, "company_name", "", "required.missing_company_name", "error", "a company without a name", "(empty)")

# ---------------------------------------------------------------- checks and output
ids = [r["id"] for r in rows]
assert len(ids) == len(set(ids))
bad_ids = {i for i, *_ in issues}
for r in rows:
    if r["id"] in bad_ids:
        continue
    for p in filter(None, r["phone"].split(";")):
        region = r["country"] or "CN"
        norm = p.translate({0xFF10 + i: ord("0") + i for i in range(10)})
        assert valid_phone(norm, region), (r["id"], p)

with open(OUT / "customers.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.DictWriter(f, fieldnames=HEADER, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
with open(OUT / "expected_issues.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "field", "code", "severity"])
    w.writerows(sorted(issues))
with open(OUT / "truth.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "entity_id"])
    w.writerows((i, entity[i]) for i in ids)


# ---------------------------------------------------------------- purchases
# One shop's till (amounts in CNY) from 2023-01-01 to the sample's as-of date 2026-06-30. Each
# real-world entity gets a buying habit; its purchases fall on its records at random, as when one
# customer has two accounts. Own seed, so the customers above do not change with this part.
import datetime as _dt

trng = random.Random(20261130)
START, AS_OF = _dt.date(2023, 1, 1), _dt.date(2026, 6, 30)
SPAN = (AS_OF - START).days
HABITS = [  # (name, share, purchases per year, active from, active to as share of the span)
    ("lead", 0.20, 0.0, 0.0, 0.0),
    ("one_off", 0.15, 0.0, 0.0, 1.0),
    ("regular", 0.30, 4.0, 0.0, 1.0),
    ("frequent", 0.12, 14.0, 0.0, 1.0),
    ("lapsed", 0.13, 5.0, 0.0, 0.55),
    ("recent", 0.10, 6.0, 0.85, 1.0),
]
members = {}
for i in ids:
    members.setdefault(entity[i], []).append(i)
transactions = []
for ent in sorted(members):
    x = trng.random()
    for name, share, per_year, lo, hi in HABITS:
        x -= share
        if x < 0:
            break
    if name == "lead":
        continue
    mean = trng.choice([60, 120, 250, 600, 1500])
    first = int(SPAN * (lo + (hi - lo) * trng.random() * (0.2 if name == "recent" else 0.9)))
    last = int(SPAN * hi)
    day = first
    while day <= last:
        amount = round(mean * trng.lognormvariate(0, 0.5), 2)
        channel = trng.choice(["store", "store", "web", "app"])
        rec = trng.choice(members[ent])
        transactions.append((START + _dt.timedelta(days=day), rec, amount, channel))
        if per_year == 0:
            break
        day += max(1, int(trng.expovariate(per_year / 365.0)))
transactions.sort()
with open(OUT / "transactions.csv", "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["id", "date", "amount", "currency", "channel"])
    for day, rec, amount, channel in transactions:
        w.writerow([rec, day.isoformat(), f"{amount:.2f}", "CNY", channel])

INTRO = """# Bundled sample data

`customers.csv` holds invented customers (Chinese and Latin-script persons and companies) with
planted duplicates and planted bad values, for the README's main command, the tests and the
documentation. It is generated, deterministically, by `make_sample.py` in this folder
(`python3 examples/data/make_sample.py` from the repository root); edit the script, not the CSV.
Every name, phone, email, identifier and company is invented; identifiers carry correct check
characters so that they are well-formed, and every clean phone is valid by libphonenumber's
metadata (checked by the script when the `phonenumbers` package is installed).

## Files
- `customers.csv`: the records, with the columns the CLI reads (`loyalty_points` is a custom
  field). Phones, emails and tags may hold `;`-separated lists.
- `truth.csv` (`id,entity_id`): the real-world entity of every row, for accuracy tests of
  duplicate detection (singletons are their own entity).
- `expected_issues.csv` (`id,field,code,severity`): every planted bad value and the validation
  code it must produce. Every other row is clean.
- `transactions.csv` (`id,date,amount,currency,channel`): one shop's purchases in CNY from
  2023-01-01 to 2026-06-30 (use `--as-of 2026-06-30`), from buying habits drawn per real-world
  customer (no purchase, one purchase, regular, frequent, lapsed, recent); a customer with two
  records has purchases on both, as in a real CRM.

"""
with open(OUT / "README.md", "w", encoding="utf-8") as f:
    f.write(INTRO)
    n_person = sum(r["kind"] == "person" for r in rows)
    f.write(f"Rows: {len(rows)} ({n_person} persons, {len(rows) - n_person} companies); "
            f"duplicate clusters: {len(notes['clusters'])}; planted bad values: {len(notes['bad'])}.\n\n")
    f.write("### Duplicate clusters\n\n| records | what differs |\n|---|---|\n")
    for members, what in notes["clusters"]:
        f.write(f"| {members} | {what} |\n")
    f.write("\n### Hard non-duplicates (must stay apart)\n\n| records | why they differ |\n|---|---|\n")
    for members, what in notes["non_duplicates"]:
        f.write(f"| {members} | {what} |\n")
    f.write("\n### Planted bad values\n\n| id | field | value (masked) | what is wrong | expected code | severity |\n|---|---|---|---|---|---|\n")
    for i, field, shown, what, code, sev in notes["bad"]:
        f.write(f"| {i} | {field} | `{shown}` | {what} | `{code}` | {sev} |\n")
print(f"{len(transactions)} purchases")
print(f"{len(rows)} rows, {len(notes['clusters'])} clusters, {len(notes['bad'])} bad values")
