//! Company names: legal forms, regions and branches recognised and kept as structured values.
//!
//! All functions here work on key-stage text: lower-cased, simplified, punctuation stripped
//! (except for [`region`], which also reads parenthesised regions before punctuation goes).

use super::Context;
use super::chinese::is_han;

/// Chinese legal forms, longest first so that `股份有限公司` wins over `有限公司`. Each maps to
/// the form kept in [`super::Parts::legal_form`].
const CN_FORMS: &[(&str, &str)] = &[
    ("集团股份有限公司", "集团股份有限公司"),
    ("集团有限责任公司", "集团有限公司"),
    ("集团有限公司", "集团有限公司"),
    ("股份有限公司", "股份有限公司"),
    ("有限责任公司", "有限公司"),
    ("股份合作公司", "股份合作公司"),
    ("有限合伙企业", "有限合伙"),
    ("个人独资企业", "个人独资企业"),
    ("有限公司", "有限公司"),
    ("股份公司", "股份有限公司"),
    ("集团公司", "集团公司"),
    ("有限合伙", "有限合伙"),
    ("普通合伙", "普通合伙"),
    ("合伙企业", "合伙企业"),
    ("株式会社", "株式会社"),
    ("总公司", "总公司"),
    ("经营部", "经营部"),
    ("门市部", "门市部"),
    ("工作室", "工作室"),
    ("公司", "公司"),
    ("集团", "集团"),
    ("商行", "商行"),
    ("厂", "厂"),
];

/// Latin-script legal forms as token sequences (after punctuation stripping: `Co., Ltd.` is
/// `co ltd`, `S.A.R.L.` is `sarl`), longest first, with the form kept.
const LATIN_FORMS: &[(&[&str], &str)] = &[
    (&["gmbh", "and", "co", "kg"], "gmbh & co kg"),
    (&["public", "limited", "company"], "plc"),
    (&["limited", "liability", "company"], "llc"),
    (&["limited", "liability", "partnership"], "llp"),
    (&["company", "limited"], "co ltd"),
    (&["co", "limited"], "co ltd"),
    (&["co", "ltd"], "co ltd"),
    (&["pty", "limited"], "pty ltd"),
    (&["pty", "ltd"], "pty ltd"),
    (&["pte", "ltd"], "pte ltd"),
    (&["sdn", "bhd"], "sdn bhd"),
    (&["co", "inc"], "inc"),
    (&["limited"], "ltd"),
    (&["ltd"], "ltd"),
    (&["incorporated"], "inc"),
    (&["inc"], "inc"),
    (&["corporation"], "corp"),
    (&["corp"], "corp"),
    (&["company"], "co"),
    (&["co"], "co"),
    (&["llc"], "llc"),
    (&["llp"], "llp"),
    (&["lp"], "lp"),
    (&["plc"], "plc"),
    (&["gmbh"], "gmbh"),
    (&["aktiengesellschaft"], "ag"),
    (&["ag"], "ag"),
    (&["kg"], "kg"),
    (&["ohg"], "ohg"),
    (&["ug"], "ug"),
    (&["sarl"], "sarl"),
    (&["sasu"], "sasu"),
    (&["sas"], "sas"),
    (&["sa"], "sa"),
    (&["eurl"], "eurl"),
    (&["bv"], "bv"),
    (&["nv"], "nv"),
    (&["kk"], "kk"),
    (&["se"], "se"),
    (&["srl"], "srl"),
    (&["spa"], "spa"),
    (&["oy"], "oy"),
    (&["ab"], "ab"),
];

/// Province-level divisions and major cities of China, in Han characters.
const CN_REGIONS: &[&str] = &[
    "黑龙江",
    "内蒙古",
    "石家庄",
    "哈尔滨",
    "北京",
    "上海",
    "天津",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
    "深圳",
    "广州",
    "杭州",
    "南京",
    "苏州",
    "成都",
    "武汉",
    "西安",
    "厦门",
    "青岛",
    "大连",
    "宁波",
    "无锡",
    "长沙",
    "郑州",
    "济南",
    "沈阳",
    "长春",
    "合肥",
    "福州",
    "昆明",
    "南宁",
    "南昌",
    "贵阳",
    "太原",
    "兰州",
    "东莞",
    "佛山",
    "珠海",
    "温州",
    "常州",
    "烟台",
    "中山",
    "惠州",
    "台北",
];

