//! The name-built-email population ([`super::Population::NameBuiltEmails`]): people of one
//! country (the United States) with Zipf-skewed given and family names, mailboxes built from
//! the name on a handful of big providers, US phones and US addresses.
//!
//! The name lists were written for this crate, in rough order of how common the names are in
//! the United States; they are not copied from a published frequency table, and the weights
//! are a Zipf law over the rank (1 / (rank + offset)), not measured shares. The offsets put the
//! most common given name near 4% of people and the most common family name near 1.5%, about
//! what US statistics show, and a fifth of family names come from a generated tail.
//!
//! Mailboxes are drawn without checking that they are free: two people of one name can get
//! the same `first.last@` on one provider, as they can in merged customer files (shared and
//! recycled mailboxes, typed-in addresses).

use chrono::NaiveDate;

use super::Rng;
use crate::model::{Address, CountryCode, Customer, CustomerId, CustomerKind};

const GIVEN: &[&str] = &[
    "james",
    "mary",
    "michael",
    "john",
    "robert",
    "jennifer",
    "david",
    "linda",
    "william",
    "patricia",
    "richard",
    "elizabeth",
    "joseph",
    "barbara",
    "thomas",
    "susan",
    "christopher",
    "jessica",
    "charles",
    "sarah",
    "daniel",
    "karen",
    "matthew",
    "lisa",
    "anthony",
    "nancy",
    "mark",
    "betty",
    "donald",
    "sandra",
    "steven",
    "margaret",
    "andrew",
    "ashley",
    "paul",
    "kimberly",
    "joshua",
    "emily",
    "kenneth",
    "donna",
    "kevin",
    "michelle",
    "brian",
    "carol",
    "george",
    "amanda",
    "timothy",
    "melissa",
    "ronald",
    "deborah",
    "jason",
    "stephanie",
    "edward",
    "dorothy",
    "jeffrey",
    "rebecca",
    "ryan",
    "sharon",
    "jacob",
    "laura",
    "gary",
    "cynthia",
    "nicholas",
    "amy",
    "eric",
    "kathleen",
    "jonathan",
    "angela",
    "stephen",
    "shirley",
    "larry",
    "brenda",
    "justin",
    "emma",
    "scott",
    "anna",
    "brandon",
    "pamela",
    "benjamin",
    "nicole",
    "samuel",
    "samantha",
    "gregory",
    "katherine",
    "alexander",
    "christine",
    "patrick",
    "debra",
    "frank",
    "rachel",
    "raymond",
    "carolyn",
    "jack",
    "janet",
    "dennis",
    "maria",
    "jerry",
    "olivia",
    "tyler",
    "heather",
    "aaron",
    "helen",
    "jose",
    "catherine",
    "adam",
    "diane",
    "nathan",
    "julie",
    "henry",
    "victoria",
    "zachary",
    "joyce",
    "douglas",
    "lauren",
    "peter",
    "kelly",
    "kyle",
    "christina",
    "noah",
    "ruth",
    "ethan",
    "joan",
    "jeremy",
    "virginia",
    "walter",
    "judith",
    "christian",
    "evelyn",
    "keith",
    "hannah",
    "roger",
    "andrea",
    "terry",
    "megan",
    "austin",
    "cheryl",
    "sean",
    "jacqueline",
    "gerald",
    "madison",
    "carl",
    "sophia",
    "harold",
    "teresa",
    "dylan",
    "abigail",
    "arthur",
    "sara",
    "lawrence",
    "kayla",
    "jordan",
    "gloria",
    "jesse",
    "janice",
    "bryan",
    "ann",
    "billy",
    "grace",
    "bruce",
    "judy",
    "gabriel",
    "theresa",
    "joe",
    "alice",
    "logan",
    "beverly",
];

