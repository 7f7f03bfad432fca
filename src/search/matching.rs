//! Matching one needle against one field: byte loops for the common all-ASCII case, the nucleo
//! matcher for the rest and for scores, and the bound of the scores it can give.

use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::query::Mode;

/// An upper bound of the matcher's score for a needle of `len` characters:
/// each character scores at most 16 plus a boundary bonus of 10 (doubled for
/// the first one), plus at most 8 for starting the field. Checked by a test.
pub(super) fn max_quality(len: usize) -> u32 {
    // Scores are u16: long needles cap there.
    (26 * len.min(u16::MAX as usize) + 18).min(u16::MAX as usize) as u32
}

pub(super) fn new_matcher() -> Matcher {
    let mut config = Config::DEFAULT;
    // Among equally good matches in a field, the one nearer its start wins
    // ("Order service" before "Legacy order service").
    config.prefer_prefix = true;
    Matcher::new(config)
}

/// Whether `needle` matches, for the common all-ASCII case (fuzzy: a
/// subsequence; substring: contained; prefix: after leading whitespace,
/// like the matcher); `None` when only the matcher can tell. ASCII haystacks
/// and needles are both lowercase. Plain byte loops over short fields are
/// several times cheaper than the matcher, which also scores.
pub(super) fn ascii_match(
    mode: Mode,
    haystack: Utf32Str<'_>,
    needle: Utf32Str<'_>,
) -> Option<bool> {
    let (Utf32Str::Ascii(haystack), Utf32Str::Ascii(needle)) = (haystack, needle) else {
        return None;
    };
    if needle.len() > haystack.len() {
        return Some(false);
    }
    Some(match mode {
        Mode::Fuzzy => {
            let mut rest = haystack;
            for &c in needle {
                let Some(i) = find_byte(rest, c) else {
                    return Some(false);
                };
                rest = &rest[i + 1..];
            }
            true
        }
        Mode::Substring => {
            let Some(&first) = needle.first() else {
                return Some(true);
            };
            let last_start = haystack.len() - needle.len();
            let mut from = 0;
            while let Some(i) = find_byte(&haystack[from..=last_start], first) {
                let at = from + i;
                if bytes_eq(&haystack[at..at + needle.len()], needle) {
                    return Some(true);
                }
                from = at + 1;
            }
            false
        }
        Mode::Prefix => {
            let lead = match (haystack.first(), needle.first()) {
                (Some(h), Some(n)) if h.is_ascii_whitespace() && !n.is_ascii_whitespace() => {
                    haystack
                        .iter()
                        .position(|b| !b.is_ascii_whitespace())
                        .unwrap_or(0)
                }
                _ => 0,
            };
            let rest = &haystack[lead..];
            rest.len() >= needle.len() && bytes_eq(&rest[..needle.len()], needle)
        }
    })
}

/// Equality of short byte strings, without a call to `memcmp`.
fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Position of the first `c` in `haystack`, eight bytes at a time: XOR with
/// `c` zeroes matching bytes, and the has-zero-byte trick finds the first.
/// (Fields are short: this beats memchr's per-call set-up.)
fn find_byte(haystack: &[u8], c: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let pattern = ONES * u64::from(c);
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let diff = word ^ pattern;
        let zeros = diff.wrapping_sub(ONES) & !diff & HIGHS;
        if zeros != 0 {
            return Some(offset + zeros.trailing_zeros() as usize / 8);
        }
        offset += 8;
    }
    let tail = chunks.remainder();
    tail.iter().position(|&b| b == c).map(|i| offset + i)
}

