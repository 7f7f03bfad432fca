//! A one-line text input (the `/` filter, the `:` command line, the help search). The cursor stays
//! at the end: these inputs are short and retyped rather than edited in the middle.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextInput {
    pub text: String,
}

impl TextInput {
    pub fn push(&mut self, c: char) {
        self.text.push(c);
    }

    pub fn backspace(&mut self) {
        self.text.pop();
    }

    /// Deletes the last word and the spaces after it, like Ctrl-w in a shell.
    pub fn delete_word(&mut self) {
        let trimmed = self.text.trim_end_matches(' ').len();
        self.text.truncate(trimmed);
        let start = self.text.rfind(' ').map_or(0, |i| i + 1);
        self.text.truncate(start);
    }

    pub fn clear(&mut self) {
        self.text.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits() {
        let mut input = TextInput::default();
        "owner:team ledger  ".chars().for_each(|c| input.push(c));
        input.delete_word();
        assert_eq!(input.text, "owner:team ");
        input.backspace();
        assert_eq!(input.text, "owner:team");
        input.clear();
        assert!(input.is_empty());
    }
}