const FAMILY: &[&str] = &[
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "gomez",
    "phillips",
    "evans",
    "turner",
    "diaz",
    "parker",
    "cruz",
    "edwards",
    "collins",
    "reyes",
    "stewart",
    "morris",
    "morales",
    "murphy",
    "cook",
    "rogers",
    "gutierrez",
    "ortiz",
    "morgan",
    "cooper",
    "peterson",
    "bailey",
    "reed",
    "kelly",
    "howard",
    "ramos",
    "kim",
    "cox",
    "ward",
    "richardson",
    "watson",
    "brooks",
    "chavez",
    "wood",
    "james",
    "bennett",
    "gray",
    "mendoza",
    "ruiz",
    "hughes",
    "price",
    "alvarez",
    "castillo",
    "sanders",
    "patel",
    "myers",
    "long",
    "ross",
    "foster",
    "jimenez",
    "powell",
    "jenkins",
    "perry",
    "russell",
    "sullivan",
    "bell",
    "coleman",
    "butler",
    "henderson",
    "barnes",
    "gonzales",
    "fisher",
    "vasquez",
    "simmons",
    "romero",
    "jordan",
    "patterson",
    "alexander",
    "hamilton",
    "graham",
    "reynolds",
    "griffin",
    "wallace",
    "moreno",
    "west",
    "cole",
    "hayes",
    "bryant",
    "herrera",
    "gibson",
    "ellis",
    "tran",
    "medina",
    "aguilar",
    "stevens",
    "murray",
    "ford",
    "castro",
    "marshall",
    "owens",
    "harrison",
    "fernandez",
    "mcdonald",
    "woods",
    "washington",
    "kennedy",
    "wells",
    "vargas",
    "henry",
    "chen",
    "freeman",
    "webb",
    "tucker",
    "guzman",
    "burns",
    "crawford",
    "olson",
    "simpson",
    "porter",
    "hunter",
    "gordon",
    "mendez",
    "silva",
    "shaw",
    "snyder",
    "mason",
    "dixon",
    "munoz",
    "hunt",
    "hicks",
    "holmes",
    "palmer",
    "wagner",
    "black",
    "robertson",
    "boyd",
    "rose",
    "stone",
    "salazar",
    "fox",
    "warren",
    "mills",
    "meyer",
    "rice",
    "schmidt",
    "garza",
    "daniels",
    "ferguson",
    "nichols",
    "stephens",
    "soto",
    "weaver",
    "ryan",
    "gardner",
    "payne",
    "grant",
    "dunn",
    "kelley",
    "spencer",
    "hawkins",
    "arnold",
    "pierce",
    "vazquez",
    "hansen",
    "peters",
    "santos",
    "hart",
    "bradley",
    "knight",
    "elliott",
    "cunningham",
    "duncan",
    "armstrong",
    "hudson",
    "carroll",
    "lane",
    "riley",
    "andrews",
    "alvarado",
    "ray",
    "delgado",
    "berry",
    "perkins",
    "hoffman",
    "johnston",
    "matthews",
    "pena",
    "richards",
    "contreras",
    "willis",
    "carpenter",
    "lawrence",
    "sandoval",
];

/// Syllables of the generated tail of family names.
const TAIL: &[&str] = &[
    "ash", "bel", "cor", "dal", "ev", "fair", "gold", "hal", "ing", "kirk", "lang", "mor", "north",
    "old", "pem", "quill", "rad", "stan", "thorn", "und", "vale", "wick", "york", "ton", "ley",
    "by", "ford", "well", "ham", "den",
];

/// Mail providers with their shares of mailboxes (percent).
const PROVIDERS: &[(&str, f64)] = &[
    ("gmail.com", 40.0),
    ("yahoo.com", 20.0),
    ("outlook.com", 14.0),
    ("hotmail.com", 12.0),
    ("icloud.com", 8.0),
    ("aol.com", 6.0),
];

/// Cities with their state, the first three digits of their ZIP codes and their area codes.
const CITIES: &[(&str, &str, &str, &[u16])] = &[
    ("New York", "NY", "100", &[212, 646, 917]),
    ("Los Angeles", "CA", "900", &[213, 310, 323]),
    ("Chicago", "IL", "606", &[312, 773]),
    ("Houston", "TX", "770", &[713, 281, 832]),
    ("Phoenix", "AZ", "850", &[602, 480]),
    ("Philadelphia", "PA", "191", &[215, 267]),
    ("San Antonio", "TX", "782", &[210]),
    ("San Diego", "CA", "921", &[619, 858]),
    ("Dallas", "TX", "752", &[214, 469, 972]),
    ("Austin", "TX", "787", &[512, 737]),
    ("Jacksonville", "FL", "322", &[904]),
    ("Columbus", "OH", "432", &[614]),
    ("Charlotte", "NC", "282", &[704, 980]),
    ("Indianapolis", "IN", "462", &[317]),
    ("Seattle", "WA", "981", &[206]),
    ("Denver", "CO", "802", &[303, 720]),
    ("Boston", "MA", "021", &[617, 857]),
    ("Nashville", "TN", "372", &[615]),
    ("Portland", "OR", "972", &[503, 971]),
    ("Atlanta", "GA", "303", &[404, 678]),
    ("Miami", "FL", "331", &[305, 786]),
    ("Minneapolis", "MN", "554", &[612]),
    ("Detroit", "MI", "482", &[313]),
    ("Springfield", "IL", "627", &[217]),
];

const STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Pine",
    "Maple",
    "Cedar",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Walnut",
    "Sunset",
    "Lincoln",
    "Jackson",
    "Church",
    "River",
    "Highland",
    "Spring",
    "Ridge",
    "Forest",
    "Meadow",
    "Willow",
    "Chestnut",
    "Franklin",
    "Jefferson",
    "Adams",
    "Madison",
    "Center",
    "Mill",
    "Valley",
    "Prospect",
    "Union",
    "Broad",
    "Market",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
];

