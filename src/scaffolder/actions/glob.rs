//! Path globs as Backstage's actions match them (globby), shared by `fetch:template`'s
//! `copyWithoutTemplating` and `fs:delete`.

/// globby's matching: `*` stays within one path segment, dotfiles match.
pub fn glob_matches(patterns: &[glob::Pattern], path: &str) -> bool {
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: false,
    };
    let bare = path.trim_end_matches('/');
    patterns
        .iter()
        .any(|p| p.matches_with(path, options) || p.matches_with(bare, options))
}