/// Suffixes that may follow a region name.
const CN_REGION_SUFFIXES: &[&str] = &[
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "自治区",
    "省",
    "市",
];

/// The same places in pinyin, for Latin-script names (`Shenzhen Huada Electronics`).
const LATIN_REGIONS: &[&str] = &[
    "beijing",
    "shanghai",
    "tianjin",
    "chongqing",
    "hebei",
    "shanxi",
    "liaoning",
    "jilin",
    "heilongjiang",
    "jiangsu",
    "zhejiang",
    "anhui",
    "fujian",
    "jiangxi",
    "shandong",
    "henan",
    "hubei",
    "hunan",
    "guangdong",
    "hainan",
    "sichuan",
    "guizhou",
    "yunnan",
    "shaanxi",
    "gansu",
    "qinghai",
    "taiwan",
    "guangxi",
    "xizang",
    "ningxia",
    "xinjiang",
    "hongkong",
    "macau",
    "macao",
    "shenzhen",
    "guangzhou",
    "hangzhou",
    "nanjing",
    "suzhou",
    "chengdu",
    "wuhan",
    "xian",
    "xiamen",
    "qingdao",
    "dalian",
    "ningbo",
    "wuxi",
    "changsha",
    "zhengzhou",
    "jinan",
    "shenyang",
    "changchun",
    "hefei",
    "fuzhou",
    "kunming",
    "nanning",
    "nanchang",
    "guiyang",
    "taiyuan",
    "lanzhou",
    "dongguan",
    "foshan",
    "zhuhai",
    "wenzhou",
    "changzhou",
    "yantai",
    "zhongshan",
    "huizhou",
    "shijiazhuang",
    "harbin",
    "taipei",
];

/// Branch suffixes: a branch is another record than its head office and stays in the key.
const CN_BRANCH: &[&str] = &[
    "分公司",
    "分店",
    "分行",
    "支行",
    "营业部",
    "办事处",
    "分厂",
    "分部",
    "分所",
    "分院",
];

/// A Chinese region name with an optional administrative suffix at the start of `s`; returns
/// (region without suffix, bytes consumed).
fn cn_region_prefix(s: &str) -> Option<(&'static str, usize)> {
    let region = CN_REGIONS.iter().find(|r| s.starts_with(**r))?;
    let mut used = region.len();
    let rest = s.get(used..).unwrap_or("");
    if let Some(suffix) = CN_REGION_SUFFIXES.iter().find(|x| rest.starts_with(**x)) {
        used += suffix.len();
    }
    Some((region, used))
}

/// `&` written as `and` (`Smith & Sons` ~ `Smith and Sons`).
pub(crate) fn ampersand(s: &str, _ctx: &mut Context) -> Option<String> {
    if !s.contains('&') {
        return None;
    }
    let spaced = s.replace('&', " and ");
    Some(super::text::collapse_spaces(&spaced).unwrap_or(spaced))
}

/// A parenthesised region anywhere (`(北京)`, `(beijing)`) or a leading one (`北京`, `上海市`,
/// `shenzhen ...`) is taken out of the key into `parts.region`. A leading region stays when less
/// than three characters (or two words) of name would remain.
pub(crate) fn region(s: &str, ctx: &mut Context) -> Option<String> {
    // Parenthesised, anywhere.
    let mut out = s.to_owned();
    let mut found: Option<String> = None;
    let mut search_from = 0;
    while let Some(open) = out
        .get(search_from..)
        .and_then(|t| t.find('('))
        .map(|i| i + search_from)
    {
        let Some(close) = out.get(open..).and_then(|t| t.find(')')).map(|i| i + open) else {
            break;
        };
        let inner = out.get(open + 1..close).unwrap_or("").trim();
        let hit = cn_region_prefix(inner)
            .filter(|(_, used)| *used == inner.len())
            .map(|(r, _)| r.to_owned())
            .or_else(|| LATIN_REGIONS.contains(&inner).then(|| inner.to_owned()));
        match hit {
            Some(r) => {
                found = Some(r);
                out.replace_range(open..=close, " ");
            }
            None => search_from = close + 1,
        }
    }
    let mut trimmed = out.trim_start().to_owned();
    // Leading Han regions, repeatedly (广东省深圳市...); the last one is the most specific.
    while let Some((r, used)) = cn_region_prefix(&trimmed) {
        let rest = trimmed.get(used..).unwrap_or("").trim_start();
        // A region is part of short names (北京银行 is not any 银行): keep it unless at least
        // three characters of name remain once legal forms are set aside.
        let (core, _) =
            strip_forms(&super::text::join_han(rest).unwrap_or_else(|| rest.to_owned()));
        if core.chars().filter(|c| is_han(*c)).count() < 3 {
            break;
        }
        found = Some(r.to_owned());
        trimmed = rest.to_owned();
    }
    // A leading pinyin region followed by at least two more words.
    let words: Vec<&str> = trimmed.split(' ').filter(|w| !w.is_empty()).collect();
    if let Some(first) = words.first()
        && words.len() >= 3
        && LATIN_REGIONS.contains(first)
    {
        found = Some((*first).to_owned());
        trimmed = words.get(1..).unwrap_or(&[]).join(" ");
    }
    let found = found?;
    ctx.parts.region.get_or_insert(found);
    let collapsed = super::text::collapse_spaces(&trimmed).unwrap_or(trimmed);
    (collapsed != s).then_some(collapsed)
}