/// Runs one comparison; with `indices`, also appends the matched positions.
pub(super) fn run(
    matcher: &mut Matcher,
    mode: Mode,
    haystack: Utf32Str<'_>,
    needle: Utf32Str<'_>,
    indices: Option<&mut Vec<u32>>,
) -> Option<u16> {
    match (mode, indices) {
        (Mode::Fuzzy, None) => matcher.fuzzy_match(haystack, needle),
        (Mode::Substring, None) => matcher.substring_match(haystack, needle),
        (Mode::Prefix, None) => matcher.prefix_match(haystack, needle),
        (Mode::Fuzzy, Some(out)) => matcher.fuzzy_indices(haystack, needle, out),
        (Mode::Substring, Some(out)) => matcher.substring_indices(haystack, needle, out),
        (Mode::Prefix, Some(out)) => matcher.prefix_indices(haystack, needle, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short strings over a small alphabet with the interesting classes:
    /// both cases, digits, separators, whitespace.
    fn strings(seed: u64, count: usize, max_len: usize) -> Vec<String> {
        const ALPHABET: &[u8] = b"abcABC-_/: .1xyZ";
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        (0..count)
            .map(|_| {
                let len = next() % (max_len + 1);
                (0..len)
                    .map(|_| ALPHABET[next() % ALPHABET.len()] as char)
                    .collect()
            })
            .collect()
    }

    /// Lowercase copies of `strings` (stored ASCII text, and needles, are lowercase).
    fn lowercase(strings: impl IntoIterator<Item = String>) -> Vec<String> {
        strings
            .into_iter()
            .map(|s| s.to_ascii_lowercase())
            .collect()
    }

    /// Runs `check` on every mode, haystack and needle, with the two as ASCII matcher input.
    fn each_ascii_case(
        haystacks: &[String],
        needles: &[String],
        mut check: impl FnMut(Mode, &str, &str, Utf32Str<'_>, Utf32Str<'_>),
    ) {
        for haystack in haystacks {
            for needle in needles {
                let (h, n) = (
                    Utf32Str::Ascii(haystack.as_bytes()),
                    Utf32Str::Ascii(needle.as_bytes()),
                );
                for mode in [Mode::Fuzzy, Mode::Substring, Mode::Prefix] {
                    check(mode, haystack, needle, h, n);
                }
            }
        }
    }

    #[test]
    fn ascii_checks_agree_with_the_matcher() {
        let mut matcher = new_matcher();
        let haystacks = lowercase(strings(1, 300, 24));
        let needles = lowercase(strings(2, 60, 4));
        each_ascii_case(&haystacks, &needles, |mode, haystack, needle, h, n| {
            let expected = run(&mut matcher, mode, h, n, None).is_some();
            assert_eq!(
                ascii_match(mode, h, n),
                Some(expected),
                "{mode:?} {needle:?} in {haystack:?}"
            );
        });
    }

    #[test]
    fn max_quality_bounds_every_score() {
        let mut matcher = new_matcher();
        let mut haystacks = lowercase(strings(3, 400, 40));
        haystacks.extend(
            ["abc", "a", "ab abc", "x/abc", " abc", "ABC", "a-b-c", "aBc"].map(String::from),
        );
        let mut needles = lowercase(strings(4, 80, 8));
        needles.extend(["a", "abc", "ab", "a-b"].map(String::from));
        each_ascii_case(&haystacks, &needles, |mode, haystack, needle, h, n| {
            if let Some(q) = run(&mut matcher, mode, h, n, None) {
                assert!(
                    u32::from(q) <= max_quality(needle.len()),
                    "{mode:?} {needle:?} in {haystack:?}: {q} > {}",
                    max_quality(needle.len())
                );
            }
        });
    }

    #[test]
    fn find_byte_finds_the_first_match() {
        let text = b"the quick brown fox, jumps over 42 lazy dogs";
        for c in b"tqbx,j4 zs?".iter().copied() {
            assert_eq!(
                find_byte(text, c),
                text.iter().position(|&b| b == c),
                "{}",
                c as char
            );
        }
        assert_eq!(
            find_byte(b"\x80\x80\x80\x80\x80\x80\x80\x80\x00", 0),
            Some(8)
        );
        assert_eq!(find_byte(b"", b'a'), None);
    }
}
