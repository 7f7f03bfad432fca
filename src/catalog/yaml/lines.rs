//! Lines as the `yaml` package Backstage uses counts them: only `\n` ends a line (`\r\n` is one
//! break, and a lone `\r` is content). saphyr also breaks lines at a lone `\r`, which would put a
//! position on a line the file does not have (issue #21).

use super::node::Pos;
use saphyr_parser::Marker;

/// Turns saphyr's markers in one chunk into positions in the file.
pub(super) struct LineCounter {
    /// 0-based line of the file the chunk starts on.
    first_line: u32,
    /// The character index each line after the chunk's first starts at, when the chunk has a
    /// lone `\r` (saphyr's own line and column are right otherwise, and cost nothing).
    line_starts: Option<Vec<usize>>,
}

impl LineCounter {
    pub(super) fn new(chunk: &str, first_line: u32) -> Self {
        let bytes = chunk.as_bytes();
        let lone_cr = bytes
            .iter()
            .enumerate()
            .any(|(i, &b)| b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
        let line_starts = lone_cr.then(|| {
            chunk
                .chars()
                .enumerate()
                .filter(|&(_, c)| c == '\n')
                .map(|(i, _)| i + 1)
                .collect()
        });
        LineCounter {
            first_line,
            line_starts,
        }
    }

    /// The 1-based line and column of a marker (whose index counts characters).
    pub(super) fn pos(&self, marker: &Marker) -> Pos {
        let Some(starts) = &self.line_starts else {
            // saphyr's lines are 1-based, its columns 0-based.
            return Pos {
                line: self.first_line + marker.line() as u32,
                col: marker.col() as u32 + 1,
            };
        };
        let index = marker.index();
        let breaks = starts.partition_point(|&start| start <= index);
        let line_start = breaks.checked_sub(1).map_or(0, |b| starts[b]);
        Pos {
            line: self.first_line + breaks as u32 + 1,
            col: (index - line_start) as u32 + 1,
        }
    }
}
