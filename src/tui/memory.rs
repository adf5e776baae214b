//! SPEC §8: the console stays under 64 MB however much work it has done.
//! After a bulk write or a preview SQLite keeps the pages and the statement
//! memory it used, and the C allocator keeps freed memory mapped; both are
//! handed back here so resident memory falls back after the peak.

use rusqlite::Connection;

/// Give back what SQLite and the allocator hold beyond what is in use.
pub fn release(conn: &Connection) {
    conn.flush_prepared_statement_cache();
    if let Err(e) = conn.execute_batch("PRAGMA shrink_memory") {
        tracing::warn!("could not shrink SQLite's memory: {e}");
    }
    trim_heap();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_heap() {
    // SAFETY: malloc_trim only returns free memory at the top of glibc's
    // arenas to the system; it takes no pointer and touches no live block.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_heap() {}
