//! Writing a parsed number for display, with the number formats of its calling code's main
//! region (libphonenumber's metadata): the national form (`010 6552 9988`, `(212) 736-5000`)
//! and the international one (`+86 10 6552 9988`).

use std::sync::OnceLock;

use regex::Regex;

use super::parse::expand;
use super::region::{Format, NON_GEOGRAPHIC, REGIONS, digits_regex, main_of, meta_at};
use super::{NormalizedPhone, PhoneFormat};

/// A format's patterns compiled: leading digits (anchored at the start), the whole pattern
/// (full match, to choose the format) and the pattern itself (to rewrite the number).
struct CompiledFormat {
    leading: Option<Regex>,
    whole: Option<Regex>,
    groups: Option<Regex>,
}

fn compile_formats(formats: &[Format]) -> Vec<CompiledFormat> {
    formats
        .iter()
        .map(|f| CompiledFormat {
            leading: f.leading.and_then(|l| digits_regex(&format!("^(?:{l})"))),
            whole: digits_regex(&format!("^(?:{})$", f.pattern)),
            groups: digits_regex(f.pattern),
        })
        .collect()
}

/// The compiled national and international formats of the metadata at `index`, built once.
fn compiled_formats(index: usize) -> Option<&'static (Vec<CompiledFormat>, Vec<CompiledFormat>)> {
    type Both = (Vec<CompiledFormat>, Vec<CompiledFormat>);
    static CACHE: OnceLock<Vec<OnceLock<Both>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| {
        (0..REGIONS.len() + NON_GEOGRAPHIC.len())
            .map(|_| OnceLock::new())
            .collect()
    });
    let meta = meta_at(index)?;
    Some(cache.get(index)?.get_or_init(|| {
        (
            compile_formats(meta.formats),
            compile_formats(meta.intl_formats),
        )
    }))
}

/// The first format whose leading digits start `nsn` and whose pattern it matches whole.
fn choose<'f>(
    formats: &'f [Format],
    compiled: &'f [CompiledFormat],
    nsn: &str,
) -> Option<(&'f Format, &'f CompiledFormat)> {
    formats.iter().zip(compiled).find(|(f, c)| {
        let leading_ok = match (&f.leading, &c.leading) {
            (None, _) => true,
            (Some(_), Some(re)) => re.is_match(nsn),
            (Some(_), None) => false,
        };
        leading_ok && c.whole.as_ref().is_some_and(|re| re.is_match(nsn))
    })
}

/// The rule with its first group written with the national prefix (`\1 \2` and `0\1` give
/// `0\1 \2`).
fn with_national_prefix(rule: &str, national_rule: &str) -> String {
    let bytes = rule.as_bytes();
    let first = (0..bytes.len().saturating_sub(1)).find(|&i| {
        bytes.get(i) == Some(&b'\\') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
    });
    let Some(at) = first else {
        return rule.to_owned();
    };
    let group = rule.get(at..at + 2).unwrap_or("");
    let mut out = String::with_capacity(rule.len() + national_rule.len());
    out.push_str(rule.get(..at).unwrap_or(""));
    // In the national rule, `\1` stands for the group reference it replaces.
    out.push_str(&national_rule.replace("\\1", group));
    out.push_str(rule.get(at + 2..).unwrap_or(""));
    out
}

/// The national significant number grouped by a format (the number itself when none fits).
fn format_nsn(index: usize, nsn: &str, national: bool) -> String {
    let (Some(meta), Some((nat, intl))) = (meta_at(index), compiled_formats(index)) else {
        return nsn.to_owned();
    };
    let (formats, compiled) = if national || meta.intl_formats.is_empty() {
        (meta.formats, nat)
    } else {
        (meta.intl_formats, intl)
    };
    let Some((format, c)) = choose(formats, compiled, nsn) else {
        return nsn.to_owned();
    };
    let Some(groups) = &c.groups else {
        return nsn.to_owned();
    };
    let rule = match format.national_rule.filter(|r| national && !r.is_empty()) {
        Some(np) => with_national_prefix(format.format, np),
        None => format.format.to_owned(),
    };
    let mut out = String::with_capacity(nsn.len() + 8);
    let mut last = 0;
    for caps in groups.captures_iter(nsn) {
        let Some(m) = caps.get(0) else { continue };
        out.push_str(nsn.get(last..m.start()).unwrap_or(""));
        expand(&rule, &caps, &mut out);
        last = m.end();
    }
    out.push_str(nsn.get(last..).unwrap_or(""));
    out
}

/// The number written in `format`.
pub(crate) fn format(p: &NormalizedPhone, format: PhoneFormat) -> String {
    if format == PhoneFormat::E164 {
        return p.e164.clone();
    }
    let Some(index) = main_of(p.country_code) else {
        return p.national.clone();
    };
    let national = format == PhoneFormat::National;
    let mut out = String::with_capacity(p.national.len() + 12);
    if !national {
        out.push('+');
        out.push_str(&p.country_code.to_string());
        out.push(' ');
    }
    out.push_str(&format_nsn(index, &p.national, national));
    if let Some(ext) = &p.extension {
        let prefix = meta_at(index).and_then(|m| m.extension_prefix);
        out.push_str(prefix.unwrap_or(" ext. "));
        out.push_str(ext);
    }
    out
}
