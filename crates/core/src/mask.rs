//! Masking of personal data (个人信息脱敏) for lists and logs.
//!
//! Every function works on characters, not bytes, and never panics on any UTF-8 input. ID and
//! phone masks keep the character count of the input, so columns stay aligned.

const MASK: char = '*';

/// Masks an ID number (证件号码脱敏): an 18-character 居民身份证号 (or any input of 15 characters
/// or more) keeps the first 6 and the last 4 characters: `331002********2010`. Shorter input (a
/// passport, a 通行证 number) keeps only the last 2; input of 4 characters or fewer is masked
/// entirely, since keeping 2 would reveal half of it.
pub fn mask_id_no(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    let n = chars.len();
    let (head, tail) = if n >= 15 {
        (6, 4)
    } else if n > 4 {
        (0, 2)
    } else {
        (0, 0)
    };
    keep_ends(&chars, head, tail, |_| false)
}

/// Masks a phone number (电话号码脱敏): an 11-digit mobile keeps its first 3 and last 4 digits
/// (`138****0000`); any other number (landline, with area code or extension) keeps its last 4
/// characters, and separators (`-`, space, `+`, brackets) stay as they are (`0576-****3456`).
/// Input of 4 characters or fewer is masked entirely.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let n = chars.len();
    let is_mobile =
        n == 11 && chars.first() == Some(&'1') && chars.iter().all(char::is_ascii_digit);
    if is_mobile {
        keep_ends(&chars, 3, 4, |_| false)
    } else if n > 4 {
        keep_ends(&chars, 0, 4, |c| matches!(c, '-' | ' ' | '+' | '(' | ')'))
    } else {
        keep_ends(&chars, 0, 0, |_| false)
    }
}

/// Masks a person's name (姓名脱敏) by character: `王小明` → `王*明`, `欧阳小明` → `欧**明`,
/// `王明` → `王*`; a single character is left unchanged.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    match chars.len() {
        0 | 1 => name.to_owned(),
        2 => keep_ends(&chars, 1, 0, |_| false),
        _ => keep_ends(&chars, 1, 1, |_| false),
    }
}

/// Keeps `head` leading and `tail` trailing characters (and any character `keep` accepts),
/// replacing every other character with `*`.
fn keep_ends(chars: &[char], head: usize, tail: usize, keep: impl Fn(char) -> bool) -> String {
    let n = chars.len();
    chars
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            if i < head || i + tail >= n || keep(c) {
                c
            } else {
                MASK
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_numbers() {
        assert_eq!(mask_id_no("331002198506122010"), "331002********2010");
        assert_eq!(mask_id_no("11010519491231002X"), "110105********002X");
        assert_eq!(mask_id_no("331002850612201"), "331002*****2201");
        assert_eq!(mask_id_no("E12345678"), "*******78");
        assert_eq!(mask_id_no("1234"), "****");
        assert_eq!(mask_id_no(""), "");
        assert_eq!(mask_id_no("身份证号码"), "***号码");
    }

    #[test]
    fn phones() {
        assert_eq!(mask_phone("13800000000"), "138****0000");
        assert_eq!(mask_phone("15957612345"), "159****2345");
        assert_eq!(mask_phone("0576-88123456"), "****-****3456");
        assert_eq!(mask_phone("88123456"), "****3456");
        assert_eq!(mask_phone("+86 13800000000"), "+** *******0000");
        assert_eq!(mask_phone("110"), "***");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn names() {
        assert_eq!(mask_name("王小明"), "王*明");
        assert_eq!(mask_name("王明"), "王*");
        assert_eq!(mask_name("王"), "王");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("Tom"), "T*m");
    }

    proptest! {
        #[test]
        fn never_panics_and_keeps_length(s in any::<String>()) {
            let n = s.chars().count();
            prop_assert_eq!(mask_id_no(&s).chars().count(), n);
            prop_assert_eq!(mask_phone(&s).chars().count(), n);
            prop_assert_eq!(mask_name(&s).chars().count(), n);
        }

        #[test]
        fn middle_of_an_id_number_never_shows(id in "[0-9]{17}[0-9X]") {
            let masked = mask_id_no(&id);
            prop_assert!(!masked.contains(&id[6..14]));
            prop_assert_eq!(&masked[..6], &id[..6]);
            prop_assert_eq!(&masked[14..], &id[14..]);
            prop_assert_eq!(&masked[6..14], "********");
        }

        #[test]
        fn mobiles_show_only_seven_digits(m in "1[0-9]{10}") {
            let masked = mask_phone(&m);
            prop_assert_eq!(&masked[..3], &m[..3]);
            prop_assert_eq!(&masked[3..7], "****");
            prop_assert_eq!(&masked[7..], &m[7..]);
        }

        #[test]
        fn names_hide_the_middle(name in "\\PC{3,8}") {
            let chars: Vec<char> = name.chars().collect();
            let masked: Vec<char> = mask_name(&name).chars().collect();
            prop_assert_eq!(masked.first(), chars.first());
            prop_assert_eq!(masked.last(), chars.last());
            prop_assert!(masked[1..masked.len() - 1].iter().all(|&c| c == '*'));
        }
    }
}
