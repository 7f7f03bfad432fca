//! Trees drawn as text: the guide lines before a node (`│  ├─ `), the fold mark of a node with
//! children, and the plain indent of trees without guides.

/// The guides before a node: for each ancestor below the root, outermost first, whether it was
/// its parent's last child; `last`: whether the node is its parent's last child (`None`: the root).
pub fn guides(ancestors_last: &[bool], last: Option<bool>) -> String {
    let mut prefix = String::new();
    for last in ancestors_last {
        prefix.push_str(if *last { "   " } else { "│  " });
    }
    match last {
        Some(true) => prefix.push_str("└─ "),
        Some(false) => prefix.push_str("├─ "),
        None => {}
    }
    prefix
}

/// The mark before a node: folded, unfolded, or no children to fold.
pub fn fold_mark(has_children: bool, collapsed: bool) -> &'static str {
    match (has_children, collapsed) {
        (false, _) => "  ",
        (true, true) => "▸ ",
        (true, false) => "▾ ",
    }
}

/// The indent of a node `depth` levels down a tree drawn without guides.
pub fn indent(depth: usize) -> String {
    "  ".repeat(depth)
}
