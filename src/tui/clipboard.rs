//! `y`: text to the clipboard through the terminal (OSC 52), so it works over ssh and in tmux
//! (with `set-clipboard on`, tmux's default for outer terminals that allow it), with no clipboard
//! program on the machine greenroom runs on.

use base64::Engine;

/// The escape sequence that asks the terminal to put `text` on the clipboard.
pub fn osc52(text: &str) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_text_travels_base64_encoded_in_one_osc_52() {
        assert_eq!(
            super::osc52("component:default/order-service"),
            "\x1b]52;c;Y29tcG9uZW50OmRlZmF1bHQvb3JkZXItc2VydmljZQ==\x07"
        );
    }
}
