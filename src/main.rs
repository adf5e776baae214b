use std::process::ExitCode;

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    // A panic is a bug: report it readably. Bad input never gets here.
    let _ = color_eyre::install();
    leadrota::cli::main()
}

/// `leadrota lead list | head` closes the pipe before the list ends. Rust
/// ignores SIGPIPE, so the next `println!` would panic; end quietly instead,
/// as other command-line tools do.
fn end_quietly_on_a_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: runs first in `main`, before any other thread exists, and only
    // restores the default action of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