/// Strips trailing legal forms (repeatedly: `集团有限公司`, `gmbh & co kg`) into
/// `parts.legal_form`, keeping a branch that follows the form (`...有限公司广州分公司` keeps
/// `广州分公司` in the key and in `parts.branch`).
pub(crate) fn legal_form(s: &str, ctx: &mut Context) -> Option<String> {
    let joined = super::text::join_han(s).unwrap_or_else(|| s.to_owned());
    let (head, branch) = split_branch(&joined);
    let (core, form) = strip_forms(head);
    if let Some(b) = &branch {
        ctx.parts.branch.get_or_insert_with(|| b.trim().to_owned());
    }
    if let Some(f) = form {
        ctx.parts.legal_form.get_or_insert(f);
    }
    let out = match branch {
        Some(b)
            if core.chars().last().is_some_and(is_han) && b.chars().next().is_some_and(is_han) =>
        {
            format!("{core}{b}")
        }
        Some(b) => format!("{core} {b}"),
        None => core,
    };
    let out = super::text::collapse_spaces(&out).unwrap_or(out);
    (out != s).then_some(out)
}

/// Splits off a trailing branch designation: Han (`广州分公司`, after the head's legal form if
/// there is one) or Latin (`london branch`).
fn split_branch(s: &str) -> (&str, Option<String>) {
    if let Some(suffix) = CN_BRANCH.iter().find(|b| s.ends_with(**b)) {
        let before = s.get(..s.len() - suffix.len()).unwrap_or("");
        // The branch starts after the last legal form of the head office, if any.
        let cut = CN_FORMS
            .iter()
            .filter_map(|(f, _)| before.rfind(f).map(|i| i + f.len()))
            .max();
        return match cut {
            Some(i) if i < s.len() => (s.get(..i).unwrap_or(s), s.get(i..).map(str::to_owned)),
            _ => {
                // No legal form: the branch is the suffix and a region just before it.
                let region_start = CN_REGIONS
                    .iter()
                    .filter_map(|r| {
                        before
                            .rfind(r)
                            .filter(|i| i + r.len() == before.len())
                            .map(|i| (i, r))
                    })
                    .map(|(i, _)| i)
                    .min();
                let i = region_start.unwrap_or(before.len());
                if i == 0 {
                    (s, None)
                } else {
                    (s.get(..i).unwrap_or(s), s.get(i..).map(str::to_owned))
                }
            }
        };
    }
    let words: Vec<&str> = s.split(' ').collect();
    if words.last() == Some(&"branch") && words.len() >= 2 {
        let take = if words.len() >= 3 { 2 } else { 1 };
        let head_words = words.len() - take;
        let head_len: usize = words
            .iter()
            .take(head_words)
            .map(|w| w.len() + 1)
            .sum::<usize>();
        let head = s.get(..head_len.saturating_sub(1)).unwrap_or(s);
        return (
            head,
            Some(
                words
                    .iter()
                    .skip(head_words)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(" "),
            ),
        );
    }
    (s, None)
}

