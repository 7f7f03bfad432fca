//! Opening a link in the user's browser without waiting for it: `$BROWSER` when set (as git, gh
//! and Python's webbrowser honour it), else the platform's opener (`open` on macOS, `xdg-open`
//! elsewhere). The process is spawned with no terminal I/O (it must not draw over the TUI) and
//! reaped on a thread of its own, so the event loop never blocks on it.

use std::process::{Command, Stdio};

/// The command that opens a URL (the URL is appended as the last argument).
pub fn command() -> Vec<String> {
    if let Some(browser) = std::env::var("BROWSER")
        .ok()
        .and_then(|b| b.split(':').next().map(str::trim).map(String::from))
        .filter(|b| !b.is_empty())
    {
        return browser.split_whitespace().map(String::from).collect();
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    vec![opener.to_string()]
}

/// Starts `command URL`; only http(s) URLs are opened (a URL from an API answer must not start a
/// local program or read a file). The error says what failed and gives the URL to copy.
pub fn open(command: &[String], url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|_| format!("not a link: {url}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("not an http(s) link, not opened: {url}"));
    }
    let Some((program, args)) = command.split_first() else {
        return Err(format!(
            "no browser configured (set BROWSER); the link: {url}"
        ));
    };
    let mut child = Command::new(program)
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot start {program} ({err}); set BROWSER, or open {url}"))?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_links_are_opened_and_a_missing_opener_says_so() {
        let missing = vec!["/nonexistent/greenroom-opener".to_string()];
        let err = open(&missing, "https://github.com/o/r/actions/runs/1").unwrap_err();
        assert!(
            err.contains("cannot start /nonexistent/greenroom-opener"),
            "{err}"
        );
        assert!(
            err.contains("https://github.com/o/r/actions/runs/1"),
            "{err}"
        );
        for bad in ["file:///etc/passwd", "--help", "javascript:alert(1)"] {
            assert!(open(&missing, bad).is_err(), "{bad}");
            assert!(!open(&missing, bad).unwrap_err().contains("cannot start"));
        }
        assert!(open(&["true".to_string()], "https://example.com/").is_ok());
    }
}
