use std::process::ExitCode;

fn main() -> ExitCode {
    // A panic is a bug: report it readably. Bad input never gets here.
    let _ = color_eyre::install();
    leadrota::cli::main()
}