/// Removes trailing legal forms; returns the core and the outermost form found (Han forms
/// combine: `集团` + `有限公司` is kept as `集团有限公司`).
fn strip_forms(s: &str) -> (String, Option<String>) {
    let mut core = s.trim().to_owned();
    let mut forms: Vec<&str> = Vec::new();
    loop {
        // Han forms at the end, keeping at least two characters of name.
        if let Some((f, kept)) = CN_FORMS.iter().find(|(f, _)| core.ends_with(*f)) {
            let rest = core.get(..core.len() - f.len()).unwrap_or("").trim_end();
            if rest.chars().count() >= 2 {
                forms.insert(0, kept);
                core = rest.to_owned();
                continue;
            }
        }
        // 株式会社 also stands first in Japanese names.
        if let Some(rest) = core.strip_prefix("株式会社")
            && rest.trim().chars().count() >= 2
        {
            forms.insert(0, "株式会社");
            core = rest.trim().to_owned();
            continue;
        }
        // Latin forms as trailing words, keeping at least one word.
        let words: Vec<&str> = core.split(' ').filter(|w| !w.is_empty()).collect();
        let hit = LATIN_FORMS.iter().find(|(seq, _)| {
            words.len() > seq.len() && words.get(words.len() - seq.len()..) == Some(*seq)
        });
        match hit {
            Some((seq, kept)) => {
                forms.insert(0, kept);
                core = words
                    .get(..words.len() - seq.len())
                    .unwrap_or(&[])
                    .join(" ");
            }
            None => break,
        }
    }
    let form = match forms.as_slice() {
        [] => None,
        [one] => Some((*one).to_owned()),
        // Han forms read as one (集团 + 有限公司); Latin ones keep the outermost (`co ltd`).
        many if many.iter().all(|f| f.chars().all(is_han)) => Some(many.concat()),
        many => many.last().map(|f| (*f).to_owned()),
    };
    (core, form)
}

/// A leading `the` dropped when other words follow.
pub(crate) fn leading_the(s: &str, _ctx: &mut Context) -> Option<String> {
    s.strip_prefix("the ")
        .filter(|rest| !rest.trim().is_empty())
        .map(|rest| rest.trim_start().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::{FieldKind, Parts};

    fn ctx() -> Context {
        Context {
            kind: FieldKind::CompanyName,
            parts: Parts::default(),
        }
    }

    #[test]
    fn stacked_han_forms_are_one_form() {
        let mut c = ctx();
        assert_eq!(
            legal_form("海尔集团有限公司", &mut c).as_deref(),
            Some("海尔")
        );
        assert_eq!(c.parts.legal_form.as_deref(), Some("集团有限公司"));
    }

    #[test]
    fn latin_forms_in_their_spelling_variants() {
        for s in ["acme co ltd", "acme company limited", "acme co limited"] {
            let mut c = ctx();
            assert_eq!(legal_form(s, &mut c).as_deref(), Some("acme"), "{s}");
            assert_eq!(c.parts.legal_form.as_deref(), Some("co ltd"), "{s}");
        }
    }

    #[test]
    fn a_name_made_only_of_form_words_keeps_a_word() {
        let mut c = ctx();
        assert_eq!(
            legal_form("company ltd", &mut c).as_deref(),
            Some("company")
        );
    }

    #[test]
    fn a_branch_stays_in_the_key() {
        let mut c = ctx();
        assert_eq!(
            legal_form("瑞达精密仪器有限公司广州分公司", &mut c).as_deref(),
            Some("瑞达精密仪器广州分公司")
        );
        assert_eq!(c.parts.branch.as_deref(), Some("广州分公司"));
        let mut c = ctx();
        assert_eq!(
            legal_form("acme ltd london branch", &mut c).as_deref(),
            Some("acme london branch")
        );
        assert_eq!(c.parts.branch.as_deref(), Some("london branch"));
    }

    #[test]
    fn regions_leading_or_in_brackets() {
        let mut c = ctx();
        assert_eq!(
            region("广东省深圳市华达电子", &mut c).as_deref(),
            Some("华达电子")
        );
        assert_eq!(c.parts.region.as_deref(), Some("深圳"));
        let mut c = ctx();
        assert_eq!(
            region("华为技术(深圳)有限公司", &mut c).as_deref(),
            Some("华为技术 有限公司")
        );
        let mut c = ctx();
        assert_eq!(
            region("shenzhen huada electronics co ltd", &mut c).as_deref(),
            Some("huada electronics co ltd")
        );
        // Too little name left: the region is the name.
        let mut c = ctx();
        assert_eq!(region("北京银行股份有限公司", &mut c), None);
        let mut c = ctx();
        assert_eq!(region("北京", &mut c), None);
    }
}
