//! JavaScript number text: `Number.prototype.toString()`, `Number(string)`, `parseInt`,
//! `parseFloat` and `toFixed`, written out because Rust's float formatting and parsing differ
//! (`1e21`, `1e-7`, `"0x1f"`, `"Infinity"`, `" 12 "`).

/// `String(n)` for a number: the shortest round-trip digits laid out as ECMAScript's
/// Number::toString does.
pub fn js_number_string(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if n == 0.0 {
        return "0".into();
    }
    let sign = if n < 0.0 { "-" } else { "" };
    // `{:e}` gives the shortest round-trip digits: "1.2345e-7".
    let sci = format!("{:e}", n.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("{:e} has an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let k = digits.len() as i32;
    let e: i32 = exponent.parse().expect("{:e} exponent is an integer");
    let n_exp = e + 1; // position of the decimal point relative to the digits
    let body = if k <= n_exp && n_exp <= 21 {
        format!("{digits}{}", "0".repeat((n_exp - k) as usize))
    } else if 0 < n_exp && n_exp <= 21 {
        format!(
            "{}.{}",
            &digits[..n_exp as usize],
            &digits[n_exp as usize..]
        )
    } else if -6 < n_exp && n_exp <= 0 {
        format!("0.{}{digits}", "0".repeat((-n_exp) as usize))
    } else {
        let exp_sign = if n_exp - 1 >= 0 { "+" } else { "-" };
        let exp = (n_exp - 1).abs();
        if k == 1 {
            format!("{digits}e{exp_sign}{exp}")
        } else {
            format!("{}.{}e{exp_sign}{exp}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// JavaScript's whitespace for `trim` and number parsing.
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{a}' | '\u{b}' | '\u{c}' | '\u{d}' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `Number(string)`.
pub fn js_string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_whitespace);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            if rest.is_empty() || !rest.chars().all(|c| c.is_digit(radix)) {
                return f64::NAN;
            }
            return rest.chars().fold(0.0, |acc, c| {
                acc * f64::from(radix) + f64::from(c.to_digit(radix).unwrap_or(0))
            });
        }
    }
    let (sign, unsigned) = match t.as_bytes()[0] {
        b'+' => (1.0, &t[1..]),
        b'-' => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if unsigned == "Infinity" {
        return sign * f64::INFINITY;
    }
    if decimal_literal_len(unsigned) == unsigned.len() && !unsigned.is_empty() {
        return sign * unsigned.parse::<f64>().unwrap_or(f64::NAN);
    }
    f64::NAN
}

/// Length of the longest prefix that is a StrUnsignedDecimalLiteral (`1`, `1.`, `.5`, `1e3`).
fn decimal_literal_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let mut digits = i > int_start;
    if i < b.len() && b[i] == b'.' {
        let frac_start = i + 1;
        let mut j = frac_start;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if digits || j > frac_start {
            digits = true;
            i = j;
        }
    }
    if !digits {
        return 0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        let exp_start = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            i = j;
        }
    }
    i
}

/// `parseFloat(string)`.
pub fn js_parse_float(s: &str) -> f64 {
    let t = s.trim_start_matches(is_js_whitespace);
    let (sign, unsigned) = match t.as_bytes().first() {
        Some(b'+') => (1.0, &t[1..]),
        Some(b'-') => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    if unsigned.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let len = decimal_literal_len(unsigned);
    if len == 0 {
        return f64::NAN;
    }
    sign * unsigned[..len].parse::<f64>().unwrap_or(f64::NAN)
}

/// `parseInt(string, radix)`.
pub fn js_parse_int(s: &str, radix: f64) -> f64 {
    let t = s.trim_start_matches(is_js_whitespace);
    let (sign, mut rest) = match t.as_bytes().first() {
        Some(b'+') => (1.0, &t[1..]),
        Some(b'-') => (-1.0, &t[1..]),
        _ => (1.0, t),
    };
    let mut r = if radix.is_nan() || radix == 0.0 {
        0
    } else {
        (radix as i64).rem_euclid(1 << 32) as u32
    };
    let mut strip_prefix = true;
    if r != 0 {
        if !(2..=36).contains(&r) {
            return f64::NAN;
        }
        if r != 16 {
            strip_prefix = false;
        }
    } else {
        r = 10;
    }
    if strip_prefix && (rest.starts_with("0x") || rest.starts_with("0X")) {
        rest = &rest[2..];
        r = 16;
    }
    let digits: Vec<u32> = rest.chars().map_while(|c| c.to_digit(r)).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    sign * digits
        .iter()
        .fold(0.0, |acc, d| acc * f64::from(r) + f64::from(*d))
}

/// `Number.prototype.toFixed(digits)` for digits 0..=100.
pub fn js_to_fixed(n: f64, digits: f64) -> Result<String, String> {
    if digits.is_nan() || !(0.0..=100.0).contains(&digits.trunc()) {
        return Err("toFixed() digits argument must be between 0 and 100".into());
    }
    if !n.is_finite() || n.abs() >= 1e21 {
        return Ok(js_number_string(n));
    }
    let text = format!("{:.*}", digits.trunc() as usize, n);
    // Rust keeps the sign of -0.0 ("-0.00"); JavaScript prints "0.00".
    Ok(
        if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
            text[1..].to_string()
        } else {
            text
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_javascript_does() {
        for (n, s) in [
            (1.0, "1"),
            (-1.5, "-1.5"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e21, "1e+21"),
            (1.5e-7, "1.5e-7"),
            (123456789012345680000.0, "123456789012345680000"),
            (0.000001, "0.000001"),
            (2f64.powi(53), "9007199254740992"),
        ] {
            assert_eq!(js_number_string(n), s);
        }
    }

    #[test]
    fn strings_parse_as_javascript_does() {
        assert_eq!(js_string_to_number(" 12 "), 12.0);
        assert_eq!(js_string_to_number("0x1f"), 31.0);
        assert!(js_string_to_number("1a").is_nan());
        assert!(js_string_to_number("inf").is_nan());
        assert_eq!(js_string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert_eq!(js_string_to_number(".5"), 0.5);
        assert_eq!(js_parse_int("12px", 10.0), 12.0);
        assert_eq!(js_parse_float("3.5kg"), 3.5);
    }
}
