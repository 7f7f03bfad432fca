//! Hostile catalog files built in the tests rather than stored: what a YAML parser must refuse.

/// A "billion laughs" document: `a` is nine `laugh`s, and each of `b` to `i` nine aliases of the
/// one before, so that expanding `i` would give 9^9 laughs.
pub fn billion_laughs(laugh: &str) -> String {
    let mut bomb = format!("a: &a [{}]\n", [laugh; 9].join(","));
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!(
            "{name}: &{name} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    bomb
}
