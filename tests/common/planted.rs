//! Planted personal values of the masking tests (`tests/masking.rs`, `tests/cli_privacy.rs`):
//! the pieces that must never show in `Debug`, `Display`, an error or a message.

/// Each planted value in full, and the telling parts of the numbers (the middle digits a mask
/// hides, the last eight digits a phone key keeps, the birth date inside a resident ID).
pub const SECRETS: &[&str] = &[
    // +86 139 1234 5678, written several ways
    "13912345678",
    "139 1234",
    "1391234",
    "12345678",
    // meimei.han@example.org
    "meimei.han",
    "meimei",
    "Meimei",
    // 11010519491231002X and its birth date, written as dates too
    "11010519491231002X",
    "19491231",
    "1949-12-31",
    "31/12/1949",
    // 韩梅梅 and 梅梅贸易有限公司
    "韩梅梅",
    "梅梅",
    // 建国路88号院, 88 Jianguo Road, 100022
    "建国路",
    "Jianguo",
    "100022",
    // custom fields 手机, 身份证号, wechat
    "18688889999",
    "6888899",
    "44030419900101001X",
    "0304199",
    "wxid_secret",
    // a note, a tag, an order reference
    "hunter2",
    "diabetic",
    "778899",
];
