//! Resource limits of one render, nunjitsu's defaults (`limits.ts`): a template cannot loop
//! forever, recurse without bound or fill memory.

/// Maximum template source length (UTF-16 code units in nunjitsu; characters here).
pub const SOURCE_UNITS: usize = 4 * 1024 * 1024;
/// Evaluator work units (one per node evaluated, loop iteration, value expanded).
pub const WORK_UNITS: u64 = 1_000_000;
/// Nested syntax and evaluation depth.
pub const NESTING_DEPTH: usize = 512;
/// Rendered output (bytes here; nunjitsu counts UTF-16 code units, the same for ASCII).
pub const OUTPUT_UNITS: usize = 16 * 1024 * 1024;
/// Host filter and global-function calls.
pub const CAPABILITY_CALLS: u32 = 4096;
/// Items one `range()` or repeated-space filter may build.
pub const MAX_REPEAT: usize = 16 * 1024 * 1024;

/// Which limit a render exceeded.
pub fn exceeded(resource: &str, configured: impl std::fmt::Display) -> String {
    format!("Template evaluation exceeded the {resource} limit of {configured}")
}