const STREET_TYPES: &[&str] = &[
    "Street", "St", "Avenue", "Ave", "Road", "Rd", "Drive", "Dr", "Lane", "Court",
];

/// A rank drawn from a Zipf law over `len` items: P(rank) ∝ 1 / (rank + 1 + offset).
fn zipf(r: &mut Rng, len: usize, offset: f64) -> usize {
    // Inverse of the continuous approximation, ln((x + offset) / offset) over the range.
    let top = ((len as f64 + offset) / offset).ln();
    let x = offset * (r.unit() * top).exp() - offset;
    (x as usize).min(len.saturating_sub(1))
}

fn given_name(r: &mut Rng) -> &'static str {
    GIVEN
        .get(zipf(r, GIVEN.len(), 8.0))
        .copied()
        .unwrap_or("john")
}

fn family_name(r: &mut Rng) -> String {
    if r.chance(0.2) {
        let parts = 2 + r.below(2);
        return (0..parts).filter_map(|_| r.pick(TAIL).copied()).collect();
    }
    FAMILY
        .get(zipf(r, FAMILY.len(), 20.0))
        .copied()
        .unwrap_or("smith")
        .to_owned()
}

/// A mailbox made from the name: `first.last`, `first_last`, `firstlast`, `f.last`, `flast`,
/// or one of these with a number (two digits or the birth year).
fn mailbox(r: &mut Rng, given: &str, family: &str, birth: NaiveDate) -> String {
    let initial = given.get(..1).unwrap_or("");
    let mut local = match r.below(6) {
        0 | 1 => format!("{given}.{family}"),
        2 => format!("{given}_{family}"),
        3 => format!("{given}{family}"),
        4 => format!("{initial}.{family}"),
        _ => format!("{initial}{family}"),
    };
    if r.chance(0.3) {
        use chrono::Datelike;
        if r.chance(0.5) {
            local.push_str(&format!("{:02}", r.below(100)));
        } else {
            local.push_str(&birth.year().to_string());
        }
    }
    let provider = r.weighted(PROVIDERS).copied().unwrap_or("gmail.com");
    format!("{local}@{provider}")
}

/// A US address.
pub(super) fn address(r: &mut Rng) -> Address {
    let (city, state, zip, _) = r.pick(CITIES).copied().unwrap_or(CITIES[0]);
    Address {
        house_number: Some((1 + r.below(9_999)).to_string()),
        lines: vec![format!(
            "{} {}",
            r.pick(STREETS).copied().unwrap_or("Main"),
            r.pick(STREET_TYPES).copied().unwrap_or("Street")
        )],
        locality: Some(city.to_owned()),
        region: Some(state.to_owned()),
        postcode: Some(format!("{zip}{:02}", r.below(100))),
        country: CountryCode::new("US").ok(),
        ..Address::default()
    }
}

/// A US phone of a city's area code, in one of the ways people write them.
fn phone(r: &mut Rng, area: u16) -> String {
    let exchange = 200 + r.below(800);
    let line = r.below(10_000);
    match r.below(4) {
        0 => format!("({area}) {exchange}-{line:04}"),
        1 => format!("{area}-{exchange}-{line:04}"),
        2 => format!("+1 {area} {exchange} {line:04}"),
        _ => format!("{area}{exchange}{line:04}"),
    }
}

/// One person's clean record.
pub(super) fn person(r: &mut Rng, id: CustomerId) -> Customer {
    let given = given_name(r);
    let family = family_name(r);
    let birth = NaiveDate::from_ymd_opt(
        1940 + r.below(66) as i32,
        1 + r.below(12) as u32,
        1 + r.below(28) as u32,
    )
    .unwrap_or_default();
    let address = address(r);
    let area = CITIES
        .iter()
        .find(|c| Some(c.0) == address.locality.as_deref())
        .and_then(|c| r.pick(c.3).copied())
        .unwrap_or(212);
    let number = super::values::valid_phone(r, "US", |r| phone(r, area));
    let cap = super::values::cap;
    Customer::builder(id, CustomerKind::Person)
        .full_name(format!("{} {}", cap(given), cap(&family)))
        .given_name(cap(given))
        .family_name(cap(&family))
        .phone(number)
        .email(mailbox(r, given, &family, birth))
        .birth_date(birth)
        .address(address)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zipf_ranks_are_skewed_and_in_range() {
        let mut r = Rng::new(7);
        let mut counts = vec![0usize; GIVEN.len()];
        for _ in 0..100_000 {
            if let Some(c) = counts.get_mut(zipf(&mut r, GIVEN.len(), 8.0)) {
                *c += 1;
            }
        }
        let top = counts.first().copied().unwrap_or(0) as f64 / 100_000.0;
        assert!((0.025..0.06).contains(&top), "top share {top}");
        assert!(counts.first() > counts.get(20));
        assert!(counts.iter().all(|&c| c > 0));
    }
}
