//! The built-in rules and the default order.

use std::sync::Arc;

use super::{Context, FieldKind, Rule, Stage, address, company, person, text};

type Apply = fn(&str, &mut Context) -> Option<String>;

/// A built-in rule: a name, a stage, the kinds it applies to and a function.
#[derive(Debug)]
struct BuiltIn {
    name: &'static str,
    stage: Stage,
    kinds: &'static [FieldKind],
    description: &'static str,
    apply: Apply,
}

impl Rule for BuiltIn {
    fn name(&self) -> &str {
        self.name
    }
    fn stage(&self) -> Stage {
        self.stage
    }
    fn applies_to(&self, kind: FieldKind) -> bool {
        self.kinds.contains(&kind)
    }
    fn apply(&self, value: &str, ctx: &mut Context) -> Option<String> {
        (self.apply)(value, ctx)
    }
    fn description(&self) -> &str {
        self.description
    }
}

use FieldKind::{Address, CompanyName, Email, PersonName, Phone, Text};

const ALL: &[FieldKind] = &[PersonName, CompanyName, Phone, Email, Address, Text];
const WORDS: &[FieldKind] = &[PersonName, CompanyName, Address, Text];
const NAMES: &[FieldKind] = &[PersonName, CompanyName];

macro_rules! text_rule {
    ($f:path) => {{
        fn apply(s: &str, _ctx: &mut Context) -> Option<String> {
            $f(s)
        }
        apply as Apply
    }};
}

/// The default rules, in the order they run.
pub(crate) fn default_rules() -> Vec<Arc<dyn Rule>> {
    let table: Vec<BuiltIn> = vec![
        BuiltIn {
            name: "text.nfkc",
            stage: Stage::Canonical,
            kinds: ALL,
            apply: text_rule!(text::nfkc),
            description: "Unicode NFKC: full-width letters, digits and punctuation to half-width, compatibility forms to plain ones",
        },
        BuiltIn {
            name: "text.strip_invisible",
            stage: Stage::Canonical,
            kinds: ALL,
            apply: text_rule!(text::strip_invisible),
            description: "zero-width, byte-order-mark, soft-hyphen and control characters removed (tabs and newlines become spaces)",
        },
        BuiltIn {
            name: "text.unify_punctuation",
            stage: Stage::Canonical,
            kinds: &[PersonName, CompanyName, Phone, Address, Text],
            apply: text_rule!(text::unify_punctuation),
            description: "bracket, dash, quote and dot variants written one way (【】〔〕 to (), —–－ to -, ・• to ·)",
        },
        BuiltIn {
            name: "text.collapse_spaces",
            stage: Stage::Canonical,
            kinds: ALL,
            apply: text_rule!(text::collapse_spaces),
            description: "every run of Unicode white space to one ASCII space, trimmed",
        },
        BuiltIn {
            name: "name.join_han",
            stage: Stage::Canonical,
            kinds: NAMES,
            apply: text_rule!(text::join_han),
            description: "spaces and name dots between Han characters removed (张 伟 to 张伟)",
        },
        BuiltIn {
            name: "person.honorifics",
            stage: Stage::Canonical,
            kinds: &[PersonName],
            apply: person::honorifics,
            description: "titles and honorifics (Mr, Dr, Prof, Jr, 先生, 女士, 老师, 总, ...) removed and kept in parts.honorifics",
        },
        BuiltIn {
            name: "person.comma_order",
            stage: Stage::Canonical,
            kinds: &[PersonName],
            apply: person::comma_order,
            description: "Latin names written 'Family, Given' rewritten 'Given Family'",
        },
        BuiltIn {
            name: "key.casefold",
            stage: Stage::Key,
            kinds: ALL,
            apply: text_rule!(text::casefold),
            description: "lower case (display forms keep their case)",
        },
        BuiltIn {
            name: "key.fold_diacritics",
            stage: Stage::Key,
            kinds: WORDS,
            apply: text_rule!(text::fold_diacritics),
            description: "Latin diacritics folded (Müller to muller, ß to ss)",
        },
        BuiltIn {
            name: "key.traditional_to_simplified",
            stage: Stage::Key,
            kinds: WORDS,
            apply: text_rule!(super::chinese::to_simplified_owned),
            description: "traditional Chinese characters to simplified ones (華為 to 华为), from OpenCC's table",
        },
        BuiltIn {
            name: "company.ampersand",
            stage: Stage::Key,
            kinds: &[CompanyName],
            apply: company::ampersand,
            description: "& written as and",
        },
        BuiltIn {
            name: "company.region",
            stage: Stage::Key,
            kinds: &[CompanyName],
            apply: company::region,
            description: "a leading or parenthesised region ((北京), 上海市, Shenzhen ...) removed and kept in parts.region",
        },
        BuiltIn {
            name: "key.strip_punctuation",
            stage: Stage::Key,
            kinds: WORDS,
            apply: text_rule!(text::strip_punctuation),
            description: "punctuation out of keys: apostrophes and dots join (O'Brien, S.A.), other marks separate words",
        },
        BuiltIn {
            name: "address.abbreviations",
            stage: Stage::Key,
            kinds: &[Address],
            apply: address::abbreviations,
            description: "street-type abbreviations expanded (St to street, Rd to road, Ave to avenue, ...)",
        },
        BuiltIn {
            name: "company.legal_form",
            stage: Stage::Key,
            kinds: &[CompanyName],
            apply: company::legal_form,
            description: "trailing legal forms (有限公司, 股份有限公司, Ltd, Co., Ltd., GmbH, S.A., ...) removed and kept in parts.legal_form; a branch (分公司, Branch) stays",
        },
        BuiltIn {
            name: "company.leading_the",
            stage: Stage::Key,
            kinds: &[CompanyName],
            apply: company::leading_the,
            description: "a leading 'the' dropped",
        },
        BuiltIn {
            name: "person.order_free",
            stage: Stage::Key,
            kinds: &[PersonName],
            apply: person::order_free,
            description: "words of Latin names sorted, so given/family order does not matter",
        },
        BuiltIn {
            name: "key.join_han",
            stage: Stage::Key,
            kinds: WORDS,
            apply: text_rule!(text::join_han),
            description: "spaces between Han characters removed in keys",
        },
    ];
    table
        .into_iter()
        .map(|r| Arc::new(r) as Arc<dyn Rule>)
        .collect()
}
